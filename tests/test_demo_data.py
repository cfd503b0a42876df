from datetime import date, timedelta

from odoo.tests import TransactionCase, tagged

from ..const import ON_HAND_STATES
from ..demo_data.activity import ON_THE_WATER


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The apparel demo's story, played by the loader in a database without demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.story = cls.env["stock.quickbooks.demo"]._load_demo()
        cls.setup = cls.story.setup
        cls.company = cls.setup.company
        cls.variants = cls.env["product.product"].browse(
            [v.id for template in cls.story.styles.values() for v in template.product_variant_ids])
        cls.postings = cls.env["qbo.posting"].search([("company_id", "=", cls.company.id)])

    def test_styles_come_in_size_and_colour_variants(self):
        for template in self.story.styles.values():
            self.assertEqual(template.attribute_line_ids.attribute_id.mapped("name"), ["Size", "Colour"])
            expected = len(template.attribute_line_ids[0].value_ids) * len(template.attribute_line_ids[1].value_ids)
            self.assertGreater(expected, 1)
            self.assertEqual(len(template.product_variant_ids), expected, template.name)
        costs = {template.categ_id.with_company(self.company).property_cost_method
                 for template in self.story.styles.values()}
        self.assertEqual(costs, {"average", "fifo"})

    def test_three_channels_sell_from_two_warehouses(self):
        self.assertEqual(self.setup.dc.reception_steps, "three_steps", "the DC has quality control")
        orders = self.env["sale.order"].search([("team_id", "in", [t.id for t in self.setup.channels.values()])])
        self.assertEqual(set(orders.team_id.mapped("name")), {"Wholesale", "E-commerce", "Retail"})
        self.assertEqual(set(orders.warehouse_id.mapped("code")), {"LADC", "NYST"})
        for order in orders:
            delivery = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
            self.assertEqual(delivery.mapped("state"), ["done"], "%s is shipped" % order.name)
        self.assertFalse(self.setup.channels["Wholesale"].qbo_class_id, "no QuickBooks connection, no class")

    def test_outbox_holds_every_event_of_the_quarter(self):
        self.assertEqual(set(self.postings.mapped("state")), {"to_post"}, "nothing is sent at install")
        self.assertTrue({"receipt", "in_transit", "hold_release", "delivery", "customer_return", "scrap",
                         "landed_cost"} <= set(self.postings.mapped("event_type")),
                        self.postings.mapped("event_type"))
        for posting in self.postings:
            self.assertAlmostEqual(sum(posting.line_ids.mapped("amount")), 0.0, places=2, msg=posting.display_name)
        quarter_start = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=1)
        dates = self.postings.mapped("date")
        self.assertLessEqual(max(dates), self.today)
        self.assertLessEqual(min(dates), quarter_start, "the quarter starts two months ago")
        layers = self.env["stock.valuation.layer"].search([("product_id", "in", self.variants.ids)])
        self.assertEqual({layer.create_date.date() for layer in layers if layer.qbo_posting_id},
                         {posting.date for posting in layers.qbo_posting_id},
                         "layers and their postings carry the same days")

    def test_late_freight_bill_is_trued_up_with_its_split(self):
        actual = self.story.late_bill
        self.assertEqual(actual.state, "applied")
        true_up = actual.true_up_cost_id
        self.assertTrue(true_up.is_true_up)
        self.assertEqual(true_up.state, "done")
        lines = true_up.valuation_adjustment_lines
        self.assertGreater(sum(lines.mapped("qbo_onhand_amount")), 0, "part of the first container is on hand")
        self.assertGreater(sum(lines.mapped("qbo_sold_amount")), 0, "part of it was sold")
        self.assertAlmostEqual(sum(lines.mapped("additional_landed_cost")), sum(
            lines.mapped("qbo_onhand_amount")) + sum(lines.mapped("qbo_sold_amount"))
            + sum(lines.mapped("qbo_returned_amount")) + sum(lines.mapped("qbo_variance_amount")), places=2)
        self.assertFalse(self.env["ir.model.data"].search_count([
            ("model", "=", "product.product"), ("res_id", "in", true_up.cost_lines.product_id.ids)]),
            "the demo's landed costs use its own products, so uninstalling leaves no external id behind")
        posting = self.postings.filtered(lambda p: p.landed_cost_id == true_up)
        self.assertEqual(posting.date, actual.date, "booked at the bill's date")
        self.assertLess(actual.date, self.today.replace(day=1), "the bill is dated last month")
        self.assertGreater(posting.create_date.date(), actual.date, "entered after its date")

    def test_returns_are_inspected_and_scrap_is_recorded(self):
        returned = self.story.returned
        self.assertEqual(returned.location_dest_id, self.setup.inspection)
        self.assertEqual(returned.move_ids.quantity, 2)
        events = self.env["stock.inventory.event"].search([("location_id", "=", self.setup.inspection.id),
                                                          ("to_state", "in", ("inspected", "scrapped"))])
        self.assertEqual(sorted(events.mapped("to_state")), ["inspected", "inspected", "scrapped"],
                         "one unit back to stock, one scrapped, both inspected first")
        self.assertEqual(len(self.story.scraps), 2)
        self.assertEqual(set(self.story.scraps.mapped("state")), {"done"})

    def test_ledger_balances_match_the_goods(self):
        Event = self.env["stock.inventory.event"]
        balances = Event._state_balances([("product_id", "in", self.variants.ids)])
        quants = self.env["stock.quant"]._read_group(
            [("product_id", "in", self.variants.ids), ("location_id.usage", "=", "internal")],
            ["product_id"], ["quantity:sum"])
        on_hand = {product: qty for product, qty in quants}
        for variant in self.variants:
            ledger = sum(balances.get((variant, state), (0.0, 0.0))[0] for state in ON_HAND_STATES)
            self.assertAlmostEqual(ledger, on_hand.get(variant, 0.0), msg=variant.display_name)
        in_transit = sum(qty for (product, state), (qty, _value) in balances.items() if state == "in_transit")
        on_the_water = sum(len(self.story.styles[style].product_variant_ids) * qty
                           for style, qty in ON_THE_WATER.items())
        self.assertEqual(in_transit, on_the_water, "only the last order is still on the water")
        quality_hold = sum(qty for (product, state), (qty, _value) in balances.items() if state == "quality_hold")
        self.assertEqual(quality_hold, 0, "every container was released from quality control")

    def test_seasons_and_allocations_when_the_addon_has_them(self):
        if "stock.channel.allocation" not in self.env or "season" not in self.env["product.template"]._fields:
            self.skipTest("this build has no channel allocations or seasons")
        self.assertEqual({t.season[:2] for t in self.story.styles.values()}, {"SS", "FW"})
        allocations = self.story.allocations
        self.assertEqual(set(allocations.channel_id.mapped("name")), {"Wholesale", "E-commerce"})
        self.assertEqual(len(allocations.product_id), 1, "the web shop's tee is one variant")
