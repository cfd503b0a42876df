"""Every human decision of the flow lands in the append-only decision log, with its reason and figures."""
import json
from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..qbo_engine.ratelimit import RateLimiter
from .landed_cost_common import LandedCostCommon
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestDecisionLog(QboEmulatorCommon, LandedCostCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Log = cls.env["stock.decision.log"]
        cls.buyer = cls.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Bea Buyer", "login": "decision_buyer", "email": "bea@example.com",
            "groups_id": [Command.set([cls.env.ref("purchase.group_purchase_user").id])]})
        cls.duty_rule = cls.env["purchase.landed.cost.rule"].create({
            "name": "Knit tops duty", "cost_type": "duty", "method": "percent_value", "rate": 16.5})

    def setUp(self):
        super().setUp()
        self.team = self.qbo_channel
        self.qbo_server.clear_faults()

    # ------------------------------------------------------------------ helpers
    def posting_of(self, picking):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "=", picking.id)])

    def logs(self, record):
        return self.Log.search([("res_model", "=", record._name), ("res_id", "in", record.ids)], order="id")

    # ---------------------------------------------------------------- decisions
    def test_estimate_override_by_the_buyer(self):
        order = self.order([(self.product, 1000, 10.0)])
        duty = order.landed_cost_estimate_ids
        self.assertEqual(duty.estimated_amount, 1650.0)
        duty.with_user(self.buyer).write({"rate": 12.0, "override_reason": "FTA certificate of origin"})
        log = self.logs(order)
        self.assertRecordValues(log, [{
            "kind": "estimate_override", "user_id": self.buyer.id, "reason": "FTA certificate of origin",
            "company_id": self.company.id, "record_name": order.display_name}])
        self.assertIn("16.5 % → 12 %", log.summary)
        self.assertEqual(log.snapshot["before"], {"terms": "16.5 %", "estimated_amount": 1650.0})
        self.assertEqual(log.snapshot["after"], {"terms": "12 %", "estimated_amount": 1200.0})
        self.assertEqual(log.snapshot["rule"], "Knit tops duty")
        self.assertEqual(log.record_ref, order)
        self.assertIn("before.estimated_amount: 1650.0", log.snapshot_text)
        self.assertEqual(order.decision_count, 1)
        self.assertEqual(self.Log.search(order.action_view_decisions()["domain"]), log)

    def test_rule_change_with_and_without_a_reason(self):
        rule = self.duty_rule
        rule.write({"rate": 18.0, "change_reason": "New tariff schedule from 1 July"})
        rule.write({"name": "Knit tops duty (2025)"})  # a name is no decision on figures
        rule.write({"active": False})
        logs = self.logs(rule)
        self.assertRecordValues(logs, [
            {"kind": "rule_change", "reason": "New tariff schedule from 1 July", "user_id": self.env.uid},
            {"kind": "rule_change", "reason": "Edited on the rule form", "user_id": self.env.uid},
        ])
        self.assertEqual((logs[0].snapshot["before"]["rate"], logs[0].snapshot["after"]["rate"]), (16.5, 18.0))
        self.assertEqual((logs[1].snapshot["before"]["active"], logs[1].snapshot["after"]["active"]), (True, False))
        self.assertIn("Percent of Factory Value 16.5 → Percent of Factory Value 18", logs[0].summary)
        self.assertIn("(archived)", logs[1].summary)
        self.assertFalse(rule.change_reason, "the reason is asked at each change, not kept on the rule")
        self.assertEqual(rule.decision_count, 2)

    def test_skip_and_redate_approval(self):
        skipped = self.posting_of(self.receive(1).picking_ids)
        wizard = Form.from_action(self.env, skipped.action_open_skip_wizard())
        wizard.reason = "Booked by hand in QuickBooks as JE 1042"
        wizard.save().action_skip()
        [log] = self.logs(skipped)
        self.assertRecordValues(log, [{"kind": "posting_skip", "reason": "Booked by hand in QuickBooks as JE 1042",
                                       "user_id": self.env.uid}])
        self.assertEqual(log.snapshot["state_before"], "to_post")
        self.assertEqual(log.snapshot["state_after"], "skipped")
        self.assertEqual(log.snapshot["amount"], 5.0)
        self.assertEqual(log.snapshot["doc_number"], skipped.doc_number)
        self.assertEqual(skipped.decision_count, 1)

        redated = self.posting_of(self.receive(4, price=6.0).picking_ids)
        closed = redated.date
        self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], closed)
        self.addCleanup(self.qbo_server.set_book_close_date, self.qbo_demo["realm_id"], None)
        self.drain()
        self.assertEqual(redated.state, "blocked")
        wizard = Form.from_action(self.env, redated.action_open_redate_wizard())
        wizard.reason = "Period closed by the controller; book on the next open day"
        wizard.save().action_approve()
        [log] = self.logs(redated)
        self.assertRecordValues(log, [{"kind": "posting_redate", "user_id": self.env.uid,
                                       "reason": "Period closed by the controller; book on the next open day"}])
        self.assertEqual(log.snapshot["before"], {"date": str(closed)})
        self.assertEqual(log.snapshot["after"], {"date": str(closed + timedelta(days=1))})
        self.assertEqual(log.snapshot["closing_date"], str(closed))
        self.assertEqual(log.snapshot["amount"], 24.0)

    def test_reconciliation_acceptance(self):
        client = self._qbo_client()
        for entry in client.query("SELECT * FROM JournalEntry"):  # earlier tests' entries would read as hand-typed
            client.qb.delete_object("JournalEntry", json.dumps({"Id": entry["Id"], "SyncToken": entry["SyncToken"]}))
        receipt = self.posting_of(self.receive(10, price=6.0).picking_ids)
        run = self.env["qbo.reconciliation"].create({"company_id": self.qbo_company.id})
        self.flush_ledger()
        self.assertTrue(run._qbo_run(with_commit=False, limiter=RateLimiter()), run.error_message)
        not_posted = run.line_ids.filtered(lambda l: l.kind == "not_posted" and l.posting_id == receipt)
        self.assertEqual(len(not_posted), 2)
        wizard = Form.from_action(self.env, not_posted.action_open_accept_wizard())
        wizard.reason = "Receipt booked on the 1st of next month by agreement"
        wizard.save().action_accept()
        logs = self.logs(not_posted)
        self.assertEqual(len(logs), 2)
        self.assertEqual(set(logs.mapped("kind")), {"reconciliation_accept"})
        self.assertEqual(sorted((log.snapshot["role"], log.snapshot["odoo_amount"], log.snapshot["qbo_amount"],
                                 log.snapshot["difference"]) for log in logs),
                         [("grni", -60.0, 0.0, 60.0), ("inventory", 60.0, 0.0, -60.0)])
        self.assertEqual(run.decision_count, 2)

    # ---------------------------------------------------------------- the log
    def test_log_is_append_only_and_searchable(self):
        self.duty_rule.write({"rate": 17.0, "change_reason": "Tariff notice 2025-14"})
        log = self.logs(self.duty_rule)
        with self.refused(UserError, "append-only"):
            log.write({"reason": "something nicer"})
        with self.refused(UserError, "append-only"):
            log.unlink()
        with self.refused(UserError, "cannot be created by hand"):
            self.Log.with_user(self.buyer).create({
                "kind": "rule_change", "company_id": self.company.id, "user_id": self.buyer.id, "reason": "x",
                "summary": "x", "res_model": "purchase.landed.cost.rule", "res_id": self.duty_rule.id})
        with self.refused(UserError, "needs a reason"):
            self.Log._log("rule_change", self.duty_rule, "  ", "no reason")
        self.assertEqual(log.reason, "Tariff notice 2025-14")
        self.assertEqual(self.Log.search([("kind", "=", "rule_change"), ("reason", "ilike", "tariff notice"),
                                          ("user_id", "=", self.env.uid)]), log)
        groups = self.Log._read_group([("id", "=", log.id)], groupby=["kind", "user_id", "date:month"],
                                      aggregates=["__count"])
        self.assertEqual([(kind, user.id, count) for kind, user, _month, count in groups],
                         [("rule_change", self.env.uid, 1)])
