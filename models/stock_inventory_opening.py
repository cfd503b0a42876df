"""The opening position: the ledger of a company that had stock before the addon was installed.

Installed on a database with history, the ledger would start empty: reserving existing stock would take
from an ``available`` balance it never received. The opening writes what the ledger would hold had the
addon always been there, from Odoo's own facts at that moment:

- one event per quant of a company location, into the state that location means (the tracker's own
  ``_location_state``: available, received, quality hold, returned awaiting inspection, picked, packed,
  in transit, scrapped), valued at Odoo's valuation of the quant (``quant.value``);
- the claim of every move (``inventory_claim``, what the tracker compares with at the next transition)
  and, for moves still open, the events that claim stands for: the reservation of stock already counted
  above (available → reserved), goods ordered or shipped by the vendor (→ ordered → in transit, valued as
  the tracker values them). A done move only gets its claim: its goods are in the quants.

So the next transition of each move writes exactly the events it would have written, and the ledger's
balance per product, location and state equals the quants. It runs in batches, committing after each
one outside tests, and resumes where it stopped; a company is opened once (a unique row per company).
Quants of locations without a company (customers, vendors) are not the company's stock and are left out.
"""
import json
import logging

from odoo import _, api, fields, models, modules
from odoo.tools import SQL, config, float_is_zero

from .stock_inventory_tracker import PENDING_STATES, Hop

_logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
STAGES = [("quants", "Quants"), ("moves", "Moves"), ("done", "Done")]
# At most this many warnings are kept, the count says how many there were.
MAX_WARNINGS = 200


