from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    qbo_department_id = fields.Many2one(
        "qbo.dimension", "QuickBooks Department", check_company=True,
        domain="[('kind', '=', 'department'), ('company_id', '=', company_id)]",
        help="Entries of this warehouse carry this department (location) in QuickBooks.")
