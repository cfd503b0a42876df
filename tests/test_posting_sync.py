"""Postings reach the QuickBooks emulator exactly once, through the real client, under faults."""
from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged

from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestPostingSync(QboEmulatorCommon, InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.team = self.qbo_channel
        self.qbo_server.clear_faults()

    # ------------------------------------------------------------------ helpers
    def due_now(self, postings):
        postings.write({"next_try": fields.Datetime.now() - timedelta(seconds=1)})

    def posting_of(self, picking):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "=", picking.id)])

    def entries(self, posting):
        return self._qbo_client().find_journal_entries(posting.doc_number)

    def entry_lines(self, entry):
        """(posting type, account name, amount, class name, department name) of an entry read back."""
        lines = []
        for line in entry["Line"]:
            detail = line["JournalEntryLineDetail"]
            lines.append((detail["PostingType"], detail["AccountRef"].get("name"), float(line["Amount"]),
                          detail.get("ClassRef", {}).get("name"), detail.get("DepartmentRef", {}).get("name")))
        return sorted(lines)

    # -------------------------------------------------------------------- flows
    def test_receipt_and_shipment_entries_read_back_from_quickbooks(self):
        receipt = self.receive(10, price=6.0).picking_ids
        delivery = self.sell(4).picking_ids
        self.validate(delivery)
        self.drain()
        posting = self.posting_of(receipt)
        self.assertEqual(posting.state, "posted")
        [entry] = self.entries(posting)
        self.assertEqual(entry["Id"], posting.qbo_id)
        self.assertEqual(entry["DocNumber"], posting.doc_number)
        self.assertEqual(entry["TxnDate"], str(posting.date))
        self.assertEqual(self.entry_lines(entry), [
            ("Credit", "Inventory Received Not Billed", 60.0, None, "Main Warehouse"),
            ("Debit", "Inventory Asset", 60.0, None, "Main Warehouse"),
        ])
        shipped = self.posting_of(delivery)
        [entry] = self.entries(shipped)
        self.assertEqual(self.entry_lines(entry), [
            ("Credit", "Inventory Asset", 24.0, "Wholesale", "Main Warehouse"),
            ("Debit", "Cost of Goods Sold", 24.0, "Wholesale", "Main Warehouse"),
        ])
        self.assertIn(delivery.name, entry["PrivateNote"])
        self.assertEqual(shipped.attempt_ids.mapped("outcome"), ["posted"])

    def test_connection_dropped_after_quickbooks_committed(self):
        receipt = self.receive(5).picking_ids
        self.qbo_server.set_faults(script=["drop"])
        self.drain()
        posting = self.posting_of(receipt)
        self.assertRecordValues(posting, [{"state": "posted", "adopted": True, "needs_lookup": False}])
        self.assertEqual(len(self.entries(posting)), 1, "looked up after the dropped answer, not sent twice")
        self.assertEqual(posting.attempt_ids.mapped("outcome"), ["adopted"])

    def test_throttle_and_server_errors_retry_without_duplicates(self):
        receipt = self.receive(5).picking_ids
        posting = self.posting_of(receipt)
        self.qbo_server.set_faults(script=["429"])
        self.drain()
        self.assertRecordValues(posting, [{"state": "failed", "error_kind": "retry_later", "error_code": "3001"}])
        # QuickBooks' 429 names no wait: the next try is as far as the exceeded window needs, within the
        # minute, not a flat minute (issue 15; the expectation used to be at least 50 s).
        now = fields.Datetime.now()
        self.assertGreaterEqual(posting.next_try, now - timedelta(seconds=1))
        self.assertLessEqual(posting.next_try, now + timedelta(seconds=61))
        posting.next_try = now + timedelta(minutes=1)
        self.drain()
        self.assertEqual(posting.state, "failed", "not due yet: the cron leaves it alone")
        self.due_now(posting)
        # the send fails with 500, the look-up that follows with 503 each time it is read again (reads retry a
        # transient fault within their budget): left for the next run, marked to look up
        self.qbo_server.set_faults(script=["500"] + ["503"] * 3)
        self.drain()
        self.assertRecordValues(posting, [{"state": "failed", "error_kind": "ambiguous", "needs_lookup": True}])
        self.due_now(posting)
        self.drain()
        self.assertEqual(posting.state, "posted")
        self.assertEqual(len(self.entries(posting)), 1)
        self.assertEqual(posting.attempt_ids.sorted("id").mapped("outcome"), ["retry", "retry", "posted"])

    def test_crash_between_quickbooks_commit_and_odoo_commit(self):
        receipt = self.receive(5).picking_ids
        posting = self.posting_of(receipt)
        self.flush_ledger()
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.env["qbo.posting"]._qbo_drain(self.qbo_company, with_commit=False)
            self.flush_ledger()
            raise RuntimeError("worker killed before Odoo committed")
        self.env.invalidate_all()
        self.assertEqual(posting.state, "to_post", "Odoo never learnt that the entry was posted")
        self.assertEqual(len(self.entries(posting)), 1)
        self.drain()
        self.assertEqual(posting.state, "posted")
        self.assertEqual(len(self.entries(posting)), 1, "the same requestid and DocNumber: still one entry")

    def test_closed_period_is_blocked_then_redated_with_approval(self):
        receipt = self.receive(5).picking_ids
        posting = self.posting_of(receipt)
        closed = posting.date
        self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], closed)
        self.drain()
        self.assertRecordValues(posting, [{
            "state": "blocked", "error_code": "6210", "closing_date": closed,
            "proposed_date": closed + timedelta(days=1)}])
        wizard = Form.from_action(self.env, posting.action_open_redate_wizard())
        wizard.reason = "Period closed by the controller; book on the next open day"
        wizard.save().action_approve()
        self.assertRecordValues(posting, [{"state": "to_post", "date": closed + timedelta(days=1),
                                           "original_date": closed}])
        self.drain()
        self.assertEqual(posting.state, "posted", posting.error_message)
        [entry] = self.entries(posting)
        self.assertEqual(entry["TxnDate"], str(closed + timedelta(days=1)))
        self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], None)

    def test_missing_mapping_blocks_until_mapped(self):
        delivery_mapping = self.qbo_mappings.filtered(lambda m: m.role == "cogs")
        delivery_mapping.active = False
        self.receive(5)
        delivery = self.sell(2).picking_ids
        self.validate(delivery)
        self.drain()
        posting = self.posting_of(delivery)
        self.assertEqual(posting.state, "blocked")
        self.assertEqual(posting.error_kind, "config")
        self.assertIn("cogs", posting.error_message)
        self.assertFalse(self.entries(posting))
        delivery_mapping.active = True
        self.env["qbo.posting"]._qbo_requeue_blocked(self.qbo_company, ["config"])
        self.drain()
        self.assertEqual(posting.state, "posted")

    def test_skip_needs_a_reason(self):
        receipt = self.receive(1).picking_ids
        posting = self.posting_of(receipt)
        wizard = Form.from_action(self.env, posting.action_open_skip_wizard())
        wizard.reason = "Booked by hand in QuickBooks as JE 1042"
        wizard.save().action_skip()
        self.assertRecordValues(posting, [{"state": "skipped", "decided_by_id": self.env.uid}])
        self.drain()
        self.assertFalse(self.entries(posting))

    def test_currency_other_than_quickbooks_home_currency_is_blocked(self):
        receipt = self.receive(2).picking_ids
        posting = self.posting_of(receipt)
        self.qbo_connection.home_currency = "EUR"  # the QuickBooks company keeps its books in euros
        self.drain()
        self.assertEqual(posting.state, "blocked")
        self.assertEqual(posting.error_kind, "config")
        self.assertIn("differs from the company's home currency EUR", posting.error_message)
        self.assertFalse(self.entries(posting), "nothing reached QuickBooks")
        self.qbo_connection.home_currency = self.env.company.currency_id.name
        posting.action_retry()
        self.drain()
        self.assertEqual(posting.state, "posted")

    def test_daily_summary_mode_merges_a_day_into_one_entry_with_its_drill_down(self):
        self.qbo_connection.posting_mode = "daily_summary"
        first = self.receive(10, price=6.0).picking_ids
        second = self.receive(5, price=4.0).picking_ids
        events = self.posting_of(first) | self.posting_of(second)
        self.assertEqual(events.mapped("state"), ["draft", "draft"], "events wait for their day's summary")
        self.drain()
        self.assertEqual(events.mapped("state"), ["draft", "draft"], "nothing is sent before the day ends")
        [summary] = self.env["qbo.posting"]._cron_summarize(before=events[0].date + timedelta(days=1))
        self.assertRecordValues(summary, [{"event_type": "daily_summary", "date": events[0].date, "amount": 80.0}])
        self.assertEqual(summary.summarized_ids, events)
        self.assertEqual(events.mapped("state"), ["skipped", "skipped"])
        self.assertEqual(events.summary_id, summary)
        self.drain()
        [entry] = self.entries(summary)
        self.assertEqual(self.entry_lines(entry), [
            ("Credit", "Inventory Received Not Billed", 80.0, None, "Main Warehouse"),
            ("Debit", "Inventory Asset", 80.0, None, "Main Warehouse"),
        ])
        description = " ".join(line.get("Description", "") for line in entry["Line"])
        self.assertIn(first.name, description, "the drill-down stays in the lines")
        self.assertIn(second.name, description)
        self.qbo_connection.posting_mode = "per_event"
