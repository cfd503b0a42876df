from freezegun import freeze_time

from odoo.tests import tagged

from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestScreensCloseReadiness(QboEmulatorCommon):

    @freeze_time("2026-12-02 09:00:00")
    def test_opens_on_the_month_just_closed_as_a_saved_record(self):
        action = self.env.ref("stock_quickbooks_sync.action_qbo_close_readiness_month_closed").run()
        readiness = self.env["qbo.close.readiness"].browse(action["res_id"])
        self.assertTrue(readiness.exists(), "a saved record: breadcrumbs and reloads keep it")
        self.assertEqual((str(readiness.month), str(readiness.date_from), str(readiness.date_to)),
                         ("2026-11-01", "2026-11-01", "2026-11-30"))
        self.assertEqual(readiness.display_name, "Close Readiness November 2026")
        self.assertEqual(action["name"], "Close Readiness November 2026")
        menu = self.env.ref("stock_quickbooks_sync.menu_qbo_close_readiness")
        self.assertEqual(menu.action, self.env.ref("stock_quickbooks_sync.action_qbo_close_readiness_month_closed"))

    def test_nothing_to_count_before_a_reconciliation_is_not_a_to_do(self):
        readiness = self.env["qbo.close.readiness"].create({"company_id": self.qbo_company.id, "month": "2020-01-01"})
        self.assertRecordValues(readiness, [{
            "reconciled": False, "difference_count": 0, "hand_typed_count": 0, "unposted_ok": True,
            "difference_ok": False, "ready": False}])

    def test_margin_bridge_and_why_in_the_quickbooks_menu(self):
        reports = self.env.ref("stock_quickbooks_sync.menu_qbo_reports")
        actions = self.env["ir.ui.menu"].search([("parent_id", "=", reports.id)]).mapped("action")
        self.assertIn(self.env.ref("stock_quickbooks_sync.action_stock_margin_bridge"), actions)
        self.assertIn(self.env.ref("stock_quickbooks_sync.action_stock_value_explanation_report"), actions)
