from datetime import date

from odoo import Command

from .landed_cost_common import LandedCostCommon

SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


class ExplanationCommon(LandedCostCommon):
    """A style "Polo" in sizes S and M (FIFO) with two months of activity whose drivers are known by construction.

    September: PO1 receives S 100 @ 10 and M 100 @ 10 with an estimated freight of 400 split by quantity
    (2 a unit: both carry 12); wholesale ships S 50 @ 30 (COGS 600), e-commerce ships M 20 @ 40 (240).

    October: PO2 receives S 100 @ 11 and M 50 @ 14 with an estimated freight of 50 on M only (M at 15);
    wholesale ships S 80 @ 32 (FIFO: 50 @ 12 + 30 @ 11 = 930); e-commerce ships M 40 @ 40 (40 @ 12 = 480);
    PO1's actual freight is 600 (+200, +100 per size): S from PO1 is all shipped (100 to COGS), M has 40 of
    100 left (40 to inventory, 60 to COGS); the customer returns 5 M (5 @ 12 = 60); 10 S are scrapped
    (10 @ 11 = 110); M is revalued by +20.

    Every operation runs through Odoo's own flows; the layers and landed costs are then dated in their month.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        size = cls.env["product.attribute"].create({
            "name": "Size", "value_ids": [Command.create({"name": "S"}), Command.create({"name": "M"})]})
        cls.style = cls.env["product.template"].create({
            "name": "Polo", "is_storable": True, "categ_id": cls.fifo_category.id, "standard_price": 10.0,
            "list_price": 30.0,
            "attribute_line_ids": [Command.create({"attribute_id": size.id, "value_ids": [Command.set(size.value_ids.ids)]})],
        })
        cls.small, cls.medium = (cls.style.product_variant_ids.filtered(
            lambda p, name=name: p.product_template_attribute_value_ids.name == name) for name in ("S", "M"))
        cls.wholesale = cls.team
        cls.ecommerce = cls.env["crm.team"].create({"name": "E-commerce"})
        cls.Explanation = cls.env["stock.value.explanation"]

    # ------------------------------------------------------------------ helpers
    def sell_at(self, product, quantity, price, team):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id, "team_id": team.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": quantity,
                                           "price_unit": price})]})
        order.action_confirm()
        self.validate(order.picking_ids)
        return order

    def date_everything(self, day):
        """Give the layers and landed costs not dated yet the date ``day`` (they were made today)."""
        self.flush_ledger()
        self.env.cr.execute("""UPDATE stock_valuation_layer SET create_date = %s
                                WHERE product_id IN %s AND create_date > '2026-11-01'""",
                            [day, tuple(self.style.product_variant_ids.ids)])
        self.env.cr.execute("UPDATE stock_landed_cost SET date = %s WHERE date > '2026-11-01'", [day])
        self.env.cr.execute("""UPDATE qbo_posting SET date = %s::date, original_date = %s::date
                                WHERE date > '2026-11-01'""", [day, day])
        self.env.invalidate_all()

    def run_scenario(self):
        po1 = self.order([(self.small, 100, 10.0), (self.medium, 100, 10.0)],
                         [("freight", "fixed_quantity", 400.0, None)])
        self.validate(self.receipt(po1))
        self.sell_at(self.small, 50, 30.0, self.wholesale)
        self.sell_at(self.medium, 20, 40.0, self.ecommerce)
        self.date_everything("2026-09-15 10:00:00")

        po2 = self.order([(self.small, 100, 11.0), (self.medium, 50, 14.0)],
                         [("freight", "fixed_quantity", 50.0, 1)])
        self.validate(self.receipt(po2))
        self.sell_at(self.small, 80, 32.0, self.wholesale)
        medium_sale = self.sell_at(self.medium, 40, 40.0, self.ecommerce)
        self.actual(po1, "freight", 600.0)
        self.return_to_vendor(medium_sale.picking_ids, 5)  # a return of the delivery: the customer's
        scrap = self.env["stock.scrap"].create({
            "product_id": self.small.id, "scrap_qty": 10, "location_id": self.stock.id, "inventory_reason": "Torn"})
        scrap.action_validate()
        self.env["stock.valuation.layer.revaluation"].create({
            "product_id": self.medium.id, "company_id": self.company.id, "added_value": 20.0,
            "reason": "Market price"}).action_validate_revaluation()
        self.date_everything("2026-10-15 10:00:00")
        self.po1, self.po2 = po1, po2

    def amounts(self, result):
        return {line["driver"]: line["amount"] for line in result["drivers"]}

    def assertAddsUp(self, result):
        """opening + Σ drivers == closing, in integer cents."""
        self.assertEqual(result["opening_cents"] + sum(line["cents"] for line in result["drivers"]),
                         result["closing_cents"])
