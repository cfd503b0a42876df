from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_atp_warning = fields.Text(
        "Channel ATP Shortages", compute="_compute_channel_atp_warning",
        help="The products this quotation asks more of than its sales channel may promise in its warehouse.")

    @api.depends("order_line.channel_atp_warning")
    def _compute_channel_atp_warning(self):
        for order in self:
            messages = dict.fromkeys(order.order_line.filtered("channel_atp_short").mapped("channel_atp_warning"))
            order.channel_atp_warning = "\n".join(messages) or False

    @api.onchange("warehouse_id", "team_id")
    def _onchange_channel_atp_warning(self):
        """Changing where or for whom the order sells changes every line's ATP: say so when one falls short."""
        if self.channel_atp_warning:
            return {"warning": {"title": _("Not enough available to promise"), "message": self.channel_atp_warning}}
