"""How a ledger event reads on the Inventory Ledger and Trace: a value-only event is a value change, not a hop."""
from odoo import _, api, fields, models
from odoo.tools import format_date


class StockInventoryEventDisplay(models.Model):
    _inherit = "stock.inventory.event"

    is_value_only = fields.Boolean(
        "Value Only", compute="_compute_value_change",
        help="No goods moved: only their value changed (a landed cost true-up, a revaluation).")
    value_change_label = fields.Char("Value Change", compute="_compute_value_change")

    @api.depends("quantity", "from_state", "to_state", "value", "date")
    def _compute_value_change(self):
        for event in self:
            value_only = not event.quantity and event.from_state == event.to_state and bool(event.value)
            event.is_value_only = value_only
            event.value_change_label = value_only and _(
                "Value change of %(value)s, booked %(date)s",
                value=event.currency_id.format(event.value),
                date=format_date(self.env, fields.Date.context_today(event, event.date))) or False
