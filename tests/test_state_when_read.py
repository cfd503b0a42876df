"""A move's inventory state is true whenever it is read in the transaction, not only after commit."""
import unittest

from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestStateWhenRead(InventoryStateCommon):

    def test_state_of_a_just_confirmed_purchase_before_any_flush(self):
        order = self.buy(10)
        move = order.picking_ids.move_ids
        # no flush, no commit: code running in the same transaction reads the true state
        self.assertEqual(move.inventory_state, "ordered")
        self.assertEqual(order.picking_ids.inventory_state, "ordered")
        self.assertFalse(self.env["stock.inventory.event"].search([("move_id", "=", move.id)]),
                         "the ledger is written once, right before commit")
        self.flush_ledger()
        self.assertEqual(self.events(move), [(None, "ordered", 10.0, 50.0)])

    def test_state_follows_the_move_within_the_transaction(self):
        self.put_in_stock(10)
        delivery = self.sell(4).picking_ids
        move = delivery.move_ids
        self.assertEqual(move.inventory_state, "reserved")
        move.picked = True
        self.assertEqual(move.inventory_state, "picked")
        delivery.button_validate()
        self.assertEqual(move.inventory_state, "shipped")
        self.assertEqual(self.env["stock.move"].search([("id", "=", move.id), ("inventory_state", "=", "shipped")]),
                         move, "a search reads the stored state too")
        self.flush_ledger()
        self.assertEqual([event[:2] for event in self.events(move)],
                         [("available", "shipped")], "one event for the transaction, from where it was to where it is")

    def test_an_automated_action_on_the_state_fires(self):
        if "base.automation" not in self.env:
            raise unittest.SkipTest("base_automation is not installed in this database: the automated action "
                                    "on inventory_state cannot be checked (./run-tests installs it)")
        model = self.env["ir.model"]._get("stock.move")
        automation = self.env["base.automation"].create({
            "name": "Note goods on the water", "model_id": model.id, "trigger": "on_create_or_write",
            "trigger_field_ids": [(6, 0, self.env["ir.model.fields"]._get("stock.move", "inventory_state").ids)],
            "filter_domain": "[('inventory_state', '=', 'in_transit')]",
        })
        action = self.env["ir.actions.server"].create({
            "name": "Reason", "model_id": model.id, "base_automation_id": automation.id, "usage": "base_automation",
            "state": "code", "code": "records.write({'inventory_reason': 'On the water'})"})
        automation.write({"action_server_ids": [(6, 0, action.ids)]})
        order = self.buy(6)
        move = order.picking_ids.move_ids
        self.assertEqual(move.inventory_state, "ordered")
        self.assertFalse(move.inventory_reason, "the action waits for its state")
        order.picking_ids.action_mark_shipped_by_vendor()
        self.assertEqual(move.inventory_state, "in_transit")
        self.assertEqual(move.inventory_reason, "On the water", "the automated action ran on the state change")
