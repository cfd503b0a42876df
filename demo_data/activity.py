"""A quarter of activity, done through Odoo's own actions and dated over the last three months.

Month 0 (two months ago): the factory ships two FOB orders; the distribution center receives its
container into quality control and releases it; the store receives its own; sales start on the
three channels. Month 1: a replenishment order, a customer return inspected (one unit back to
stock, one scrapped), a damaged carton scrapped, the replenishment waits in quality control over
month end. Month 2 (this month): quality control releases it, a new order is on the water, and the
actual freight bill of the first container arrives late, dated in month 1: its true-up is the
posting that QuickBooks' closed month refuses in ``./demo``.
"""
import random

from odoo import Command

# Sales per channel and month: (number of orders, (min, max) units per line, lines per order).
SALES_PLAN = {
    "Wholesale": ((2, 3, 2), (6, 16), (3, 5)),
    "E-commerce": ((3, 5, 4), (1, 2), (1, 2)),
    "Retail": ((3, 4, 3), (1, 3), (1, 2)),
}
FIRST_CONTAINER = {"Classic Crew Tee": 60, "Merino Crew Sweater": 30, "Slim Chino": 40, "Rain Shell Jacket": 20}
STORE_ORDER = {"Classic Crew Tee": 12, "Merino Crew Sweater": 6, "Slim Chino": 6, "Rain Shell Jacket": 4}
REPLENISHMENT = {"Classic Crew Tee": 40, "Slim Chino": 20}
ON_THE_WATER = {"Merino Crew Sweater": 24, "Rain Shell Jacket": 16}
LATE_FREIGHT_FACTOR = 1.26  # the carrier's peak-season surcharge: the bill is 26 % over the estimate


