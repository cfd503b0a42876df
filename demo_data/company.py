"""The apparel company's setup: two warehouses, three sales channels, a factory vendor and its estimate rules."""
from types import SimpleNamespace

FACTORY_LANE = "Ningbo-Los Angeles sea"
# Landed cost estimate rules of the factory's FOB shipments: cost type, method, rate or amount.
FACTORY_RULES = (
    ("Ocean freight per unit", "freight", "per_unit", 0.45),
    ("US duty on apparel", "duty", "percent_value", 16.5),
    ("Customs broker per entry", "broker", "fixed_value", 175.0),
    ("Cargo insurance", "insurance", "percent_value", 0.5),
)
# The forwarder's and broker's service products the rules book with. The demo has its own: landed
# costs keep referencing their products, so the addon's products (which have external ids) would
# stay behind when the addon is uninstalled.
COST_PRODUCTS = {
    "freight": ("Ocean Freight (OceanLink)", "by_quantity"),
    "duty": ("US Import Duty", "by_current_cost_price"),
    "broker": ("Customs Brokerage (Pacific Customs)", "by_current_cost_price"),
    "insurance": ("Marine Cargo Insurance", "by_current_cost_price"),
}
CHANNELS = ("Wholesale", "E-commerce", "Retail")


def create_company_setup(env, company):
    """Create the warehouses, channels, partners and rules; returns them in a namespace."""
    Warehouse = env["stock.warehouse"].with_company(company)
    # The distribution center checks every container: input → quality control → stock.
    dc = Warehouse.create({"name": "Los Angeles DC", "code": "LADC", "company_id": company.id,
                           "reception_steps": "three_steps"})
    store = Warehouse.create({"name": "New York Store", "code": "NYST", "company_id": company.id})
    inspection = env["stock.location"].create({
        "name": "Returns Inspection", "usage": "internal", "location_id": dc.view_location_id.id,
        "company_id": company.id, "is_return_inspection": True})
    channels = env["crm.team"].create([{"name": name, "company_id": company.id} for name in CHANNELS])
    Partner = env["res.partner"]
    vendor = Partner.create({"name": "Ningbo Harbor Knitwear Co., Ltd.", "is_company": True,
                             "country_id": env.ref("base.cn").id, "city": "Ningbo"})
    customers = {
        "Wholesale": Partner.create([
            {"name": "Bayside Boutiques", "is_company": True, "city": "San Diego"},
            {"name": "Summit Outfitters", "is_company": True, "city": "Denver"}]),
        "E-commerce": Partner.create([
            {"name": "Jamie Rivera", "city": "Austin"}, {"name": "Priya Shah", "city": "Seattle"}]),
        "Retail": Partner.create([{"name": "Store Walk-in Customer"}]),
    }
    fob = env.ref("account.incoterm_FOB")
    cost_products = {cost_type: env["product.product"].create({
        "name": name, "type": "service", "landed_cost_ok": True, "landed_cost_type": cost_type,
        "split_method_landed_cost": split, "purchase_ok": True, "sale_ok": False,
    }) for cost_type, (name, split) in COST_PRODUCTS.items()}
    rules = env["purchase.landed.cost.rule"].create([{
        "name": name, "company_id": company.id, "cost_type": cost_type, "method": method,
        "rate" if not method.startswith("fixed_") else "amount": value,
        "partner_id": vendor.id, "incoterm_id": fob.id, "product_id": cost_products[cost_type].id,
    } for name, cost_type, method, value in FACTORY_RULES])
    return SimpleNamespace(
        company=company, dc=dc, store=store, inspection=inspection, fob=fob, vendor=vendor, rules=rules,
        cost_products=cost_products,
        channels={team.name: team for team in channels}, customers=customers)
