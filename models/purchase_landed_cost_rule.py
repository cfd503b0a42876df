from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..const import LANDED_COST_METHODS, LANDED_COST_TYPES

FIXED_METHODS = ("fixed_quantity", "fixed_value", "fixed_weight", "fixed_volume")
# Changing these changes the estimates of future orders: a decision, logged with its reason.
LOGGED_FIELDS = ("method", "rate", "amount", "active")


class PurchaseLandedCostRule(models.Model):
    """Default landed cost estimate, filled in on purchase orders that match its conditions.

    Empty conditions match anything; the most specific matching rule of a cost type wins
    (then the lowest sequence). Rate methods give one estimate per matching order line,
    fixed amounts one estimate for the whole order.
    """

    _name = "purchase.landed.cost.rule"
    _description = "Landed Cost Estimate Rule"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    cost_type = fields.Selection(LANDED_COST_TYPES, required=True)
    product_id = fields.Many2one(
        "product.product", "Landed Cost Product", domain=[("landed_cost_ok", "=", True)],
        help="Service product the landed cost is booked with; by default the first landed cost product of the type.")
    method = fields.Selection(LANDED_COST_METHODS, required=True, default="percent_value")
    rate = fields.Float(digits="Product Price", help="Percent of factory value, or amount per unit/weight/volume.")
    amount = fields.Monetary(currency_field="currency_id", help="Fixed amount for the whole order.")
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id)
    partner_id = fields.Many2one("res.partner", "Vendor", check_company=True)
    incoterm_id = fields.Many2one("account.incoterms", "Incoterm")
    categ_id = fields.Many2one("product.category", "Product Category",
                               help="Matches products of this category and its subcategories.")
    country_id = fields.Many2one("res.country", "Country of Origin", help="Matches vendors in this country.")
    lane = fields.Char(help="Matches purchase orders shipped on this lane (e.g. 'Ningbo-Los Angeles sea').")
    change_reason = fields.Char(
        "Reason for Change", compute="_compute_change_reason", inverse="_inverse_change_reason",
        help="Why the rate, amount, method or archiving changes; kept in the decision log with the figures.")

    def _compute_change_reason(self):
        self.change_reason = False  # asked at each change, never stored on the rule

    def _inverse_change_reason(self):
        pass  # taken out of the values by write(), logged there

    @api.constrains("rate", "amount")
    def _check_positive(self):
        for rule in self:
            if rule.rate < 0 or rule.amount < 0:
                raise ValidationError(_(
                    "Landed cost rule %(rule)s has a negative rate or amount. Enter a positive rate or amount; "
                    "a cost lower than expected is recorded as an actual, not as a negative estimate.",
                    rule=rule.display_name))

    def write(self, vals):
        vals = dict(vals)
        reason = vals.pop("change_reason", None) or self.env.context.get("decision_reason")
        changed = [name for name in LOGGED_FIELDS if name in vals]
        if not changed:
            return super().write(vals)
        before = {rule: rule._decision_figures() for rule in self}
        result = super().write(vals)
        kind = self.env.context.get("decision_kind") or "rule_change"
        extra = self.env.context.get("decision_snapshot") or {}
        for rule, old in before.items():
            new = rule._decision_figures()
            if old == new:
                continue
            self.env["stock.decision.log"]._log(
                kind, rule, reason or _("Edited on the rule form"),
                _("%(rule)s: %(old)s → %(new)s", rule=rule.name, old=rule._decision_text(old),
                  new=rule._decision_text(new)),
                dict(extra, before=old, after=new, cost_type=rule.cost_type, vendor=rule.partner_id,
                     lane=rule.lane or False, category=rule.categ_id))
        return result

    def _decision_figures(self):
        self.ensure_one()
        return {"method": self.method, "rate": self.rate, "amount": self.amount, "active": self.active}

    def _decision_text(self, figures):
        methods = dict(LANDED_COST_METHODS)
        value = (f"{figures['amount']:.2f} {self.currency_id.name}" if figures["method"] in FIXED_METHODS
                 else f"{figures['rate']:g}")
        text = f"{methods.get(figures['method'], figures['method'])} {value}"
        return text if figures["active"] else _("%(rule)s (archived)", rule=text)

    def _specificity(self):
        return sum(bool(f) for f in (self.partner_id, self.incoterm_id, self.categ_id, self.country_id, self.lane))

    def _matches(self, order, line=None):
        self.ensure_one()
        vendor = order.partner_id.commercial_partner_id
        if self.partner_id and self.partner_id.commercial_partner_id != vendor:
            return False
        if self.incoterm_id and self.incoterm_id != order.incoterm_id:
            return False
        if self.country_id and self.country_id != vendor.country_id:
            return False
        if self.lane and (self.lane or "").strip().lower() != (order.landed_cost_lane or "").strip().lower():
            return False
        if self.categ_id:
            lines = line or order.order_line
            if not any(self.categ_id.parent_path and (l.product_id.categ_id.parent_path or "").startswith(
                    self.categ_id.parent_path) for l in lines):
                return False
        return True

    @api.model
    def _best_rules(self, order, line=None):
        """The winning rule per cost type for ``order`` (or one of its lines).

        :returns: dict {cost_type: rule}
        """
        rules = self.search([("company_id", "=", order.company_id.id)])
        if line is None:
            rules = rules.filtered(lambda r: r.method in FIXED_METHODS)
        else:
            rules = rules.filtered(lambda r: r.method not in FIXED_METHODS)
        best = {}
        for rule in rules:
            if not rule._matches(order, line):
                continue
            current = best.get(rule.cost_type)
            if not current or rule._specificity() > current._specificity():
                best[rule.cost_type] = rule
        return best

    def _prepare_estimate_vals(self, order, line=None):
        self.ensure_one()
        vals = {
            "order_id": order.id,
            "order_line_id": line.id if line else False,
            "rule_id": self.id,
            "cost_type": self.cost_type,
            "method": self.method,
            "rate": self.rate,
            "amount": self.amount,
            "currency_id": self.currency_id.id,
        }
        if self.product_id:  # else the estimate takes the type's landed cost product
            vals["product_id"] = self.product_id.id
        return vals
