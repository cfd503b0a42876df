from odoo import _, api, fields, models
from odoo.tools import SQL

from ..const import HOLD_STATES, LAYER_EVENT_ROLES, LAYER_EVENTS

# The one rule that tells a layer's accounting event (DESIGN.md, accounting scheme), on a layer ``l``
# with its move ``m`` and the move's locations ``src`` and ``dst``. Landed cost layers carry their
# receipt's move, so they are told apart first; a layer without a move is a revaluation. Of a
# dropship's two layers the one on the customer's side is the event (quantity out of a dropship,
# into its return); zero-quantity corrections follow the sign of their value.
EVENT_CASE = SQL("""CASE
    WHEN l.stock_landed_cost_id IS NOT NULL THEN 'landed_cost'
    WHEN l.stock_move_id IS NULL THEN 'revaluation'
    WHEN src.usage = 'supplier' AND dst.usage = 'customer' THEN
        CASE WHEN l.quantity < 0 OR (l.quantity = 0 AND l.value < 0) THEN 'dropship' ELSE 'dropship_vendor' END
    WHEN src.usage = 'customer' AND dst.usage = 'supplier' THEN
        CASE WHEN l.quantity > 0 OR (l.quantity = 0 AND l.value > 0) THEN 'dropship' ELSE 'dropship_vendor' END
    WHEN src.usage = 'supplier' THEN 'receipt'
    WHEN dst.usage = 'supplier' THEN 'vendor_return'
    WHEN src.usage = 'customer' THEN 'customer_return'
    WHEN dst.usage = 'customer' THEN 'delivery'
    WHEN m.scrap_id IS NOT NULL OR dst.scrap_location THEN 'scrap'
    WHEN src.usage = 'inventory' OR dst.usage = 'inventory' THEN 'adjustment'
    ELSE 'unclassified' END""")


