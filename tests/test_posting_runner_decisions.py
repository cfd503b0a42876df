"""The posting runner in the test transaction: waking, failure isolation, decisions on rows in flight, messages."""
import re
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.addons.base.tests.test_ir_cron import CronMixinCase
from odoo.exceptions import UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import Form, tagged

from ..models.qbo_posting import MAX_FAILED_ATTEMPTS
from ..qbo_engine.ratelimit import RateLimiter
from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon

DRAIN_CRON = "stock_quickbooks_sync.ir_cron_qbo_posting_drain"


@tagged("post_install", "-at_install")
class TestPostingRunnerDecisions(QboEmulatorCommon, InventoryStateCommon, CronMixinCase):

    def setUp(self):
        super().setUp()
        self.team = self.qbo_channel
        self.qbo_server.clear_faults()

    # ------------------------------------------------------------------ helpers
    def posting_of(self, picking):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "=", picking.id)])

    def entries(self, posting):
        return self._qbo_client().find_journal_entries(posting.doc_number)

    def drain_companies(self, companies):
        self.flush_ledger()
        self.env["qbo.posting"]._qbo_drain(companies, with_commit=False, limiter=RateLimiter())
        self.env.invalidate_all()

    # --------------------------------------------------------------- waking
    def test_committed_postings_wake_the_drain_once_per_transaction(self):
        with self.capture_triggers(DRAIN_CRON) as capture:
            receipts = self.receive(3).picking_ids | self.receive(4).picking_ids
            self.flush_ledger()
        self.assertEqual(len(self.posting_of(receipts[0]) | self.posting_of(receipts[1])), 2)
        self.assertEqual(len(capture.records), 1, "a burst in one transaction makes one run")
        self.assertLessEqual(capture.records.call_at, fields.Datetime.now())

    def test_nothing_to_post_wakes_nothing(self):
        with self.capture_triggers(DRAIN_CRON) as capture:
            self.env["qbo.posting"]._enqueue([(self.qbo_company, "other", self.qbo_company, 1, [])])
        self.assertFalse(capture.records, "a skipped row (no value) has nothing to send")

    # ------------------------------------------------------ failure isolation
    def test_unexpected_error_on_one_row_blocks_it_and_keeps_the_others(self):
        broken = self.posting_of(self.receive(2).picking_ids)
        fine = self.posting_of(self.receive(3).picking_ids)
        Posting = type(self.env["qbo.posting"])
        original = Posting._qbo_apply_outcome

        def apply_outcome(posting, outcome, duration, batch_size):
            if posting.id == broken.id:
                raise KeyError("qbo_id")
            return original(posting, outcome, duration, batch_size)

        with patch.object(Posting, "_qbo_apply_outcome", apply_outcome), \
                self.assertLogs("odoo.addons.stock_quickbooks_sync.models.qbo_posting_cron", "ERROR"):
            self.drain()
        self.assertRecordValues(fine, [{"state": "posted"}])
        self.assertRecordValues(broken, [{"state": "blocked", "needs_lookup": True, "lease_until": False}])
        self.assertIn(broken.display_label, broken.error_message)
        self.assertIn("KeyError: 'qbo_id'", broken.error_message)
        self.assertIn("Traceback (most recent call last)", broken.error_detail)
        self.assertEqual(broken.attempt_ids.mapped("outcome"), ["blocked"], "it counts as an attempt")
        self.assertIn("KeyError", broken.attempt_ids.message)
        self.assertEqual(len(self.entries(broken)), 1, "QuickBooks took it before the failure")
        broken.action_retry()
        self.drain()
        self.assertRecordValues(broken, [{"state": "posted", "adopted": True}])
        self.assertEqual(len(self.entries(broken)), 1, "looked up first, never sent twice")

    def test_a_company_whose_realm_answers_403_never_stops_the_others(self):
        company_b = self.env["res.company"].create({"name": "Refused Realm Co"})
        self.env.user.company_ids |= company_b
        connection_b = self._qbo_make_connection(company_b)
        self._qbo_connect(connection_b)
        self._qbo_map_all_roles(connection_b)
        # Its sign-in does not cover the company it now points to: QuickBooks answers 403 (3100).
        other_realm = self.qbo_server.create_company(name="Someone Else's Books")
        connection_b.sudo().token_id.write({"realm_id": other_realm})
        [posting_b] = self.env["qbo.posting"]._enqueue([(company_b, "other", company_b, 1, [
            {"role": "inventory", "amount": 12.0, "description": "count gain"},
            {"role": "inventory_adjustment", "amount": -12.0, "description": "count gain"}])])
        posting_a = self.posting_of(self.receive(2).picking_ids)
        self.drain_companies(company_b | self.qbo_company)  # the broken one first
        self.assertRecordValues(posting_b, [{"state": "blocked", "error_kind": "reauth", "error_code": "3100"}])
        self.assertIn(posting_b.display_label, posting_b.error_message)
        self.assertIn("Connect to QuickBooks", posting_b.error_message)
        self.assertEqual(connection_b.state, "needs_reconnect")
        self.assertIn("Connect to QuickBooks again", connection_b.state_message)
        self.assertRecordValues(posting_a, [{"state": "posted"}])
        self.assertEqual(self.qbo_connection.state, "connected")

    def test_a_revoked_app_blocks_its_company_only_and_says_to_reconnect(self):
        app = self.qbo_server.create_app(redirect_uri=self._qbo_redirect_uri())
        company_b = self.env["res.company"].create({"name": "Revoked App Co"})
        self.env.user.company_ids |= company_b
        connection_b = self._qbo_make_connection(company_b, demo=dict(self.qbo_demo, **app))
        self._qbo_connect(connection_b)
        self._qbo_map_all_roles(connection_b)
        self.qbo_server.revoke_app(app["client_id"])
        [posting_b] = self.env["qbo.posting"]._enqueue([(company_b, "other", company_b, 1, [
            {"role": "inventory", "amount": 5.0, "description": "count gain"},
            {"role": "inventory_adjustment", "amount": -5.0, "description": "count gain"}])])
        posting_a = self.posting_of(self.receive(2).picking_ids)
        self.drain_companies(company_b | self.qbo_company)
        self.assertRecordValues(posting_b, [{"state": "blocked", "error_kind": "reauth"}])
        self.assertIn(posting_b.display_label, posting_b.error_message)
        self.assertIn("clicks Connect to QuickBooks", posting_b.error_message)
        self.assertEqual(connection_b.state, "needs_reconnect")
        self.assertRecordValues(posting_a, [{"state": "posted"}])

    def test_an_unexpected_error_of_one_company_is_recorded_on_it_and_the_others_post(self):
        company_b = self.env["res.company"].create({"name": "Crashing Co"})
        self.env.user.company_ids |= company_b
        connection_b = self._qbo_make_connection(company_b)
        self._qbo_connect(connection_b)
        posting_a = self.posting_of(self.receive(2).picking_ids)
        Connection = type(self.env["qbo.connection"])
        original = Connection._qbo_client

        def client(connection, **kwargs):
            if connection.company_id == company_b:
                raise ZeroDivisionError("division by zero")
            return original(connection, **kwargs)

        with patch.object(Connection, "_qbo_client", client), \
                self.assertLogs("odoo.addons.stock_quickbooks_sync.models.qbo_posting_cron", "ERROR"):
            self.drain_companies(company_b | self.qbo_company)
        self.assertEqual(connection_b.state, "error")
        self.assertIn("Crashing Co", connection_b.state_message)
        self.assertIn("ZeroDivisionError", connection_b.state_message)
        self.assertRecordValues(posting_a, [{"state": "posted"}])

    def test_nothing_left_after_rounding_is_skipped_by_the_poster_holding_it(self):
        [posting] = self.env["qbo.posting"]._enqueue([(self.qbo_company, "other", self.qbo_company, 1, [
            {"role": "inventory", "amount": 0.004, "description": "rounding"},
            {"role": "inventory_adjustment", "amount": -0.004, "description": "rounding"}])])
        self.drain()
        self.assertRecordValues(posting, [{"state": "skipped", "lease_until": False, "needs_lookup": False}])
        self.assertIn("Nothing to post after rounding to the cent", posting.decision_reason)
        self.assertEqual(self.qbo_connection.state, "connected")

    def test_no_drain_when_a_batch_could_outlast_the_lease(self):
        posting = self.posting_of(self.receive(2).picking_ids)
        self.qbo_connection.timeout = 1000
        self.drain()
        self.assertRecordValues(posting, [{"state": "to_post", "lease_until": False}])
        self.assertEqual(self.qbo_connection.state, "error")
        self.assertIn("timeout of 1000 seconds", self.qbo_connection.state_message)
        self.assertFalse(self.entries(posting))
        self.qbo_connection.write({"timeout": 30, "state": "connected"})
        self.drain()
        self.assertEqual(posting.state, "posted")

    def test_reads_refused_by_our_own_limiter_spend_no_attempt(self):
        posting = self.posting_of(self.receive(2).picking_ids)
        posting.needs_lookup = True  # its last send was in doubt: it is looked up before anything is sent
        realm_id = self.qbo_demo["realm_id"]
        served = self.qbo_server.counters().get("requests", 0)
        for _run in range(MAX_FAILED_ATTEMPTS + 1):
            limiter = RateLimiter()
            limiter.pause(realm_id, 120)  # the quota is used up: no slot within the client's bound
            self.env["qbo.posting"]._qbo_drain(self.qbo_company, with_commit=False, limiter=limiter)
            self.env.invalidate_all()
            posting.next_try = False
        self.assertRecordValues(posting, [{"state": "to_post", "needs_lookup": True, "attempt_count": 0}])
        self.assertIn("quota", posting.error_message)
        self.assertEqual(self.qbo_server.counters().get("requests", 0), served, "nothing left Odoo")
        self.drain()  # the quota is back: looked up (not there), sent once
        self.assertRecordValues(posting, [{"state": "posted", "attempt_count": 1, "needs_lookup": False}])
        self.assertEqual(len(self.entries(posting)), 1)

    # ------------------------------------------------- decisions in flight
    def test_skip_or_accept_refused_while_the_row_is_being_sent(self):
        posting = self.posting_of(self.receive(2).picking_ids)
        posting.write({"lease_until": fields.Datetime.now() + timedelta(minutes=5)})
        wizard = Form.from_action(self.env, posting.action_open_skip_wizard())
        wizard.reason = "Entered by hand in QuickBooks"
        with self.assertRaisesRegex(UserError, "is being sent to QuickBooks"):
            wizard.save().action_skip()
        posting.write({"lease_until": False, "needs_lookup": True})
        with self.assertRaisesRegex(UserError, "QuickBooks may already hold it"):
            posting._set_skipped("Entered by hand in QuickBooks", self.env.user)
        self.assertEqual(posting.state, "to_post")
        posting.write({"needs_lookup": False})
        posting._set_skipped("Entered by hand in QuickBooks", self.env.user)
        self.assertEqual(posting.state, "skipped")

    def test_skipped_in_odoo_but_present_in_quickbooks_is_reported(self):
        posting = self.posting_of(self.receive(2, price=9.0).picking_ids)
        # A send whose answer never came back, then a skip: QuickBooks holds what Odoo calls skipped.
        draft = posting._qbo_build_draft()
        entry = self._qbo_client().create_journal_entry(draft, posting._qbo_request_id())
        posting._set_skipped("Thought it was never sent", self.env.user)
        today = fields.Date.context_today(posting)
        run = self.env["qbo.reconciliation"].create({
            "company_id": self.qbo_company.id, "date_from": today.replace(day=1),
            "date_to": today.replace(day=1) + relativedelta(months=1, days=-1)})
        self.flush_ledger()
        self.assertTrue(run._qbo_run(with_commit=False, limiter=RateLimiter()), run.error_message)
        findings = run.line_ids.filtered(lambda line: line.doc_number == posting.doc_number)
        self.assertEqual(sorted(findings.mapped("kind")), ["skipped_present", "skipped_present"])
        self.assertEqual(set(findings.mapped("qbo_entry_id")), {str(entry["Id"])})
        self.assertEqual(sorted(findings.mapped("qbo_amount")), [-18.0, 18.0])
        self.assertIn("was skipped in Odoo (Thought it was never sent)", findings[0].explanation)
        self.assertFalse(run.line_ids.filtered(
            lambda line: line.kind == "hand_typed" and line.qbo_entry_id == str(entry["Id"])))
        # Accepting it is a decision on a row no poster holds: allowed, with a reason.
        wizard = self.env["qbo.reconciliation.accept"].create({"line_ids": findings.ids, "reason": "Deleted later"})
        wizard.action_accept()
        self.assertEqual(set(findings.mapped("state")), {"accepted"})

    # ------------------------------------------------------------ messages
    def test_engine_errors_are_translated_sentences_naming_the_posting(self):
        posting = self.posting_of(self.receive(2).picking_ids)
        self.qbo_server.set_faults(script=["429"])
        self.drain()
        self.assertRecordValues(posting, [{"state": "failed", "error_code": "3001"}])
        self.assertRegex(posting.error_message, r"^QuickBooks asked to slow down: %s is sent again in \d+ seconds\.$"
                         % re.escape(posting.display_label))
        self.assertIn("retry_later HTTP 429 fault 3001", posting.error_detail, "the engine's text, as detail")

    def test_connection_check_recommends_the_duplicate_number_warning(self):
        realm = self.qbo_demo["realm_id"]
        self.qbo_server.set_warn_duplicate_journal_number(realm, False)
        self.assertTrue(self.qbo_connection._qbo_check(with_commit=False))
        self.assertTrue(self.qbo_connection.check_warning)
        self.assertIn('"Warn if duplicate journal number is used" is off', self.qbo_connection.last_check_message)
        self.assertIn("Turn it on in QuickBooks", self.qbo_connection.last_check_message)
        self.qbo_server.set_warn_duplicate_journal_number(realm, True)
        self.assertTrue(self.qbo_connection._qbo_check(with_commit=False))
        self.assertNotIn("duplicate journal number", self.qbo_connection.last_check_message)

    # ------------------------------------------------------ records and data
    def test_postings_are_found_by_number_and_source(self):
        receipt = self.receive(2).picking_ids
        posting = self.posting_of(receipt)
        Posting = self.env["qbo.posting"]
        self.assertEqual([row[0] for row in Posting.name_search(posting.doc_number)], posting.ids)
        self.assertIn(posting.id, [row[0] for row in Posting.name_search(receipt.name)])

    def test_crons_keep_administrators_changes_on_upgrade(self):
        data = self.env["ir.model.data"].search([("module", "=", "stock_quickbooks_sync"), ("model", "=", "ir.cron"),
                                                 ("name", "in", ("ir_cron_qbo_posting_drain",
                                                                 "ir_cron_qbo_posting_summarize",
                                                                 "ir_cron_qbo_token_expiry"))])
        self.assertEqual(len(data), 3)
        self.assertEqual(set(data.mapped("noupdate")), {True})

    def test_neutralized_copy_forgets_secret_and_tokens(self):
        self.qbo_connection.sudo().webhook_verifier_token = "verifier"
        self.env.flush_all()
        for query in get_neutralization_queries(["stock_quickbooks_sync"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        connection = self.qbo_connection.sudo()
        self.assertRecordValues(connection, [{
            "client_secret": False, "webhook_verifier_token": False, "state": "not_connected",
            "access_token": False, "refresh_token": False, "realm_id": False}])
        self.assertFalse(self.env.ref(DRAIN_CRON).active)
