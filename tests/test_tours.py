"""Browser tours: each role does its job through the real web client, in headless Chromium.

The tours (static/src/tours/) click through the screens; these tests build the data, start
them as a user holding only that role's groups, and check the records afterwards. Without a
Chromium on the machine Odoo skips them (``Chrome executable not found``).
"""
import json
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from ..qbo_engine.ratelimit import RateLimiter
from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon

# Legacy hash URLs: Odoo 18 still routes them, whatever its web client path is called.
DASHBOARD_URL = "/web#action=stock_quickbooks_sync.action_qbo_dashboard"


@tagged("post_install", "-at_install")
class TestTours(QboEmulatorCommon, InventoryStateCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.qbo_channel

    @classmethod
    def _tour_user(cls, login, groups):
        """A user with exactly ``groups`` (and what they imply); its password is its login."""
        return cls.env["res.users"].with_context(no_reset_password=True).create({
            "name": login.replace("_", " ").title(), "login": login, "password": login,
            "email": "%s@example.com" % login,
            "company_id": cls.qbo_company.id, "company_ids": [Command.set(cls.qbo_company.ids)],
            "groups_id": [Command.set([cls.env.ref(xmlid).id for xmlid in groups])],
        })

    # ------------------------------------------------------------------ helpers
    def posting_of(self, pickings):
        self.flush_ledger()
        return self.env["qbo.posting"].search([("picking_id", "in", pickings.ids)])

    def type_by_hand(self, amount):
        """An entry typed in QuickBooks straight into the synced inventory account."""
        accounts = self.qbo_demo["accounts"]
        entry = {"DocNumber": "HAND-TOUR", "TxnDate": str(fields.Date.context_today(self.env.user)), "Line": [
            {"DetailType": "JournalEntryLineDetail", "Amount": amount, "JournalEntryLineDetail": {
                "PostingType": "Debit", "AccountRef": {"value": accounts["Inventory Asset"]}}},
            {"DetailType": "JournalEntryLineDetail", "Amount": amount, "JournalEntryLineDetail": {
                "PostingType": "Credit", "AccountRef": {"value": accounts["Retained Earnings"]}}},
        ]}
        self._qbo_client().qb.create_object("JournalEntry", json.dumps(entry))

    # -------------------------------------------------------------------- tours
    def test_warehouse_user_validates_a_receipt_and_sees_the_states(self):
        user = self._tour_user("tour_warehouse", ["stock.group_stock_user"])
        receipt = self.buy(6, price=7.0).picking_ids
        self.assertEqual(self.state(receipt.move_ids), ["ordered"])

        self.start_tour("/web#action=stock.action_picking_tree_all&view_type=form&id=%d" % receipt.id,
                        "stock_quickbooks_sync_warehouse_receipt", login=user.login)

        self.env.invalidate_all()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(self.state(receipt.move_ids), ["available"])
        events = self.env["stock.inventory.event"].search([("move_id", "in", receipt.move_ids.ids)], order="id")
        self.assertEqual(events[-1:].mapped(lambda e: (e.from_state, e.to_state, e.quantity, e.user_id)),
                         [("ordered", "available", 6.0, user)], "the validation is in the ledger, by that user")
        self.assertEqual(self.posting_of(receipt).mapped("state"), ["to_post"], "and its entry waits in the outbox")

    def test_sales_user_sees_available_to_promise_per_channel(self):
        user = self._tour_user("tour_sales", ["sales_team.group_sale_salesman"])
        warehouse = self.env["stock.warehouse"].create({"name": "Tour Warehouse", "code": "TOURW"})
        product = self.env["product.product"].create({
            "name": "Tour Tee", "is_storable": True, "categ_id": self.category.id, "safety_stock_qty": 10.0})
        self.put_in_stock(100, product, warehouse.lot_stock_id)
        wholesale, ecommerce = self.env["crm.team"].create([{"name": "Tour Wholesale"}, {"name": "Tour E-commerce"}])
        self.env["stock.channel.allocation"].create([
            {"channel_id": wholesale.id, "product_id": product.id, "kind": "quantity", "value": 30.0},
            {"channel_id": ecommerce.id, "product_id": product.id, "kind": "percent", "value": 20.0},
        ])
        expected = self.env["stock.available.to.promise"]._compute_atp(product, warehouse, wholesale | ecommerce)
        self.assertEqual((expected[product.id, wholesale.id]["atp"], expected[product.id, ecommerce.id]["atp"]),
                         (72.0, 60.0), "the figures the tour reads")

        self.start_tour("/web#action=sale.product_template_action&view_type=form&id=%d" % product.product_tmpl_id.id,
                        "stock_quickbooks_sync_sales_atp", login=user.login)

    def test_sales_user_sees_a_zero_channel_atp(self):
        user = self._tour_user("tour_sales", ["sales_team.group_sale_salesman"])
        empty_store = self.env["stock.warehouse"].create({"name": "Tour Empty Store", "code": "TOURE"})
        product = self.env["product.product"].create({"name": "Tour Tee", "is_storable": True})
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": empty_store.id, "team_id": self.team.id,
            "user_id": user.id, "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})]})
        self.assertEqual(order.order_line.channel_atp_label, "0.00")
        self.start_tour("/web#action=sale.action_quotations&view_type=form&id=%d" % order.id,
                        "stock_quickbooks_sync_sales_zero_atp", login=user.login)

    def test_accountant_previews_posts_redates_and_opens_a_finding(self):
        user = self._tour_user("tour_accountant", ["stock_quickbooks_sync.group_qbo_accountant"])
        today = fields.Date.context_today(self.env.user)
        waiting = self.posting_of(self.receive(5, price=6.0).picking_ids)
        refused = self.posting_of(self.receive(3, price=4.0).picking_ids)
        # The second receipt belongs to a period QuickBooks has closed since.
        event_day, closed = today - timedelta(days=40), today - timedelta(days=35)
        refused.write({"date": event_day, "original_date": event_day})
        self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], closed)
        self.addCleanup(self.qbo_server.set_book_close_date, self.qbo_demo["realm_id"], None)
        self.drain(refused)
        self.assertRecordValues(refused, [{"state": "blocked", "error_code": "6210", "closing_date": closed}])
        # Someone typed an entry by hand into the inventory account: the month's reconciliation finds it.
        self.type_by_hand(12.5)
        run = self.env["qbo.reconciliation"].create({
            "company_id": self.qbo_company.id, "date_from": today.replace(day=1), "date_to": today})
        self.flush_ledger()
        self.assertTrue(run._qbo_run(with_commit=False, limiter=RateLimiter()), run.error_message)
        self.assertIn("hand_typed", run.line_ids.mapped("kind"))

        self.start_tour(DASHBOARD_URL,
                        "stock_quickbooks_sync_accountant_post", login=user.login)

        self.env.invalidate_all()
        self.assertTrue(waiting.payload and waiting.doc_number, "the preview stored the entry and its DocNumber")
        self.assertEqual(waiting.state, "to_post", "Post Now never sends inside the request")
        drain_cron = self.env.ref("stock_quickbooks_sync.ir_cron_qbo_posting_drain")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", drain_cron.id)]),
                        "Post Now triggered the posting cron")
        self.drain()  # the cron run that trigger starts
        self.assertEqual(waiting.state, "posted", waiting.error_message)
        self.assertEqual(refused.state, "blocked", "a closed period waits for a person")

        self.start_tour(DASHBOARD_URL,
                        "stock_quickbooks_sync_accountant_redate", login=user.login)

        self.env.invalidate_all()
        self.assertRecordValues(refused, [{
            "state": "to_post", "date": closed + timedelta(days=1), "original_date": event_day,
            "decided_by_id": user.id}])
        self.assertTrue(refused.decision_reason)
        self.drain()
        self.assertEqual(refused.state, "posted", refused.error_message)
        [entry] = self._qbo_client().find_journal_entries(refused.doc_number)
        self.assertEqual(entry["TxnDate"], str(closed + timedelta(days=1)))
