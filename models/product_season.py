from odoo import fields, models


class ProductTemplateSeason(models.Model):
    _inherit = "product.template"

    # A free code rather than a model: apparel seasons are short labels ("SS26", "FW26") that the
    # sell-through report groups by; a typo shows up as its own group, which a buyer spots at once.
    season = fields.Char(
        index=True, help="Selling season of the style, e.g. SS26 or FW26; the sell-through report groups by it.")
