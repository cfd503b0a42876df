"""The reconciliation account by account: what was sent, each accrual on its own account, Odoo against itself."""
from datetime import datetime, time, timedelta

from odoo.tests import Form, tagged

from .landed_cost_common import LandedCostCommon
from .reconciliation_common import ReconciliationCommon


@tagged("post_install", "-at_install")
class TestReconciliationAccounts(ReconciliationCommon, LandedCostCommon):

    def balance(self, run, account_name):
        ref = self.qbo_demo["accounts"][account_name]
        return run.balance_ids.filtered(lambda balance: balance.account_ref == ref)

    def test_a_mapping_changed_after_posting_is_never_a_finding(self):
        posting = self.posting_of(self.receive(10, price=6.0))
        self.drain()
        self.assertEqual(posting.state, "posted")
        # The accountant maps this warehouse's inventory to its own account after the entry went out.
        quality_hold = self.env["qbo.account"].search([
            ("company_id", "=", self.qbo_company.id), ("name", "=", "Inventory – Quality Hold")])
        self.env["qbo.account.mapping"].create({
            "company_id": self.qbo_company.id, "role": "inventory", "warehouse_id": self.warehouse.id,
            "account_id": quality_hold.id})
        run = self.reconcile()
        # QuickBooks holds the entry exactly as sent: matched, nothing to correct.
        self.assertEqual(self.findings(run), [
            ("matched", "grni", -60.0, -60.0, -60.0, 0.0, False),
            ("matched", "inventory", 60.0, 60.0, 60.0, 0.0, False),
        ])
        self.assertRecordValues(run, [{"edited_count": 0, "open_count": 0, "difference": 0.0}])
        # Balances follow the accounts the lines were sent to, not today's mapping.
        self.assertRecordValues(self.balance(run, "Inventory Asset"), [
            {"posted_amount": 60.0, "odoo_amount": 60.0, "qbo_amount": 60.0, "difference": 0.0}])

    def test_each_accrual_account_is_compared_with_its_own_lines(self):
        order = self.order([(self.fifo_product, 100, 10.0)], [
            ("freight", "fixed_value", 200.0, None), ("duty", "percent_value", 10.0, 0)])
        self.validate(self.receipt(order))
        self.flush_ledger()
        self.drain()
        run = self.reconcile()
        freight = self.balance(run, "Accrued Landed Cost – Freight")
        duty = self.balance(run, "Accrued Landed Cost – Duty")
        self.assertRecordValues(freight | duty, [
            {"cost_type": "freight", "odoo_amount": -200.0, "posted_amount": -200.0, "qbo_amount": -200.0,
             "difference": 0.0},
            {"cost_type": "duty", "odoo_amount": -100.0, "posted_amount": -100.0, "qbo_amount": -100.0,
             "difference": 0.0},
        ])
        self.assertRecordValues(self.balance(run, "Inventory Asset"), [
            {"odoo_amount": 1300.0, "qbo_amount": 1300.0, "difference": 0.0}])
        self.assertEqual(run.balance_difference, 0.0)
        self.assertEqual(run.open_count, 0, run.line_ids.filtered(lambda line: line.state == "open").mapped(
            "explanation"))

    def test_a_skipped_posting_is_a_finding_until_accepted(self):
        posting = self.posting_of(self.receive(2, price=3.0))
        posting._set_skipped("Booked by hand in QuickBooks by the controller", self.env.user)
        run = self.reconcile()
        self.assertEqual(self.findings(run, "skipped"), [
            ("skipped", "grni", -6.0, 0.0, 0.0, 6.0, "open"),
            ("skipped", "inventory", 6.0, 0.0, 0.0, -6.0, "open"),
        ])
        line = run.line_ids.filtered(lambda l: l.kind == "skipped" and l.role == "inventory")
        self.assertIn("Booked by hand in QuickBooks by the controller", line.explanation)
        self.assertIn(self.env.user.name, line.explanation)
        self.assertRecordValues(run, [{"skipped_count": 1, "open_count": 1, "difference": 6.0}])
        readiness = self.env["qbo.close.readiness"].create({"company_id": self.qbo_company.id, "month": self.today})
        self.assertRecordValues(readiness, [{"difference_count": 1, "difference": 6.0, "ready": False}])

        wizard = Form.from_action(self.env, line.action_open_accept_wizard())
        wizard.reason = "Entered by hand as JE 2026-114"
        wizard.save().action_accept()
        readiness.invalidate_recordset()
        self.assertRecordValues(readiness, [{"difference_count": 0, "difference": 0.0}])
        # The next run keeps the decision.
        self.assertRecordValues(self.reconcile(), [{"skipped_count": 1, "open_count": 0}])

    def test_a_posting_drifted_from_its_layers_is_a_valuation_finding(self):
        clean = self.posting_of(self.receive(3, price=4.0))
        drifted = self.posting_of(self.receive(10, price=6.0))
        # A deliberate drift: the posting's lines no longer equal its valuation layers (60.00).
        self.env.cr.execute("""
            UPDATE qbo_posting_line SET amount = amount + CASE role WHEN 'inventory' THEN 5 ELSE -5 END
             WHERE posting_id = %s AND role IN ('inventory', 'grni')""", (drifted.id,))
        self.env.invalidate_all()
        self.drain()
        self.assertEqual((clean | drifted).mapped("state"), ["posted", "posted"])
        run = self.reconcile()
        # QuickBooks holds what was sent, so comparing with QuickBooks alone finds nothing ...
        self.assertEqual(self.findings(run, "matched"), [
            ("matched", "grni", -77.0, -77.0, -77.0, 0.0, False),
            ("matched", "inventory", 77.0, 77.0, 77.0, 0.0, False),
        ])
        # ... comparing with Odoo's valuation does.
        self.assertEqual(self.findings(run, "valuation"), [
            ("valuation", "inventory", 60.0, 65.0, 65.0, 5.0, "open"),
        ])
        finding = run.line_ids.filtered(lambda l: l.kind == "valuation")
        self.assertEqual(finding.posting_id, drifted)
        self.assertIn("drifted from Odoo's valuation", finding.explanation)
        self.assertRecordValues(run, [{"valuation_count": 1, "open_count": 1, "difference": 5.0}])

    def test_grni_is_aged_as_of_month_end_by_receipt(self):
        last_month_end = self.month_start - timedelta(days=1)
        received_on = last_month_end - timedelta(days=40)
        old = self.receive(10, price=6.0)
        # History: that receipt was validated 40 days before last month's end.
        self.env.flush_all()
        self.env.cr.execute("UPDATE stock_valuation_layer SET create_date = %s WHERE stock_move_id IN %s",
                            (datetime.combine(received_on, time(10)), tuple(old.picking_ids.move_ids.ids)))
        self.env.invalidate_all()
        self.receive(5, price=4.0)  # this month: after last month's end, never in its figure
        Readiness = self.env["qbo.close.readiness"]
        last = Readiness.create({"company_id": self.qbo_company.id, "month": last_month_end})
        current = Readiness.create({"company_id": self.qbo_company.id, "month": self.today})
        self.assertRecordValues(last | current, [
            {"grni_0_30": 0.0, "grni_31_60": 60.0, "grni_61_90": 0.0, "grni_over_90": 0.0},
            {"grni_0_30": 20.0, "grni_31_60": 0.0, "grni_61_90": 60.0, "grni_over_90": 0.0},
        ])
