from odoo import fields, models


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    inventory_reason = fields.Char(
        "Reason", help="Why these goods are scrapped; recorded in the inventory ledger.")
