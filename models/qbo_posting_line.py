from odoo import api, fields, models

from ..const import ACCOUNT_ROLES, EXPLANATION_DRIVERS, LANDED_COST_TYPES, ROLE_DRIVERS, event_driver
from ..qbo_engine.builder import ValuedLine


class QboPostingLine(models.Model):
    """One valued line of a posting, by account role; the account is resolved when the entry is built."""

    _name = "qbo.posting.line"
    _description = "QuickBooks Posting Line"
    _order = "posting_id, sequence, id"

    posting_id = fields.Many2one("qbo.posting", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="posting_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    role = fields.Selection(ACCOUNT_ROLES, required=True, readonly=True)
    cost_type = fields.Selection(LANDED_COST_TYPES, readonly=True)
    currency_id = fields.Many2one(related="posting_id.currency_id")
    amount = fields.Monetary(required=True, readonly=True, help="Signed: positive is a debit, negative a credit.")
    debit = fields.Monetary(compute="_compute_debit_credit")
    credit = fields.Monetary(compute="_compute_debit_credit")
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    unit_cost = fields.Float(readonly=True, digits="Product Price")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, help="Sent as the QuickBooks Department.")
    channel_id = fields.Many2one("crm.team", "Sales Channel", readonly=True, help="Sent as the QuickBooks Class.")
    description = fields.Char(readonly=True)
    driver = fields.Selection(
        EXPLANATION_DRIVERS, compute="_compute_driver",
        help="What this amount explains: the same drivers as the \"Why?\" explanation of inventory value, "
             "COGS and margin.")

    @api.depends("role", "cost_type", "amount", "posting_id.event_type", "posting_id.landed_cost_id.is_estimate")
    def _compute_driver(self):
        # Lines are written by one INSERT on the stock operations' hot path (qbo_posting_queue), so the
        # driver is derived when read rather than stored.
        for line in self:
            line.driver = line._driver_of(line.posting_id.event_type, line.posting_id.landed_cost_id)

    def _driver_of(self, event, landed_cost):
        self.ensure_one()
        if event != "daily_summary":
            return event_driver(event, landed_cost.is_estimate)
        if self.cost_type or self.role == "accrued_landed_cost":
            return "landed_true_up"
        if self.role == "cogs":
            return "shipped" if self.amount > 0 else "customer_return"
        if self.role == "grni":
            return "received" if self.amount < 0 else "vendor_return"
        return ROLE_DRIVERS.get(self.role, "other")

    def _compute_debit_credit(self):
        for line in self:
            line.debit = max(line.amount, 0.0)
            line.credit = max(-line.amount, 0.0)

    def _qbo_valued_line(self):
        """This line as the engine's ValuedLine (scopes are record ids, as the mapping keys them)."""
        self.ensure_one()
        return ValuedLine(
            role=self.role,
            amount=str(self.amount),
            product=self.product_id.display_name or "",
            quantity=self.quantity or None,
            unit_cost=self.unit_cost or None,
            document=self.posting_id.reference or "",
            reason=self.description or "",
            channel=str(self.channel_id.id) if self.channel_id else None,
            warehouse=str(self.warehouse_id.id) if self.warehouse_id else None,
            category=str(self.categ_id.id) if self.categ_id else None,
            cost_type=self.cost_type or None,
        )
