"""Bad input on the way to QuickBooks: each gives a clear state and message, nothing is lost or posted twice.

Covered elsewhere, not repeated here: a zero-value receipt listed as "nothing to post"
(test_posting_outbox), company currency other than QuickBooks' home currency and a mapping
line missing for a role (test_posting_sync).
"""
import json
from datetime import timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..qbo_engine.ratelimit import RateLimiter
from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon


def _plain(value):
    """Entry JSON read back (Decimal amounts) as JSON QuickBooks accepts again."""
    return json.loads(json.dumps(value, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)))


@tagged("post_install", "-at_install")
class TestPostingBadInput(QboEmulatorCommon, InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.team = self.qbo_channel
        self.qbo_server.clear_faults()

    # ------------------------------------------------------------------ helpers
    def postings_of(self, picking):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "=", picking.id)], order="id")

    def entries(self, posting):
        return self._qbo_client().find_journal_entries(posting.doc_number)

    def lines(self, posting):
        return sorted((line.role, line.amount) for line in posting.line_ids)

    def entry_amounts(self, entry):
        """(posting type, account name, amount) of each line of an entry read back."""
        return sorted((line["JournalEntryLineDetail"]["PostingType"],
                       line["JournalEntryLineDetail"]["AccountRef"].get("name"), float(line["Amount"]))
                      for line in entry["Line"])

    def due_now(self, postings):
        postings.write({"next_try": fields.Datetime.now() - timedelta(seconds=1)})

    # -------------------------------------------------------------- stock input
    def test_product_without_cost_sends_nothing_and_says_why(self):
        free = self.env["product.product"].create({
            "name": "Free sample", "is_storable": True, "categ_id": self.category.id, "standard_price": 0})
        receipt = self.receive(3, price=0.0, product=free).picking_ids
        delivery = self.sell(2, product=free).picking_ids
        self.validate(delivery)
        postings = self.postings_of(receipt) | self.postings_of(delivery)
        self.assertRecordValues(postings, [
            {"event_type": "receipt", "state": "skipped", "amount": 0.0,
             "decision_reason": "Nothing to post: the event has no value."},
            {"event_type": "delivery", "state": "skipped", "amount": 0.0,
             "decision_reason": "Nothing to post: the event has no value."},
        ])
        self.assertFalse(postings.line_ids, "no zero lines are kept")
        self.drain()
        self.assertEqual(postings.mapped("state"), ["skipped", "skipped"])
        self.assertFalse(postings.attempt_ids, "nothing was sent")
        self.assertFalse(self.entries(postings[0]) or self.entries(postings[1]))

    def test_negative_stock_then_receipt_posts_the_cost_correction_to_cogs(self):
        # 4 shipped with none on hand, at the product's cost 5.00; then 10 received at 6.00:
        # Odoo revalues the 4 sold at the real cost (a layer on the delivery) and the sync posts it.
        delivery = self.sell(4).picking_ids
        self.validate(delivery, quantity=4)
        self.flush_ledger()  # the delivery's transaction ends here; the receipt comes later
        self.assertEqual(self.env["stock.quant"]._get_available_quantity(self.product, self.stock,
                                                                         allow_negative=True), -4)
        receipt = self.receive(10, price=6.0).picking_ids
        [shipped, correction] = self.postings_of(delivery)
        [received] = self.postings_of(receipt)
        self.assertEqual(self.lines(shipped), [("cogs", 20.0), ("inventory", -20.0)])
        self.assertEqual(self.lines(received), [("grni", -60.0), ("inventory", 60.0)])
        self.assertEqual(self.lines(correction), [("cogs", 4.0), ("inventory", -4.0)],
                         "the 4 units sold short cost 1.00 more each than booked")
        self.assertNotEqual(correction.posting_key, shipped.posting_key)
        self.assertEqual(sum(delivery.move_ids.stock_valuation_layer_ids.mapped("value")), -24.0)
        self.drain()
        self.assertEqual((shipped | correction | received).mapped("state"), ["posted"] * 3)
        [entry] = self.entries(correction)
        self.assertEqual(self.entry_amounts(entry), [("Credit", "Inventory Asset", 4.0),
                                                     ("Debit", "Cost of Goods Sold", 4.0)])

    def test_bought_in_dozens_stocked_in_units_is_right_to_the_cent(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        product = self.env["product.product"].create({
            "name": "Sock pack", "is_storable": True, "categ_id": self.category.id, "standard_price": 2.0,
            "uom_po_id": dozen.id})
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id, "picking_type_id": self.warehouse.in_type_id.id,
            "order_line": [Command.create({
                "product_id": product.id, "product_qty": 7, "product_uom": dozen.id, "price_unit": 25.0})],
        })
        order.button_confirm()
        receipt = order.picking_ids
        self.validate(receipt)
        [received] = self.postings_of(receipt)
        # 7 dozen at 25.00 a dozen: 84 units worth 175.00, however the unit cost (2.0833...) rounds
        self.assertEqual(self.lines(received), [("grni", -175.0), ("inventory", 175.0)])
        self.assertEqual(received.line_ids.mapped("quantity"), [84.0, 84.0], "quantities in the stock unit")
        delivery = self.sell(5, product=product).picking_ids
        self.validate(delivery)
        [shipped] = self.postings_of(delivery)
        layer_value = delivery.move_ids.stock_valuation_layer_ids.value
        self.assertEqual(layer_value, -10.42, "5 units at the average cost 175.00 / 84, rounded once")
        self.assertEqual(self.lines(shipped), [("cogs", -layer_value), ("inventory", layer_value)])
        self.drain()
        [entry] = self.entries(received)
        self.assertEqual(self.entry_amounts(entry), [("Credit", "Inventory Received Not Billed", 175.0),
                                                     ("Debit", "Inventory Asset", 175.0)])
        [entry] = self.entries(shipped)
        self.assertEqual(self.entry_amounts(entry), [("Credit", "Inventory Asset", -layer_value),
                                                     ("Debit", "Cost of Goods Sold", -layer_value)])

    def test_foreign_currency_purchase_posts_the_layer_value_in_company_currency(self):
        company_currency = self.env.company.currency_id
        foreign = self.env.ref("base.EUR") if company_currency.name != "EUR" else self.env.ref("base.GBP")
        foreign.active = True
        today = fields.Date.context_today(self.env["qbo.posting"])
        self.env["res.currency.rate"].search([("currency_id", "=", foreign.id)]).unlink()
        self.env["res.currency.rate"].create({"currency_id": foreign.id, "rate": 0.8, "name": today,
                                              "company_id": self.env.company.id})
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id, "picking_type_id": self.warehouse.in_type_id.id,
            "currency_id": foreign.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": 3, "price_unit": 10.0})],
        })
        order.button_confirm()
        receipt = order.picking_ids
        self.validate(receipt)
        [received] = self.postings_of(receipt)
        # 3 x 10.00 in the foreign currency at 0.8 per company unit: 37.50 in company currency
        self.assertEqual(receipt.move_ids.stock_valuation_layer_ids.value, 37.5)
        self.assertEqual(self.lines(received), [("grni", -37.5), ("inventory", 37.5)])
        self.assertEqual(received.currency_id, company_currency)
        self.drain()
        [entry] = self.entries(received)
        self.assertEqual(entry["CurrencyRef"]["value"], company_currency.name)
        self.assertEqual(self.entry_amounts(entry), [("Credit", "Inventory Received Not Billed", 37.5),
                                                     ("Debit", "Inventory Asset", 37.5)])

    # ----------------------------------------------------------- mapping input
    def test_archived_mapping_blocks_naming_the_role_and_the_fix(self):
        grni = self.qbo_mappings.filtered(lambda m: m.role == "grni" and not m.warehouse_id and not m.categ_id)
        grni.action_archive()
        receipt = self.receive(5).picking_ids
        [posting] = self.postings_of(receipt)
        self.drain()
        self.assertRecordValues(posting, [{"state": "blocked", "error_kind": "config"}])
        self.assertIn("role 'grni'", posting.error_message)
        self.assertIn("archived mapping line (Inventory Received Not Billed (GRNI))", posting.error_message)
        self.assertIn("unarchive", posting.error_message.lower())
        self.assertFalse(self.entries(posting))
        grni.action_unarchive()
        self.env["qbo.posting"]._qbo_requeue_blocked(self.qbo_company, ["config"])
        self.assertEqual(posting.state, "to_post")
        self.drain()
        self.assertEqual(posting.state, "posted")
        self.assertEqual(len(self.entries(posting)), 1)

    def test_inactive_quickbooks_account_blocks_naming_the_account(self):
        grni = self.qbo_accounts["Inventory Received Not Billed"]
        self.qbo_server.deactivate_account(self.qbo_demo["realm_id"], grni.qbo_id)
        # The emulator outlives the test's transaction: the other tests need the account active.
        self.addCleanup(self.qbo_server.set_active, self.qbo_demo["realm_id"], "Account", grni.qbo_id, True)
        receipt = self.receive(5).picking_ids
        [posting] = self.postings_of(receipt)
        self.drain()
        self.assertRecordValues(posting, [{"state": "blocked", "error_kind": "blocked", "error_code": "610"}])
        self.assertIn(f"account {grni.qbo_id} 'Inventory Received Not Billed' (inactive)", posting.error_message)
        self.assertIn("fix the account mapping, then retry", posting.error_message)
        self.assertFalse(self.entries(posting))
        # The accountant maps the role to an active liability account and retries: one entry.
        mapping = self.qbo_mappings.filtered(lambda m: m.role == "grni" and not m.warehouse_id and not m.categ_id)
        mapping.account_id = self.qbo_accounts["Accrued Landed Cost – Other"]
        posting.action_retry()
        self.drain()
        self.assertEqual(posting.state, "posted", posting.error_message)
        [entry] = self.entries(posting)
        self.assertEqual(self.entry_amounts(entry), [("Credit", "Accrued Landed Cost – Other", 25.0),
                                                     ("Debit", "Inventory Asset", 25.0)])

    # ------------------------------------------------------- QuickBooks input
    def test_renumbered_entry_is_found_and_never_reposted(self):
        receipt = self.receive(10, price=6.0).picking_ids
        [posting] = self.postings_of(receipt)
        self.drain()
        self.assertEqual(posting.state, "posted")
        client = self._qbo_client()
        entry = _plain(client.get_journal_entry(posting.qbo_id))
        entry["DocNumber"] = "TYPO-1"
        client.qb.update_object("JournalEntry", json.dumps(entry))

        today = fields.Date.context_today(self.env["qbo.posting"])
        run = self.env["qbo.reconciliation"].create({
            "company_id": self.qbo_company.id, "date_from": today.replace(day=1), "date_to": today})
        self.flush_ledger()
        self.assertTrue(run._qbo_run(with_commit=False, limiter=RateLimiter()), run.error_message)
        # One finding, matched by the Id the posting stored: edited (number changed), neither deleted nor hand-typed.
        # (Entries of this class's other tests stay in the emulator: only this entry's rows are looked at.)
        def rows_of_entry(run):
            return run.line_ids.filtered(lambda line: line.posting_id == posting or line.doc_number == "TYPO-1"
                                         or line.qbo_entry_id == posting.qbo_id)

        [renumbered] = rows_of_entry(run)
        self.assertRecordValues(renumbered, [{"kind": "edited", "posting_id": posting.id, "state": "open",
                                              "doc_number": posting.doc_number, "qbo_entry_id": posting.qbo_id,
                                              "difference": 0.0}])
        self.assertIn(f"DocNumber changed from {posting.doc_number} to TYPO-1", renumbered.explanation)
        self.assertIn(f"Change its number back to {posting.doc_number} in QuickBooks", renumbered.explanation)
        self.assertFalse(run.line_ids.filtered(lambda line: line.doc_number == "TYPO-1"), "not typed by hand")
        # Neither a repost (it would book the receipt twice) nor a correction (no amount changed) is offered.
        with self.assertRaises(UserError):
            renumbered.action_repost()
        with self.assertRaisesRegex(UserError, "cannot fix a number"):
            renumbered.action_post_correction()
        self.assertFalse(posting.correction_ids)

        # A repost made anyway (from the posting) is held back by the cron, named.
        repost = posting._qbo_repost()
        self.drain()
        self.assertRecordValues(repost, [{"state": "blocked", "error_kind": "config"}])
        self.assertIn(f"(Id {posting.qbo_id}) under the number TYPO-1", repost.error_message)
        self.assertIn(f"change the entry's number back to {posting.doc_number}", repost.error_message)
        self.assertFalse(self.entries(repost))
        self.assertEqual(len(client.query("SELECT * FROM JournalEntry WHERE Id = '%s'" % posting.qbo_id)), 1)
        wizard = Form.from_action(self.env, repost.action_open_skip_wizard())
        wizard.reason = "The entry was renumbered in QuickBooks, not deleted"
        wizard.save().action_skip()
        self.assertEqual(repost.state, "skipped")
        self.assertEqual(posting.state, "posted", "the original posting never changes")

        # Accepted with a reason, the finding stays accepted in the next run.
        wizard = Form.from_action(self.env, renumbered.action_open_accept_wizard())
        wizard.reason = "Renumbered on purpose by the bookkeeper"
        wizard.save().action_accept()
        self.assertEqual(renumbered.state, "accepted")
        again = self.env["qbo.reconciliation"].create({
            "company_id": self.qbo_company.id, "date_from": today.replace(day=1), "date_to": today})
        self.assertTrue(again._qbo_run(with_commit=False, limiter=RateLimiter()), again.error_message)
        self.assertEqual(rows_of_entry(again).mapped(
            lambda line: (line.kind, line.state, line.accepted_reason)),
            [("edited", "accepted", "Renumbered on purpose by the bookkeeper")])

    def test_unreadable_answers_fail_clearly_and_end_in_one_entry(self):
        for kind, message in (
            ("malformed", "QuickBooks sent an answer that cannot be read"),
            ("shape", "QuickBooks did not report on this entry"),
        ):
            with self.subTest(kind=kind):
                receipt = self.receive(2, price=7.0).picking_ids
                [posting] = self.postings_of(receipt)
                # The batch is booked but its answer unusable; the look-up right after it gets the same.
                self.qbo_server.set_faults(script=[kind, kind])
                self.drain()
                self.assertRecordValues(posting, [{"state": "failed", "error_kind": "ambiguous",
                                                   "needs_lookup": True}])
                self.assertIn(message, posting.error_message)
                self.assertIn("looked up", posting.error_message)
                self.assertGreater(posting.next_try, fields.Datetime.now(), "retried later, not at once")
                self.assertEqual(len(self.entries(posting)), 1, "QuickBooks holds it already")
                self.due_now(posting)
                self.drain()
                self.assertRecordValues(posting, [{"state": "posted", "adopted": True, "needs_lookup": False}])
                [entry] = self.entries(posting)
                self.assertEqual(entry["Id"], posting.qbo_id)
                self.assertEqual(posting.attempt_ids.sorted("id").mapped("outcome"), ["retry", "adopted"])
