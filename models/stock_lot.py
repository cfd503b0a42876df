from odoo import models


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "stock.inventory.trace.mixin"]
    _inventory_trace_field = "lot_id"
