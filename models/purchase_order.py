from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models

from ..const import LANDED_COST_TYPES


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    landed_cost_lane = fields.Char(
        "Lane", help="Shipping lane (e.g. 'Ningbo-Los Angeles sea'): default landed cost rules can depend on it, "
        "and landed cost variances are reported by vendor and lane.")
    landed_cost_estimate_ids = fields.One2many("purchase.landed.cost.estimate", "order_id", "Landed Cost Estimates")
    landed_cost_actual_ids = fields.One2many("landed.cost.actual", "purchase_id", "Actual Landed Costs")
    landed_cost_ids = fields.One2many("stock.landed.cost", "purchase_id", "Landed Costs")
    landed_cost_count = fields.Integer(compute="_compute_landed_cost_count")
    factory_cost = fields.Monetary(
        compute="_compute_landed_cost_figures", help="Purchase price of the storable goods ordered.")
    estimated_landed_cost = fields.Monetary(
        compute="_compute_landed_cost_figures", help="Estimated landed costs of all types, in the order's currency.")
    landed_cost_summary = fields.Html(compute="_compute_landed_cost_figures", sanitize=False)

    @api.depends("landed_cost_ids")
    def _compute_landed_cost_count(self):
        for order in self:
            order.landed_cost_count = len(order.landed_cost_ids)

    @api.depends("order_line.price_subtotal", "order_line.product_qty", "landed_cost_estimate_ids.method",
                 "landed_cost_estimate_ids.rate", "landed_cost_estimate_ids.amount",
                 "landed_cost_estimate_ids.currency_id", "landed_cost_estimate_ids.cost_type")
    def _compute_landed_cost_figures(self):
        types = dict(LANDED_COST_TYPES)
        for order in self:
            by_type = defaultdict(float)
            for line, amounts in order.order_line._landed_cost_by_type().items():
                for cost_type, amount in amounts.items():
                    by_type[cost_type] += amount
            storable = order.order_line.filtered(lambda l: not l.display_type and l.product_id.is_storable)
            order.factory_cost = sum(storable.mapped("price_subtotal"))
            order.estimated_landed_cost = sum(by_type.values())
            currency = order.currency_id
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>") % (
                    types.get(cost_type, cost_type), currency.format(amount))
                for cost_type, amount in sorted(by_type.items()))
            order.landed_cost_summary = Markup(
                "<table class='table table-sm o_landed_cost_summary'><tbody>"
                "<tr><td>%s</td><td class='text-end'>%s</td></tr>%s"
                "<tr class='fw-bold'><td>%s</td><td class='text-end'>%s</td></tr></tbody></table>") % (
                _("Factory cost"), currency.format(order.factory_cost), rows,
                _("Landed cost"), currency.format(order.factory_cost + order.estimated_landed_cost))

    # -------------------------------------------------------------- default rules
    def _prepare_landed_cost_estimate_vals(self, lines=None):
        """Estimates the default rules give, for what is not estimated yet.

        :param lines: order lines to fill (default: all); fixed-amount rules fill the whole order
        :returns: list of values for ``purchase.landed.cost.estimate``
        """
        Rule = self.env["purchase.landed.cost.rule"]
        vals_list = []
        for order in self:
            existing = order.landed_cost_estimate_ids
            order_types = set(existing.filtered(lambda e: not e.order_line_id).mapped("cost_type"))
            targets = (lines or order.order_line).filtered(
                lambda l: l.order_id == order and not l.display_type and l.product_id.is_storable)
            for line in targets:
                line_types = set(existing.filtered(lambda e: e.order_line_id == line).mapped("cost_type"))
                for cost_type, rule in Rule._best_rules(order, line).items():
                    if cost_type not in line_types | order_types:
                        vals_list.append(rule._prepare_estimate_vals(order, line))
            if targets:
                for cost_type, rule in Rule._best_rules(order).items():
                    if cost_type not in order_types:
                        vals_list.append(rule._prepare_estimate_vals(order))
        return vals_list

    def action_fill_landed_cost_estimates(self):
        self.env["purchase.landed.cost.estimate"].create(self._prepare_landed_cost_estimate_vals())
        return True

    # ------------------------------------------------------------------ actions
    def action_add_landed_cost_actual(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Actual Landed Cost"),
            "res_model": "landed.cost.actual",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_purchase_id": self.id, "default_currency_id": self.currency_id.id,
                        "default_picking_id": self.env.context.get("default_picking_id", False)},
        }

    def action_view_order_landed_costs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("stock_landed_costs.action_stock_landed_cost")
        return dict(action, domain=[("purchase_id", "=", self.id)], context={"create": False})
