from odoo.tests import TransactionCase, tagged

from ..const import ON_HAND_STATES


@tagged("post_install", "-at_install")
class TestFinanceReportsDemo(TransactionCase):
    """Inventory Value by State on the apparel demo's quarter: FOB shipments with estimated landed costs into
    a three-step distribution center and a one-step store."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.story = cls.env["stock.quickbooks.demo"]._load_demo()
        cls.setup = cls.story.setup
        cls.variants = cls.env["product.product"].browse(
            [v.id for template in cls.story.styles.values() for v in template.product_variant_ids])
        cls.env.flush_all()
        cls.env.cr.flush()  # the ledger's pending transitions, as at commit

    def by_warehouse_and_state(self, domain):
        groups = self.env["stock.inventory.value.report"].read_group(
            [("product_id", "in", self.variants.ids)] + domain, ["quantity", "value"], ["warehouse_id", "state"],
            lazy=False)
        return {(group["warehouse_id"] and group["warehouse_id"][0], group["state"]):
                (round(group["quantity"], 4), round(group["value"], 2)) for group in groups}

    def test_no_warehouse_holds_a_negative_state(self):
        owned = self.by_warehouse_and_state([("is_owned", "=", True)])
        self.assertTrue(owned)
        for key, (quantity, value) in owned.items():
            self.assertGreaterEqual(quantity, 0.0, "negative units in %s" % (key,))
            self.assertGreaterEqual(value, 0.0, "negative value in %s" % (key,))
            if not quantity:
                self.assertEqual(value, 0.0, "value left in %s without units" % (key,))
        # ordered is not owned, but its value also comes back to zero with its units
        for key, (quantity, value) in self.by_warehouse_and_state([("state", "=", "ordered")]).items():
            self.assertEqual((quantity, value), (0.0, 0.0), key)

    def test_in_transit_is_what_is_on_the_water_at_its_booked_value(self):
        owned = self.by_warehouse_and_state([("is_owned", "=", True)])
        store, dc = self.setup.store, self.setup.dc
        self.assertEqual(owned.get((store.id, "in_transit"), (0.0, 0.0)), (0.0, 0.0),
                         "the store's order was received: nothing of it is in transit")
        on_the_water = self.story.orders["on the water"].order_line
        booked = self.env["qbo.posting"].search([
            ("event_type", "=", "in_transit"), ("picking_id", "in", self.story.orders["on the water"].picking_ids.ids)])
        booked_value = sum(booked.line_ids.filtered(lambda line: line.role == "inventory_in_transit").mapped("amount"))
        self.assertTrue(booked_value)
        self.assertEqual(owned[(dc.id, "in_transit")], (sum(on_the_water.mapped("product_qty")), round(booked_value, 2)),
                         "the estimated value booked to Inventory in Transit for the order still on the water")

    def test_on_hand_value_is_odoo_valuation(self):
        owned = self.by_warehouse_and_state([("is_owned", "=", True), ("state", "in", ON_HAND_STATES)])
        layers = self.env["stock.valuation.layer"].read_group(
            [("product_id", "in", self.variants.ids)], ["quantity", "value"], [], lazy=False)[0]
        self.assertEqual(sum(quantity for quantity, _value in owned.values()), layers["quantity"])
        self.assertAlmostEqual(sum(value for _quantity, value in owned.values()), layers["value"], places=2)
