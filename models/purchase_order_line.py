from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    landed_cost_estimate_ids = fields.One2many("purchase.landed.cost.estimate", "order_line_id", "Estimates")
    qbo_in_transit_unit_cost = fields.Float(
        "In-Transit Unit Cost", digits="Product Price", readonly=True, copy=False,
        help="Company-currency cost per product unit booked to Inventory in Transit when the vendor shipped; "
             "the receipt relieves exactly this amount.")
    landed_cost_amount = fields.Monetary(
        "Est. Landed Cost", compute="_compute_landed_cost",
        help="Estimated landed costs of the ordered quantity, all types, including order-wide estimates.")
    landed_unit_cost = fields.Monetary(
        "Landed Unit Cost", compute="_compute_landed_cost",
        help="Factory unit price plus estimated landed cost per unit.")
    landed_margin = fields.Float(
        "Landed Margin %", compute="_compute_landed_cost", digits=(16, 1),
        help="Margin at the product's current sale price on the landed unit cost.")

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        estimates = lines.order_id._prepare_landed_cost_estimate_vals(lines)
        self.env["purchase.landed.cost.estimate"].create(estimates)
        return lines

    def _landed_cost_by_type(self):
        """Estimated landed cost per line and type, in the order's currency.

        :returns: dict {line: {cost_type: amount}}
        """
        result = defaultdict(lambda: defaultdict(float))
        for order in self.order_id:
            date = order.date_order or fields.Date.context_today(self)
            for estimate in order.landed_cost_estimate_ids:
                try:
                    amounts = estimate._line_amounts()
                except UserError:
                    continue
                for line, amount in amounts.items():
                    if line in self:
                        result[line][estimate.cost_type] += estimate.currency_id._convert(
                            amount, order.currency_id, order.company_id, date, round=False)
        return result

    @api.depends("order_id.landed_cost_estimate_ids.rate", "order_id.landed_cost_estimate_ids.amount",
                 "order_id.landed_cost_estimate_ids.method", "price_subtotal", "product_qty")
    def _compute_landed_cost(self):
        by_type = self._landed_cost_by_type()
        for line in self:
            order = line.order_id
            landed = order.currency_id.round(sum(by_type.get(line, {}).values()))
            qty = line.product_uom_qty
            unit = (line.price_subtotal + landed) / qty if qty else 0.0
            line.landed_cost_amount = landed
            line.landed_unit_cost = unit
            price = line.product_id.lst_price
            if price and line.product_id:
                unit_company = order.currency_id._convert(
                    unit, order.company_id.currency_id, order.company_id,
                    order.date_order or fields.Date.context_today(line), round=False)
                line.landed_margin = 100.0 * (price - unit_company) / price
            else:
                line.landed_margin = 0.0

    def _qbo_company_unit_cost(self):
        """Purchase price per product unit, after discount, in company currency at today's rate."""
        self.ensure_one()
        order = self.order_id
        price = self.product_uom._compute_price(self.price_subtotal / (self.product_qty or 1), self.product_id.uom_id)
        return order.currency_id._convert(price, order.company_id.currency_id, order.company_id,
                                          fields.Date.context_today(self), round=False)
