from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .landed_cost_common import LandedCostCommon

REPORTS = [
    "stock.inventory.value.report", "stock.grni.report", "stock.landed.cost.comparison.report",
    "stock.inventory.turnover.report", "stock.weeks.of.supply.report", "stock.sell.through.report",
    "stock.ar.aging.report", "stock.sku.timeline.report",
]


@tagged("post_install", "-at_install")
class TestFinanceReports(LandedCostCommon):
    """The finance screen and the reports, read the way the pivot and graph views read them (read_group),
    after real stock flows: a receipt, deliveries for two channels, a customer return, a scrap, landed costs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecommerce = cls.env["crm.team"].create({"name": "E-commerce"})
        cls.product.product_tmpl_id.season = "SS26"
        cls.idle = cls.env["product.product"].create({
            "name": "Linen scarf", "is_storable": True, "categ_id": cls.category.id, "standard_price": 8.0})

    # ------------------------------------------------------------------ helpers
    def totals(self, model, domain, groupby, measures, **context):
        """{group key: {measure: value}} from read_group, as the pivot view asks it."""
        self.flush_ledger()
        groups = self.env[model].with_context(**context).read_group(domain, measures, groupby, lazy=False)
        result = {}
        for group in groups:
            key = tuple(group[name][0] if isinstance(group[name], tuple) else group[name] for name in groupby)
            result[key if len(key) > 1 else key[0]] = {m: group[m] for m in measures}
        return result

    def customer_return(self, picking, quantity):
        wizard = Form(self.env["stock.return.picking"].with_context(active_id=picking.id, active_model="stock.picking"))
        wizard.return_reason = "Wrong size"
        with wizard.product_return_moves.edit(0) as line:
            line.quantity = quantity
        returned = wizard.save()._create_return()
        return self.validate(returned)

    def apparel_flow(self):
        """Receive 100 tees at 5.00; ship 30 to wholesale, 5 come back; reserve 10 for e-commerce; scrap 2."""
        order = self.receive(100, price=5.0)
        wholesale = self.sell(30)
        self.validate(wholesale.picking_ids)
        self.customer_return(wholesale.picking_ids, 5)
        online = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id, "team_id": self.ecommerce.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 10})]})
        online.action_confirm()
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product.id, "scrap_qty": 2, "location_id": self.stock.id,
            "inventory_reason": "Stained"})
        scrap.action_validate()
        self.flush_ledger()
        return order, wholesale, online

    # ------------------------------------------------------------------ finance screen
    def test_inventory_value_by_state_location_and_channel(self):
        self.apparel_flow()
        domain = [("product_id", "=", self.product.id)]
        by_state = self.totals("stock.inventory.value.report", domain, ["state"], ["quantity", "value"])
        # owned: 100 received - 30 shipped + 5 returned - 2 scrapped = 73 units at 5.00
        owned = self.totals("stock.inventory.value.report", domain + [("is_owned", "=", True)], ["company_id"],
                            ["quantity", "value"])
        self.assertEqual(owned[self.company.id], {"quantity": 73.0, "value": 365.0})
        self.assertEqual(by_state["reserved"], {"quantity": 10.0, "value": 50.0})
        self.assertEqual(by_state["available"], {"quantity": 63.0, "value": 315.0},
                         "the 5 returned units went back to stock without inspection")
        self.assertEqual(by_state["shipped"], {"quantity": 25.0, "value": 125.0})
        self.assertEqual(by_state["scrapped"], {"quantity": 2.0, "value": 10.0})
        self.assertFalse(by_state.get("returned", {}).get("quantity"), "returned goods left the returned state")
        by_channel = self.totals("stock.inventory.value.report", domain + [("state", "in", ("reserved", "shipped"))],
                                 ["channel_id", "state"], ["quantity", "value"])
        self.assertEqual(by_channel[(self.ecommerce.id, "reserved")], {"quantity": 10.0, "value": 50.0})
        self.assertEqual(by_channel[(self.team.id, "shipped")], {"quantity": 25.0, "value": 125.0})
        by_location = self.totals("stock.inventory.value.report", domain + [("is_owned", "=", True)],
                                  ["location_id"], ["quantity"])
        self.assertEqual(by_location, {self.stock.id: {"quantity": 73.0}})

    def test_inventory_value_in_transit_and_quality_hold(self):
        fob = self.env["account.incoterms"].search([("code", "=", "FOB")], limit=1)
        order = self.buy(40, price=5.0, incoterm=fob)
        order.picking_ids.action_mark_shipped_by_vendor()
        self.receive(20, price=5.0)
        hold = self.env["stock.location"].create({
            "name": "QC hold", "usage": "internal", "location_id": self.warehouse.view_location_id.id,
            "is_quality_hold": True})
        move = self.env["stock.move"].create({
            "name": "To QC", "product_id": self.product.id, "product_uom_qty": 8, "product_uom": self.product.uom_id.id,
            "location_id": self.stock.id, "location_dest_id": hold.id})
        move._action_confirm()
        move._action_assign()
        move.picked = True
        move._action_done()
        domain = [("product_id", "=", self.product.id)]
        by_state = self.totals("stock.inventory.value.report", domain, ["state"], ["quantity", "value"])
        self.assertEqual(by_state["in_transit"], {"quantity": 40.0, "value": 200.0})
        self.assertEqual(by_state["quality_hold"], {"quantity": 8.0, "value": 40.0})
        self.assertEqual(by_state["available"], {"quantity": 12.0, "value": 60.0})
        hold_total = self.totals("stock.inventory.value.report", domain + [("is_hold", "=", True)], ["location_id"],
                                 ["quantity", "value"])
        self.assertEqual(hold_total, {hold.id: {"quantity": 8.0, "value": 40.0}})
        grni = self.totals("stock.grni.report", [("purchase_id", "=", order.id)], ["purchase_id"],
                           ["received_qty", "in_transit_qty", "grni_qty", "grni_value"])
        self.assertEqual(grni[order.id], {"received_qty": 0.0, "in_transit_qty": 40.0, "grni_qty": 40.0,
                                          "grni_value": 200.0}, "owned from the vendor's shipment under FOB")

    def owned_by_warehouse_and_state(self, product):
        """{(warehouse, state): (units, value)} of the product's owned goods, rounded to the cent; asserts
        that no group is negative and that a group without units has no value."""
        groups = self.totals("stock.inventory.value.report", [("product_id", "=", product.id),
                                                              ("is_owned", "=", True)],
                             ["warehouse_id", "state"], ["quantity", "value"])
        balances = {key: (round(group["quantity"], 4), round(group["value"], 2)) for key, group in groups.items()}
        for key, (quantity, value) in balances.items():
            self.assertGreaterEqual(quantity, 0.0, "negative units in %s" % (key,))
            self.assertGreaterEqual(value, 0.0, "negative value in %s" % (key,))
            if not quantity:
                self.assertEqual(value, 0.0, "value left in %s without units" % (key,))
        return {key: balance for key, balance in balances.items() if balance != (0.0, 0.0)}

    def test_inventory_value_in_transit_relieved_at_receipt_into_quality_control(self):
        """FOB goods in transit to a second, three-step warehouse: in transit at the value booked to Inventory
        in Transit, relieved by exactly that at receipt although the receipt carries the landed costs."""
        east = self.env["stock.warehouse"].create({"name": "East DC", "code": "EDC", "reception_steps": "three_steps"})
        fob = self.env["account.incoterms"].search([("code", "=", "FOB")], limit=1)
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id, "picking_type_id": east.in_type_id.id, "incoterm_id": fob.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": 100, "price_unit": 10.0})]})
        # landed costs of 400.00 on 1,000.00 of goods: 14.00 a unit once received
        self.env["purchase.landed.cost.estimate"].create([
            {"order_id": order.id, "cost_type": "duty", "method": "percent_value", "rate": 16.5},
            {"order_id": order.id, "cost_type": "freight", "method": "fixed_quantity", "amount": 80.0},
            {"order_id": order.id, "cost_type": "broker", "method": "fixed_value", "amount": 150.0},
            {"order_id": order.id, "cost_type": "insurance", "method": "percent_value", "rate": 0.5},
        ])
        order.button_confirm()
        receipt = order.picking_ids
        receipt.action_mark_shipped_by_vendor()
        self.assertEqual(self.owned_by_warehouse_and_state(self.product), {(east.id, "in_transit"): (100.0, 1000.0)})

        self.validate(receipt)
        self.assertEqual(self.unit_cost(self.product), 14.0, "the receipt carries its estimated landed costs")
        self.assertEqual(self.owned_by_warehouse_and_state(self.product), {(east.id, "received"): (100.0, 1400.0)},
                         "in transit relieved by the 1,000.00 it was booked at, not the 1,400.00 received")
        quality = receipt.move_ids.move_dest_ids.picking_id
        self.validate(quality)
        self.assertEqual(self.owned_by_warehouse_and_state(self.product),
                         {(east.id, "quality_hold"): (100.0, 1400.0)})
        self.validate(quality.move_ids.move_dest_ids.picking_id)
        self.assertEqual(self.owned_by_warehouse_and_state(self.product), {(east.id, "available"): (100.0, 1400.0)})
        # the pipeline states are back to zero too, with their units
        pipeline = self.totals("stock.inventory.value.report", [("product_id", "=", self.product.id),
                                                                ("state", "in", ("ordered", "in_transit"))],
                               ["state"], ["quantity", "value"])
        self.assertEqual({state: (group["quantity"], round(group["value"], 2)) for state, group in pipeline.items()},
                         {"ordered": (0.0, 0.0), "in_transit": (0.0, 0.0)})

    def test_inventory_value_in_transit_between_warehouses(self):
        """Goods sent through a transit location stay with the warehouse that sent them until they arrive."""
        east = self.env["stock.warehouse"].create({"name": "East DC", "code": "EDC"})
        transit = self.env["stock.location"].create({
            "name": "Truck to East DC", "usage": "transit", "company_id": self.company.id})
        self.receive(50, price=5.0)

        def move(source, dest, origin=None):
            record = self.env["stock.move"].create({
                "name": "Transfer to East DC", "product_id": self.product.id, "product_uom_qty": 20,
                "product_uom": self.product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id,
                "move_orig_ids": [Command.set(origin.ids)] if origin else False})
            record._action_confirm()
            record._action_assign()
            record.quantity = 20
            record.picked = True
            record._action_done()
            return record

        sent = move(self.stock, transit)
        self.assertEqual(self.owned_by_warehouse_and_state(self.product), {
            (self.warehouse.id, "available"): (30.0, 150.0), (self.warehouse.id, "in_transit"): (20.0, 100.0)})
        move(transit, east.lot_stock_id, origin=sent)
        self.assertEqual(self.owned_by_warehouse_and_state(self.product), {
            (self.warehouse.id, "available"): (30.0, 150.0), (east.id, "available"): (20.0, 100.0)})

    def test_grni(self):
        order = self.receive(100, price=5.0)
        grni = self.totals("stock.grni.report", [("purchase_id", "=", order.id)], ["purchase_id"],
                           ["received_qty", "billed_qty", "grni_qty", "received_value", "billed_value", "grni_value"])
        self.assertEqual(grni[order.id], {"received_qty": 100.0, "billed_qty": 0.0, "grni_qty": 100.0,
                                          "received_value": 500.0, "billed_value": 0.0, "grni_value": 500.0})
        bill = self.env["account.move"].browse(order.action_create_invoice()["res_id"])
        bill.invoice_line_ids.quantity = 40
        self.return_to_vendor(order.picking_ids, 10)
        grni = self.totals("stock.grni.report", [("purchase_id", "=", order.id)], ["purchase_id"],
                           ["received_qty", "billed_qty", "grni_qty", "received_value", "billed_value", "grni_value"])
        # 90 owned at 5.00 after the vendor return, 40 billed: 50 units, 250.00 not billed
        self.assertEqual(grni[order.id], {"received_qty": 90.0, "billed_qty": 40.0, "grni_qty": 50.0,
                                          "received_value": 450.0, "billed_value": 200.0, "grni_value": 250.0})
        owned = self.totals("stock.inventory.value.report", [("product_id", "=", self.product.id),
                                                             ("is_owned", "=", True)], ["location_id"], ["quantity"])
        self.assertEqual(owned, {self.stock.id: {"quantity": 90.0}}, "goods back at the vendor are not ours")

    def test_landed_cost_estimated_vs_actual_and_turnover(self):
        product = self.fifo_product
        order = self.seeds_order(product)
        self.validate(self.receipt(order))
        self.ship(400, product)
        self.actual(order, "freight", 1000.0)
        rows = self.totals("stock.landed.cost.comparison.report", [("purchase_id", "=", order.id)], ["cost_type"],
                           ["estimated_amount", "actual_amount", "variance_amount", "true_up_amount"])
        self.assertEqual(rows["freight"], {"estimated_amount": 800.0, "actual_amount": 1000.0,
                                           "variance_amount": 200.0, "true_up_amount": 200.0})
        self.assertEqual(rows["duty"], {"estimated_amount": 1650.0, "actual_amount": 0.0,
                                        "variance_amount": -1650.0, "true_up_amount": 0.0})
        self.assertEqual(set(rows), {"freight", "duty", "broker", "insurance"})
        still = self.env["stock.landed.cost.comparison.report"].search(
            [("purchase_id", "=", order.id), ("is_still_estimated", "=", True)])
        self.assertEqual(sorted(still.mapped("cost_type")), ["broker", "duty", "insurance"])
        # on hand: 600 units at 12.85 (factory 10.00 + landed 2.65 + the true-up's on-hand share 0.20)
        value = self.totals("stock.inventory.value.report", [("product_id", "=", product.id), ("is_owned", "=", True)],
                            ["company_id"], ["quantity", "value"])
        self.assertEqual(value[self.company.id], {"quantity": 600.0, "value": 7710.0})
        # turnover of today: COGS 400 x 12.65 + the true-up's sold share 80.00 = 5,140.00; opening value 0,
        # closing 7,710.00, average 3,855.00
        today = fields.Date.context_today(self.env["res.users"])
        turnover = self.totals("stock.inventory.turnover.report", [("product_id", "=", product.id)], ["product_id"],
                               ["cogs", "opening_value", "closing_value", "average_value", "turnover"],
                               report_date_from=today, report_date_to=today)
        self.assertEqual(turnover[product.id], {"cogs": 5140.0, "opening_value": 0.0, "closing_value": 7710.0,
                                                "average_value": 3855.0, "turnover": 5140.0 / 3855.0})
        # the day before, nothing had moved: no row, no division
        before = self.totals("stock.inventory.turnover.report", [("product_id", "=", product.id)], ["product_id"],
                             ["cogs", "turnover"], report_date_from=today - timedelta(days=1),
                             report_date_to=today - timedelta(days=1))
        self.assertEqual(before, {})

    def test_sync_status(self):
        self.apparel_flow()
        Posting = self.env["qbo.posting"]
        groups = Posting.read_group([("company_id", "=", self.company.id)], ["amount:sum"], ["state"], lazy=False)
        counted = {group["state"]: group["__count"] for group in groups}
        self.assertEqual(sum(counted.values()), Posting.search_count([("company_id", "=", self.company.id)]))
        self.assertGreaterEqual(counted.get("to_post", 0), 4, "receipt, delivery, return and scrap wait to post")
        action = self.env.ref("stock_quickbooks_sync.action_qbo_sync_status_report")
        self.assertEqual(action.res_model, "qbo.posting")

    # ------------------------------------------------------------------ reports
    def test_weeks_of_supply_and_sell_through(self):
        self.apparel_flow()
        self.receive(10, price=8.0, product=self.idle)
        rows = self.totals("stock.weeks.of.supply.report", [("product_id", "in", (self.product + self.idle).ids)],
                           ["product_id"], ["on_hand_qty", "sold_qty", "weekly_sold_qty", "weeks_of_supply"],
                           weeks_of_supply_weeks=5)
        # 73 on hand, 30 shipped - 5 returned = 25 sold in 5 weeks: 5 a week, 14.6 weeks
        self.assertEqual(rows[self.product.id], {"on_hand_qty": 73.0, "sold_qty": 25.0, "weekly_sold_qty": 5.0,
                                                 "weeks_of_supply": 14.6})
        self.assertEqual(rows[self.idle.id], {"on_hand_qty": 10.0, "sold_qty": 0.0, "weekly_sold_qty": 0.0,
                                              "weeks_of_supply": False})
        idle = self.env["stock.weeks.of.supply.report"].search([("product_id", "=", self.idle.id)])
        self.assertRecordValues(idle, [{"sales_status": "no_sales", "weeks_of_supply": 0.0, "weeks": 8}])
        both = self.totals("stock.weeks.of.supply.report", [("product_id", "in", (self.product + self.idle).ids)],
                           ["company_id"], ["on_hand_qty", "weeks_of_supply"], weeks_of_supply_weeks=5)
        self.assertEqual(both[self.company.id]["weeks_of_supply"], 83.0 / 5.0, "group: on hand sum / weekly sum")

        sell = self.totals("stock.sell.through.report", [("product_id", "in", (self.product + self.idle).ids)],
                           ["season"], ["sold_qty", "on_hand_qty", "sell_through"])
        self.assertEqual(sell["SS26"], {"sold_qty": 25.0, "on_hand_qty": 73.0, "sell_through": 100.0 * 25 / 98})
        self.assertEqual(sell[False], {"sold_qty": 0.0, "on_hand_qty": 10.0, "sell_through": 0.0})
        ranked = self.env["stock.sell.through.report"].read_group(
            [("product_id", "in", (self.product + self.idle).ids)], ["sell_through"], ["product_id"],
            orderby="sell_through desc")
        self.assertEqual([group["product_id"][0] for group in ranked], [self.product.id, self.idle.id],
                         "sorting by a ratio sorts the groups by their computed ratio")

    def test_ar_aging(self):
        today = fields.Date.context_today(self.env["res.users"])

        def invoice(amount, days_ago, team):
            move = self.env["account.move"].create({
                "move_type": "out_invoice", "partner_id": self.customer.id, "team_id": team.id,
                "invoice_date": today - timedelta(days=days_ago),
                "invoice_date_due": today - timedelta(days=days_ago),
                "invoice_line_ids": [Command.create({"name": "Crew tees", "quantity": 1, "price_unit": amount,
                                                     "tax_ids": [Command.clear()]})]})
            move.action_post()
            return move

        invoice(1000.0, 45, self.team)
        invoice(400.0, 100, self.team)
        invoice(250.0, 0, self.ecommerce)
        measures = ["amount_residual", "amount_not_due", "amount_1_30", "amount_31_60", "amount_61_90",
                    "amount_over_90"]
        rows = self.totals("stock.ar.aging.report", [("partner_id", "=", self.customer.id)], ["channel_id"], measures)
        self.assertEqual(rows[self.team.id], {"amount_residual": 1400.0, "amount_not_due": 0.0, "amount_1_30": 0.0,
                                              "amount_31_60": 1000.0, "amount_61_90": 0.0, "amount_over_90": 400.0})
        self.assertEqual(rows[self.ecommerce.id]["amount_not_due"], 250.0)

    def test_sku_timeline(self):
        order, wholesale, _online = self.apparel_flow()
        action = self.product.action_open_sku_timeline()
        rows = self.env[action["res_model"]].search(action["domain"])
        kinds = {kind: len(rows.filtered(lambda r, k=kind: r.kind == k)) for kind in ("order", "event", "layer",
                                                                                     "posting")}
        self.assertEqual(kinds["event"], self.env["stock.inventory.event"].search_count(
            [("product_id", "=", self.product.id)]))
        self.assertEqual(kinds["layer"], self.env["stock.valuation.layer"].search_count(
            [("product_id", "=", self.product.id)]))
        self.assertEqual(kinds["order"], 3, "the purchase and both sale orders")
        postings = self.env["qbo.posting.line"].search([("product_id", "=", self.product.id)]).posting_id
        self.assertEqual(kinds["posting"], len(postings))
        delivery = wholesale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        delivery_layer = rows.filtered(lambda r: r.kind == "layer" and r.picking_id == delivery)
        self.assertEqual(delivery_layer.quantity, -30.0)
        self.assertEqual(delivery_layer.posting_id, delivery_layer.layer_id.qbo_posting_id)
        self.assertEqual(delivery_layer.doc_number, delivery_layer.posting_id.doc_number)
        self.assertTrue(delivery_layer.doc_number)
        delivery_posting = rows.filtered(lambda r: r.kind == "posting" and r.posting_id == delivery_layer.posting_id)
        self.assertEqual((delivery_posting.value, delivery_posting.quantity), (-150.0, -30.0),
                         "the posting's effect on the inventory accounts")
        self.assertEqual(rows.sorted(lambda r: (r.date, r.sequence, r.id)), rows, "one timeline, in order")
        style = self.product.product_tmpl_id.action_open_sku_timeline()
        self.assertEqual(self.env[style["res_model"]].search_count(style["domain"]), len(rows))
        # the Trace button still opens the ledger
        self.assertEqual(self.product.action_open_inventory_trace()["res_model"], "stock.inventory.event")

    def test_lot_timeline(self):
        jacket = self.env["product.product"].create({
            "name": "Numbered jacket", "is_storable": True, "tracking": "lot", "categ_id": self.category.id,
            "standard_price": 30.0})
        receipt = self.buy(4, price=30.0, product=jacket).picking_ids
        receipt.move_ids.move_line_ids.lot_name = "JKT-001"
        self.validate(receipt)
        self.flush_ledger()
        lot = self.env["stock.lot"].search([("product_id", "=", jacket.id), ("name", "=", "JKT-001")])
        action = lot.action_open_sku_timeline()
        rows = self.env[action["res_model"]].search(action["domain"])
        events = self.env["stock.inventory.event"].search([("lot_id", "=", lot.id)])
        self.assertTrue(events)
        self.assertEqual(rows.filtered(lambda r: r.kind == "event").event_id, events)
        self.assertEqual(rows.filtered(lambda r: r.kind != "posting").lot_id, lot, "only the lot's own rows")
        self.assertFalse(rows.filtered(lambda r: r.kind == "order"), "orders do not know lots")

    # ------------------------------------------------------------------ bad input
    def test_reports_with_no_data(self):
        domain = [("product_id", "=", self.idle.id)]
        for model in REPORTS:
            if "product_id" not in self.env[model]._fields:
                domain_model = [("partner_id", "=", self.customer.id)]
            else:
                domain_model = domain
            report = self.env[model]
            measures = [name for name, field in report._fields.items()
                        if field.type in ("float", "monetary", "integer") and name not in ("id", "sequence")]
            groups = report.read_group(domain_model, measures, [], lazy=False)
            self.assertEqual(groups[0]["__count"], 0, model)
            self.assertFalse(any(groups[0][m] for m in measures), model)
            self.assertFalse(report.search(domain_model), model)
        wos = self.totals("stock.weeks.of.supply.report", domain, ["product_id"], ["weeks_of_supply"])
        self.assertEqual(wos, {})

    def test_access_error_without_quickbooks_rights(self):
        self.apparel_flow()
        warehouse_user = self.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Stock clerk", "login": "stock_clerk", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "groups_id": [Command.set([self.env.ref("stock.group_stock_user").id])]})
        for model in REPORTS:
            report = self.env[model].with_user(warehouse_user)
            with self.assertRaises(AccessError, msg=model):
                report.read_group([], ["__count"], [])
            with self.assertRaises(AccessError, msg=model):
                report.search_read([], ["id"])
        menu = self.env.ref("stock_quickbooks_sync.menu_qbo_reports")
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(warehouse_user)._visible_menu_ids())
        # the same person with QuickBooks read rights sees the figures
        warehouse_user.groups_id = [Command.link(self.env.ref("stock_quickbooks_sync.group_qbo_user").id)]
        value = self.env["stock.inventory.value.report"].with_user(warehouse_user).read_group(
            [("product_id", "=", self.product.id), ("is_owned", "=", True)], ["value:sum"], [])
        self.assertEqual(value[0]["value"], 365.0)
