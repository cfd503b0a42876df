from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_atp_warning = fields.Text(
        "Channel ATP Shortages", compute="_compute_channel_atp_warning",
        help="The products this quotation asks more of than its sales channel may promise in its warehouse.")

    @api.depends("partner_id", "user_id")
    def _compute_team_id(self):
        """A customer with a sales channel of its own gets it on every new quotation (unless the caller sets one)."""
        super()._compute_team_id()
        if self.env.context.get("default_team_id"):
            return
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            channel = order.partner_id.sales_channel_id or order.partner_id.commercial_partner_id.sales_channel_id
            if channel and channel.company_id in (order.company_id, self.env["res.company"]):
                order.team_id = channel

    @api.depends("user_id", "company_id", "team_id")
    # A compute returns nothing, though it calls super().
    def _compute_warehouse_id(self):  # pylint: disable=missing-return
        """The channel's warehouse, when it has one of the order's company, wins over the user's default."""
        super()._compute_warehouse_id()
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            warehouse = order.team_id.sale_warehouse_id
            if warehouse and warehouse.company_id == order.company_id:
                order.warehouse_id = warehouse

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
