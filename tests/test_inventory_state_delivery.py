from odoo import Command
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestInventoryStateDelivery(InventoryStateCommon):

    def setUp(self):
        super().setUp()
        self.receive(10, price=5.0)
        self.flush_ledger()

    def test_three_step_delivery_with_package(self):
        self.warehouse.delivery_steps = "pick_pack_ship"
        order = self.sell(4)
        pick = order.picking_ids
        self.assertEqual(len(pick), 1, "only the pick exists until it is done")
        self.assertEqual(self.events(pick), [("available", "reserved", 4, 20.0)])
        self.assertEqual(pick.move_ids.inventory_event_ids.channel_id, self.team)
        self.assertEqual(pick.move_ids.inventory_event_ids.sale_order_id, order)
        pick.move_ids.picked = True
        self.assertEqual(self.state(pick.move_ids), ["picked"])
        self.validate(pick)
        pack = pick.move_ids.move_dest_ids.picking_id
        self.assertEqual(self.events(pack), [], "goods waiting in the pack zone are still 'picked'")
        pack.action_put_in_pack()
        self.assertEqual(self.state(pack.move_ids), ["packed"])
        self.validate(pack)
        ship = pack.move_ids.move_dest_ids.picking_id
        self.assertEqual(self.state(ship.move_ids), ["packed"])
        self.validate(ship)
        chain = pick.move_ids | pack.move_ids | ship.move_ids
        self.assertEqual(self.events(chain), [
            ("available", "reserved", 4, 20.0),
            ("reserved", "picked", 4, 20.0),
            ("picked", "packed", 4, 20.0),
            ("packed", "shipped", 4, 20.0),
        ])
        self.assertEqual(self.state(chain), ["picked", "packed", "shipped"])
        self.assertEqual(ship.move_ids.inventory_event_ids.reason, f"Delivery {ship.name} validated")

    def test_partial_reservation_and_backorder(self):
        order = self.sell(14)
        delivery = order.picking_ids
        self.assertEqual(self.events(delivery), [("available", "reserved", 10, 50.0)])
        self.assertEqual(self.state(delivery.move_ids), ["reserved"])
        self.validate(delivery, backorder=True)
        backorder = order.picking_ids - delivery
        self.assertEqual(self.events(delivery), [
            ("available", "reserved", 10, 50.0),
            ("reserved", "shipped", 10, 50.0),
        ])
        self.assertEqual(self.events(backorder), [], "nothing is held for the backorder yet")
        self.assertEqual(self.state(backorder.move_ids), ["available"])
        self.receive(4, price=5.0)
        backorder.action_assign()
        self.assertEqual(self.events(backorder), [("available", "reserved", 4, 20.0)])

    def test_unreserve_and_cancel(self):
        order = self.sell(6)
        delivery = order.picking_ids
        self.flush_ledger()
        delivery.do_unreserve()
        self.assertEqual(self.state(delivery.move_ids), ["available"])
        delivery.action_assign()
        self.flush_ledger()
        delivery.action_cancel()
        self.assertEqual(self.events(delivery), [
            ("available", "reserved", 6, 30.0),
            ("reserved", "available", 6, 30.0),
            ("available", "reserved", 6, 30.0),
            ("reserved", "available", 6, 30.0),
        ])
        reasons = delivery.move_ids.inventory_event_ids.mapped("reason")
        self.assertEqual(reasons[1], f"Reservation released on {delivery.name}")
        self.assertEqual(reasons[3], f"Cancelled {delivery.name}")
        self.assertEqual(self.state(delivery.move_ids), ["cancelled"])

    def test_inter_warehouse_transit(self):
        other = self.env["stock.warehouse"].create({"name": "East Coast", "code": "EST"})
        transit = self.company.internal_transit_location_id
        out = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.int_type_id.id,
            "location_id": self.stock.id, "location_dest_id": transit.id,
            "move_ids": [self._move_vals(self.stock, transit, 3)],
        })
        out.action_confirm()
        out.action_assign()
        self.flush_ledger()
        self.validate(out)
        self.assertEqual(self.state(out.move_ids), ["in_transit"])
        arrival = self.env["stock.picking"].create({
            "picking_type_id": other.in_type_id.id,
            "location_id": transit.id, "location_dest_id": other.lot_stock_id.id,
            "move_ids": [self._move_vals(transit, other.lot_stock_id, 3)],
        })
        arrival.action_confirm()
        self.assertEqual(self.state(arrival.move_ids), ["in_transit"])
        self.validate(arrival)
        self.assertEqual(self.events(out | arrival), [
            ("available", "reserved", 3, 15.0),
            ("reserved", "in_transit", 3, 15.0),
            ("in_transit", "available", 3, 15.0),
        ])
        self.assertEqual(arrival.move_ids.inventory_event_ids.warehouse_id, other)

    def _move_vals(self, source, dest, quantity):
        return Command.create({
            "name": self.product.name, "product_id": self.product.id, "product_uom_qty": quantity,
            "product_uom": self.product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id})
