from odoo import Command
from odoo.tests import Form, tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestInventoryStateReturns(InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.receive(10, price=5.0)
        self.delivery = self.sell(5).picking_ids
        self.validate(self.delivery)
        self.flush_ledger()
        self.inspection = self.env["stock.location"].create({
            "name": "Returns inspection", "usage": "internal", "location_id": self.warehouse.view_location_id.id,
            "is_return_inspection": True})

    def return_picking(self, picking, quantity, reason, destination=None):
        wizard = Form(self.env["stock.return.picking"].with_context(
            active_id=picking.id, active_model="stock.picking"))
        wizard.return_reason = reason
        with wizard.product_return_moves.edit(0) as line:
            line.quantity = quantity
        returned = wizard.save()._create_return()
        if destination:
            returned.location_dest_id = destination
            returned.move_ids.location_dest_id = destination
        return returned

    def test_customer_return_without_inspection(self):
        returned = self.return_picking(self.delivery, 1, "Wrong size")
        self.validate(returned)
        self.assertEqual(self.events(returned), [
            ("shipped", "returned", 1, 5.0),
            ("returned", "available", 1, 5.0),
        ])
        self.assertEqual(returned.move_ids.inventory_event_ids.mapped("reason"),
                         [f"Customer return {returned.name} received: Wrong size"] * 2)

    def test_customer_return_inspected_to_stock_and_to_scrap(self):
        returned = self.return_picking(self.delivery, 2, "Damaged seam", destination=self.inspection)
        self.validate(returned)
        self.assertEqual(self.events(returned), [("shipped", "returned", 2, 10.0)])
        self.assertEqual(self.state(returned.move_ids), ["returned"])
        # one back to stock after inspection
        release = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.int_type_id.id,
            "location_id": self.inspection.id, "location_dest_id": self.stock.id,
            "move_ids": [self._move(self.inspection, self.stock, 1)],
        })
        release.action_confirm()
        release.action_assign()
        self.flush_ledger()
        self.validate(release)
        self.assertEqual(self.events(release), [
            ("returned", "inspected", 1, 5.0),
            ("inspected", "available", 1, 5.0),
        ])
        # one scrapped after inspection
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product.id, "scrap_qty": 1, "location_id": self.inspection.id,
            "inventory_reason": "Seam cannot be repaired"})
        scrap.action_validate()
        self.assertEqual(self.events(scrap.move_ids), [
            ("returned", "inspected", 1, 5.0),
            ("inspected", "scrapped", 1, 5.0),
        ])
        self.assertEqual(scrap.move_ids.inventory_event_ids[-1].reason,
                         f"Scrap {scrap.name}: Seam cannot be repaired")
        self.assertEqual(scrap.move_ids.inventory_event_ids.scrap_id, scrap)

    def test_return_to_vendor(self):
        receipt = self.env["stock.picking"].search([("picking_type_code", "=", "incoming")], limit=1)
        returned = self.return_picking(receipt, 3, "Faulty batch")
        self.flush_ledger()
        self.validate(returned)
        self.assertEqual(self.events(returned), [
            ("available", "reserved", 3, 15.0),
            ("reserved", "returned", 3, 15.0),
        ])
        self.assertEqual(returned.move_ids.inventory_event_ids[-1].reason,
                         f"Returned to vendor on {returned.name}: Faulty batch")

    def _move(self, source, dest, quantity):
        return Command.create({
            "name": self.product.name, "product_id": self.product.id, "product_uom_qty": quantity,
            "product_uom": self.product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id})
