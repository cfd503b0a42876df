from odoo import fields, models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    return_reason = fields.Char("Return Reason", help="Why the goods come back; recorded in the inventory ledger.")

    def _prepare_picking_default_values(self):
        vals = super()._prepare_picking_default_values()
        vals["inventory_reason"] = self.return_reason
        return vals
