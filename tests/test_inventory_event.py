from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestInventoryEvent(InventoryStateCommon):

    def test_ledger_is_append_only_even_for_stock_managers(self):
        self.receive(3)
        manager = new_test_user(self.env, "ledger_manager", groups="stock.group_stock_manager")
        event = self.env["stock.inventory.event"].with_user(manager).search([("product_id", "=", self.product.id)])
        self.flush_ledger()
        event = event.search([("product_id", "=", self.product.id)])
        self.assertEqual(len(event), 2)
        with self.assertRaisesRegex(UserError, "append-only"):
            event.with_user(manager).write({"quantity": 1})
        with self.assertRaisesRegex(UserError, "append-only"):
            event.with_user(manager).unlink()
        with self.assertRaisesRegex(UserError, "append-only"):
            event.sudo().write({"reason": "edited"})
        with self.assertRaises(AccessError):
            self.env["stock.inventory.event"].with_user(manager).create({
                "company_id": self.company.id, "product_id": self.product.id, "quantity": 1,
                "uom_id": self.product.uom_id.id, "reason": "typed by hand"})
        with self.assertRaisesRegex(UserError, "cannot be created by hand"):
            self.env["stock.inventory.event"].sudo().create({
                "company_id": self.company.id, "product_id": self.product.id, "quantity": 1,
                "uom_id": self.product.uom_id.id, "reason": "typed by hand"})

    def test_rolled_back_operation_leaves_no_event(self):
        order = self.buy(4)
        self.flush_ledger()
        before = self.env["stock.inventory.event"].search_count([])
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            self.validate(order.picking_ids)
            self.flush_ledger()
            self.assertEqual(self.env["stock.inventory.event"].search_count([]), before + 1)
            1 / 0  # noqa: B018 - the user's operation fails after validation
        self.env.invalidate_all()
        self.flush_ledger()
        self.assertEqual(self.env["stock.inventory.event"].search_count([]), before)
        self.assertEqual(order.picking_ids.state, "assigned")

    def test_two_companies_are_isolated(self):
        company_b = self.env["res.company"].create({"name": "Apparel EU"})
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        self.receive(5)
        order_b = self.env["purchase.order"].with_company(company_b).create({
            "partner_id": self.vendor.id, "company_id": company_b.id,
            "picking_type_id": warehouse_b.in_type_id.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": 7, "price_unit": 4})],
        })
        order_b.button_confirm()
        self.validate(order_b.picking_ids)
        self.flush_ledger()
        user_a = new_test_user(self.env, "stock_a", groups="stock.group_stock_user",
                               company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        user_b = new_test_user(self.env, "stock_b", groups="stock.group_stock_user",
                               company_id=company_b.id, company_ids=[Command.set(company_b.ids)])
        seen_a = self.env["stock.inventory.event"].with_user(user_a).search([("product_id", "=", self.product.id)])
        seen_b = self.env["stock.inventory.event"].with_user(user_b).search([("product_id", "=", self.product.id)])
        self.assertEqual(set(seen_a.mapped("company_id").ids), {self.company.id})
        self.assertEqual(set(seen_b.mapped("company_id").ids), {company_b.id})
        self.assertEqual(seen_b.mapped("quantity"), [7, 7])
        self.assertEqual(seen_b.mapped("warehouse_id"), warehouse_b)

    def test_lots_get_their_own_events_and_trace(self):
        self.product.tracking = "lot"
        order = self.buy(5)
        self.flush_ledger()
        receipt = order.picking_ids
        move = receipt.move_ids
        move.move_line_ids.unlink()
        lot_a, lot_b = self.env["stock.lot"].create([
            {"name": "LOT-A", "product_id": self.product.id}, {"name": "LOT-B", "product_id": self.product.id}])
        move.move_line_ids = [
            Command.create({"product_id": self.product.id, "lot_id": lot_a.id, "quantity": 2,
                            "location_id": move.location_id.id, "location_dest_id": move.location_dest_id.id}),
            Command.create({"product_id": self.product.id, "lot_id": lot_b.id, "quantity": 3,
                            "location_id": move.location_id.id, "location_dest_id": move.location_dest_id.id}),
        ]
        move.picked = True
        receipt.button_validate()
        self.flush_ledger()
        self.assertEqual([(e.from_state, e.to_state, e.lot_id.name, e.quantity) for e in move.inventory_event_ids], [
            (False, "ordered", False, 5),
            ("ordered", "available", "LOT-A", 2),
            ("ordered", "available", "LOT-B", 3),
        ])
        self.assertEqual(lot_b.inventory_event_count, 1)
        action = lot_b.action_open_inventory_trace()
        self.assertEqual(self.env["stock.inventory.event"].search(action["domain"]).mapped("quantity"), [3])
        trace = self.product.action_open_inventory_trace()
        events = self.env["stock.inventory.event"].search(trace["domain"])
        self.assertEqual(events.mapped("to_state"), ["ordered", "available", "available"], "in order of events")
        self.assertEqual(self.product.inventory_event_count, 3)
        self.assertEqual(self.product.product_tmpl_id.inventory_event_count, 3)
