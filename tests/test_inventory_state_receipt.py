from odoo import Command
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestInventoryStateReceipt(InventoryStateCommon):

    def test_one_step_receipt(self):
        order = self.buy(10, price=6.0)
        receipt = order.picking_ids
        self.assertEqual(self.events(receipt), [(None, "ordered", 10, 60.0)],
                         "confirmed purchase: ordered at its purchase price (6.00), not the product's cost (5.00)")
        self.assertEqual(self.state(receipt.move_ids), ["ordered"])
        self.validate(receipt)
        self.assertEqual(self.events(receipt), [
            (None, "ordered", 10, 60.0),
            ("ordered", "available", 10, 60.0),  # valued from the valuation layer: 10 x 6.00
        ])
        self.assertEqual(self.state(receipt.move_ids), ["available"])
        self.assertEqual(receipt.inventory_state, "available")
        event = receipt.move_ids.inventory_event_ids[-1]
        self.assertRecordValues(event, [{
            "purchase_order_id": order.id, "picking_id": receipt.id, "unit_cost": 6.0,
            "location_id": self.supplier_loc.id, "location_dest_id": self.stock.id,
            "warehouse_id": self.warehouse.id, "user_id": self.env.uid,
            "reason": f"Receipt {receipt.name} validated",
        }])

    def test_three_step_receipt_with_quality_control(self):
        self.warehouse.reception_steps = "three_steps"
        order = self.buy(10, price=6.0)
        receipt = order.picking_ids.filtered(lambda p: p.location_id == self.supplier_loc)
        self.assertEqual(len(order.picking_ids), 1)
        self.assertEqual(self.events(receipt), [(None, "ordered", 10, 60.0)])
        self.validate(receipt)
        self.assertEqual(self.state(receipt.move_ids), ["received"])
        qc_move = receipt.move_ids.move_dest_ids
        quality = qc_move.picking_id
        self.assertEqual(quality.location_dest_id, self.warehouse.wh_qc_stock_loc_id)
        self.assertEqual(self.events(qc_move), [], "waiting for quality control changes no state")
        self.validate(quality)
        store_move = qc_move.move_dest_ids
        self.assertEqual(self.state(qc_move | store_move), ["quality_hold", "quality_hold"],
                         "waiting in QC, not yet available")
        self.validate(store_move.picking_id)
        self.assertEqual(self.state(store_move), ["available"])
        chain = receipt.move_ids | qc_move | store_move
        self.assertEqual(self.events(chain), [
            (None, "ordered", 10, 60.0),
            ("ordered", "received", 10, 60.0),
            ("received", "quality_hold", 10, 60.0),
            ("quality_hold", "available", 10, 60.0),
        ])
        balances = self.env["stock.inventory.event"]._state_balances([("product_id", "=", self.product.id)])
        self.assertEqual({state: qty for (_p, state), (qty, _v) in balances.items() if qty},
                         {"available": 10}, "every intermediate state is balanced out")

    def test_partial_receipt_with_backorder(self):
        order = self.buy(10)
        receipt = order.picking_ids
        self.flush_ledger()
        self.validate(receipt, quantity=6, backorder=True)
        backorder = order.picking_ids - receipt
        self.assertEqual(self.events(receipt), [
            (None, "ordered", 10, 50.0),
            ("ordered", "available", 6, 30.0),
            ("ordered", None, 4, 20.0),
        ])
        self.assertEqual(self.events(backorder), [(None, "ordered", 4, 20.0)])
        self.validate(backorder)
        self.assertEqual(self.events(backorder)[-1], ("ordered", "available", 4, 20.0))

    def test_cancelled_purchase(self):
        order = self.buy(10)
        self.flush_ledger()
        order.button_cancel()
        self.assertEqual(self.events(order.picking_ids), [
            (None, "ordered", 10, 50.0),
            ("ordered", "cancelled", 10, 50.0),
        ])
        self.assertEqual(self.state(order.picking_ids.move_ids), ["cancelled"])

    def test_vendor_ships_under_fob(self):
        fob = self.env.ref("account.incoterm_FOB")
        order = self.buy(10, incoterm=fob)
        receipt = order.picking_ids
        self.assertTrue(receipt.ownership_at_origin)
        self.flush_ledger()
        receipt.action_mark_shipped_by_vendor()
        self.assertEqual(self.state(receipt.move_ids), ["in_transit"])
        self.validate(receipt)
        self.assertEqual(self.events(receipt), [
            (None, "ordered", 10, 50.0),
            ("ordered", "in_transit", 10, 50.0),
            ("in_transit", "available", 10, 50.0),
        ])

    def test_dropship_goes_from_ordered_to_shipped(self):
        picking = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.in_type_id.id,
            "location_id": self.supplier_loc.id,
            "location_dest_id": self.customer_loc.id,
            "move_ids": [Command.create({
                "name": "dropship", "product_id": self.product.id, "product_uom_qty": 3,
                "product_uom": self.product.uom_id.id,
                "location_id": self.supplier_loc.id, "location_dest_id": self.customer_loc.id})],
        })
        picking.action_confirm()
        self.validate(picking)
        self.assertEqual(self.events(picking), [(None, "ordered", 3, 15.0), ("ordered", "shipped", 3, 15.0)])
