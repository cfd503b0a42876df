from odoo import api, fields, models

from ..const import LANDED_COST_TYPES


class LandedCostProductMixin(models.AbstractModel):
    """A cost of one landed cost type, booked with a landed cost product: the type's own unless one is chosen.

    Estimates and actual costs share it; the product carries the landed cost type to Odoo's landed cost lines.
    """

    _name = "landed.cost.product.mixin"
    _description = "Landed Cost Type and Product"

    cost_type = fields.Selection(LANDED_COST_TYPES, required=True)
    product_id = fields.Many2one(
        "product.product", "Landed Cost Product", compute="_compute_product_id", store=True, readonly=False,
        precompute=True, domain=[("landed_cost_ok", "=", True)])

    @api.depends("cost_type")
    def _compute_product_id(self):
        for record in self:
            if record.cost_type and record.product_id.landed_cost_type != record.cost_type:
                record.product_id = self.env["stock.landed.cost"]._landed_cost_product(record.cost_type)
