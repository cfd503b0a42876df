"""Helpers of the reconciliation tests: a company connected to the emulator, a run over this month."""
import json
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import fields

from ..qbo_engine.ratelimit import RateLimiter
from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon


def _plain(value):
    """Entry JSON read back (Decimal amounts) as JSON QuickBooks accepts again."""
    return json.loads(json.dumps(value, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)))


class _StepClock:
    """A monotonic clock for the rate limiter that moves only when the limiter sleeps: a minute's wait takes none."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class ReconciliationCommon(QboEmulatorCommon, InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.team = self.qbo_channel
        self.today = fields.Date.context_today(self.env["qbo.posting"])
        self.month_start = self.today.replace(day=1)
        self.month_end = self.month_start + relativedelta(months=1, days=-1)
        self._qbo_delete_all_entries()

    # ------------------------------------------------------------------ helpers
    def posting_of(self, order):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "in", order.picking_ids.ids)])

    def reconcile(self, company=None):
        run = self.env["qbo.reconciliation"].create({
            "company_id": (company or self.qbo_company).id, "date_from": self.month_start, "date_to": self.month_end})
        self.flush_ledger()
        self.assertTrue(run._qbo_run(with_commit=False, limiter=RateLimiter()), run.error_message)
        return run

    def findings(self, run, kind=None):
        """(kind, role, odoo, posted, qbo, difference, state) of the run's rows, sorted."""
        lines = run.line_ids.filtered(lambda line: not kind or line.kind == kind)
        return sorted((line.kind, line.role, line.odoo_amount, line.posting_amount, line.qbo_amount, line.difference,
                       line.state) for line in lines)

    def edit_amounts(self, posting, amount):
        client = self._qbo_client()
        entry = _plain(client.get_journal_entry(posting.qbo_id))
        for line in entry["Line"]:
            line["Amount"] = amount
        client.qb.update_object("JournalEntry", json.dumps(entry))

    def delete_entry(self, posting):
        client = self._qbo_client()
        entry = client.get_journal_entry(posting.qbo_id)
        client.qb.delete_object("JournalEntry", json.dumps({"Id": entry["Id"], "SyncToken": entry["SyncToken"]}))

    def type_by_hand(self, amount, doc_number="HAND-1"):
        accounts = self.qbo_demo["accounts"]
        entry = {"DocNumber": doc_number, "TxnDate": str(self.today), "Line": [
            {"DetailType": "JournalEntryLineDetail", "Amount": amount, "JournalEntryLineDetail": {
                "PostingType": "Debit", "AccountRef": {"value": accounts["Inventory Asset"]}}},
            {"DetailType": "JournalEntryLineDetail", "Amount": amount, "JournalEntryLineDetail": {
                "PostingType": "Credit", "AccountRef": {"value": accounts["Retained Earnings"]}}},
        ]}
        return self._qbo_client().qb.create_object("JournalEntry", json.dumps(entry))["JournalEntry"]
