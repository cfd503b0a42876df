from odoo import fields
from odoo.tests import tagged

from .explanation_common import ExplanationCommon


@tagged("post_install", "-at_install")
class TestScreensMarginBridge(ExplanationCommon):
    """The bridge computes for every style and period: no sales, no stock, landed costs all on sold goods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Bridge = cls.env["stock.margin.bridge"]
        cls.shell = cls.env["product.template"].create({
            "name": "Rain Shell", "is_storable": True, "categ_id": cls.fifo_category.id, "standard_price": 10.0})
        cls.today = fields.Date.context_today(cls.Bridge)
        cls.month = (cls.today.replace(day=1), cls.today)

    def sold_out_before_the_freight_bill(self):
        """10 @ 10 received with a freight estimate of 20 (12 a unit), all 10 sold @ 30, then the freight
        bill of 35: its +15 has no on-hand share, all of it goes to COGS."""
        variant = self.shell.product_variant_id
        order = self.order([(variant, 10, 10.0)], [("freight", "fixed_quantity", 20.0, None)])
        self.validate(self.receipt(order))
        self.sell_at(variant, 10, 30.0, self.wholesale)
        self.actual(order, "freight", 35.0, date=self.today)
        return order

    def test_late_landed_cost_with_no_onhand_share(self):
        order = self.sold_out_before_the_freight_bill()
        true_up = order.landed_cost_ids.filtered("is_true_up")
        self.assertEqual(true_up.valuation_adjustment_lines.mapped("qbo_sold_amount"), [15.0])
        period = self.Bridge._bridge(self.company, self.shell.id, *self.month)["period"]
        # freight: 2 a unit carried × 10 shipped + 15 booked straight to COGS
        self.assertEqual(period["components"], {"freight": 3500})
        self.assertEqual((period["revenue"], period["landed_cogs"], period["factory_cogs"], period["landed_margin"]),
                         (30000, 13500, 10000, 16500))

    def test_landed_cost_validated_before_the_split_was_stored(self):
        """A landed cost validated before the on-hand/sold split existed (history from before the addon)
        has no split on its lines: the bridge carries nothing for it instead of failing."""
        order = self.sold_out_before_the_freight_bill()
        self.env.flush_all()
        self.env.cr.execute("""UPDATE stock_valuation_adjustment_lines
                                  SET qbo_onhand_amount = NULL, qbo_sold_amount = NULL
                                WHERE cost_id IN %s""", [tuple(order.landed_cost_ids.ids)])
        self.env.invalidate_all()
        bridge = self.Bridge.create({"product_tmpl_id": self.shell.id, "date_from": self.month[0],
                                     "date_to": self.month[1]})
        steps = {(line.section, line.step): line.amount for line in bridge.line_ids}
        self.assertEqual(steps[("period", "revenue")], 300.0)
        # without the split nothing tells which share went to COGS: COGS is the delivery's 120 alone,
        # and no landed cost component is known
        self.assertEqual(steps[("period", "landed_margin")], 180.0)
        self.assertEqual(steps[("period", "factory_margin")], 180.0)

    def test_every_style_and_period_computes(self):
        self.sold_out_before_the_freight_bill()
        empty = self.env["product.template"].create({"name": "Scarf", "is_storable": True})
        for style in (self.shell, empty, self.env["product.template"]):
            for date_from, date_to in (self.month, ("2020-01-01", "2020-01-31")):
                bridge = self.Bridge.create({"product_tmpl_id": style.id, "date_from": date_from,
                                             "date_to": date_to})
                self.assertTrue(bridge.line_ids, f"{style.name or 'company'} {date_from}")
        old = self.Bridge.create({"product_tmpl_id": self.shell.id, "date_from": "2020-01-01",
                                  "date_to": "2020-01-31"})
        self.assertEqual(old.note, "No sales in the period.")
