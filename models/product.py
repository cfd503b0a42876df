from odoo import models


class ProductProduct(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "stock.inventory.trace.mixin"]
    _inventory_trace_field = "product_id"


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "stock.inventory.trace.mixin"]
    _inventory_trace_field = "product_tmpl_id"
