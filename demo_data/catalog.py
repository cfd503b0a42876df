"""The apparel catalog: styles (product templates) in size and colour variants."""
from odoo import Command

SIZES = ("S", "M", "L", "XL")
COLOURS = (("Navy", "#1f2a44"), ("Heather Grey", "#9ea3a8"), ("White", "#ffffff"), ("Oatmeal", "#d8ccb4"),
           ("Khaki", "#b8a27a"), ("Black", "#111111"), ("Olive", "#556b2f"))
# name, category, sizes, colours, factory cost, list price, weight (kg), volume (m³)
STYLES = (
    ("Classic Crew Tee", "Tops", ("S", "M", "L", "XL"), ("Navy", "Heather Grey", "White"), 4.20, 24.0, 0.2, 0.001),
    ("Merino Crew Sweater", "Knitwear", ("S", "M", "L"), ("Navy", "Oatmeal"), 18.50, 89.0, 0.4, 0.003),
    ("Slim Chino", "Bottoms", ("S", "M", "L"), ("Khaki", "Navy"), 11.00, 68.0, 0.5, 0.002),
    ("Rain Shell Jacket", "Outerwear", ("M", "L"), ("Black", "Olive"), 32.00, 149.0, 0.7, 0.006),
)
# Selling season of each style: "SS" (spring/summer) or "FW" (fall/winter), followed by the year.
SEASONS = {"Classic Crew Tee": "SS", "Merino Crew Sweater": "FW", "Slim Chino": "SS", "Rain Shell Jacket": "FW"}
# Outerwear is valued FIFO to show both cost methods side by side; the rest average cost.
FIFO_CATEGORIES = ("Outerwear",)


def _attribute(env, name, display_type, values):
    """The attribute named ``name`` (reused when the database has one) with every value of ``values``."""
    Attribute = env["product.attribute"]
    attribute = Attribute.search([("name", "=", name)], limit=1) or Attribute.create(
        {"name": name, "display_type": display_type, "create_variant": "always"})
    existing = {value.name: value for value in attribute.value_ids}
    missing = [(value, color) for value, color in values if value not in existing]
    if missing:
        env["product.attribute.value"].create([{
            "attribute_id": attribute.id, "name": value, "html_color": color or False,
        } for value, color in missing])
        attribute.invalidate_recordset(["value_ids"])
    return attribute, {value.name: value for value in attribute.value_ids}


def create_catalog(env, company, today):
    """Create the categories and styles; returns {style name: product.template}."""
    size, sizes = _attribute(env, "Size", "radio", [(s, None) for s in SIZES])
    colour, colours = _attribute(env, "Colour", "color", COLOURS)
    Category = env["product.category"]
    apparel = Category.create({"name": "Apparel"})
    categories = {}
    for name in dict.fromkeys(style[1] for style in STYLES):
        categories[name] = Category.create({"name": name, "parent_id": apparel.id}).with_company(company)
        categories[name].write({
            "property_cost_method": "fifo" if name in FIFO_CATEGORIES else "average",
            "property_valuation": "manual_periodic"})
    templates = env["product.template"].with_company(company).create([{
        "name": name,
        "categ_id": categories[category].id,
        "is_storable": True,
        "list_price": price,
        "standard_price": cost,
        "weight": weight,
        "volume": volume,
        "purchase_ok": True,
        "sale_ok": True,
        "attribute_line_ids": [
            Command.create({"attribute_id": size.id, "value_ids": [Command.set([sizes[s].id for s in style_sizes])]}),
            Command.create({"attribute_id": colour.id,
                            "value_ids": [Command.set([colours[c].id for c in style_colours])]}),
        ],
    } for name, category, style_sizes, style_colours, cost, price, weight, volume in STYLES])
    if "season" in templates._fields:  # the season of the sell-through report, when the field exists
        for template in templates:
            template.season = "%s%02d" % (SEASONS[template.name], today.year % 100)
    for template, style in zip(templates, STYLES):
        template.product_variant_ids.with_company(company).write({
            "standard_price": style[4], "weight": style[6], "volume": style[7]})
    return {template.name: template for template in templates}
