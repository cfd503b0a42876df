from odoo.tests import tagged

from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestScreensPostingLines(QboEmulatorCommon, InventoryStateCommon):
    """A posting line shows its QuickBooks account, and an amount per unit that agrees with its amount."""

    def setUp(self):
        super().setUp()
        self.team = self.qbo_channel
        self.qbo_server.clear_faults()

    def posting_of(self, order):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "in", order.picking_ids.ids)])

    def test_account_name_and_unit_amount(self):
        order = self.receive(3, price=7.25)
        posting = self.posting_of(order)
        self.assertEqual(
            sorted((line.role, line.qbo_account_name, line.quantity, line.unit_amount) for line in posting.line_ids),
            [("grni", "Inventory Received Not Billed", 3.0, 7.25), ("inventory", "Inventory Asset", 3.0, 7.25)])
        self.drain(posting)
        self.assertEqual(posting.state, "posted")
        posting.invalidate_recordset()
        self.assertEqual(sorted(posting.line_ids.mapped("qbo_account_name")),
                         ["Inventory Asset", "Inventory Received Not Billed"], "as sent")
        for line in posting.line_ids:
            self.assertAlmostEqual(line.quantity * line.unit_amount, abs(line.amount), places=2)

    def test_unmapped_role_reads_not_mapped(self):
        order = self.receive(2, price=5.0)
        posting = self.posting_of(order)
        self.qbo_mappings.filtered(lambda m: m.role == "grni" and not m.warehouse_id).action_archive()
        posting.line_ids.invalidate_recordset()
        self.assertEqual({line.role: line.qbo_account_name for line in posting.line_ids},
                         {"grni": "Not mapped", "inventory": "Inventory Asset"})
