from odoo import fields, models


class StockReportVariantMixin(models.AbstractModel):
    """A report with one row per variant: its company, the variant, its style and its category.

    The report's query gives these columns; the report names its measures itself.
    """

    _name = "stock.report.variant.mixin"
    _description = "Report Row per Variant"
    _rec_name = "product_id"

    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", "Variant", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", "Style", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
