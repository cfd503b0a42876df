from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    # Company dependent: a sales channel shared by several companies maps to each company's own QBO class.
    qbo_class_id = fields.Many2one(
        "qbo.dimension", "QuickBooks Class", company_dependent=True,
        domain=[("kind", "=", "class")],
        help="Shipments of this sales channel carry this class in QuickBooks.")
