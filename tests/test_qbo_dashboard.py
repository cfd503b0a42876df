from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestQboDashboard(InventoryStateCommon):
    """The dashboard card counts and sums the company's postings per state, and warns before the sign-in dies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.company._qbo_ensure_connection()

    def receipt_posting(self, quantity, price):
        order = self.receive(quantity, price=price)
        self.flush_ledger()
        posting = self.env["qbo.posting"].search([("picking_id", "=", order.picking_ids.id)])
        self.assertEqual(len(posting), 1)
        return posting

    def figures(self):
        self.connection.invalidate_recordset()
        return {figure: (self.connection[f"dashboard_{figure}_count"], self.connection[f"dashboard_{figure}_amount"])
                for figure in ("to_post", "failed", "blocked", "posted_today")}

    def test_counts_and_amounts(self):
        before = self.figures()
        to_post = self.receipt_posting(2, 10.0) | self.receipt_posting(3, 10.0)           # 20 + 30
        failed = self.receipt_posting(1, 7.0)                                               # 7
        blocked = self.receipt_posting(4, 2.5) | self.receipt_posting(1, 1.25)              # 10 + 1.25
        posted = self.receipt_posting(5, 3.0) | self.receipt_posting(2, 4.0)                # 15 + 8
        posted_yesterday = self.receipt_posting(6, 1.0)                                     # 6, not today
        failed._set_failed({"error_kind": "retry_later", "error_message": "QuickBooks is busy"})
        blocked._set_blocked({"error_kind": "config", "error_message": "No account for the role GRNI"})
        for index, posting in enumerate(posted | posted_yesterday):
            posting._set_posted(str(100 + index), "0")
        posted_yesterday.posted_date = fields.Datetime.now() - timedelta(days=2)

        after = self.figures()
        delta = {figure: (after[figure][0] - before[figure][0],
                          round(after[figure][1] - before[figure][1], 2)) for figure in after}
        self.assertEqual(delta, {
            "to_post": (2, 50.0),
            "failed": (1, 7.0),
            "blocked": (2, 11.25),
            "posted_today": (2, 23.0),
        })

        other = self.env["res.company"].create({"name": "Other company"})
        other_connection = other._qbo_ensure_connection()
        self.assertEqual(other_connection.dashboard_to_post_count, 0, "one card per company: no mixing")

    def test_buttons_open_filtered_postings(self):
        action = self.connection.with_context(dashboard_figure="blocked").action_dashboard_open_postings()
        self.assertEqual(action["res_model"], "qbo.posting")
        self.assertEqual(action["domain"], [("company_id", "=", self.company.id)])
        self.assertEqual(action["context"], {"search_default_blocked": 1})
        action = self.connection.with_context(dashboard_figure="posted_today").action_dashboard_open_postings()
        self.assertEqual(action["context"], {"search_default_posted": 1, "search_default_posted_today": 1})

    def test_token_expiry_warning(self):
        token = self.connection._qbo_token_row()
        token.refresh_expires_at = fields.Datetime.now() + timedelta(days=30)
        self.connection.invalidate_recordset()
        self.assertFalse(self.connection.reconnect_soon)
        token.refresh_expires_at = fields.Datetime.now() + timedelta(days=13)
        self.connection.invalidate_recordset()
        self.assertTrue(self.connection.reconnect_soon, "warned 14 days ahead")

    def test_dashboard_view_renders(self):
        view = self.env.ref("stock_quickbooks_sync.qbo_connection_view_kanban_dashboard")
        arch = self.env["qbo.connection"].get_views([(view.id, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn("dashboard_blocked_amount", arch)
        menu = self.env.ref("stock_quickbooks_sync.menu_qbo_dashboard")
        self.assertEqual(menu.parent_id, self.env.ref("stock_quickbooks_sync.menu_qbo_root"))
        self.assertEqual(menu.sequence, 1)
