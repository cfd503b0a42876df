"""Writing outbox rows inside the user's transaction: valuation layers and hold changes become postings.

Like the inventory tracker, layers are collected as they are created and turned into
postings right before commit, one per source event, so a picking whose validation
creates layers in several steps still makes one journal entry.
"""
import uuid
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.tools import SQL

from ..const import HOLD_STATES, LAYER_EVENT_POSTING, ON_HAND_STATES
from ..qbo_engine.builder import doc_number_for

LAYERS_KEY = "stock_quickbooks_sync.posting_layers"


class QboPosting(models.Model):
    _inherit = "qbo.posting"

    # ------------------------------------------------------------------ layers
    @api.model
    def _collect_layers(self, layers):
        if not layers:
            return
        data = self.env.cr.precommit.data
        if LAYERS_KEY not in data:
            data[LAYERS_KEY] = set()
            self.env.cr.precommit.add(self.sudo()._flush_collected_layers)
        data[LAYERS_KEY].update(layers.ids)

    def _flush_collected_layers(self):
        ids = self.env.cr.precommit.data.pop(LAYERS_KEY, None)
        if not ids:
            return
        layers = self.env["stock.valuation.layer"].browse(sorted(ids)).exists().filtered(
            lambda layer: not layer.qbo_posting_id and layer.accounting_event != "landed_cost")
        groups = defaultdict(lambda: self.env["stock.valuation.layer"])
        for layer in layers:
            groups[self._layer_source(layer)] |= layer
        if not groups:
            return  # only landed cost layers (they post from their landed cost) or layers already posted
        entries, blocked_reasons = [], []
        for (company, event, source), group in groups.items():
            # dated as Odoo books it: a count with an accounting date on that date, not the day it was validated
            dated = [day for day in group.mapped("accounting_date") if day]
            entries.append((company, event, source, min(group.ids), group._qbo_accounting_lines(),
                            min(dated) if dated else None))
            # never a guess: a layer no event describes waits for a person, with the reason
            blocked_reasons.append(group._unclassified_reason() if event == "unclassified" else None)
        postings = self._enqueue(entries, blocked_reasons)
        rows = [(posting.id, layer_id) for posting, group in zip(postings, groups.values()) for layer_id in group.ids]
        self.env.cr.execute(SQL(
            "UPDATE stock_valuation_layer AS l SET qbo_posting_id = v.posting FROM (VALUES %s) AS v(posting, id)"
            " WHERE l.id = v.id", SQL(", ").join(SQL("(%s, %s)", *row) for row in rows)))
        self.env["stock.valuation.layer"].invalidate_model(["qbo_posting_id"])

    @api.model
    def _layer_source(self, layer):
        """(company, posting event, source record) that one journal entry groups layers by."""
        move = layer.stock_move_id
        event = layer.accounting_event or "unclassified"
        event = LAYER_EVENT_POSTING.get(event, event)
        source = move.picking_id or move.scrap_id or move or layer
        return layer.company_id, event, source

    # ------------------------------------------------------------ landed costs
    @api.model
    def _enqueue_landed_costs(self, costs):
        """One posting per validated landed cost, with both shares.

        Odoo creates a valuation layer only for the share still on hand; the share already
        shipped exists only in the adjustment lines, so the landed cost itself is the source.
        """
        costs = costs.sudo()
        lines = costs._qbo_accounting_lines()
        postings = self._enqueue([(cost.company_id, "landed_cost", cost, cost.id, lines[cost.id]) for cost in costs])
        for posting, cost in zip(postings, costs):
            cost.stock_valuation_layer_ids.qbo_posting_id = posting
        return postings

    # -------------------------------------------------------------- in transit
    @api.model
    def _enqueue_in_transit(self, pickings):
        """Goods shipped by the vendor under an ownership-at-origin incoterm: Inventory in Transit / GRNI."""
        entries = []
        for picking in pickings.sudo():
            lines = []
            for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
                unit = move.purchase_line_id.qbo_in_transit_unit_cost
                common = {"product_id": move.product_id.id, "quantity": move.product_qty, "unit_cost": unit,
                          "cost_type": False, "warehouse_id": picking.picking_type_id.warehouse_id.id,
                          "channel_id": False, "categ_id": move.product_id.categ_id.id,
                          "description": _("Shipped by vendor %(vendor)s", vendor=picking.partner_id.display_name)}
                value = picking.company_id.currency_id.round(unit * move.product_qty)
                lines += [dict(common, role="inventory_in_transit", amount=value),
                          dict(common, role="grni", amount=-value)]
            entries.append((picking.company_id, "in_transit", picking, min(picking.move_ids.ids), lines))
        return self._enqueue(entries)

    # ------------------------------------------------------------ hold changes
    @api.model
    def _enqueue_hold_changes(self, moves, events_vals):
        """Goods moving between a hold location and sellable stock change the Inventory sub-account.

        Internal moves create no valuation layer, so the ledger's events are the seam here.
        """
        crossing = [
            vals for vals in events_vals
            if vals["from_state"] in ON_HAND_STATES and vals["to_state"] in ON_HAND_STATES
            and (vals["from_state"] in HOLD_STATES) != (vals["to_state"] in HOLD_STATES)
        ]
        if not crossing:
            return
        # Moves that made a valuation layer post from it; one query for all of them.
        crossing_moves = moves.browse({vals["move_id"] for vals in crossing})
        valued = {move.id for [move] in self.env["stock.valuation.layer"].sudo()._read_group(
            [("stock_move_id", "in", crossing_moves.ids)], ["stock_move_id"])}
        groups = defaultdict(list)
        for vals in crossing:
            if vals["move_id"] in valued:
                continue
            move = crossing_moves.browse(vals["move_id"])
            groups[(move.company_id, "hold_release", move.picking_id or move)].append(vals)
        self._enqueue([
            (company, event, source, min(vals["move_id"] for vals in group), self._hold_change_lines(group))
            for (company, event, source), group in groups.items()
        ])

    @api.model
    def _hold_change_lines(self, events_vals):
        lines = []
        for vals in events_vals:
            into_hold = vals["to_state"] in HOLD_STATES
            common = {
                "product_id": vals["product_id"], "quantity": vals["quantity"], "unit_cost": vals["unit_cost"],
                "cost_type": False, "warehouse_id": vals["warehouse_id"], "channel_id": vals["channel_id"],
                "categ_id": self.env["product.product"].browse(vals["product_id"]).categ_id.id,
                "description": vals["reason"],
            }
            value = vals["value"]
            lines.append(dict(common, role="inventory_quality_hold", amount=value if into_hold else -value))
            lines.append(dict(common, role="inventory", amount=-value if into_hold else value))
        return lines

    # ------------------------------------------------------------------ common
    @api.model
    def _enqueue(self, entries, blocked_reasons=()):
        """Create one posting per entry ``(company, event, source, anchor id, lines)``.

        The anchor (first layer or move id) makes the key unique when one source has several
        events. A zero-value entry still gets a row, skipped with the reason, so the review
        queue shows that nothing had to be posted and why. Rows are written on behalf of
        whoever did the stock operation, whatever their rights, in one create of many rows
        with their lines; the chatter stays quiet (the posting's own transitions speak).

        :param blocked_reasons: per entry, None or why it cannot be posted (the posting is blocked with it)
        """
        reasons = list(blocked_reasons) + [None] * (len(entries) - len(blocked_reasons))
        prepared = [self._prepare_posting_vals(*entry, blocked_reason=reason)
                    for entry, reason in zip(entries, reasons)]
        outbox = self.sudo().with_context(tracking_disable=True, mail_create_nolog=True,
                                          mail_create_nosubscribe=True, mail_notrack=True)
        postings = outbox.create([
            dict(vals, line_ids=[Command.create(dict(line, sequence=index)) for index, line in enumerate(lines)])
            for vals, lines in prepared])
        self.env.flush_all()  # the outbox is written right before commit, after the ORM's own flush
        if any(vals["state"] == "to_post" for vals, _lines in prepared):
            self._qbo_wake_drain()  # sent within seconds of the commit, not at the cron's next run
        return postings.with_env(self.sudo().env)

    @api.model
    def _prepare_posting_vals(self, company, event, source, anchor, lines, date=None, blocked_reason=None):
        """(posting row, its line rows) for one source event."""
        lines = [line for line in lines if line["amount"]]
        date = date or self._accounting_date(source)
        key = f"{event}:{source._name}:{source.id}:{anchor}"
        reference = source.description if source._name == "stock.valuation.layer" else source.display_name
        vals = {
            "company_id": company.id,
            "posting_key": key,
            "doc_number": doc_number_for(key),
            "request_id": uuid.uuid4().hex,
            "state": "to_post",
            "event_type": event,
            "date": date,
            "original_date": date,
            "reference": reference,
            "picking_id": source.id if source._name == "stock.picking" else False,
            "scrap_id": source.id if source._name == "stock.scrap" else False,
            "landed_cost_id": source.id if source._name == "stock.landed.cost" else False,
            "private_note": f"Odoo {company.name}: {reference} ({source._name},{source.id})",
            "amount": sum(line["amount"] for line in lines if line["amount"] > 0),
        }
        if blocked_reason:
            vals.update(state="blocked", error_kind="blocked", error_message=blocked_reason)
        elif not lines:
            vals.update(state="skipped", decision_reason=_("Nothing to post: the event has no value."),
                        decided_by_id=self.env.uid)
        elif event != "daily_summary" and company.sudo().qbo_connection_id.posting_mode == "daily_summary":
            vals["state"] = "draft"  # waits for its day's summary (qbo_posting_summary)
        return vals, lines

    @api.model
    def _accounting_date(self, source):
        when = getattr(source, "date_done", False) or getattr(source, "date", False) or fields.Datetime.now()
        return fields.Date.context_today(self, when) if isinstance(when, fields.datetime) else when