class QuarterStory:
    """Plays the quarter step by step; each step is stamped with its day by ``clock``."""

    def __init__(self, env, clock, setup, styles):
        self.env = env
        self.clock = clock
        self.setup = setup
        self.styles = styles
        self.random = random.Random(7)  # the same story on every install
        self.free = {}  # (warehouse id, variant id) -> units the story may still sell
        self.orders = {}  # name -> purchase order
        self.deliveries = {name: [] for name in setup.channels}
        self.returned = self.env["stock.picking"]
        self.scraps = self.env["stock.scrap"]
        self.late_bill = self.env["landed.cost.actual"]

    # ------------------------------------------------------------------ the plan
    def play(self):
        s = self.setup
        plan = [
            (0, 2, lambda when: self.buy("first container", s.dc, FIRST_CONTAINER, when)),
            (0, 2, lambda when: self.buy("store order", s.store, STORE_ORDER, when)),
            (0, 6, lambda when: self.ship_by_vendor("first container", when)),
            (0, 6, lambda when: self.ship_by_vendor("store order", when)),
            (0, 18, lambda when: self.receive("store order", when)),
            (0, 20, lambda when: self.receive("first container", when)),
            (0, 22, lambda when: self.release_quality_hold("first container", when)),
            (1, 3, lambda when: self.buy("replenishment", s.dc, REPLENISHMENT, when)),
            (1, 8, lambda when: self.ship_by_vendor("replenishment", when)),
            (1, 12, lambda when: self.customer_return(when)),
            (1, 14, lambda when: self.inspect_return(when)),
            (1, 18, lambda when: self.scrap_damaged(when)),
            (1, 25, lambda when: self.receive("replenishment", when)),
            (2, 3, lambda when: self.release_quality_hold("replenishment", when)),
            (2, 4, lambda when: self.buy("on the water", s.dc, ON_THE_WATER, when)),
            (2, 6, lambda when: self.enter_late_freight_bill(when)),
            (2, 9, lambda when: self.ship_by_vendor("on the water", when)),
        ]
        plan += self._sales_plan()
        self.clock.begin()
        # sorted by intended day; a day later than today is played today, in the same order
        for month, day, step in sorted(plan, key=lambda item: (item[0], item[1])):
            step(self.clock.at(month, day))
        return self

    def _sales_plan(self):
        steps = []
        for channel, (per_month, _units, _lines) in SALES_PLAN.items():
            for month, count in enumerate(per_month):
                first_day = 23 if month == 0 else 1  # month 0 sells once the first container is released
                for index in range(count):
                    day = first_day + (index * (28 - first_day)) // max(count, 1) + 1
                    steps.append((month, day, lambda when, channel=channel: self.sell(channel, when)))
        return steps

    # ------------------------------------------------------------------ purchase and receipt
    def buy(self, name, warehouse, quantities, when):
        s = self.setup
        lines = [(variant, qty) for style, qty in quantities.items()
                 for variant in self.styles[style].product_variant_ids]
        order = self.env["purchase.order"].create({
            "partner_id": s.vendor.id,
            "company_id": s.company.id,
            "picking_type_id": warehouse.in_type_id.id,
            "incoterm_id": s.fob.id,
            "landed_cost_lane": "Ningbo-%s sea" % ("Los Angeles" if warehouse == s.dc else "New York"),
            "partner_ref": "NHK-%s" % name.upper().replace(" ", "-"),
            "order_line": [Command.create({
                "product_id": variant.id, "product_qty": qty, "price_unit": variant.standard_price,
            }) for variant, qty in lines],
        })
        order.button_confirm()
        self.orders[name] = order
        self.clock.stamp(when, pickings=order.picking_ids, orders=order)

    def _vendor_receipt(self, name):
        return self.orders[name].picking_ids.filtered(lambda p: p.location_id.usage == "supplier")

    def ship_by_vendor(self, name, when):
        receipt = self._vendor_receipt(name)
        receipt.action_mark_shipped_by_vendor()
        self.clock.stamp(when, pickings=receipt)

    def receive(self, name, when):
        """The vendor receipt; in a three-step warehouse the goods go on into quality control and wait."""
        receipt = self._vendor_receipt(name)
        self._validate(receipt)
        pickings = receipt
        quality = receipt.move_ids.move_dest_ids.picking_id
        if quality:
            self._validate(quality)
            pickings |= quality
        else:
            self._make_free(receipt)
        self.clock.stamp(when, pickings=pickings)

    def release_quality_hold(self, name, when):
        quality = self._vendor_receipt(name).move_ids.move_dest_ids.picking_id
        store = quality.move_ids.move_dest_ids.picking_id
        self._validate(store)
        self._make_free(store)
        self.clock.stamp(when, pickings=store)

    def _validate(self, picking):
        if picking.state != "assigned":
            picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True, picking_ids_not_to_backorder=picking.ids).button_validate()

    def _make_free(self, picking):
        warehouse = picking.picking_type_id.warehouse_id
        for move in picking.move_ids:
            key = (warehouse.id, move.product_id.id)
            self.free[key] = self.free.get(key, 0) + move.quantity

    # ------------------------------------------------------------------ sales
    def sell(self, channel, when):
        s = self.setup
        warehouse = s.store if channel == "Retail" else s.dc
        _per_month, (low, high), (min_lines, max_lines) = SALES_PLAN[channel]
        candidates = [key for key, qty in self.free.items() if key[0] == warehouse.id and qty >= low]
        if not candidates:
            return
        lines = []
        for _wh, variant_id in self.random.sample(candidates, min(len(candidates),
                                                                  self.random.randint(min_lines, max_lines))):
            qty = min(self.random.randint(low, high), self.free[(warehouse.id, variant_id)])
            if channel == "E-commerce" and not self.deliveries[channel] and not lines:
                qty = min(2, self.free[(warehouse.id, variant_id)])  # the order that comes back in month 1
            self.free[(warehouse.id, variant_id)] -= qty
            lines.append((variant_id, qty))
        order = self.env["sale.order"].create({
            "partner_id": self.random.choice(s.customers[channel]).id,
            "company_id": s.company.id,
            "warehouse_id": warehouse.id,
            "team_id": s.channels[channel].id,
            "order_line": [Command.create({"product_id": variant_id, "product_uom_qty": qty})
                           for variant_id, qty in lines],
        })
        order.action_confirm()
        for picking in order.picking_ids:
            self._validate(picking)
        self.deliveries[channel].append(order.picking_ids)
        self.clock.stamp(when, pickings=order.picking_ids, orders=order)

    # ------------------------------------------------------------------ returns and scrap
    def customer_return(self, when):
        """An online customer sends back two units of the first web order: they wait in inspection."""
        delivery = self.deliveries["E-commerce"][0]
        move = max(delivery.move_ids, key=lambda m: m.quantity)
        wizard = self.env["stock.return.picking"].with_context(
            active_id=delivery.id, active_model="stock.picking").create({
                "picking_id": delivery.id, "return_reason": "Fit too small, seam frayed on one"})
        for line in wizard.product_return_moves:
            line.quantity = move.quantity if line.move_id == move else 0
        returned = wizard._create_return()
        returned.location_dest_id = self.setup.inspection
        returned.move_ids.location_dest_id = self.setup.inspection
        self._validate(returned)
        self.returned = returned
        self.clock.stamp(when, pickings=returned)

    def inspect_return(self, when):
        """Inspection: one unit is fine and goes back to stock, the other is scrapped."""
        s = self.setup
        product = self.returned.move_ids.product_id
        release = self.env["stock.picking"].create({
            "picking_type_id": s.dc.int_type_id.id,
            "location_id": s.inspection.id, "location_dest_id": s.dc.lot_stock_id.id,
            "inventory_reason": "Inspected: resaleable",
            "move_ids": [Command.create({
                "name": product.display_name, "product_id": product.id, "product_uom_qty": 1,
                "product_uom": product.uom_id.id, "location_id": s.inspection.id,
                "location_dest_id": s.dc.lot_stock_id.id})],
        })
        release.action_confirm()
        self._validate(release)
        scrap = self.env["stock.scrap"].create({
            "product_id": product.id, "scrap_qty": self.returned.move_ids.quantity - 1,
            "location_id": s.inspection.id, "company_id": s.company.id,
            "inventory_reason": "Inspected: frayed seam, cannot be resold"})
        scrap.action_validate()
        self.scraps |= scrap
        self.clock.stamp(when, pickings=release, scraps=scrap)

    def scrap_damaged(self, when):
        """A carton of tees got wet under a leaking roof in the distribution center."""
        s = self.setup
        key = max((k for k in self.free if k[0] == s.dc.id), key=lambda k: self.free[k])
        qty = min(3, self.free[key])
        self.free[key] -= qty
        scrap = self.env["stock.scrap"].create({
            "product_id": key[1], "scrap_qty": qty, "location_id": s.dc.lot_stock_id.id,
            "company_id": s.company.id, "inventory_reason": "Water damage from a roof leak"})
        scrap.action_validate()
        self.scraps |= scrap
        self.clock.stamp(when, scraps=scrap)

    # ------------------------------------------------------------------ the late freight bill
    def enter_late_freight_bill(self, when):
        """The forwarder's bill for the first container, dated at the end of month 1, entered now."""
        order = self.orders["first container"]
        estimated = sum(order.landed_cost_estimate_ids.filtered(
            lambda e: e.cost_type == "freight").mapped("estimated_amount"))
        bill_date = self.clock.day(1, 28)
        actual = self.env["landed.cost.actual"].create({
            "purchase_id": order.id, "cost_type": "freight", "kind": "bill", "date": bill_date,
            "product_id": self.setup.cost_products["freight"].id,
            "amount": order.currency_id.round(estimated * LATE_FREIGHT_FACTOR), "name": "OCEANLINK-INV-88213",
            "note": "Peak-season surcharge (GRI) billed by the carrier after the sailing"})
        actual.action_apply()
        self.late_bill = actual
        self.clock.stamp(when, costs=actual.true_up_cost_id, accounting_date=bill_date)
