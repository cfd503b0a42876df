from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplateMarginFloor(models.Model):
    """A style's own landed margin floor for the drift check (else the company's)."""

    _inherit = "product.template"

    landed_margin_floor = fields.Float(
        "Landed Margin Floor (%)", digits=(16, 1),
        help="An alert is raised when the sales price leaves less landed margin than this percentage; "
        "0 takes the company's floor.")

    @api.constrains("landed_margin_floor")
    def _check_landed_margin_floor(self):
        for template in self:
            if not 0 <= template.landed_margin_floor < 100:
                raise ValidationError(_(
                    "%(style)s: the landed margin floor is a percentage of the sales price from 0 (the company's "
                    "floor) to below 100, not %(value)s %%.", style=template.display_name,
                    value=template.landed_margin_floor))
