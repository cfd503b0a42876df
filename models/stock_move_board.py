"""The warehouse's Stock States Board: stock moves grouped by inventory state, per warehouse and location."""
from datetime import datetime, time

import pytz

from odoo import _, api, fields, models

from ..const import BOARD_STATES, INVENTORY_STATE_ORDER

BOARD_CONTEXT_KEY = "stock_state_board"


class StockMoveBoard(models.Model):
    _inherit = "stock.move"

    # Empty columns stay on the board (only when the board asks), so a warehouse person sees every state.
    inventory_state = fields.Selection(group_expand="_expand_board_states")
    state_location_id = fields.Many2one(
        "stock.location", "Where", compute="_compute_state_location", store=True, index="btree_not_null",
        help="Where the goods stand in their inventory state: the destination once the move is done or while "
        "they come from outside, else the location they wait in.")
    state_warehouse_id = fields.Many2one(
        "stock.warehouse", "Warehouse of the State", compute="_compute_state_location", store=True,
        index="btree_not_null", help="The warehouse of the goods in their inventory state.")

    @api.depends("state", "location_id", "location_dest_id", "picking_type_id")
    def _compute_state_location(self):
        for move in self:
            source, dest = move.location_id, move.location_dest_id
            held_at_source = move.state != "done" and source.usage == "internal"
            where = source if held_at_source else dest
            move.state_location_id = where
            move.state_warehouse_id = (where.warehouse_id or source.warehouse_id or dest.warehouse_id
                                       or move.picking_type_id.warehouse_id)

    @api.model
    def _expand_board_states(self, values, domain):
        if not self.env.context.get(BOARD_CONTEXT_KEY):
            return values
        return sorted(set(BOARD_STATES) | set(values), key=INVENTORY_STATE_ORDER.__getitem__)

    @api.model
    def _board_day_start(self):
        """Midnight of the user's today, in UTC: 'done' work stays on the board for the day it was done."""
        tz = pytz.timezone(self.env.user.tz or "UTC")
        today = fields.Date.context_today(self)
        return tz.localize(datetime.combine(today, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _board_domain(self):
        """Moves on the board: the open ones, and those done today (what arrived, moved or was scrapped today)."""
        day_start = fields.Datetime.to_string(self._board_day_start())
        return [
            ("inventory_state", "in", list(BOARD_STATES)),
            ("state", "not in", ("draft", "cancel")),
            "|", ("state", "!=", "done"), ("date", ">=", day_start),
        ]

    @api.model
    def action_open_stock_state_board(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_stock_state_board")
        action["domain"] = self._board_domain()
        action["context"] = {BOARD_CONTEXT_KEY: True, "create": False}
        # the columns count moves, not stock on hand: the title says which moves
        action["name"] = _("Stock States Board: open moves and moves done today")
        return action
