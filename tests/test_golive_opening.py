"""Go-live on a company with history: the opening position and the cut-over date.

History "made before the addon" is simulated here by making it with Odoo's own buttons, then wiping what
the addon recorded of it (ledger rows, claims) with SQL, as a database that never had the addon looks. The
real thing, a database populated without the addon and then installed, is run-tests' lifecycle check
"install on a populated database" (tools/golive_populate.py, tools/golive_check.py).
"""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestGoliveOpening(InventoryStateCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Opening = cls.env["stock.inventory.opening"]
        cls.Event = cls.env["stock.inventory.event"]

    # ------------------------------------------------------------------ helpers
    def forget_history(self):
        """What a database without the addon holds: no ledger, no claims, no opening yet."""
        self.flush_ledger()
        self.env.cr.execute("DELETE FROM stock_inventory_event")
        self.env.cr.execute("DELETE FROM stock_inventory_opening")
        self.env.cr.execute("UPDATE stock_move SET inventory_claim = NULL")
        self.env.invalidate_all()

    def opening_rows(self, opening):
        return sorted(((e.from_state or None, e.to_state, e.quantity, e.value, e.to_location_id.name)
                       for e in opening.event_ids), key=str)

    def later_events(self, records):
        """(from_state, to_state, quantity, value) of the events written after the opening, in creation order."""
        self.flush_ledger()
        moves = records if records._name == "stock.move" else records.move_ids
        events = self.Event.search([("move_id", "in", moves.ids), ("opening_id", "=", False)], order="id")
        return [(e.from_state or None, e.to_state or None, e.quantity, e.value) for e in events]

    def balances(self):
        """{(state, location name): quantity} over the whole ledger (to adds, from removes), zeros left out."""
        self.flush_ledger()
        totals = {}
        for event in self.Event.search([("product_id", "=", self.product.id)]):
            if event.to_state:
                key = (event.to_state, event.to_location_id.name)
                totals[key] = totals.get(key, 0.0) + event.quantity
            if event.from_state:
                key = (event.from_state, event.from_location_id.name)
                totals[key] = totals.get(key, 0.0) - event.quantity
        return {key: qty for key, qty in totals.items() if abs(qty) > 1e-9}

    # ------------------------------------------------------------------ tests
    def test_opening_position_then_open_moves_continue(self):
        self.receive(10, price=5.0)                    # 10 on the shelf at 5.00 (AVCO: 50.00)
        sale = self.sell(3)                            # reserved on the delivery, not shipped
        delivery = sale.picking_ids
        self.assertEqual(delivery.state, "assigned")
        purchase = self.buy(4, price=6.0)              # ordered, not received
        self.forget_history()

        opening = self.Opening._build(self.company)
        supplier = self.supplier_loc.name
        self.assertEqual(self.opening_rows(opening), sorted([
            (None, "available", 10.0, 50.0, "Stock"),      # the quant, at Odoo's valuation
            ("available", "reserved", 3.0, 15.0, "Stock"),  # the delivery's claim on it
            (None, "ordered", 4.0, 24.0, supplier),         # the purchase, at its price
        ], key=str))
        self.assertRecordValues(opening, [{"stage": "done", "quant_count": 1, "move_count": 2, "warning_count": 0}])
        self.assertEqual(self.balances(), {("available", "Stock"): 7.0, ("reserved", "Stock"): 3.0,
                                           ("ordered", supplier): 4.0})
        # the claims are what the tracker compares with: the next transitions are the usual ones
        self.assertEqual(delivery.move_ids.inventory_claim, [["reserved", self.stock.id, False, False, 3.0]])

        self.validate(delivery)
        self.validate(purchase.picking_ids)
        self.assertEqual(self.later_events(delivery), [("reserved", "shipped", 3.0, 15.0)])
        self.assertEqual([row[:3] for row in self.later_events(purchase.picking_ids)],
                         [("ordered", "available", 4.0)])
        self.assertEqual(self.balances(), {("available", "Stock"): 11.0,
                                           ("shipped", self.customer_loc.name): 3.0})

    def test_done_history_makes_no_event_again(self):
        """A done move only gets its claim: touching it later must not replay its receipt."""
        order = self.receive(5, price=4.0)
        self.forget_history()
        opening = self.Opening._build(self.company)
        self.assertEqual(self.opening_rows(opening), [(None, "available", 5.0, 20.0, "Stock")])
        move = order.picking_ids.move_ids
        self.assertEqual(move.inventory_claim, [["available", self.stock.id, False, False, 5.0]])
        move.write({"inventory_reason": "looked at again"})   # marks the move for the tracker
        self.assertEqual(self.later_events(move), [])

    def test_vendor_shipped_under_fob_opens_in_transit(self):
        order = self.buy(10, price=5.0, incoterm=self.env.ref("account.incoterm_FOB"))
        order.picking_ids.action_mark_shipped_by_vendor()
        self.forget_history()
        opening = self.Opening._build(self.company)
        supplier = self.supplier_loc.name
        self.assertEqual(self.opening_rows(opening), sorted([
            (None, "ordered", 10.0, 50.0, supplier), ("ordered", "in_transit", 10.0, 50.0, supplier)], key=str))
        self.validate(order.picking_ids)
        self.assertEqual([row[:3] for row in self.later_events(order.picking_ids)],
                         [("in_transit", "available", 10.0)])
        self.assertEqual(self.balances(), {("available", "Stock"): 10.0})

    def test_built_once_per_company(self):
        self.receive(2, price=5.0)
        self.forget_history()
        first = self.Opening._build(self.company)
        again = self.Opening._build(self.company)
        self.assertEqual(again, first)
        self.assertEqual(self.Event.search_count([("opening_id", "!=", False)]), 1)

    def test_ledger_already_running_needs_no_opening(self):
        self.receive(2, price=5.0)   # recorded by the tracker: the ledger already has this stock
        self.flush_ledger()
        self.env.cr.execute("DELETE FROM stock_inventory_opening")
        opening = self.Opening._build(self.company)
        self.assertRecordValues(opening, [{"stage": "done", "quant_count": 0, "warning_count": 1}])
        self.assertFalse(opening.event_ids)

    def test_negative_quant_and_product_without_cost_are_listed(self):
        free = self.env["product.product"].create({
            "name": "Sample tee", "is_storable": True, "categ_id": self.category.id, "standard_price": 0.0})
        self.put_in_stock(4, product=free)
        self.put_in_stock(-2)
        self.forget_history()
        opening = self.Opening._build(self.company)
        rows = sorted((e.product_id.name, e.to_state, e.quantity) for e in opening.event_ids)
        self.assertEqual(rows, [("Crew tee", "available", -2.0), ("Sample tee", "available", 4.0)])
        self.assertEqual(opening.warning_count, 2)
        self.assertIn("Negative quant: Crew tee", opening.warnings)
        self.assertIn("No cost: Sample tee", opening.warnings)


@tagged("post_install", "-at_install")
class TestGoliveCutover(InventoryStateCommon):

    def test_cutover_in_the_future_is_refused(self):
        tomorrow = fields.Date.context_today(self.company) + timedelta(days=1)
        with self.assertRaisesRegex(ValidationError, "in the future"):
            self.company.qbo_cutover_date = tomorrow
