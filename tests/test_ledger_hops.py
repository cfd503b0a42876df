"""The ledger knows where the goods were: each hop carries the bins, lots and packages of the move lines, and a
balance as of a past date, read through the inventory-value report, never changes when later moves complete."""
from collections import defaultdict
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestLedgerHops(InventoryStateCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse.reception_steps = "two_steps"
        cls.input = cls.warehouse.wh_input_stock_loc_id
        cls.shelf_a, cls.shelf_b = cls.env["stock.location"].create([
            {"name": "Shelf A", "usage": "internal", "location_id": cls.stock.id},
            {"name": "Shelf B", "usage": "internal", "location_id": cls.stock.id}])
        cls.product.tracking = "lot"
        cls.lot_1, cls.lot_2 = cls.env["stock.lot"].create([
            {"name": "TEE-001", "product_id": cls.product.id}, {"name": "TEE-002", "product_id": cls.product.id}])
        cls.crate = cls.env["stock.quant.package"].create({"name": "Crate 7"})

    # ------------------------------------------------------------------ helpers
    def hops(self, records):
        """(from_state, from bin, to_state, to bin, lot, package, quantity) of the events of moves/pickings."""
        self.flush_ledger()
        moves = records if records._name == "stock.move" else records.move_ids
        events = self.env["stock.inventory.event"].search([("move_id", "in", moves.ids)], order="id")
        return [(e.from_state or None, e.from_location_id, e.to_state or None, e.to_location_id, e.lot_id,
                 e.package_id, e.quantity) for e in events]

    def balance(self, date):
        """{(state, location, lot): (units, value)} of the product as of ``date``, read through the report."""
        self.flush_ledger()
        groups = self.env["stock.inventory.value.report"].read_group(
            [("product_id", "=", self.product.id), ("date", "<=", date)], ["quantity:sum", "value:sum"],
            ["state", "location_id", "lot_id"], lazy=False)
        balances = {}
        for group in groups:
            units, value = round(group["quantity"], 4), round(group["value"], 2)
            if units or value:
                key = (group["state"], group["location_id"] and group["location_id"][0],
                       group["lot_id"] and group["lot_id"][0])
                balances[key] = (units, value)
        return balances

    def odoo_stock(self):
        """What Odoo's own quants say, in the report's terms: {(state, location, lot): units}, the reserved part of
        each quant 'reserved', the rest 'available'."""
        stock = defaultdict(float)
        for quant in self.env["stock.quant"].search([("product_id", "=", self.product.id),
                                                     ("location_id.usage", "=", "internal")]):
            stock[("reserved", quant.location_id.id, quant.lot_id.id)] += quant.reserved_quantity
            stock[("available", quant.location_id.id, quant.lot_id.id)] += quant.quantity - quant.reserved_quantity
        return {key: round(units, 4) for key, units in stock.items() if round(units, 4)}

    def on_hand(self, balances):
        return {key: units for key, (units, _value) in balances.items()
                if key[0] in ("available", "reserved") and self.env["stock.location"].browse(key[1]).usage == "internal"}

    def receive_into_bins(self):
        """Two-step receipt of 10 tees: 6 of lot 1, 4 of lot 2 into Input, then put away on two shelves, lot 2
        in a crate."""
        order = self.buy(10)
        self.flush_ledger()
        receipt = order.picking_ids
        move = receipt.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create({"product_id": self.product.id, "lot_id": lot.id, "quantity": quantity,
                            "location_id": move.location_id.id, "location_dest_id": self.input.id})
            for lot, quantity in ((self.lot_1, 6), (self.lot_2, 4))]
        self.validate(receipt)
        store = move.move_dest_ids.picking_id
        self.assertEqual(store.location_id, self.input)
        for line in store.move_ids.move_line_ids:
            line.location_dest_id = self.shelf_a if line.lot_id == self.lot_1 else self.shelf_b
            if line.lot_id == self.lot_2:
                line.result_package_id = self.crate
        self.validate(store)
        return receipt, store

    def transfer(self, source, dest, quantity):
        picking = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.int_type_id.id, "location_id": source.id, "location_dest_id": dest.id,
            "move_ids": [Command.create({
                "name": self.product.name, "product_id": self.product.id, "product_uom_qty": quantity,
                "product_uom": self.product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id})]})
        picking.action_confirm()
        picking.action_assign()
        return picking

    # ------------------------------------------------------------------ tests
    def test_hops_carry_the_bins_lots_and_packages_of_the_move_lines(self):
        receipt, store = self.receive_into_bins()
        supplier, input_, lot_1, lot_2, no_lot = self.supplier_loc, self.input, self.lot_1, self.lot_2, self.lot_1[:0]
        no_package = self.crate[:0]
        self.assertEqual(self.hops(receipt), [
            (None, supplier, "ordered", supplier, no_lot, no_package, 10),
            ("ordered", supplier, "received", input_, lot_1, no_package, 6),
            ("ordered", supplier, "received", input_, lot_2, no_package, 4),
        ], "ordered goods are at the vendor; received ones in Input, by lot")
        self.assertEqual(self.hops(store), [
            ("received", input_, "available", self.shelf_a, lot_1, no_package, 6),
            ("received", input_, "available", self.shelf_b, lot_2, self.crate, 4),
        ], "put away on the shelf each move line names, lot 2 in its crate")
        event = store.move_ids.inventory_event_ids[-1]
        self.assertRecordValues(event, [{"location_id": input_.id, "location_dest_id": self.stock.id}])

        # an internal transfer between bins: held where it is until done, then on the other shelf
        transfer = self.transfer(self.shelf_b, self.shelf_a, 2)
        self.assertEqual(self.hops(transfer), [("available", self.shelf_b, "reserved", self.shelf_b, lot_2, self.crate,
                                                2)], "a reservation stays in its bin and package")
        self.validate(transfer)
        self.assertEqual(self.hops(transfer)[1:], [
            ("reserved", self.shelf_b, "available", self.shelf_a, lot_2, no_package, 2)])

        # a partial delivery: each line's bin and lot, the rest released where it was held
        delivery = self.sell(5).picking_ids
        reserved = {(line.location_id, line.lot_id, line.quantity) for line in delivery.move_ids.move_line_ids}
        self.assertEqual(sum(quantity for _loc, _lot, quantity in reserved), 5)
        self.assertEqual({(hop[1], hop[4], hop[6]) for hop in self.hops(delivery)}, reserved)
        self.assertTrue(all(hop[1] == hop[3] and hop[2] == "reserved" for hop in self.hops(delivery)),
                        "reserved goods are where they are: from and to are the same bin")
        reserved_events = len(self.hops(delivery))
        self.validate(delivery, quantity=3, backorder=True)
        later = self.hops(delivery.move_ids)[reserved_events:]
        shipped = [hop for hop in later if hop[2] == "shipped"]
        released = [hop for hop in later if hop[2] == "available"]
        self.assertEqual(sum(hop[6] for hop in shipped), 3)
        self.assertEqual({hop[3] for hop in shipped}, {self.customer_loc})
        self.assertTrue({(hop[1], hop[4]) for hop in shipped} <= {(loc, lot) for loc, lot, _qty in reserved})
        self.assertEqual(sum(hop[6] for hop in released), 2)
        self.assertTrue(all(hop[1] == hop[3] and hop[1] in (self.shelf_a, self.shelf_b) for hop in released),
                        f"what the delivery let go of stays on its shelf: {released}")
        # the report agrees with Odoo's quants, bin by bin and lot by lot
        self.assertEqual(self.on_hand(self.balance(fields.Datetime.now())), self.odoo_stock())

    def test_a_past_balance_never_changes_when_later_moves_complete(self):
        now = fields.Datetime.now()
        with freeze_time(now - timedelta(days=20)):
            self.receive_into_bins()
            transfer = self.transfer(self.shelf_b, self.shelf_a, 2)
            delivery = self.sell(5).picking_ids
            self.flush_ledger()
        past = now - timedelta(days=15)
        before = self.balance(past)
        self.assertEqual(self.on_hand(before), self.odoo_stock(), "as of that date, what Odoo held then")
        self.assertEqual(sum(self.on_hand(before).values()), 10)

        with freeze_time(now - timedelta(days=10)):
            self.validate(transfer)
            self.validate(delivery, quantity=3, backorder=True)
            self.validate(delivery.backorder_ids)
            self.flush_ledger()
        self.assertEqual(self.balance(past), before, "later moves completed: the past balance is the same")
        after = self.balance(now)
        self.assertNotEqual(after, before)
        self.assertEqual(self.on_hand(after), self.odoo_stock())
        shipped = {key: units for key, (units, _value) in after.items() if key[0] == "shipped"}
        self.assertEqual(sum(shipped.values()), 5.0)
        self.assertEqual({key[1] for key in shipped}, {self.customer_loc.id})

    def test_rows_written_before_hop_locations_are_backfilled_once(self):
        """An upgraded database: its rows had only the move's locations; the backfill places them where the value
        report placed them, and a row that has its hop locations is never touched again."""
        socks = self.env["product.product"].create({
            "name": "Socks", "is_storable": True, "categ_id": self.category.id, "standard_price": 2.0})
        order = self.buy(4, product=socks)
        self.flush_ledger()
        self.validate(order.picking_ids)
        self.flush_ledger()
        events = order.picking_ids.move_ids.inventory_event_ids
        expected = [(e.from_location_id.id, e.to_location_id.id) for e in events]
        Event = self.env["stock.inventory.event"]
        self.env.cr.execute("UPDATE stock_inventory_event SET from_location_id = NULL, to_location_id = NULL "
                            "WHERE id IN %s", [tuple(events.ids)])
        events.invalidate_recordset()
        Event._backfill_hop_locations()
        events.invalidate_recordset()
        backfilled = [(e.from_location_id.id, e.to_location_id.id) for e in events]
        self.assertEqual(backfilled, [(self.supplier_loc.id, self.supplier_loc.id),
                                      (self.supplier_loc.id, self.input.id)])
        self.assertEqual(backfilled, expected, "the best value known is the one the tracker writes now")
        Event._backfill_hop_locations()
        self.assertEqual(self.env.cr.rowcount, 0, "run again, it changes nothing")