class StockInventoryOpening(models.Model):
    _name = "stock.inventory.opening"
    _description = "Inventory Opening Position"
    _order = "date desc, id desc"
    _rec_name = "company_id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    date = fields.Datetime("Opened On", required=True, readonly=True, default=fields.Datetime.now,
                           help="The moment the quants were read; every opening event is dated then.")
    stage = fields.Selection(STAGES, required=True, readonly=True, default="quants",
                             help="Where the opening stands; an interrupted opening resumes from here.")
    last_quant_id = fields.Integer(readonly=True, help="The last quant written (resume point).")
    last_move_id = fields.Integer(readonly=True, help="The last move whose claim was written (resume point).")
    quant_count = fields.Integer("Quants", readonly=True)
    move_count = fields.Integer("Open Moves", readonly=True, help="Open moves whose claim made events.")
    event_ids = fields.One2many("stock.inventory.event", "opening_id", "Opening Events", readonly=True)
    warning_count = fields.Integer("Warnings", readonly=True)
    warnings = fields.Text("Warning Details", readonly=True, help="Negative quants and products without a cost: recorded as they are, "
                           "listed here for a person to look at; they never block go-live.")

    _sql_constraints = [
        ("company_unique", "UNIQUE(company_id)", "A company's opening position is built once."),
    ]

    # ------------------------------------------------------------------ entry points
    @api.model
    def _build_all(self, batch_size=BATCH_SIZE, with_commit=None):
        """Open every company that has none yet (post_init_hook); resumes an interrupted opening."""
        for company in self.env["res.company"].sudo().search([], order="id"):
            self._build(company, batch_size=batch_size, with_commit=with_commit)

    @api.model
    def _build(self, company, batch_size=BATCH_SIZE, with_commit=None):
        """The opening position of ``company``: built once; an opening already done is returned as it is."""
        if with_commit is None:
            with_commit = not (config["test_enable"] or modules.module.current_test)
        Opening = self.sudo()
        opening = Opening.search([("company_id", "=", company.id)])
        if not opening:
            vals = {"company_id": company.id}
            if self.env["stock.inventory.event"].sudo().search_count(
                    [("company_id", "=", company.id), ("opening_id", "=", False)], limit=1):
                # the ledger started with the company's first stock operation: nothing came before it
                vals.update(stage="done", warning_count=1, warnings=_(
                    "The ledger already has events of %(company)s: its stock was recorded from the start, "
                    "no opening position was needed.", company=company.name))
            opening = Opening.create(vals)
            self._commit(with_commit)
        if opening.stage == "quants":
            opening._open_quants(batch_size, with_commit)
        if opening.stage == "moves":
            opening._open_moves(batch_size, with_commit)
        return opening

    @api.model
    def _commit(self, with_commit):
        if with_commit:
            self.env.cr.commit()  # a large database never holds one transaction for the whole opening
            self.env.invalidate_all()

    # ------------------------------------------------------------------ quants
    def _open_quants(self, batch_size, with_commit):
        self.ensure_one()
        tracker = self.env["stock.inventory.tracker"]
        positions = tracker._read_warehouse_positions(self.company_id)
        Quant = self.env["stock.quant"].sudo()
        while True:
            quants = Quant.search([("company_id", "=", self.company_id.id), ("id", ">", self.last_quant_id)],
                                  order="id", limit=batch_size)
            if not quants:
                break
            vals_list, warnings = [], []
            for quant in quants:
                state = tracker._location_state(quant.location_id, positions)
                rounding = quant.product_id.uom_id.rounding
                if not state or float_is_zero(quant.quantity, precision_rounding=rounding):
                    continue
                vals_list.append(self._quant_event_vals(quant, state))
                warnings += self._quant_warnings(quant, state)
            self._record(vals_list)
            self._add_warnings(warnings)
            self.write({"last_quant_id": quants[-1].id, "quant_count": self.quant_count + len(vals_list)})
            self._commit(with_commit)
        self.stage = "moves"
        self._commit(with_commit)

    def _quant_event_vals(self, quant, state):
        currency = self.company_id.currency_id
        location = quant.location_id
        value = currency.round(quant.value)
        return {
            "date": self.date,
            "company_id": self.company_id.id,
            "product_id": quant.product_id.id,
            "lot_id": quant.lot_id.id,
            "package_id": quant.package_id.id,
            "quantity": quant.quantity,
            "uom_id": quant.product_id.uom_id.id,
            "from_state": False,
            "to_state": state,
            "from_location_id": False,
            "to_location_id": location.id,
            "location_id": location.id,
            "location_dest_id": location.id,
            "warehouse_id": location.warehouse_id.id,
            "unit_cost": currency.round(value / quant.quantity),
            "value": value,
            "user_id": self.env.uid,
            "reason": _("Opening position: %(location)s held these goods when the ledger started",
                        location=location.display_name),
            "origin": _("Opening position"),
        }

    def _quant_warnings(self, quant, state):
        warnings = []
        where = "%s @ %s%s" % (quant.product_id.display_name, quant.location_id.display_name,
                               (" (%s)" % quant.lot_id.name) if quant.lot_id else "")
        if quant.quantity < 0:
            warnings.append(_("Negative quant: %(where)s holds %(qty)s, recorded as it is; count it to correct it.",
                              where=where, qty=quant.quantity))
        elif state != "scrapped" and quant.location_id._should_be_valued() and not quant.value \
                and not quant.owner_id:
            warnings.append(_("No cost: %(where)s holds %(qty)s that Odoo values at 0.00; give the product its "
                              "cost in Odoo if it has one.", where=where, qty=quant.quantity))
        return warnings

    def _add_warnings(self, warnings):
        if not warnings:
            return
        kept = (self.warnings or "").splitlines()
        kept += warnings[:max(0, MAX_WARNINGS - len(kept))]
        self.write({"warnings": "\n".join(kept), "warning_count": self.warning_count + len(warnings)})

    # ------------------------------------------------------------------ moves
    def _open_moves(self, batch_size, with_commit):
        """Write every move's claim; an open move's claim also makes the events it stands for."""
        self.ensure_one()
        tracker = self.env["stock.inventory.tracker"]
        positions = tracker._read_warehouse_positions(self.company_id)
        Move = self.env["stock.move"].sudo()
        while True:
            # a move with a claim is known to the ledger already (the tracker recorded it)
            self.env.cr.execute(SQL(
                """SELECT id FROM stock_move WHERE company_id = %s AND id > %s AND state NOT IN ('draft', 'cancel')
                      AND inventory_claim IS NULL ORDER BY id LIMIT %s""",
                self.company_id.id, self.last_move_id, batch_size))
            moves = Move.browse([row[0] for row in self.env.cr.fetchall()])
            if not moves:
                break
            open_moves = moves.filtered(lambda m: m.state in PENDING_STATES)
            costs = tracker._unit_costs(open_moves)
            vals_list, updates = [], []
            for move in moves:
                claim, origins = tracker._claim(move, {}, positions)
                if move.state in PENDING_STATES:
                    vals_list += self._claim_event_vals(move, claim, origins, costs[move.id], positions)
                rows = sorted(list(key) + [qty] for key, qty in claim.items() if qty)
                if rows:
                    updates.append((move.id, json.dumps(rows)))
            tracker._write_claims(moves, updates)
            self._record(vals_list)
            self.write({"last_move_id": moves[-1].id,
                        "move_count": self.move_count + len({vals["move_id"] for vals in vals_list})})
            self._commit(with_commit)
        self.stage = "done"
        self._commit(with_commit)

    def _claim_event_vals(self, move, claim, origins, unit_cost, positions):
        """The events an open move's claim stands for, as the tracker writes them for a claim that was empty:
        each quantity is taken from the state of the bin it is held in (or from the vendor), through the
        states the chain passes (``_expand``)."""
        tracker = self.env["stock.inventory.tracker"]
        Location = self.env["stock.location"]
        vals_list = []
        rounding = move.product_id.uom_id.rounding
        for _from, from_loc, to_state, to_loc, lot, package, qty, _kind in tracker._pair({}, claim, rounding, origins):
            from_state = tracker._location_state(Location.browse(from_loc), positions)
            hops = tracker._expand(from_state, to_state, move.location_id.usage)
            places = [from_loc] + [to_loc if state == "returned" else from_loc for _s, state in hops[:-1]] + [to_loc]
            for index, (hop_from, hop_to) in enumerate(hops):
                if hop_from == hop_to:
                    continue
                reason = _("Opening position: %(reason)s",
                           reason=tracker._reason(move, hop_from, hop_to, "take"))
                vals_list.append(tracker._event_vals(
                    move, Hop(hop_from, places[index], lot, package), Hop(hop_to, places[index + 1], lot, package),
                    qty, unit_cost, self.env.uid, self.date, reason))
        return vals_list

    # ------------------------------------------------------------------ ledger
    def _record(self, vals_list):
        for vals in vals_list:
            vals["opening_id"] = self.id
        self.env["stock.inventory.event"]._record(vals_list)


class StockInventoryEvent(models.Model):
    _inherit = "stock.inventory.event"

    opening_id = fields.Many2one(
        "stock.inventory.opening", "Opening Position", readonly=True, index="btree_not_null", ondelete="restrict",
        help="Set on the events of the opening position: what the company held when the ledger started.")
