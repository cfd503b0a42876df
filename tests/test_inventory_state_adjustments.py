from odoo import Command
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestInventoryStateAdjustments(InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.receive(10, price=5.0)
        self.flush_ledger()

    def test_scrap_with_reason(self):
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product.id, "scrap_qty": 2, "location_id": self.stock.id,
            "inventory_reason": "Stained in the warehouse"})
        scrap.action_validate()
        self.assertEqual(self.events(scrap.move_ids), [("available", "scrapped", 2, 10.0)])
        event = scrap.move_ids.inventory_event_ids
        self.assertEqual(event.reason, f"Scrap {scrap.name}: Stained in the warehouse")
        self.assertEqual(self.state(scrap.move_ids), ["scrapped"])

    def test_count_adjustment_down_and_up(self):
        quant = self.env["stock.quant"].search([("product_id", "=", self.product.id),
                                                ("location_id", "=", self.stock.id)])
        quant.inventory_quantity = 7
        quant.with_context(inventory_name="Cycle count aisle 4").action_apply_inventory()
        loss = self.env["stock.move"].search([("product_id", "=", self.product.id), ("is_inventory", "=", True)])
        self.assertEqual(self.events(loss), [("available", "scrapped", 3, 15.0)])
        self.assertEqual(loss.inventory_event_ids.reason, "Count adjustment Cycle count aisle 4")
        quant.inventory_quantity = 9
        quant.with_context(inventory_name="Recount aisle 4").action_apply_inventory()
        gain = self.env["stock.move"].search(
            [("product_id", "=", self.product.id), ("is_inventory", "=", True)]) - loss
        self.assertEqual(self.events(gain), [(None, "available", 2, 10.0)])

    def test_unclassified_operation_goes_through_and_is_recorded(self):
        production = self.env["stock.location"].create({
            "name": "Sample room", "usage": "production", "location_id": self.warehouse.view_location_id.id})
        picking = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.int_type_id.id,
            "location_id": self.stock.id, "location_dest_id": production.id,
            "move_ids": [Command.create({
                "name": "samples", "product_id": self.product.id, "product_uom_qty": 1,
                "product_uom": self.product.uom_id.id, "location_id": self.stock.id,
                "location_dest_id": production.id})],
        })
        picking.action_confirm()
        picking.action_assign()
        self.flush_ledger()
        self.validate(picking)
        self.flush_ledger()
        event = picking.move_ids.inventory_event_ids[-1]
        self.assertTrue(event.is_unclassified)
        self.assertEqual(event.from_state, event.to_state, "state unchanged")
        self.assertTrue(event.reason.startswith("unclassified: location WH/Sample room has usage 'production'"),
                        event.reason)
        self.assertIn(event, self.env["stock.inventory.event"].search([("is_unclassified", "=", True)]))
