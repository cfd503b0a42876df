from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import INVENTORY_STATES, ON_HAND_STATES, UNCLASSIFIED_PREFIX

# States of goods a move is taking away (see the backfill of hop locations).
DEPARTURE_STATES = ("reserved", "picked", "packed")

# Set only by ``_record``: the ledger is appended to by the addon's own code, never by hand.
LEDGER_WRITE_KEY = "stock_quickbooks_sync_ledger_write"


class StockInventoryEvent(models.Model):
    """Append-only ledger: one row per state transition of a quantity of stock.

    Rows are only ever created, in batches, by ``stock.inventory.tracker`` inside
    the transaction of the stock operation. Corrections are new events; balances
    per state are derived with ``_read_group`` (to_state adds, from_state removes).

    Each row is one hop of goods: from ``from_state`` at ``from_location_id`` to ``to_state`` at
    ``to_location_id`` (the bins of the move lines, with their lot and package), as they were when the
    event was written. Goods a pending move holds (ordered, reserved, picked …) are where they are: their
    from and to location are the same real place. ``location_id`` / ``location_dest_id`` only say what the
    move was asked to do.
    """

    _name = "stock.inventory.event"
    _description = "Inventory Event"
    _order = "date, id"
    _rec_name = "reason"
    _check_company_auto = True

    date = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    move_id = fields.Many2one("stock.move", readonly=True, index=True, check_company=True, ondelete="set null")
    picking_id = fields.Many2one("stock.picking", "Transfer", readonly=True, index="btree_not_null")
    product_id = fields.Many2one("product.product", required=True, readonly=True, check_company=True)
    product_tmpl_id = fields.Many2one(
        "product.template", "Style", related="product_id.product_tmpl_id", store=True, index=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial", readonly=True, index="btree_not_null")
    quantity = fields.Float(required=True, readonly=True, digits="Product Unit of Measure")
    uom_id = fields.Many2one("uom.uom", "Unit", required=True, readonly=True)
    from_state = fields.Selection(INVENTORY_STATES, readonly=True, index=True)
    to_state = fields.Selection(INVENTORY_STATES, readonly=True, index=True)
    package_id = fields.Many2one("stock.quant.package", "Package", readonly=True, index="btree_not_null",
                                 help="The package the goods are in after this hop, where the move line knows it.")
    from_location_id = fields.Many2one(
        "stock.location", "From Location", readonly=True,
        help="Where the goods were, in the state they left: the bin of the move line.")
    to_location_id = fields.Many2one(
        "stock.location", "To Location", readonly=True,
        help="Where the goods are, in the state they entered: the bin of the move line. For goods a pending move "
        "holds, the same place as where they were.")
    location_id = fields.Many2one("stock.location", "Move Source", readonly=True,
                                  help="The source location of the move, as the move had it.")
    location_dest_id = fields.Many2one("stock.location", "Move Destination", readonly=True,
                                       help="The destination of the move, as the move had it; the goods may not "
                                       "be there yet (see To Location).")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index="btree_not_null")
    channel_id = fields.Many2one("crm.team", "Sales Channel", readonly=True, index="btree_not_null")
    currency_id = fields.Many2one(related="company_id.currency_id")
    unit_cost = fields.Monetary(readonly=True, currency_field="currency_id")
    value = fields.Monetary(readonly=True, currency_field="currency_id")
    user_id = fields.Many2one("res.users", "Done By", readonly=True)
    reason = fields.Char(required=True, readonly=True)
    origin = fields.Char("Source Document", readonly=True, index="trigram")
    purchase_order_id = fields.Many2one("purchase.order", readonly=True, index="btree_not_null")
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    scrap_id = fields.Many2one("stock.scrap", readonly=True, index="btree_not_null")
    is_unclassified = fields.Boolean(
        "Unclassified", readonly=True, index=True,
        help="The addon could not tell which state this operation leads to. The operation went through; "
        "the reason says why it could not be classified.")

    def init(self):
        # A SKU's trace and its balances read events by product in date order.
        tools.create_index(self._cr, "stock_inventory_event_product_date_index",
                           self._table, ["product_id", "date", "id"])
        self._backfill_hop_locations()

    def _backfill_hop_locations(self):
        """Give rows written before the ledger kept hop locations the best ones known, once.

        Those rows only have the move's locations (and, for pending moves, the source written as the
        destination). The rules are those the inventory-value report placed them with, so an upgraded
        database reports the same balances; a row that already has a hop location is never touched again.
        """
        self.env.cr.execute(SQL("""
            UPDATE stock_inventory_event e
               SET to_location_id = hop.to_location_id,
                   from_location_id = CASE WHEN e.from_state IS NOT DISTINCT FROM e.to_state
                                           THEN hop.to_location_id ELSE hop.from_location_id END
              FROM (
                SELECT e.id,
                       CASE WHEN e.to_state IN ('shipped', 'scrapped') THEN e.location_dest_id
                            WHEN e.to_state IN ('received', 'quality_hold', 'returned', 'available')
                                 AND (e.from_state IS NULL OR e.from_state NOT IN %(departure)s
                                      OR (m.state = 'done' AND e.date >= m.date))
                                 THEN e.location_dest_id
                            ELSE e.location_id END AS to_location_id,
                       CASE WHEN e.from_state IN %(on_hand)s AND source.usage NOT IN ('internal', 'transit')
                            THEN e.location_dest_id ELSE e.location_id END AS from_location_id
                  FROM stock_inventory_event e
             LEFT JOIN stock_move m ON m.id = e.move_id
             LEFT JOIN stock_location source ON source.id = e.location_id
                 WHERE e.from_location_id IS NULL AND e.to_location_id IS NULL
                   AND (e.location_id IS NOT NULL OR e.location_dest_id IS NOT NULL)
              ) hop
             WHERE hop.id = e.id""",
            departure=tuple(DEPARTURE_STATES), on_hand=tuple(ON_HAND_STATES)))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get(LEDGER_WRITE_KEY):
            self.check_access("create")
            raise UserError(_("Inventory events are recorded by stock operations; they cannot be created by hand."))
        return super().create(vals_list)

    @api.model
    def _record(self, vals_list):
        """Append events, in one create of many rows: the only way rows enter the ledger.

        Written on behalf of whoever did the stock operation, whatever their rights; the ORM still
        checks the companies and keeps its cache (a move's events are there when read).
        """
        if not vals_list:
            return self.browse()
        ledger = self.sudo().with_context(**{LEDGER_WRITE_KEY: True})
        events = ledger.create([self._hop_vals(vals) for vals in vals_list])
        events.flush_recordset()  # appended right before commit, after the ORM's own flush
        return events

    @api.model
    def _hop_vals(self, vals):
        """The row to create from a writer's values. A writer that knows no hop locations (a value change:
        the goods stay where they are) gets the move locations it gave."""
        vals = {key: value for key, value in vals.items() if key != "product_tmpl_id"}
        vals.setdefault("from_location_id", vals.get("location_id") or False)
        vals.setdefault("to_location_id", vals.get("location_dest_id") or False)
        vals["is_unclassified"] = vals["reason"].startswith(UNCLASSIFIED_PREFIX)
        return vals

    def write(self, vals):
        raise UserError(_(
            "Inventory event %(event)s cannot be changed: the ledger is append-only. "
            "Record the correction as a new stock operation instead.", event=self[:1].display_name))

    def unlink(self):
        raise UserError(_(
            "Inventory event %(event)s cannot be deleted: the ledger is append-only. "
            "Record the correction as a new stock operation instead.", event=self[:1].display_name))

    @api.model
    def _state_balances(self, domain):
        """Net quantity and value per (product, state) for the events in ``domain``.

        :returns: dict {(product, state): (quantity, value)}
        :rtype: dict
        """
        balances = {}
        for field, sign in (("to_state", 1), ("from_state", -1)):
            groups = self._read_group(domain + [(field, "!=", False)], groupby=["product_id", field],
                                      aggregates=["quantity:sum", "value:sum"])
            for product, state, quantity, value in groups:
                qty, val = balances.get((product, state), (0.0, 0.0))
                balances[(product, state)] = (qty + sign * quantity, val + sign * value)
        return balances

    @api.model
    def _action_trace(self, domain, title):
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_stock_inventory_event")
        action.update({
            "name": _("Trace: %(record)s", record=title),
            "domain": domain,
            "context": {},
            "view_mode": "list,pivot,graph,form",
            "views": [(self.env.ref("stock_quickbooks_sync.stock_inventory_event_view_list_trace").id, "list"),
                      (False, "pivot"), (False, "graph"), (False, "form")],
        })
        return action
