"""Goods leave a hold at the value they entered with, whatever the product's cost has become meanwhile."""
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestHoldValue(InventoryStateCommon):

    def hold_balance(self):
        """What the postings put on Inventory – Quality Hold, and what they put on Inventory."""
        self.flush_ledger()
        lines = self.env["qbo.posting.line"].search([("posting_id.company_id", "=", self.env.company.id),
                                                     ("posting_id.state", "!=", "skipped")])
        return {role: round(sum(lines.filtered(lambda l, r=role: l.role == r).mapped("amount")), 2)
                for role in ("inventory_quality_hold", "inventory")}

    def test_release_after_a_cost_change_takes_out_what_went_in(self):
        self.warehouse.reception_steps = "three_steps"
        order = self.buy(10, price=6.0)
        receipt = order.picking_ids
        self.validate(receipt)
        qc_move = receipt.move_ids.move_dest_ids
        self.validate(qc_move.picking_id)
        store_move = qc_move.move_dest_ids
        self.flush_ledger()
        self.assertEqual(self.hold_balance(), {"inventory_quality_hold": 60.0, "inventory": 0.0})
        # While the goods wait in quality control their cost changes (a revaluation to 9.00).
        self.product.standard_price = 9.0
        self.validate(store_move.picking_id)
        self.assertEqual(self.events(store_move), [("quality_hold", "available", 10, 60.0)],
                         "valued at what entered the hold (10 x 6.00), not at today's 9.00")
        release = self.env["qbo.posting"].search([("event_type", "=", "hold_release"),
                                                  ("picking_id", "=", store_move.picking_id.id)])
        self.assertEqual(sorted(release.line_ids.mapped(lambda l: (l.role, l.amount))),
                         [("inventory", 60.0), ("inventory_quality_hold", -60.0)])
        # The hold account is empty once the goods are out; Inventory holds their whole value (60 + 30).
        self.assertEqual(self.hold_balance(), {"inventory_quality_hold": 0.0, "inventory": 90.0})
        self.assertEqual(sum(self.env["stock.valuation.layer"].search(
            [("product_id", "=", self.product.id)]).mapped("value")), 90.0)

    def test_a_partial_release_takes_its_share_and_the_last_unit_takes_the_rest(self):
        self.warehouse.reception_steps = "three_steps"
        order = self.buy(3, price=10.0)
        receipt = order.picking_ids
        self.validate(receipt)
        qc_move = receipt.move_ids.move_dest_ids
        self.validate(qc_move.picking_id)
        store_move = qc_move.move_dest_ids
        self.flush_ledger()
        self.product.standard_price = 20.0
        self.validate(store_move.picking_id, quantity=1, backorder=True)
        backorder = self.env["stock.picking"].search([("backorder_id", "=", store_move.picking_id.id)])
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.validate(backorder)
        self.assertEqual(self.hold_balance()["inventory_quality_hold"], 0.0)
        released = [(qty, value) for source, target, qty, value in self.events(store_move | backorder.move_ids)
                    if source == "quality_hold" and target != "quality_hold"]
        self.assertEqual(released, [(1, 10.0), (2, 20.0)], "a third, then the rest: 30.00 in, 30.00 out")
