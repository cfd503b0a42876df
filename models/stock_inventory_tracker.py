"""Turns what Odoo already knows about a stock move into inventory states and ledger events.

The state is a stored compute of the move (true whenever read, see ``_compute_states``); the events
are recorded once per transaction:

Stock operations only mark the moves they touch (``_mark_dirty``). Right before the
transaction commits (``cr.precommit``), every marked move is classified once, in one
batch: what quantities it holds in which state (its *claim*), compared with the claim
recorded last time. The difference becomes events, appended in one create. So a
validation of 50 moves costs a handful of queries, a rolled-back operation leaves no
event, and a committed one always has its events.
"""
import json
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import SQL, float_is_zero, float_round

from ..const import INVENTORY_STATE_ORDER, UNCLASSIFIED_PREFIX

DIRTY_KEY = "stock_quickbooks_sync.dirty_moves"
POSITIONS_KEY = "stock_quickbooks_sync.warehouse_positions"
PENDING_STATES = ("waiting", "confirmed", "partially_available", "assigned")
VENDOR_STATES = ("ordered", "in_transit")


class Unclassified(Exception):
    """A move whose state the chain cannot express; it is recorded, never blocked."""


class StockInventoryTracker(models.AbstractModel):
    _name = "stock.inventory.tracker"
    _description = "Inventory State Tracker"

    # ------------------------------------------------------------------ marking
    @api.model
    def _mark_dirty(self, move_ids):
        if not move_ids:
            return
        data = self.env.cr.precommit.data
        pending = data.get(DIRTY_KEY)
        if pending is None:
            pending = data[DIRTY_KEY] = {"ids": set(), "uid": self.env.uid}
            self.env.cr.precommit.add(self.sudo()._flush_pending)
        pending["ids"].update(move_ids)

    def _flush_pending(self):
        pending = self.env.cr.precommit.data.pop(DIRTY_KEY, None)
        if not pending:
            return
        moves = self.env["stock.move"].browse(sorted(pending["ids"])).exists()
        if moves:
            self._record_transitions(moves, pending["uid"])

    # ----------------------------------------------------------- classification
    @api.model
    def _warehouse_positions(self, companies):
        """Map ``parent_path`` of each warehouse's special locations to the state of goods inside.

        Read once per transaction: the ledger and the outbox both classify locations right
        before commit, and a warehouse is not reconfigured in the middle of a stock operation.

        :returns: list of (parent_path, state), longest path first
        """
        cache = self.env.cr.precommit.data.setdefault(POSITIONS_KEY, {})
        key = tuple(sorted(companies.ids))
        if key not in cache:
            cache[key] = self._read_warehouse_positions(companies)
        return cache[key]

    @api.model
    def _read_warehouse_positions(self, companies):
        positions = []
        for wh in self.env["stock.warehouse"].with_context(active_test=False).search(
                [("company_id", "in", companies.ids)]):
            if wh.reception_steps != "one_step" and wh.wh_input_stock_loc_id:
                positions.append((wh.wh_input_stock_loc_id.parent_path, "received"))
            if wh.wh_qc_stock_loc_id:
                positions.append((wh.wh_qc_stock_loc_id.parent_path, "quality_hold"))
            if wh.delivery_steps != "ship_only" and wh.wh_output_stock_loc_id:
                out_state = "packed" if wh.delivery_steps == "pick_pack_ship" else "picked"
                positions.append((wh.wh_output_stock_loc_id.parent_path, out_state))
            if wh.delivery_steps == "pick_pack_ship" and wh.wh_pack_stock_loc_id:
                positions.append((wh.wh_pack_stock_loc_id.parent_path, "picked"))
        positions.sort(key=lambda item: -len(item[0] or ""))
        return positions

    @api.model
    def _position(self, location, positions):
        """State of goods sitting in ``location`` (None: not ours, e.g. at the vendor).

        Raises Unclassified for locations the chain has no place for.
        """
        usage = location.usage
        if usage == "internal":
            if location.is_return_inspection:
                return "returned"
            if location.is_quality_hold:
                return "quality_hold"
            path = location.parent_path or ""
            for prefix, state in positions:
                if prefix and path.startswith(prefix):
                    return state
            return "available"
        if usage == "customer":
            return "shipped"
        if usage == "transit":
            return "in_transit"
        if usage == "inventory":
            return "scrapped" if location.scrap_location else None
        if usage == "supplier":
            return None
        raise Unclassified(_("location %(location)s has usage '%(usage)s', which no inventory state describes",
                             location=location.display_name, usage=usage))

    @api.model
    def _location_state(self, location, positions):
        """State of goods sitting in ``location``, or None when no state describes them.

        :param positions: ``_warehouse_positions`` of the location's company, computed once per batch
        """
        try:
            return self._position(location, positions)
        except Unclassified:
            return None

    @api.model
    def _final_state(self, move, positions):
        """State of the goods once ``move`` is done."""
        dest = move.location_dest_id
        if dest.usage == "customer":
            return "shipped"
        if dest.usage == "supplier":
            return "returned"
        if dest.usage == "inventory":
            return "scrapped"
        state = self._position(dest, positions)
        if move.location_id.usage == "customer" and state == "quality_hold":
            return "returned"
        if state == "picked" and move.move_line_ids.result_package_id:
            return "packed"
        return state

    @api.model
    def _vendor_state(self, move):
        return "in_transit" if move.picking_id.vendor_shipped_date else "ordered"

    @api.model
    def _held_state(self, line, source_state):
        """State of reserved goods on a pending move line leaving ``source_state``."""
        if source_state == "available":
            if line.result_package_id:
                return "packed"
            return "picked" if line.picked else "reserved"
        if source_state == "picked" and (line.result_package_id or line.picked):
            return "packed"
        return source_state

    @api.model
    def _claim(self, move, old_claim, positions):
        """Quantities (product UoM) the move holds, by (state, lot id).

        Pending receipts hold their whole demand as ordered/in transit; pending moves
        from our own locations hold only what is reserved on them; done moves hold
        what they moved, in the state they left it.
        """
        claim = defaultdict(float)
        source = move.location_id
        if move.state == "done":
            final = self._final_state(move, positions)
            if move.move_line_ids:
                for line in move.move_line_ids:
                    claim[(final, line.lot_id.id)] += line.quantity_product_uom
            else:
                claim[(final, False)] += move.product_qty
        elif move.state == "cancel":
            vendor_qty = sum(qty for (state, _lot), qty in old_claim.items() if state in VENDOR_STATES)
            if vendor_qty:
                claim[("cancelled", False)] = vendor_qty
        elif move.state in PENDING_STATES:
            if source.usage == "supplier":
                claim[(self._vendor_state(move), False)] = move.product_qty
            elif source.usage == "internal":
                source_state = self._position(source, positions)
                for line in move.move_line_ids:
                    claim[(self._held_state(line, source_state), line.lot_id.id)] += line.quantity_product_uom
        return claim

    @api.model
    def _compute_states(self, moves):
        """Set ``inventory_state`` of ``moves`` from Odoo's facts as they are now (stock.move's compute).

        Warehouse positions are read afresh for each batch: unlike the ledger, which records once
        right before commit, the state is computed as the transaction goes and must follow it.
        A move the chain cannot classify keeps the state of what it last held.
        """
        positions = {}
        for move in moves:
            company = move.company_id
            if company not in positions:
                positions[company] = self._read_warehouse_positions(company)
            old = {(state, lot): qty for state, lot, qty in (move.inventory_claim or [])}
            try:
                state = self._display_state(move, self._claim(move, old, positions[company]), positions[company])
            except Unclassified:
                try:
                    state = self._display_state(move, old, positions[company])
                except Unclassified:
                    state = False
            move.inventory_state = state or False

    @api.model
    def _display_state(self, move, claim, positions):
        if move.state == "cancel":
            return "cancelled"
        held = [state for (state, _lot), qty in claim.items() if qty > 0]
        if held:
            return max(held, key=INVENTORY_STATE_ORDER.__getitem__)
        source = move.location_id
        if source.usage == "supplier":
            return self._vendor_state(move)
        return self._position(source, positions) or False

    # ------------------------------------------------------------------ pairing
    @api.model
    def _pair(self, old, new, rounding):
        """Turn the change from ``old`` to ``new`` claim into (from, to, lot, qty, kind) hops.

        Decreases are matched to increases in chain order, preferring the same lot.
        What is left over enters from the source location ('take') or goes back to it
        ('release').
        """
        keys = set(old) | set(new)
        decreases = []
        increases = []
        for key in sorted(keys, key=lambda k: (INVENTORY_STATE_ORDER[k[0]], k[1] or 0)):
            delta = float_round(new.get(key, 0.0) - old.get(key, 0.0), precision_rounding=rounding)
            if float_is_zero(delta, precision_rounding=rounding):
                continue
            (increases if delta > 0 else decreases).append([key[0], key[1], abs(delta)])
        hops = []
        for inc in increases:
            for prefer_lot in (True, False):
                for dec in decreases:
                    if float_is_zero(inc[2], precision_rounding=rounding):
                        break
                    if float_is_zero(dec[2], precision_rounding=rounding) or (
                            prefer_lot and dec[1] != inc[1]):
                        continue
                    qty = min(inc[2], dec[2])
                    hops.append((dec[0], inc[0], inc[1] or dec[1], qty, "transfer"))
                    inc[2] -= qty
                    dec[2] -= qty
            if not float_is_zero(inc[2], precision_rounding=rounding):
                hops.append((None, inc[0], inc[1], inc[2], "take"))
        for dec in decreases:
            if not float_is_zero(dec[2], precision_rounding=rounding):
                hops.append((dec[0], None, dec[1], dec[2], "release"))
        return hops

    @api.model
    def _expand(self, from_state, to_state, source_usage=None):
        """Goods from a vendor pass through 'ordered', customer returns through 'returned',
        inspections through 'inspected'."""
        if from_state is None and source_usage == "supplier" and to_state not in (None, "ordered"):
            return [(None, "ordered")] + self._expand("ordered", to_state)
        if from_state == "shipped" and to_state not in (None, "returned", "shipped"):
            # put back without inspection: returned, then straight to where it lands
            return [("shipped", "returned"), ("returned", to_state)]
        if from_state == "returned" and to_state not in (None, "returned", "inspected", "shipped"):
            return [("returned", "inspected"), ("inspected", to_state)]
        return [(from_state, to_state)]

    # ------------------------------------------------------------------ reasons
    @api.model
    def _document(self, move):
        return move.scrap_id.name or move.picking_id.name or move.reference or move.name

    @api.model
    def _reason(self, move, from_state, to_state, kind):
        doc = self._document(move)
        source_usage = move.location_id.usage
        if to_state == "cancelled" or move.state == "cancel":
            text = _("Cancelled %(doc)s", doc=doc)
        elif kind == "release" and to_state is None:
            text = _("Quantity left %(doc)s (split to a backorder or demand reduced)", doc=doc)
        elif kind == "release" and from_state == "reserved":
            text = _("Reservation released on %(doc)s", doc=doc)
        elif source_usage == "customer":
            text = _("Customer return %(doc)s received", doc=doc)
        elif to_state == "ordered":
            po = move.purchase_line_id.order_id.name
            text = _("Purchase %(po)s confirmed", po=po) if po else _("Demand confirmed on %(doc)s", doc=doc)
        elif to_state == "in_transit":
            text = _("Shipped by vendor on %(doc)s", doc=doc) if source_usage == "supplier" \
                else _("Sent in transit on %(doc)s", doc=doc)
        elif to_state == "reserved":
            text = _("Reserved on %(doc)s", doc=doc)
        elif to_state == "picked" and move.state != "done":
            text = _("Picked on %(doc)s", doc=doc)
        elif to_state == "packed" and move.state != "done":
            text = _("Packed on %(doc)s", doc=doc)
        elif to_state == "shipped":
            text = _("Delivery %(doc)s validated", doc=doc)
        elif to_state == "returned" and move.location_dest_id.usage == "supplier":
            text = _("Returned to vendor on %(doc)s", doc=doc)
        elif to_state == "inspected":
            text = _("Inspected on %(doc)s", doc=doc)
        elif move.scrap_id:
            text = _("Scrap %(doc)s", doc=doc)
        elif move.is_inventory:
            text = _("Count adjustment %(doc)s", doc=move.name)
        elif from_state in VENDOR_STATES:
            text = _("Receipt %(doc)s validated", doc=doc)
        else:
            text = _("%(doc)s validated", doc=doc)
        human = move._inventory_reason()
        return f"{text}: {human}" if human and human not in text else text

    # ------------------------------------------------------------------- values
    @api.model
    def _unit_costs(self, moves):
        """Unit cost per move: from its valuation layers once done; before that, for goods bought, the cost
        booked to Inventory in Transit once the vendor shipped, else the purchase price (what the goods are
        worth while ordered or on the water); else the product's cost."""
        done = moves.filtered(lambda m: m.state == "done")
        layer_costs = {}
        if done:
            # The ledger is written for whoever moved the goods; valuation layers are an accountant's to read.
            for move, quantity, value in self.env["stock.valuation.layer"].sudo()._read_group(
                    [("stock_move_id", "in", done.ids)], groupby=["stock_move_id"],
                    aggregates=["quantity:sum", "value:sum"]):
                if quantity:
                    layer_costs[move.id] = abs(value / quantity)
        costs = {}
        for move in moves:
            cost = layer_costs.get(move.id)
            line = move.purchase_line_id
            if cost is None and line and move.state != "done":
                cost = line.qbo_in_transit_unit_cost or line._qbo_company_unit_cost()
            if cost is None:
                cost = move.product_id.with_company(move.company_id).standard_price
            costs[move.id] = cost
        return costs

    # ------------------------------------------------------------------- record
    @api.model
    def _record_transitions(self, moves, user_id):
        positions = self._warehouse_positions(moves.company_id)
        costs = self._unit_costs(moves)
        now = fields.Datetime.now()
        vals_list = []
        updates = []
        for move in moves:
            old = {(state, lot): qty for state, lot, qty in (move.inventory_claim or [])}
            try:
                new = self._claim(move, old, positions)
            except Unclassified as error:
                vals_list.append(self._event_vals(
                    move, move.inventory_state, move.inventory_state, False, move.product_qty,
                    costs[move.id], user_id, now, UNCLASSIFIED_PREFIX + str(error)))
                continue
            rounding = move.product_id.uom_id.rounding
            for from_state, to_state, lot, qty, kind in self._pair(old, new, rounding):
                if kind == "take":
                    # the goods were where the move found them (None: they were not ours)
                    from_state = self._location_state(move.location_id, positions)
                elif kind == "release":
                    to_state = self._release_state(move, positions)
                for hop_from, hop_to in self._expand(from_state, to_state, move.location_id.usage):
                    if hop_from != hop_to:
                        reason = self._reason(move, hop_from, hop_to, kind)
                        vals_list.append(self._event_vals(
                            move, hop_from, hop_to, lot, qty, costs[move.id], user_id, now, reason))
            claim = sorted([state, lot, qty] for (state, lot), qty in new.items() if qty)
            if claim != sorted(move.inventory_claim or []):
                updates.append((move.id, json.dumps(claim)))
        self._write_claims(moves, updates)
        self.env["stock.inventory.event"]._record(vals_list)
        self.env["qbo.posting"]._enqueue_hold_changes(moves, vals_list)

    @api.model
    def _write_claims(self, moves, updates):
        """One UPDATE for every move whose claim changed.

        The claim is the tracker's own bookkeeping, what the ledger last recorded (nothing
        depends on it), so the ORM's per-record write and its recomputation triggers are not
        needed here; the state itself is the ORM's stored compute on the move.
        """
        if not updates:
            return
        moves.flush_recordset(["inventory_claim"])
        self.env.cr.execute(SQL(
            """UPDATE stock_move AS m SET inventory_claim = v.claim::jsonb
                 FROM (VALUES %s) AS v(id, claim) WHERE m.id = v.id""",
            SQL(", ").join(SQL("(%s, %s)", *row) for row in updates)))
        moves.invalidate_recordset(["inventory_claim"])


    @api.model
    def _release_state(self, move, positions):
        """Where quantities a move lets go of end up: back to the source position, or out of the ledger."""
        if move.location_id.usage == "internal":
            return self._position(move.location_id, positions)
        return None

    @api.model
    def _event_vals(self, move, from_state, to_state, lot_id, qty, unit_cost, user_id, date, reason):
        currency = move.company_id.currency_id
        done = move.state == "done"
        sale = move.sale_line_id.order_id
        return {
            "date": date,
            "company_id": move.company_id.id,
            "move_id": move.id,
            "picking_id": move.picking_id.id,
            "product_id": move.product_id.id,
            "product_tmpl_id": move.product_id.product_tmpl_id.id,
            "lot_id": lot_id or False,
            "quantity": qty,
            "uom_id": move.product_id.uom_id.id,
            "from_state": from_state or False,
            "to_state": to_state or False,
            "location_id": move.location_id.id,
            "location_dest_id": (move.location_dest_id if done else move.location_id).id,
            "warehouse_id": (move.location_dest_id.warehouse_id or move.location_id.warehouse_id
                             or move.picking_type_id.warehouse_id).id,
            "channel_id": sale.team_id.id,
            "unit_cost": currency.round(unit_cost),
            "value": currency.round(unit_cost * qty),
            "user_id": user_id,
            "reason": reason,
            "origin": move.picking_id.origin or move.origin or self._document(move),
            "purchase_order_id": move.purchase_line_id.order_id.id,
            "sale_order_id": sale.id,
            "scrap_id": move.scrap_id.id,
        }
