from odoo import fields
from odoo.tests import tagged

from .landed_cost_common import LandedCostCommon


@tagged("post_install", "-at_install")
class TestScreensLedger(LandedCostCommon):
    """A true-up moves no goods: the ledger shows it as a value change with its date, not "Received → Received"."""

    def test_true_up_reads_as_a_value_change(self):
        order = self.order([(self.fifo_product, 10, 10.0)], [("freight", "fixed_quantity", 20.0, None)])
        self.validate(self.receipt(order))
        self.actual(order, "freight", 35.0, date=fields.Date.context_today(self.env.user))
        self.flush_ledger()
        events = self.env["stock.inventory.event"].search([("product_id", "=", self.fifo_product.id)])
        value_only = events.filtered("is_value_only")
        self.assertEqual(value_only.mapped(lambda e: (e.quantity, e.value)), [(0.0, 15.0)])
        today = fields.Date.context_today(self.env.user).strftime("%m/%d/%Y")  # en_US, the test user's format
        self.assertEqual(value_only.value_change_label,
                         "Value change of %s, booked %s" % (self.company.currency_id.format(15.0), today))
        hops = events - value_only
        self.assertTrue(hops)
        self.assertFalse(any(hops.mapped("value_change_label")))
