"""Hearing QuickBooks: signed webhooks and change data capture reach the inbox once and take effect.

Through real HTTP: the test posts Intuit-shaped deliveries to Odoo's /qbo/webhook route, and the
emulator's change data capture is read by the real client.
"""
import json
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..controllers.webhook import QboWebhookController
from ..qbo_engine.ratelimit import RateLimiter
from ..qbo_engine.webhooks import sign
from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon

VERIFIER_TOKEN = "verifier-of-the-test-app"


@tagged("post_install", "-at_install")
class TestQboInbox(QboEmulatorCommon, InventoryStateCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.qbo_channel
        cls.qbo_connection.sudo().webhook_verifier_token = VERIFIER_TOKEN
        cls.realm = cls.qbo_demo["realm_id"]
        cls.accountant = cls._qbo_create_user("inbox_accountant", ["stock_quickbooks_sync.group_qbo_accountant"])

    def setUp(self):
        super().setUp()
        self.Inbox = self.env["qbo.inbox.event"]
        self._qbo_delete_all_entries()

    # ------------------------------------------------------------------ helpers
    def posted_receipt(self, quantity=5, price=4.0):
        order = self.receive(quantity, price=price)
        self.flush_ledger()
        posting = self.env["qbo.posting"].search([("picking_id", "in", order.picking_ids.ids)])
        self.drain(posting)
        self.assertEqual(posting.state, "posted", posting.error_message)
        return posting

    def delete_in_quickbooks(self, posting):
        client = self._qbo_client()
        entry = client.get_journal_entry(posting.qbo_id)
        client.qb.delete_object("JournalEntry", json.dumps({"Id": entry["Id"], "SyncToken": entry["SyncToken"]}))

    def cloud_events(self, *changes, realm=None):
        """A CloudEvents delivery: one event per (event id, entity type, entity id, operation)."""
        return json.dumps([{
            "specversion": "1.0", "id": event_id, "source": "intuit.test", "type": "qbo.%s.%s.v1" % (entity, operation),
            "datacontenttype": "application/json", "time": "2026-11-30T17:05:11Z",
            "intuitentityid": entity_id, "intuitaccountid": realm or self.realm, "data": {},
        } for event_id, entity, entity_id, operation in changes]).encode()

    def deliver(self, body, signature=None, signed=True):
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["intuit-signature"] = signature or sign(body, VERIFIER_TOKEN)
        return self.url_open(QboWebhookController._webhook_url, data=body, headers=headers)

    def process(self):
        self.Inbox._cron_process(with_commit=False, limiter=RateLimiter())
        self.env.invalidate_all()

    # --------------------------------------------------------------- webhooks
    def test_deleted_entry_is_a_finding_within_one_delivery(self):
        posting = self.posted_receipt()
        self.delete_in_quickbooks(posting)
        answer = self.deliver(self.cloud_events(("evt-1", "journalentry", posting.qbo_id, "deleted")))
        self.assertEqual(answer.status_code, 200)
        event = self.Inbox.search([("event_id", "=", "evt-1")])
        self.assertRecordValues(event, [{
            "state": "new", "channel": "webhook", "entity": "JournalEntry", "entity_id": posting.qbo_id,
            "operation": "Delete", "connection_id": self.qbo_connection.id, "company_id": self.qbo_company.id}])
        self.process()
        self.assertEqual(event.state, "done", event.result)
        self.assertEqual(event.posting_ids, posting)
        run = event.reconciliation_id
        self.assertEqual((run.date_from, run.state), (posting.date, "done"))
        deleted = run.line_ids.filtered(lambda line: line.kind == "deleted")
        self.assertEqual(sorted(deleted.mapped("role")), ["grni", "inventory"])
        self.assertEqual(deleted.posting_id, posting)
        self.assertIn(posting.display_label, event.result)
        activity = self.qbo_connection.activity_ids.filtered(lambda a: a.user_id == self.accountant)
        self.assertEqual(len(activity), 1)
        self.assertIn(run.name, activity.summary)
        self.assertIn(posting.display_label, activity.note)

    def test_repeated_delivery_is_stored_and_acted_on_once(self):
        posting = self.posted_receipt()
        body = self.cloud_events(("evt-twice", "journalentry", posting.qbo_id, "updated"))
        self.assertEqual(self.deliver(body).status_code, 200)
        self.assertEqual(self.deliver(body).status_code, 200)
        self.assertEqual(self.Inbox.search_count([("event_id", "=", "evt-twice")]), 1)
        self.process()
        runs = self.env["qbo.reconciliation"].search([("company_id", "=", self.qbo_company.id),
                                                       ("date_from", "=", posting.date)])
        self.assertEqual(len(runs), 1)
        self.assertFalse(runs.line_ids.filtered(lambda line: line.state == "open"),
                         "the entry was not changed: its reconciliation matches")
        self.assertFalse(self.qbo_connection.activity_ids.filtered(lambda a: a.user_id == self.accountant))

    def test_legacy_format_is_read_too(self):
        posting = self.posted_receipt()
        self.delete_in_quickbooks(posting)
        body = json.dumps({"eventNotifications": [{"realmId": self.realm, "dataChangeEvent": {"entities": [
            {"name": "JournalEntry", "id": posting.qbo_id, "operation": "Delete",
             "lastUpdated": "2026-11-30T17:05:11.000Z"}]}}]}).encode()
        self.assertEqual(self.deliver(body).status_code, 200)
        self.process()
        event = self.Inbox.search([("entity_id", "=", posting.qbo_id), ("channel", "=", "webhook")])
        self.assertRecordValues(event, [{"state": "done", "operation": "Delete"}])
        self.assertIn("deleted", event.reconciliation_id.line_ids.mapped("kind"))

    def test_quickbooks_delivers_the_deletion_itself(self):
        """The emulator's own signed delivery, POSTed to Odoo's route as Intuit would."""
        posting = self.posted_receipt()
        self.qbo_server.register_webhook(self.realm, self.base_url() + QboWebhookController._webhook_url,
                                         VERIFIER_TOKEN)
        self.addCleanup(self.qbo_server.webhooks.unregister, self.realm)
        self.delete_in_quickbooks(posting)
        # Wait on the emulator's counters, not the database: the delivery's request shares the test cursor.
        deadline = time.monotonic() + 10
        while not self.qbo_server.webhook_counts()["webhooks_delivered"] and time.monotonic() < deadline:
            time.sleep(0.1)
        self.env.invalidate_all()
        event = self.Inbox.search([("entity", "=", "JournalEntry"), ("entity_id", "=", posting.qbo_id),
                                   ("operation", "=", "Delete")])
        self.assertRecordValues(event, [{"channel": "webhook", "state": "new"}])
        self.process()
        self.assertIn("deleted", event.reconciliation_id.line_ids.mapped("kind"))

    @mute_logger("odoo.addons.stock_quickbooks_sync.controllers.webhook")
    def test_missing_or_wrong_signature_is_refused_and_stores_nothing(self):
        body = self.cloud_events(("evt-forged", "journalentry", "1", "deleted"))
        self.assertEqual(self.deliver(body, signed=False).status_code, 401)
        self.assertEqual(self.deliver(body, signature=sign(body, "another app's token")).status_code, 401)
        self.assertEqual(self.deliver(body, signature=sign(body + b" ", VERIFIER_TOKEN)).status_code, 401)
        self.assertFalse(self.Inbox.search([("event_id", "=", "evt-forged")]))

    def test_unknown_realm_is_kept_as_ignored_with_what_to_do(self):
        body = self.cloud_events(("evt-other", "journalentry", "9", "deleted"), realm="4620816365999999999")
        self.assertEqual(self.deliver(body).status_code, 200)
        event = self.Inbox.search([("event_id", "=", "evt-other")])
        self.assertRecordValues(event, [{"state": "ignored", "connection_id": False, "company_id": False}])
        self.assertIn("4620816365999999999", event.result)
        self.assertIn("Connection", event.result)

    def test_change_to_an_entry_not_ours_and_to_other_entities(self):
        body = self.cloud_events(("evt-hand", "journalentry", "999999", "created"), ("evt-invoice", "invoice", "77", "created"))
        self.deliver(body)
        self.process()
        hand, bill = (self.Inbox.search([("event_id", "=", event_id)]) for event_id in ("evt-hand", "evt-invoice"))
        self.assertEqual((hand.state, bill.state), ("done", "done"))
        self.assertIn("Not an entry of this addon", hand.result)
        self.assertFalse(hand.reconciliation_id)
        self.assertIn("do not affect", bill.result)

    def test_closing_date_change_recomputes_and_releases_blocked_postings(self):
        order = self.receive(5)
        self.flush_ledger()
        posting = self.env["qbo.posting"].search([("picking_id", "in", order.picking_ids.ids)])
        closed = posting.date
        self.qbo_server.set_book_close_date(self.realm, closed)
        self.addCleanup(self.qbo_server.set_book_close_date, self.realm, None)
        self.drain(posting)
        self.assertRecordValues(posting, [{"state": "blocked", "closing_date": closed,
                                           "proposed_date": closed + timedelta(days=1)}])
        # The controller closes one more week: the proposed date follows.
        later = closed + timedelta(days=7)
        self.qbo_server.set_book_close_date(self.realm, later)
        self.deliver(self.cloud_events(("evt-prefs-1", "preferences", "1", "updated")))
        self.process()
        self.assertRecordValues(posting, [{"state": "blocked", "closing_date": later,
                                           "proposed_date": later + timedelta(days=1)}])
        self.assertEqual(self.qbo_connection.book_close_date, later)
        # The books are reopened: the posting goes out with its own date, nobody re-dated it.
        self.qbo_server.set_book_close_date(self.realm, None)
        self.deliver(self.cloud_events(("evt-prefs-2", "preferences", "1", "updated")))
        self.process()
        self.assertEqual(posting.state, "to_post")
        self.drain(posting)
        self.assertRecordValues(posting, [{"state": "posted", "date": closed}])

    def test_account_made_inactive_holds_the_postings_that_would_use_it(self):
        grni = self.qbo_accounts["Inventory Received Not Billed"]
        order = self.receive(5)
        self.flush_ledger()
        waiting = self.env["qbo.posting"].search([("picking_id", "in", order.picking_ids.ids)])
        self.assertEqual(waiting.state, "to_post")
        self.qbo_server.deactivate_account(self.realm, grni.qbo_id)
        self.addCleanup(self.qbo_server.set_active, self.realm, "Account", grni.qbo_id, True)
        self.deliver(self.cloud_events(("evt-acct", "account", grni.qbo_id, "updated")))
        self.process()
        self.assertRecordValues(waiting, [{"state": "blocked", "error_kind": "config"}])
        self.assertIn(grni.name, waiting.error_message)
        self.assertIn("Account Mapping", waiting.error_message)
        mapping = self.qbo_mappings.filtered(lambda m: m.account_id == grni)
        self.assertTrue(mapping.type_warning and "inactive" in mapping.type_warning)

    # ---------------------------------------------------- change data capture
    def test_dropped_webhook_is_caught_by_change_data_capture(self):
        posting = self.posted_receipt()
        self.qbo_connection.sudo().cdc_cursor = fields.Datetime.now() - timedelta(minutes=10)
        self.delete_in_quickbooks(posting)
        read = self.qbo_connection._qbo_read_changes(with_commit=False, limiter=RateLimiter())
        self.assertGreaterEqual(read, 1)
        event = self.Inbox.search([("channel", "=", "cdc"), ("entity", "=", "JournalEntry"),
                                   ("entity_id", "=", posting.qbo_id)])
        self.assertRecordValues(event, [{"operation": "Delete", "state": "new"}])
        # Read again (a crash before the cursor moved, or the next run's overlap): nothing new.
        self.assertEqual(self.qbo_connection._qbo_read_changes(with_commit=False, limiter=RateLimiter()), 0)
        self.process()
        self.assertEqual(event.state, "done", event.result)
        self.assertIn("deleted", event.reconciliation_id.line_ids.mapped("kind"))

    def test_gap_older_than_quickbooks_keeps_is_reconciled_and_said(self):
        now = fields.Datetime.now()
        self.qbo_connection.sudo().cdc_cursor = now - timedelta(days=40)
        self.qbo_connection._qbo_read_changes(with_commit=False, limiter=RateLimiter(), now=now)
        self.assertEqual(self.qbo_connection.cdc_cursor, now)
        run = self.env["qbo.reconciliation"].search([("company_id", "=", self.qbo_company.id)], limit=1)
        self.assertEqual((run.date_from, run.date_to, run.state), ((now - timedelta(days=40)).date(), now.date(), "done"))
        message = self.qbo_connection.message_ids[:1]
        self.assertIn("30 days", message.body)
        self.assertIn(run.name, message.body)
