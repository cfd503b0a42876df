"""Turns what Odoo already knows about a stock move into inventory states and ledger events.

The state is a stored compute of the move (true whenever read, see ``_compute_states``); the events
are recorded once per transaction:

Stock operations only mark the moves they touch (``_mark_dirty``). Right before the
transaction commits (``cr.precommit``), every marked move is classified once, in one
batch: what quantities it holds in which state, where (the bin of each move line) and of
which lot and package (its *claim*), compared with the claim recorded last time. The
difference becomes events, one per hop with its from and to location, appended in one
create. So a
validation of 50 moves costs a handful of queries, a rolled-back operation leaves no
event, and a committed one always has its events.
"""
import json
from collections import defaultdict, namedtuple

from odoo import _, api, fields, models
from odoo.tools import SQL, float_is_zero, float_round

from ..const import INVENTORY_STATE_ORDER, UNCLASSIFIED_PREFIX

DIRTY_KEY = "stock_quickbooks_sync.dirty_moves"
POSITIONS_KEY = "stock_quickbooks_sync.warehouse_positions"
PENDING_STATES = ("waiting", "confirmed", "partially_available", "assigned")
VENDOR_STATES = ("ordered", "in_transit")

# One side of a ledger hop: the goods' state and where they are (location, lot, package ids).
Hop = namedtuple("Hop", "state location lot package", defaults=(False, False, False))


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
    def _final_state(self, move, positions, dest=None):
        """State of the goods once ``move`` is done, at ``dest`` (a move line's destination; default: the move's)."""
        dest = dest or move.location_dest_id
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
        """Quantities (product UoM) the move holds, by (state, location id, lot id, package id).

        Pending receipts hold their whole demand as ordered/in transit, at the vendor; pending moves
        from our own locations hold only what is reserved on them, in the bin it is reserved in; done
        moves hold what they moved, in the state they left it, in the bin each line put it.

        :returns: (claim, origins): origins maps a key of the claim to the ``[location id, qty]`` its
            goods came from (the move lines' source bins), in line order
        """
        claim = defaultdict(float)
        origins = defaultdict(list)
        source = move.location_id
        if move.state == "done":
            if move.move_line_ids:
                finals = {}
                for line in move.move_line_ids:
                    dest = line.location_dest_id
                    if dest not in finals:
                        finals[dest] = self._final_state(move, positions, dest)
                    key = (finals[dest], dest.id, line.lot_id.id, line.result_package_id.id)
                    claim[key] += line.quantity_product_uom
                    origins[key].append([line.location_id.id, line.quantity_product_uom])
            else:
                key = (self._final_state(move, positions), move.location_dest_id.id, False, False)
                claim[key] += move.product_qty
                origins[key].append([source.id, move.product_qty])
        elif move.state == "cancel":
            vendor_qty = sum(qty for key, qty in old_claim.items() if key[0] in VENDOR_STATES)
            if vendor_qty:
                claim[("cancelled", source.id, False, False)] = vendor_qty
        elif move.state in PENDING_STATES:
            if source.usage == "supplier":
                claim[(self._vendor_state(move), source.id, False, False)] = move.product_qty
            elif source.usage == "internal":
                held = {}
                for line in move.move_line_ids:
                    bin_ = line.location_id
                    if bin_ not in held:
                        held[bin_] = self._position(bin_, positions)
                    package = line.result_package_id or line.package_id
                    key = (self._held_state(line, held[bin_]), bin_.id, line.lot_id.id, package.id)
                    claim[key] += line.quantity_product_uom
        return claim, origins

    @api.model
    def _recorded_claim(self, move):
        """The claim last recorded for ``move``, by (state, location id, lot id, package id).

        A claim recorded before the ledger kept bins (``[state, lot, qty]``) is read at the place the
        ledger knew then: the move's destination once done, else its source.
        """
        claim = {}
        for row in move.inventory_claim or []:
            if len(row) == 3:
                state, lot, qty = row
                done = move.state == "done" and state != "cancelled"
                key = (state, (move.location_dest_id if done else move.location_id).id, lot, False)
            else:
                state, location, lot, package, qty = row
                key = (state, location, lot, package)
            claim[key] = claim.get(key, 0.0) + qty
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
            old = self._recorded_claim(move)
            try:
                state = self._display_state(move, self._claim(move, old, positions[company])[0], positions[company])
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
        held = [key[0] for key, qty in claim.items() if qty > 0]
        if held:
            return max(held, key=INVENTORY_STATE_ORDER.__getitem__)
        source = move.location_id
        if source.usage == "supplier":
            return self._vendor_state(move)
        return self._position(source, positions) or False

    # ------------------------------------------------------------------ pairing
    @api.model
    def _pair(self, old, new, rounding, origins=None):
        """Turn the change from ``old`` to ``new`` claim into hops
        ``(from_state, from_location, to_state, to_location, lot, package, qty, kind)``.

        Decreases are matched to increases in chain order, preferring the same lot held in the bin the
        increase's move lines took their goods from (``origins``, see ``_claim``), then the same lot.
        What is left over enters from the bin the lines took it from ('take': from_state None, the caller
        knows the state of that bin) or stays where it was held ('release': to_state None, idem).
        """
        origins = origins or {}

        def is_zero(qty):
            return float_is_zero(qty, precision_rounding=rounding)

        def consume(sources, location, qty):
            """Take ``qty`` off the sources, from ``location`` first."""
            for source in sorted(sources, key=lambda src: src[0] != location):
                used = min(qty, source[1])
                source[1] -= used
                qty -= used
                if is_zero(qty):
                    return

        decreases = []
        increases = []
        for key in sorted(set(old) | set(new), key=lambda k: (
                INVENTORY_STATE_ORDER[k[0]], k[1] or 0, k[2] or 0, k[3] or 0)):
            delta = float_round(new.get(key, 0.0) - old.get(key, 0.0), precision_rounding=rounding)
            if is_zero(delta):
                continue
            (increases if delta > 0 else decreases).append([key, abs(delta)])
        hops = []
        for inc in increases:
            state, location, lot, package = inc[0]
            sources = [list(source) for source in origins.get(inc[0], ())] or [[location, inc[1]]]
            bins = {source[0] for source in sources}
            for match in ("bin_and_lot", "lot", "any"):
                for dec in decreases:
                    if is_zero(inc[1]):
                        break
                    (dec_state, dec_location, dec_lot, _dec_package) = dec[0]
                    if is_zero(dec[1]) or (match != "any" and dec_lot != lot) or (
                            match == "bin_and_lot" and dec_location not in bins):
                        continue
                    qty = min(inc[1], dec[1])
                    hops.append((dec_state, dec_location, state, location, lot or dec_lot, package, qty, "transfer"))
                    consume(sources, dec_location, qty)
                    inc[1] -= qty
                    dec[1] -= qty
            for source in sources:
                if is_zero(inc[1]):
                    break
                qty = inc[1] if source is sources[-1] else min(inc[1], source[1])
                if not is_zero(qty):
                    hops.append((None, source[0], state, location, lot, package, qty, "take"))
                    inc[1] -= qty
        for (state, location, lot, package), qty in decreases:
            if not is_zero(qty):
                hops.append((state, location, None, location, lot, package, qty, "release"))
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
        Location = self.env["stock.location"]
        vals_list = []
        updates = []
        for move in moves:
            old = self._recorded_claim(move)
            try:
                new, origins = self._claim(move, old, positions)
            except Unclassified as error:
                # the state is unchanged: the goods are recorded where the move left them
                place = Hop(move.inventory_state, (move.location_dest_id if move.state == "done"
                                                   else move.location_id).id)
                vals_list.append(self._event_vals(
                    move, place, place, move.product_qty, costs[move.id], user_id, now,
                    UNCLASSIFIED_PREFIX + str(error)))
                continue
            rounding = move.product_id.uom_id.rounding
            for from_state, from_loc, to_state, to_loc, lot, package, qty, kind in self._pair(
                    old, new, rounding, origins):
                if kind == "take":
                    # the goods were where the move line found them (None: they were not ours)
                    from_state = self._location_state(Location.browse(from_loc), positions)
                elif kind == "release":
                    to_loc = self._release_location(move, Location.browse(from_loc)).id
                    to_state = self._release_state(Location.browse(to_loc), positions)
                hops = self._expand(from_state, to_state, move.location_id.usage)
                # a state passed through on the way sits where the goods were, except goods back from a
                # customer, who are returned where they arrive
                places = [from_loc] + [to_loc if state == "returned" else from_loc for _s, state in hops[:-1]] \
                    + [to_loc]
                for index, (hop_from, hop_to) in enumerate(hops):
                    if hop_from != hop_to:
                        reason = self._reason(move, hop_from, hop_to, kind)
                        vals_list.append(self._event_vals(
                            move, Hop(hop_from, places[index], lot, package),
                            Hop(hop_to, places[index + 1], lot, package), qty, costs[move.id], user_id, now,
                            reason))
            claim = sorted(list(key) + [qty] for key, qty in new.items() if qty)
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
    def _release_location(self, move, held_at):
        """Where quantities a move lets go of are: goods it held at its source stay in their bin; goods a
        done move had already put at its destination (its quantity lowered afterwards) go back to its source."""
        if move.state == "done" and not (held_at.parent_path or "").startswith(move.location_id.parent_path or "-"):
            return move.location_id
        return held_at

    @api.model
    def _release_state(self, location, positions):
        """State of quantities a move lets go of at ``location``: that of the bin, or out of the ledger."""
        if location.usage == "internal":
            return self._position(location, positions)
        return None

    @api.model
    def _event_vals(self, move, origin, target, qty, unit_cost, user_id, date, reason):
        """Values of one ledger row: ``qty`` of the move's goods hop from ``origin`` to ``target`` (``Hop``)."""
        currency = move.company_id.currency_id
        sale = move.sale_line_id.order_id
        return {
            "date": date,
            "company_id": move.company_id.id,
            "move_id": move.id,
            "picking_id": move.picking_id.id,
            "product_id": move.product_id.id,
            "product_tmpl_id": move.product_id.product_tmpl_id.id,
            "lot_id": target.lot or origin.lot or False,
            "package_id": target.package or False,
            "quantity": qty,
            "uom_id": move.product_id.uom_id.id,
            "from_state": origin.state or False,
            "to_state": target.state or False,
            "from_location_id": origin.location or False,
            "to_location_id": target.location or False,
            "location_id": move.location_id.id,
            "location_dest_id": move.location_dest_id.id,
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
