from odoo import api, fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    # Company dependent: a sales channel shared by several companies maps to each company's own QBO class.
    qbo_class_id = fields.Many2one(
        "qbo.dimension", "QuickBooks Class", company_dependent=True,
        domain=[("kind", "=", "class")],
        help="Shipments of this sales channel carry this class in QuickBooks.")
    is_sales_channel = fields.Boolean(
        "Sales Channel", default=True,
        help="Shown as a channel of its own under ATP by Channel. Odoo's default teams (Sales, Pre-Sales) "
        "are no sales channel until ticked; a team with an allocation always shows.")

    sale_warehouse_id = fields.Many2one(
        "stock.warehouse", "Channel Warehouse",
        help="Quotations of this channel ship from this warehouse by default (when it belongs to the order's "
        "company).")

    @api.model
    def _atp_sales_channels(self, companies):
        """The teams that sell for ``companies``: flagged sales channels of those companies (or of none), and
        every team holding an allocation there."""
        flagged = self.search([("is_sales_channel", "=", True), ("company_id", "in", companies.ids + [False])])
        allocated = self.env["stock.channel.allocation"].search([("company_id", "in", companies.ids)]).channel_id
        return (flagged | allocated).sorted(lambda team: (team.sequence, team.name or "", team.id))
