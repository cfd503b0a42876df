from contextlib import contextmanager

from odoo import Command
from odoo.tests import Form

from .common import InventoryStateCommon


class LandedCostCommon(InventoryStateCommon):
    """The seeds' case: 1,000 knit tops at 10.00 with duty, freight, broker and insurance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fifo_category = cls.env["product.category"].create({
            "name": "Knit tops FIFO", "property_cost_method": "fifo", "property_valuation": "manual_periodic"})
        cls.standard_category = cls.env["product.category"].create({
            "name": "Knit tops standard", "property_cost_method": "standard",
            "property_valuation": "manual_periodic"})
        cls.product.write({"weight": 0.25, "volume": 0.02})  # AVCO crew tee
        cls.fifo_product = cls.env["product.product"].create({
            "name": "Polo", "is_storable": True, "categ_id": cls.fifo_category.id,
            "standard_price": 10.0, "list_price": 25.0, "weight": 0.25, "volume": 0.02})
        cls.standard_product = cls.env["product.product"].create({
            "name": "Tank top", "is_storable": True, "categ_id": cls.standard_category.id,
            "standard_price": 12.0, "list_price": 20.0, "weight": 0.2, "volume": 0.001})
        cls.LandedCost = cls.env["stock.landed.cost"]

    # ------------------------------------------------------------------ helpers
    @contextmanager
    def refused(self, exception, regex):
        """The operation fails with a message matching ``regex`` and leaves the database as it was."""
        with self.assertRaisesRegex(exception, regex):
            with self.env.cr.savepoint():
                yield
        self.env.invalidate_all()

    def order(self, lines, estimates=(), confirm=True):
        """Purchase order with ``lines`` [(product, qty, price)] and ``estimates``
        [(cost_type, method, rate_or_amount, line index or None)]."""
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id,
            "picking_type_id": self.warehouse.in_type_id.id,
            "order_line": [Command.create({"product_id": product.id, "product_qty": qty, "price_unit": price})
                           for product, qty, price in lines],
        })
        vals_list = []
        for cost_type, method, value, index in estimates:
            vals = {"order_id": order.id, "cost_type": cost_type, "method": method,
                    "order_line_id": order.order_line[index].id if index is not None else False}
            vals["amount" if method.startswith("fixed_") else "rate"] = value
            vals_list.append(vals)
        self.env["purchase.landed.cost.estimate"].create(vals_list)
        if confirm:
            order.button_confirm()
        return order

    def seeds_order(self, product=None, qty=1000, freight_method="fixed_quantity"):
        return self.order([(product or self.product, qty, 10.0)], [
            ("duty", "percent_value", 16.5, 0),
            ("freight", freight_method, 800.0, None),
            ("broker", "fixed_value", 150.0, None),
            ("insurance", "percent_value", 0.5, 0),
        ])

    def receipt(self, order):
        return order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]

    def ship(self, quantity, product=None):
        sale = self.sell(quantity, product or self.product)
        self.validate(sale.picking_ids)
        return sale

    def return_to_vendor(self, picking, quantity):
        wizard = Form(self.env["stock.return.picking"].with_context(
            active_id=picking.id, active_model="stock.picking"))
        with wizard.product_return_moves.edit(0) as line:
            line.quantity = quantity
        returned = wizard.save()._create_return()
        self.validate(returned)
        return returned

    def actual(self, order, cost_type, amount, picking=None, currency=None, kind="bill", date=None, name="BILL-1"):
        actual = self.env["landed.cost.actual"].create({
            "purchase_id": order.id, "picking_id": picking and picking.id, "cost_type": cost_type,
            "amount": amount, "currency_id": (currency or self.company.currency_id).id, "kind": kind,
            "date": date or "2024-03-15", "name": name, "note": "forwarder invoice"})
        actual.action_apply()
        return actual

    def layers(self, moves):
        return moves.stock_valuation_layer_ids.sorted("id").mapped("value")

    def unit_cost(self, product):
        product = product.with_company(self.company)
        return round(product.value_svl / product.quantity_svl, 4)

    def posting(self, cost):
        """Accounting lines as (role, cost_type, amount, quantity), and checks they balance to the cent."""
        lines = cost._qbo_accounting_lines()[cost.id]
        self.assertAlmostEqual(sum(line["amount"] for line in lines), 0.0, places=6,
                               msg="the lines of one landed cost sum to exactly zero")
        for line in lines:
            self.assertEqual(round(line["amount"], 2), line["amount"])
            self.assertTrue(line["description"])
        return sorted((line["role"], line["cost_type"], line["amount"], line["quantity"]) for line in lines)

    def by_role(self, cost):
        totals = {}
        for role, _type, amount, _qty in self.posting(cost):
            totals[role] = round(totals.get(role, 0.0) + amount, 2)
        return totals
