from odoo import api, fields, models

from ..const import INVENTORY_STATES

# Fields written by the tracker itself: changing them must not mark the move again.
TRACKER_FIELDS = {"inventory_state", "inventory_claim"}


class StockMove(models.Model):
    _inherit = "stock.move"

    inventory_state = fields.Selection(
        INVENTORY_STATES, compute="_compute_inventory_state", store=True, readonly=True, copy=False, index=True,
        help="Where the goods of this move stand in the chain ordered → … → shipped. Derived from Odoo's own "
        "facts (locations, reservation, picked, packages, done) each time the move changes; never typed.")
    inventory_claim = fields.Json(
        readonly=True, copy=False,
        help="Quantities this move holds per state and lot, as last recorded in the inventory ledger.")
    inventory_reason = fields.Char(
        "Reason", help="Why a person made this move (return, scrap, count adjustment); kept in the ledger.")
    inventory_event_ids = fields.One2many("stock.inventory.event", "move_id", "Inventory Events")

    # The ORM recomputes the state whenever one of these facts changes, so it is true whenever read
    # (and automated actions on it fire); the ledger's events are still written once, before commit.
    @api.depends("state", "location_id", "location_dest_id", "product_uom_qty", "product_uom",
                 "picking_id.vendor_shipped_date", "move_line_ids.quantity", "move_line_ids.picked",
                 "move_line_ids.lot_id", "move_line_ids.result_package_id")
    def _compute_inventory_state(self):
        self.env["stock.inventory.tracker"]._compute_states(self)

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        self.env["stock.inventory.tracker"]._mark_dirty(moves.ids)
        return moves

    def write(self, vals):
        result = super().write(vals)
        if not TRACKER_FIELDS.issuperset(vals):
            self.env["stock.inventory.tracker"]._mark_dirty(self.ids)
        return result

    def _inventory_reason(self):
        """The reason a person gave for this move, if any."""
        self.ensure_one()
        if self.inventory_reason:
            return self.inventory_reason
        if self.scrap_id:
            return self.scrap_id.inventory_reason or ", ".join(self.scrap_id.scrap_reason_tag_ids.mapped("name"))
        return self.picking_id.inventory_reason or ""
