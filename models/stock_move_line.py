from odoo import api, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["stock.inventory.tracker"]._mark_dirty(lines.move_id.ids)
        return lines

    def write(self, vals):
        self.env["stock.inventory.tracker"]._mark_dirty(self.move_id.ids)
        result = super().write(vals)
        self.env["stock.inventory.tracker"]._mark_dirty(self.move_id.ids)
        return result

    def unlink(self):
        self.env["stock.inventory.tracker"]._mark_dirty(self.move_id.ids)
        return super().unlink()
