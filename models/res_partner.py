from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    sales_channel_id = fields.Many2one(
        "crm.team", "Sales Channel",
        help="This customer's quotations take this sales channel, and the channel's warehouse when it has one.")