class StockValuationLayer(models.Model):
    _inherit = "stock.valuation.layer"

    qbo_posting_id = fields.Many2one("qbo.posting", "QuickBooks Posting", readonly=True, copy=False,
                                     index="btree_not_null")
    accounting_event = fields.Selection(
        LAYER_EVENTS, "Accounting Event", readonly=True, copy=False, index=True,
        help="What this layer is in the accounting scheme (receipt, shipment, return, scrap, count adjustment, "
             "dropship, revaluation, landed cost), decided once when the layer is created. Postings, "
             "explanations and reports read it.")

    accounting_date = fields.Date(
        readonly=True, copy=False,
        help="The day this layer counts on in the books when Odoo was told one (a count with an accounting "
             "date); empty means the day it was created. Its posting is dated on it.")

    def init(self):
        # Layers made before this column existed (install on a running database, upgrade) are
        # classified once by the same rule; rows already classified are left alone, so this is
        # safe to run again at every update.
        self._classify(SQL("l.accounting_event IS NULL"))

    @api.model_create_multi
    def create(self, vals_list):
        layers = super().create(vals_list)
        # Odoo books a count with an accounting date on that date (stock.quant._apply_inventory passes
        # it as force_period_date); the layer keeps it, since the posting is written at commit.
        period_date = self.env.context.get("force_period_date")
        if period_date:
            layers.accounting_date = fields.Date.to_date(period_date)
        layers._set_accounting_events()
        self.env["qbo.posting"]._collect_layers(layers)
        return layers

    def _set_accounting_events(self):
        """Classify new layers from what their moves know now (an event given at creation is kept)."""
        if not self:
            return
        self.flush_recordset(["stock_move_id", "stock_landed_cost_id", "quantity", "value", "accounting_event"])
        self.env["stock.move"].flush_model(["location_id", "location_dest_id", "scrap_id"])
        self.env["stock.location"].flush_model(["usage", "scrap_location"])
        self._classify(SQL("l.id IN %s AND l.accounting_event IS NULL", tuple(self.ids)))
        self.invalidate_recordset(["accounting_event"])

    @api.model
    def _classify(self, condition):
        self.env.cr.execute(SQL("""
            UPDATE stock_valuation_layer AS target SET accounting_event = classified.event
              FROM (SELECT l.id, %(event)s AS event
                      FROM stock_valuation_layer l
                 LEFT JOIN stock_move m ON m.id = l.stock_move_id
                 LEFT JOIN stock_location src ON src.id = m.location_id
                 LEFT JOIN stock_location dst ON dst.id = m.location_dest_id
                     WHERE %(condition)s) AS classified
             WHERE target.id = classified.id""", event=EVENT_CASE, condition=condition))

    def _unclassified_reason(self):
        """Why these layers post nothing, naming each layer and move, and what a person can do."""
        usages = dict(self.env["stock.location"]._fields["usage"]._description_selection(self.env))
        described = []
        for layer in self:
            move = layer.stock_move_id
            described.append(_(
                "valuation layer %(layer)s (%(value)s) of move %(move)s from %(origin)s (%(origin_usage)s) "
                "to %(dest)s (%(dest_usage)s)", layer=layer.display_name, value=layer.value,
                move=move.reference or move.display_name, origin=move.location_id.display_name,
                origin_usage=usages.get(move.location_id.usage, move.location_id.usage),
                dest=move.location_dest_id.display_name,
                dest_usage=usages.get(move.location_dest_id.usage, move.location_dest_id.usage)))
        return _(
            "No event of the accounting scheme describes %(layers)s: between these kinds of location a move is "
            "neither a receipt, a shipment, a return, a scrap, a count adjustment nor a dropship, so nothing "
            "was posted. Book the value by hand in QuickBooks and skip this posting with that reason, or "
            "reverse the move and redo it between locations the scheme knows.", layers="; ".join(described))

    def _qbo_stock_role(self, location, positions):
        position = self.env["stock.inventory.tracker"]._location_state(location, positions)
        return "inventory_quality_hold" if position in HOLD_STATES else "inventory"

    def _qbo_accounting_lines(self):
        """Valued lines (signed: + debit) for the journal entry of these layers, by their accounting event.

        :returns: list of dicts with role, amount, product_id, quantity, unit_cost, cost_type,
            warehouse_id, channel_id, categ_id, description
        :rtype: list
        """
        lines = []
        positions = self.env["stock.inventory.tracker"]._warehouse_positions(self.company_id)
        for layer in self:
            event = layer.accounting_event
            if event not in LAYER_EVENT_ROLES:
                continue  # see LAYER_EVENT_ROLES: mirrored, posted from its landed cost, or blocked
            first, second = LAYER_EVENT_ROLES[event]
            move = layer.stock_move_id
            if first == "stock":
                first = layer._qbo_stock_role(
                    move.location_dest_id if layer.value >= 0 else move.location_id, positions)
            common = {
                "product_id": layer.product_id.id,
                "quantity": abs(layer.quantity) or False,
                "unit_cost": abs(layer.unit_cost) or False,
                "cost_type": False,
                "warehouse_id": (move.location_dest_id.warehouse_id or move.location_id.warehouse_id).id,
                "channel_id": move.sale_line_id.order_id.team_id.id,
                "categ_id": layer.categ_id.id,
                "description": layer.description or move.reference or "",
            }
            lines.append(dict(common, role=first, amount=layer.value))
            in_transit_unit = move.purchase_line_id.qbo_in_transit_unit_cost
            if event == "receipt" and move.picking_id.vendor_shipped_date and in_transit_unit:
                # relieve exactly what the vendor's shipment booked; a price or rate change since goes to GRNI
                relieved = layer.currency_id.round(in_transit_unit * layer.quantity)
                lines.append(dict(common, role="inventory_in_transit", amount=-relieved))
                lines.append(dict(common, role="grni", amount=relieved - layer.value))
            else:
                lines.append(dict(common, role=second, amount=-layer.value))
        return lines
