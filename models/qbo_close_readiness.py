"""Month-end close readiness of one company: what still stands between Odoo's month and QuickBooks' month.

Each item is a count and an amount; the month is ready only when every item is zero or explained.
A posting is explained when a person accepted its finding in the month's reconciliation; a skipped
posting carries its own reason and is not counted.
"""
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools import format_date

from ..const import VENDOR_EVENTS

GRNI_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


class QboCloseReadiness(models.TransientModel):
    _name = "qbo.close.readiness"
    _description = "QuickBooks Month-End Close Readiness"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True, default=lambda self: self._default_month(),
                        help="Any day of the month to close. Opens on the month just closed.")
    reconciled = fields.Boolean("Reconciled", compute="_compute_items",
                                help="A finished reconciliation covers the whole month.")
    date_from = fields.Date(compute="_compute_items")
    date_to = fields.Date(compute="_compute_items")
    reconciliation_id = fields.Many2one("qbo.reconciliation", "Reconciliation", compute="_compute_items",
                                        help="The latest finished run covering the whole month.")
    unposted_count = fields.Integer("Not Yet Posted", compute="_compute_items")
    unposted_amount = fields.Monetary(compute="_compute_items")
    failed_count = fields.Integer("Failed", compute="_compute_items")
    failed_amount = fields.Monetary(compute="_compute_items")
    blocked_count = fields.Integer("Blocked", compute="_compute_items")
    blocked_amount = fields.Monetary(compute="_compute_items")
    grni_0_30 = fields.Monetary("GRNI 0–30 Days", compute="_compute_items")
    grni_31_60 = fields.Monetary("GRNI 31–60 Days", compute="_compute_items")
    grni_61_90 = fields.Monetary("GRNI 61–90 Days", compute="_compute_items")
    grni_over_90 = fields.Monetary("GRNI Over 90 Days", compute="_compute_items",
                                   help="Received, not billed for more than 90 days at month end: chase the bill.")
    grni_over_90_count = fields.Integer("Receipts Over 90 Days", compute="_compute_items")
    estimated_count = fields.Integer("Landed Costs Still Estimated", compute="_compute_items")
    estimated_amount = fields.Monetary(compute="_compute_items")
    hand_typed_count = fields.Integer("Typed by Hand in Synced Accounts", compute="_compute_items")
    hand_typed_amount = fields.Monetary(compute="_compute_items")
    difference_count = fields.Integer("Open Findings", compute="_compute_items")
    difference = fields.Monetary("Reconciliation Difference", compute="_compute_items",
                                 help="What the open findings of the reconciliation are off by, each entry counted once.")
    unposted_ok = fields.Boolean(compute="_compute_items")
    failed_ok = fields.Boolean(compute="_compute_items")
    blocked_ok = fields.Boolean(compute="_compute_items")
    grni_ok = fields.Boolean(compute="_compute_items")
    estimated_ok = fields.Boolean(compute="_compute_items")
    hand_typed_ok = fields.Boolean(compute="_compute_items")
    difference_ok = fields.Boolean(compute="_compute_items")
    ready = fields.Boolean(compute="_compute_items")

    @api.model
    def _default_month(self):
        """The first day of the month just closed: the one an accountant closes now."""
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    @api.depends("month", "company_id")
    def _compute_display_name(self):
        for readiness in self:
            month = readiness.month and format_date(self.env, readiness.month, date_format="MMMM y")
            readiness.display_name = _("Close Readiness %(month)s", month=month) if month else _("Close Readiness")

    @api.model
    def action_open_month_just_closed(self):
        """The menu's entry: a saved record for the month just closed, so breadcrumbs and reloads show it."""
        readiness = self.create({"company_id": self.env.company.id})
        return readiness._qbo_reopen()

    @api.depends("company_id", "month")
    def _compute_items(self):
        for readiness in self:
            readiness.update(readiness._qbo_items())

    def _qbo_items(self):
        self.ensure_one()
        company = self.company_id
        start = (self.month or fields.Date.context_today(self)).replace(day=1)
        end = start + relativedelta(months=1) - timedelta(days=1)
        run = self.env["qbo.reconciliation"].search([
            ("company_id", "=", company.id), ("state", "=", "done"), ("date_from", "<=", start),
            ("date_to", ">=", end)], order="run_date desc, id desc", limit=1)
        values = {"date_from": start, "date_to": end, "reconciliation_id": run.id, "reconciled": bool(run)}
        values.update(self._qbo_posting_items(company, end, run))
        values.update(self._qbo_grni_items(company, end))
        values.update(self._qbo_estimate_items(company, end))
        Line = self.env["qbo.reconciliation.line"]
        # Each entry counts once, at what it is off by (the run's own totals).
        open_lines = Line.search([("reconciliation_id", "=", run.id), ("state", "=", "open")])
        hand_count, hand_amount = open_lines.filtered(lambda line: line.kind == "hand_typed")._entry_totals()
        open_count, open_difference = open_lines._entry_totals()
        values.update(hand_typed_count=hand_count, hand_typed_amount=hand_amount or 0.0,
                      difference_count=open_count, difference=open_difference or 0.0)
        # Without a finished run covering the month, nothing says QuickBooks agrees: not ready.
        values.update(
            unposted_ok=not values["unposted_count"], failed_ok=not values["failed_count"],
            blocked_ok=not values["blocked_count"], grni_ok=not values["grni_over_90_count"],
            estimated_ok=not values["estimated_count"], hand_typed_ok=bool(run) and not hand_count,
            difference_ok=bool(run) and not open_count)
        values["ready"] = all(values[name] for name in (
            "unposted_ok", "failed_ok", "blocked_ok", "grni_ok", "estimated_ok", "hand_typed_ok", "difference_ok"))
        return values

    @api.model
    def _qbo_posting_items(self, company, end, run):
        """Postings dated up to month end that have not reached QuickBooks, unless their finding was accepted."""
        explained = self.env["qbo.reconciliation.line"]._read_group(
            [("reconciliation_id", "=", run.id), ("state", "=", "accepted"), ("posting_id", "!=", False)],
            ["posting_id"])
        groups = dict((state, (count, amount)) for state, count, amount in self.env["qbo.posting"]._read_group(
            [("company_id", "=", company.id), ("date", "<=", end), ("state", "in", ("draft", "to_post", "failed", "blocked")),
             ("id", "not in", [posting.id for [posting] in explained])],
            ["state"], ["__count", "amount:sum"]))
        waiting = [groups.get(state, (0, 0.0)) for state in ("draft", "to_post")]
        return {
            "unposted_count": sum(count for count, _amount in waiting),
            "unposted_amount": sum(amount for _count, amount in waiting),
            "failed_count": groups.get("failed", (0, 0.0))[0], "failed_amount": groups.get("failed", (0, 0.0))[1],
            "blocked_count": groups.get("blocked", (0, 0.0))[0], "blocked_amount": groups.get("blocked", (0, 0.0))[1],
        }

    @api.model
    def _qbo_grni_items(self, company, end):
        """Goods received and not billed as of month end, aged by receipt.

        What the GRNI account holds at month end: each purchase line's receipts up to that day (their
        valuation layers on the vendor's side, vendor returns negative; goods shipped by the vendor under
        an origin incoterm and still in transit then, at their in-transit value), less what was billed up to that
        day (posted vendor bills and refunds dated on or before it), the oldest receipts billed first.
        What is left of each receipt is aged from the receipt's own date. A receipt or bill made after
        month end never changes the month's figure.
        """
        until = fields.Datetime.to_datetime(end) + timedelta(days=1)
        owned = defaultdict(list)  # purchase line -> [(day, quantity, value)], oldest first
        for layer in self.env["stock.valuation.layer"].sudo().search_fetch([
                ("company_id", "=", company.id), ("accounting_event", "in", VENDOR_EVENTS),
                ("stock_move_id.purchase_line_id", "!=", False), ("create_date", "<", until)],
                ["stock_move_id", "quantity", "value", "create_date", "accounting_date"], order="create_date, id"):
            day = layer.accounting_date or layer.create_date.date()
            owned[layer.stock_move_id.purchase_line_id].append((day, layer.quantity, layer.value))
        # Shipped by the vendor under an origin incoterm: owned (and in GRNI) before it is received.
        transit = defaultdict(lambda: [None, 0.0, 0.0])
        for event in self.env["stock.inventory.event"].sudo().search_fetch([
                ("company_id", "=", company.id), ("move_id.purchase_line_id", "!=", False), ("date", "<", until),
                "|", ("to_state", "=", "in_transit"), ("from_state", "=", "in_transit")],
                ["move_id", "to_state", "from_state", "quantity", "value", "date"], order="date, id"):
            if event.from_state == event.to_state:
                continue
            sign = 1 if event.to_state == "in_transit" else -1
            held = transit[event.move_id.purchase_line_id]
            held[0] = held[0] or event.date.date()
            held[1] += sign * event.quantity
            held[2] += sign * event.value
        for purchase_line, (day, quantity, value) in transit.items():
            if quantity > 0:
                owned[purchase_line].insert(0, (day, quantity, value))
        billed = defaultdict(float)
        for line in self.env["account.move.line"].sudo().search_fetch([
                ("company_id", "=", company.id), ("purchase_line_id", "in", [pl.id for pl in owned]),
                ("parent_state", "=", "posted"), ("date", "<=", end),
                ("move_id.move_type", "in", ("in_invoice", "in_refund"))],
                ["purchase_line_id", "quantity", "product_uom_id", "move_id", "product_id"]):
            quantity = line.product_uom_id._compute_quantity(line.quantity, line.product_id.uom_id)
            billed[line.purchase_line_id] += -quantity if line.move_id.move_type == "in_refund" else quantity
        buckets = dict.fromkeys(GRNI_BUCKETS, 0.0)
        over_90 = 0
        for purchase_line, receipts in owned.items():
            settled = billed[purchase_line] + sum(-qty for _day, qty, _value in receipts if qty < 0)
            for day, quantity, value in receipts:
                if quantity <= 0:
                    continue
                taken = min(quantity, max(settled, 0.0))
                settled -= taken
                left = value * (quantity - taken) / quantity
                if company.currency_id.is_zero(left):
                    continue
                age = (end - day).days
                bucket = next(b for b in GRNI_BUCKETS if age >= b[0] and (b[1] is None or age <= b[1]))
                buckets[bucket] += left
                over_90 += bucket[1] is None
        return {"grni_0_30": company.currency_id.round(buckets[GRNI_BUCKETS[0]]),
                "grni_31_60": company.currency_id.round(buckets[GRNI_BUCKETS[1]]),
                "grni_61_90": company.currency_id.round(buckets[GRNI_BUCKETS[2]]),
                "grni_over_90": company.currency_id.round(buckets[GRNI_BUCKETS[3]]),
                "grni_over_90_count": over_90}

    @api.model
    def _qbo_estimate_items(self, company, end):
        """Validated estimate landed costs of purchase orders that have no actual cost applied yet."""
        actual = self.env["landed.cost.actual"]._read_group(
            [("company_id", "=", company.id), ("state", "=", "applied")], ["purchase_id"])
        [[count, amount]] = self.env["stock.landed.cost"]._read_group(
            [("company_id", "=", company.id), ("is_estimate", "=", True), ("state", "=", "done"),
             ("date", "<=", end), ("purchase_id", "not in", [order.id for [order] in actual])],
            [], ["__count", "amount_total:sum"])
        return {"estimated_count": count, "estimated_amount": amount or 0.0}

    # ----------------------------------------------------------------- actions
    def action_run_reconciliation(self):
        """Reconcile the month now; the items above recompute from the new run."""
        self.ensure_one()
        run = self.env["qbo.reconciliation"].create({
            "company_id": self.company_id.id, "date_from": self.date_from, "date_to": self.date_to})
        run._qbo_run()
        return self._qbo_reopen()

    def action_refresh(self):
        return self._qbo_reopen()

    def _qbo_reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "target": "current", "name": self.display_name}

    def action_open_reconciliation(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "qbo.reconciliation", "res_id": self.reconciliation_id.id,
                "view_mode": "form"}
