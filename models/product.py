from odoo import api, fields, models

from ..const import LANDED_COST_TYPES


class ProductProduct(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "stock.inventory.trace.mixin"]
    _inventory_trace_field = "product_id"


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "stock.inventory.trace.mixin"]
    _inventory_trace_field = "product_tmpl_id"


class ProductTemplateLandedCostType(models.Model):
    _inherit = "product.template"

    landed_cost_type = fields.Selection(
        LANDED_COST_TYPES, "Landed Cost Type", compute="_compute_landed_cost_type", store=True, readonly=False,
        precompute=True,
        help="Which landed cost this product stands for; each type accrues to its own account in QuickBooks.")

    @api.depends("landed_cost_ok")
    def _compute_landed_cost_type(self):
        for template in self:
            if not template.landed_cost_ok:
                template.landed_cost_type = False
            elif not template.landed_cost_type:
                template.landed_cost_type = "other"
