"""Channel allocations and safety stock of the demo, when the addon has them (available to promise)."""

SAFETY_STOCK = {"Classic Crew Tee": 6, "Slim Chino": 4}  # units per variant kept out of what sales may promise


def create_allocations(env, setup, styles):
    """Wholesale keeps 30 % of the knitwear in the DC; the web shop 10 navy tees in M. Returns the allocations."""
    for style, qty in SAFETY_STOCK.items():
        if "safety_stock_qty" in styles[style]._fields:
            styles[style].product_variant_ids.safety_stock_qty = qty
    if "stock.channel.allocation" not in env:
        return None
    sweater = styles["Merino Crew Sweater"]
    tees = styles["Classic Crew Tee"].product_variant_ids
    tee = tees.filtered(lambda v: {"M", "Navy"} <= set(
        v.product_template_attribute_value_ids.product_attribute_value_id.mapped("name")))[:1] or tees[:1]
    return env["stock.channel.allocation"].create([
        {"company_id": setup.company.id, "channel_id": setup.channels["Wholesale"].id,
         "categ_id": sweater.categ_id.id, "warehouse_id": setup.dc.id, "kind": "percent", "value": 30,
         "note": "Reserved for the fall wholesale re-orders"},
        {"company_id": setup.company.id, "channel_id": setup.channels["E-commerce"].id,
         "product_id": tee.id, "warehouse_id": setup.dc.id, "kind": "quantity", "value": 10,
         "note": "Best seller online"},
    ])
