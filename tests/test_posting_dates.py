"""Each posting is dated as Odoo books the event: a count with an accounting date on that date."""
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestPostingDates(QboEmulatorCommon, InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.qbo_server.clear_faults()
        self.receive(10, price=5.0)
        self.flush_ledger()
        self.today = fields.Date.context_today(self.env["qbo.posting"])
        self.quant = self.env["stock.quant"].search([("product_id", "=", self.product.id),
                                                     ("location_id", "=", self.stock.id)])

    def count(self, quantity, accounting_date=False):
        before = self.env["qbo.posting"].search([])
        self.quant.inventory_quantity = quantity
        self.quant.accounting_date = accounting_date
        self.quant.with_context(inventory_name="Cycle count").action_apply_inventory()
        self.flush_ledger()
        return self.env["qbo.posting"].search([("event_type", "=", "adjustment")]) - before

    def test_a_count_posts_on_its_accounting_date_and_a_closed_period_proposes_a_date(self):
        counted_on = self.today - timedelta(days=20)
        posting = self.count(7, accounting_date=counted_on)
        self.assertRecordValues(posting, [{"date": counted_on, "original_date": counted_on, "amount": 15.0}])
        self.assertEqual(posting.layer_ids.mapped("accounting_date"), [counted_on])
        self.assertFalse(self.quant.accounting_date, "Odoo clears the quant's date once applied")
        # A count without a date is booked the day it is validated.
        recount = self.count(8)
        self.assertRecordValues(recount, [{"date": self.today}])
        self.assertFalse(recount.layer_ids.accounting_date)

        # QuickBooks closed the books through that day: the count waits with the first open day proposed.
        self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], counted_on)
        try:
            self.drain()
        finally:
            self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], None)
        self.assertRecordValues(posting | recount, [
            {"state": "blocked", "error_code": "6210", "proposed_date": counted_on + timedelta(days=1)},
            {"state": "posted", "error_code": False, "proposed_date": False}])
        [entry] = self._qbo_client().find_journal_entries(recount.doc_number)
        self.assertEqual(entry["TxnDate"], str(self.today))
