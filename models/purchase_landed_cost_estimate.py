from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_is_zero

from ..const import LANDED_COST_METHODS, LANDED_COST_TYPES

OVERRIDE_FIELDS = ("method", "rate", "amount", "currency_id", "cost_type")
BASIS = {
    "per_weight": "weight", "fixed_weight": "weight",
    "per_volume": "volume", "fixed_volume": "volume",
    "fixed_quantity": "quantity", "fixed_value": "value",
}


class PurchaseLandedCostEstimate(models.Model):
    """Expected landed cost of one type on a purchase order line, or on the whole order.

    Goods carry it from the day they are received (an estimate landed cost per receipt);
    actual costs later replace it through a true-up.
    """

    _name = "purchase.landed.cost.estimate"
    _description = "Landed Cost Estimate"
    _inherit = ["landed.cost.product.mixin"]
    _order = "order_id, order_line_id, cost_type, id"

    order_id = fields.Many2one("purchase.order", required=True, index=True, ondelete="cascade")
    order_line_id = fields.Many2one(
        "purchase.order.line", "Order Line", index="btree_not_null", ondelete="cascade",
        domain="[('order_id', '=', order_id), ('display_type', '=', False)]",
        help="Leave empty to spread the estimate over the whole order.")
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    method = fields.Selection(LANDED_COST_METHODS, required=True, default="percent_value")
    rate = fields.Float(digits="Product Price", help="Percent of factory value, or amount per unit/weight/volume.")
    amount = fields.Monetary(currency_field="currency_id", help="Fixed amount, spread over the goods in scope.")
    currency_id = fields.Many2one(
        "res.currency", required=True, compute="_compute_currency_id", store=True, readonly=False, precompute=True)
    rule_id = fields.Many2one("purchase.landed.cost.rule", "Default Rule", readonly=True, ondelete="set null")
    is_overridden = fields.Boolean("Overridden", readonly=True, copy=False)
    override_reason = fields.Char(copy=False, help="Why the buyer changed the default; recorded in the inventory ledger.")
    estimated_amount = fields.Monetary(
        "Estimated Amount", compute="_compute_estimated_amount", currency_field="company_currency_id",
        help="Whole estimate for the order quantities, in company currency at today's rate.")

    @api.depends("order_id.currency_id")
    def _compute_currency_id(self):
        for estimate in self:
            if not estimate.currency_id:
                estimate.currency_id = estimate.order_id.currency_id or self.env.company.currency_id

    @api.depends("method", "rate", "amount", "currency_id", "order_line_id.product_qty", "order_line_id.price_subtotal",
                 "order_id.order_line.product_qty", "order_id.order_line.price_subtotal")
    def _compute_estimated_amount(self):
        for estimate in self:
            try:
                amounts = estimate._line_amounts()
            except UserError:
                amounts = {}
            estimate.estimated_amount = estimate.currency_id._convert(
                sum(amounts.values()), estimate.company_currency_id, estimate.company_id or self.env.company,
                fields.Date.context_today(self)) if estimate.currency_id else 0.0

    # ------------------------------------------------------------------ checks
    @api.constrains("rate", "amount")
    def _check_positive(self):
        for estimate in self:
            if estimate.rate < 0 or estimate.amount < 0:
                raise ValidationError(_(
                    "Landed cost estimate %(estimate)s on %(order)s has a negative rate or amount. Enter a positive "
                    "rate or amount; a cost lower than expected is recorded as an actual when the bill arrives.",
                    estimate=estimate._description_text(), order=estimate.order_id.name))

    @api.constrains("order_line_id", "method", "order_id")
    def _check_scope(self):
        for estimate in self:
            line = estimate.order_line_id
            if line and line.product_id and not line.product_id.is_storable:
                raise ValidationError(_(
                    "Landed cost estimate %(estimate)s is on %(product)s (%(order)s), which is not a storable "
                    "product: landed costs only value goods kept in stock. Put the estimate on a storable line, "
                    "or on the whole order.",
                    estimate=estimate._description_text(), product=line.product_id.display_name,
                    order=estimate.order_id.name))
            if estimate.method in BASIS and estimate._scope_lines():
                estimate._line_amounts()  # a weight/volume split with nothing to split on raises here

    def _description_text(self):
        self.ensure_one()
        types = dict(LANDED_COST_TYPES)
        scope = self.order_line_id.product_id.display_name or _("whole order")
        return f"{types.get(self.cost_type, self.cost_type)} ({scope})"

    # -------------------------------------------------------------- allocation
    def _scope_lines(self):
        self.ensure_one()
        lines = self.order_line_id or self.order_id.order_line
        return lines.filtered(lambda l: not l.display_type and l.product_id.is_storable)

    @api.model
    def _line_basis(self, line, basis, currency):
        qty = line.product_uom_qty
        if basis == "quantity":
            return qty
        if basis == "weight":
            return qty * line.product_id.weight
        if basis == "volume":
            return qty * line.product_id.volume
        order = line.order_id
        return order.currency_id._convert(line.price_subtotal, currency, order.company_id,
                                          order.date_order or fields.Date.context_today(self), round=False)

    def _line_amounts(self):
        """Estimated amount per order line in scope, in the estimate's currency, for the ordered quantities.

        :returns: dict {purchase.order.line: amount}
        :raises UserError: a weight or volume split over goods without weight or volume
        """
        self.ensure_one()
        lines = self._scope_lines()
        method = self.method
        currency = self.currency_id
        if method == "percent_value":
            return {line: self._line_basis(line, "value", currency) * self.rate / 100.0 for line in lines}
        if method == "per_unit":
            return {line: line.product_uom_qty * self.rate for line in lines}
        basis = BASIS[method]
        bases = {line: self._line_basis(line, basis, currency) for line in lines}
        total = sum(bases.values())
        if lines and float_is_zero(total, precision_digits=6) and (basis in ("weight", "volume") or self.amount):
            raise UserError(_(
                "Landed cost estimate %(estimate)s on %(order)s is split by %(basis)s, but the goods it covers "
                "have no %(basis)s. Set the %(basis)s on the products (%(products)s) or choose another method.",
                estimate=self._description_text(), order=self.order_id.name, basis=basis,
                products=", ".join(lines.product_id.mapped("display_name"))))
        if method.startswith("per_"):
            return {line: bases[line] * self.rate for line in lines}
        return {line: self.amount * bases[line] / total if total else 0.0 for line in lines}

    # ------------------------------------------------------------------ writes
    def write(self, vals):
        changed = [field for field in OVERRIDE_FIELDS if field in vals]
        overridden = self.filtered(lambda e: e.rule_id) if changed else self.browse()
        if overridden and not vals.get("override_reason"):
            raise UserError(_(
                "Landed cost estimate %(estimate)s on %(order)s comes from the rule %(rule)s. Give a reason "
                "for overriding it (Override Reason), then save again.",
                estimate=overridden[0]._description_text(), order=overridden[0].order_id.name,
                rule=overridden[0].rule_id.display_name))
        before = {estimate: (estimate._summary(), estimate.estimated_amount) for estimate in overridden}
        if overridden:
            vals = dict(vals, is_overridden=True)
        result = super().write(vals)
        if overridden:
            self._record_overrides(before)
        return result

    def _summary(self):
        self.ensure_one()
        if self.method == "percent_value":
            return f"{self.rate:g} %"
        if self.method.startswith("per_"):
            return f"{self.rate:g} {self.currency_id.name} {dict(LANDED_COST_METHODS)[self.method].lower()}"
        return f"{self.amount:.2f} {self.currency_id.name}"

    def _record_overrides(self, before):
        Cost = self.env["stock.landed.cost"]
        vals_list = []
        for estimate, (old_summary, old_amount) in before.items():
            # the decision is kept on the order, the form the buyer overrides it in
            self.env["stock.decision.log"]._log(
                "estimate_override", estimate.order_id, estimate.override_reason,
                _("%(estimate)s on %(order)s: %(old)s → %(new)s", estimate=estimate._description_text(),
                  order=estimate.order_id.name, old=old_summary, new=estimate._summary()),
                {"estimate_id": estimate.id, "estimate": estimate._description_text(), "rule": estimate.rule_id,
                 "before": {"terms": old_summary, "estimated_amount": old_amount},
                 "after": {"terms": estimate._summary(), "estimated_amount": estimate.estimated_amount},
                 "currency": estimate.company_currency_id.name})
            line = estimate.order_line_id or estimate._scope_lines()[:1]
            if not line:
                continue
            reason = _(
                "Landed cost estimate %(estimate)s on %(order)s overridden: %(old)s → %(new)s (%(reason)s)",
                estimate=estimate._description_text(), order=estimate.order_id.name, old=old_summary,
                new=estimate._summary(), reason=estimate.override_reason)
            move = line.move_ids[:1]
            vals_list.append(Cost._ledger_event_vals(
                line.product_id, move.inventory_state or "ordered", 0.0,
                estimate.estimated_amount - old_amount, reason, move=move, order=estimate.order_id))
        self.env["stock.inventory.event"].sudo()._record(vals_list)
