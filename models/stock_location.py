from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    is_quality_hold = fields.Boolean(
        "Quality Hold",
        help="Goods in this location wait for quality control: they are counted on hand but never available "
        "to promise. A warehouse's own Quality Control location is always treated as a hold.",
    )
    is_return_inspection = fields.Boolean(
        "Return Inspection",
        help="Customer returns wait here for inspection. Moving them out records 'inspected', then "
        "'available' or 'scrapped'.",
    )
