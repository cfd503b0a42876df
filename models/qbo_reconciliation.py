"""Three-way reconciliation of one company over a period: valuation layers, postings, QuickBooks.

A run reads QuickBooks once (entries by DocNumber, change data capture for deletions, the
period's entries for hand-typed ones, TrialBalance for balances) and records one finding per
account role, day and cause (see qbo.reconciliation.line for what each amount is). Postings are
never changed here: a repost or a correction is a new posting.
"""
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import ACCOUNT_ROLES, RUN_STATES
from ..qbo_engine.builder import DimensionMissing, MappingMissing, NothingToPost, UnbalancedEntry
from ..qbo_engine.errors import QboError
from ..qbo_engine.reconcile import (
    DELETED, EDITED, MISSING, UNEXPECTED, Reconciler, compare_entries, entries_by_id, find_unexpected,
)
from ..qbo_engine.schemas import LINE_DETAIL_TYPE, JournalEntryDraft

UNPOSTED_KINDS = {"draft": "not_posted", "to_post": "not_posted", "failed": "failed", "blocked": "blocked"}
# QuickBooks keeps 30 days of change data capture.
CDC_DAYS = 29
# Balance-sheet roles: their TrialBalance balance is cumulative, so it compares with all postings to date.
BALANCE_ROLES = ("inventory", "inventory_in_transit", "inventory_quality_hold", "grni", "accrued_landed_cost")
# The roles that hold Odoo's stock valuation: a posting made from valuation layers moves them by the layers' value.
VALUATION_ROLES = ("inventory", "inventory_quality_hold")
# Postings whose inventory lines are the value of the layers they carry (a daily summary also carries
# landed costs and hold changes, which have no layer of their own).
LAYER_EVENTS_COMPARED = ("receipt", "delivery", "customer_return", "vendor_return", "scrap", "adjustment",
                         "dropship", "revaluation")
ROLE_ORDER = {role: index for index, (role, _label) in enumerate(ACCOUNT_ROLES)}


class QboReconciliation(models.Model):
    _name = "qbo.reconciliation"
    _description = "QuickBooks Reconciliation"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date("From", required=True, default=lambda self: fields.Date.today().replace(day=1))
    date_to = fields.Date("To (As Of)", required=True, default=fields.Date.context_today,
                          help="Last day compared; QuickBooks balances are taken as of this day.")
    state = fields.Selection(RUN_STATES, required=True, default="draft", readonly=True, tracking=True)
    run_by_id = fields.Many2one("res.users", "Run By", readonly=True)
    run_date = fields.Datetime(readonly=True)
    error_message = fields.Text(readonly=True)
    line_ids = fields.One2many("qbo.reconciliation.line", "reconciliation_id", "Findings", readonly=True)
    entries_read = fields.Integer("QuickBooks Entries Read", readonly=True)
    # Totals written at the end of a run and after each action (aggregated with _read_group).
    finding_count = fields.Integer("Differences", readonly=True, help="Rows that are not matched.")
    open_count = fields.Integer("Open", readonly=True)
    not_posted_count = fields.Integer("Not Yet Posted", readonly=True)
    failed_count = fields.Integer("Failed", readonly=True)
    blocked_count = fields.Integer("Blocked", readonly=True)
    edited_count = fields.Integer("Edited in QuickBooks", readonly=True)
    deleted_count = fields.Integer("Deleted in QuickBooks", readonly=True)
    hand_typed_count = fields.Integer("Typed by Hand", readonly=True)
    rounding_count = fields.Integer("Rounding", readonly=True)
    odoo_total = fields.Monetary("Odoo (Debits)", readonly=True, help="Debit amounts Odoo's books expect.")
    posting_total = fields.Monetary("Posted (Debits)", readonly=True, help="Debit amounts Odoo recorded as sent.")
    qbo_total = fields.Monetary("QuickBooks (Debits)", readonly=True, help="Debit amounts found in QuickBooks.")
    skipped_count = fields.Integer("Skipped in Odoo", readonly=True)
    valuation_count = fields.Integer("Valuation vs Postings", readonly=True)
    difference = fields.Monetary(
        "Open Findings Total", readonly=True,
        help="What the open findings are off by, each entry counted once (a blocked entry of 42.12 counts 42.12, "
             "not once per line): zero when every difference is matched or explained.")
    balance_ids = fields.One2many(
        "qbo.reconciliation.balance", "reconciliation_id", "QuickBooks Balances", readonly=True,
        help="Each synced balance-sheet account as of the last day: Odoo's books, what was posted, QuickBooks' "
             "TrialBalance, and the net difference.")
    balance_difference = fields.Monetary(
        "Net Balance Difference", readonly=True,
        help="Sum of |QuickBooks - Odoo| over the balance-sheet accounts, account by account.")

    @api.depends("company_id", "date_from", "date_to")
    def _compute_name(self):
        for run in self:
            run.name = "%s · %s – %s" % (run.company_id.name or "", run.date_from or "", run.date_to or "")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for run in self:
            if run.date_from > run.date_to:
                raise ValidationError(_("Reconciliation %(run)s ends before it starts: swap the dates.",
                                        run=run.name))

    # ----------------------------------------------------------------- actions
    def action_run(self):
        for run in self:
            run._qbo_run()
        return True

    @api.model
    def _cron_reconcile(self, with_commit=True, limiter=None):
        """Daily: each connected company, from the first day of last month to today (month-end stays in view).

        :param with_commit: commit after each company (False in tests)
        """
        today = fields.Date.context_today(self)
        start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        companies = self.env["qbo.connection"].sudo().search([("state", "=", "connected")]).company_id
        for company in companies:
            run = self.sudo().create({"company_id": company.id, "date_from": start, "date_to": today})
            run._qbo_run(with_commit=with_commit, limiter=limiter)
            if with_commit:
                self.env.cr.commit()  # one company's run never waits on the next company's QuickBooks

    def _qbo_run(self, with_commit=True, limiter=None):
        """Read QuickBooks and record the findings. A QuickBooks error marks the run, it does not raise."""
        self.ensure_one()
        if self.state == "done":
            raise UserError(_("Reconciliation %(run)s already ran: create a new one to compare again.",
                              run=self.name))
        connection = self.company_id.sudo().qbo_connection_id
        if not connection or connection.state != "connected":
            raise UserError(_("%(company)s is not connected to QuickBooks: connect it in Settings → QuickBooks, "
                              "then run the reconciliation again.", company=self.company_id.name))
        try:
            client = connection._qbo_client(limiter=limiter, with_commit=with_commit)
            vals_list, entries_read, balances = self._qbo_findings(client)
        except QboError as error:
            message = error.user_message or str(error)
            if error.is_throttle or error.reason == "rate_limited":
                message = _("QuickBooks still asked us to slow down after waiting and trying again; nothing was "
                            "recorded. Run the reconciliation again in a few minutes.")
            self.write({"state": "error", "error_message": message,
                        "run_by_id": self.env.uid, "run_date": fields.Datetime.now()})
            self._qbo_note(_("QuickBooks could not be read: %(why)s", why=self.error_message))
            return False
        self._qbo_carry_decisions(vals_list)
        self.env["qbo.reconciliation.line"].create(vals_list)
        self.env["qbo.reconciliation.balance"].create(balances)
        self.write({"state": "done", "error_message": False, "entries_read": entries_read,
                    "run_by_id": self.env.uid, "run_date": fields.Datetime.now(),
                    "balance_difference": sum(abs(vals["difference"]) for vals in balances)})
        self._qbo_update_totals()
        return True

    def _qbo_note(self, body):
        for run in self:
            run.message_post(body=body)

    # ---------------------------------------------------------------- findings
    def _qbo_findings(self, client):
        """(line vals, entries read, balance summary) for this run; reads QuickBooks through ``client``."""
        self.ensure_one()
        company = self.company_id
        Posting = self.env["qbo.posting"].sudo()
        postings = Posting.search([("company_id", "=", company.id), ("date", ">=", self.date_from),
                                   ("date", "<=", self.date_to), ("state", "!=", "skipped")], order="date, id")
        role_sums = defaultdict(dict)
        for posting, role, amount in self.env["qbo.posting.line"].sudo()._read_group(
                [("posting_id", "in", postings.ids)], ["posting_id", "role"], ["amount:sum"]):
            role_sums[posting][role] = amount

        mapping, _dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(company)
        posted = postings.filtered(lambda p: p.state == "posted")
        expected, posted_ids, account_roles = {}, {}, {}
        for posting in posted:
            try:
                draft, roles = _sent_entry(posting, mapping)
            except (MappingMissing, DimensionMissing, UnbalancedEntry, NothingToPost):
                continue  # sent before payloads were kept, and the mapping changed since: reported below
            expected[posting.doc_number] = draft
            posted_ids[posting.doc_number] = posting.qbo_id
            account_roles[posting] = roles

        reconciler = Reconciler(client)
        found = reconciler.read_back(list(expected)) if expected else {}
        since = max(datetime.combine(self.date_from, time.min), fields.Datetime.now() - timedelta(days=CDC_DAYS))
        changed, deleted_ids = reconciler.changes_since(since)
        in_period = reconciler.entries_between(self.date_from, self.date_to)
        entries_read = sum(len(entries) for entries in found.values()) + len(changed) + len(in_period)
        synced = self._qbo_synced_accounts(company)

        # Our entry renumbered in QuickBooks is found by the Id we stored, among all entries read.
        by_id = entries_by_id(changed, in_period, found)
        compared = compare_entries(expected, found, posted_ids, deleted_ids, by_id=by_id)
        findings = {f.doc_number: f for f in compared if f.kind in (EDITED, DELETED, MISSING)}
        duplicates = [f for f in compared if f.kind == UNEXPECTED]
        candidates = {str(e.get("Id")): e for e in changed + in_period
                      if self.date_from.isoformat() <= (e.get("TxnDate") or "")[:10] <= self.date_to.isoformat()}
        ours = set(postings.mapped("doc_number"))
        hand_typed = find_unexpected(candidates.values(), ours, synced)
        # A DocNumber of ours from outside the period is ours too, not typed by hand; one of a skipped
        # posting is reported as such: skipped in Odoo, yet QuickBooks holds it (never hidden).
        numbered = Posting.search([("company_id", "=", company.id),
                                   ("doc_number", "in", [f.doc_number for f in hand_typed if f.doc_number])])
        skipped_numbers = {p.doc_number: p for p in numbered if p.state == "skipped"}
        other_ours = set(numbered.mapped("doc_number")) - set(skipped_numbers)
        skipped_present = [f for f in hand_typed if f.doc_number in skipped_numbers]
        hand_typed = [f for f in hand_typed if f.doc_number not in other_ours and f.doc_number not in skipped_numbers]
        # So is an Id one of our postings recorded: renumbered in QuickBooks, reported as edited.
        posted_here = set(Posting.search([("company_id", "=", company.id),
                                          ("qbo_id", "in", [f.qbo_id for f in hand_typed if f.qbo_id])
                                          ]).mapped("qbo_id"))
        hand_typed = [f for f in hand_typed if f.qbo_id not in posted_here]

        vals_list = []
        matched = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
        for posting in postings:
            roles = role_sums[posting]
            if posting.state != "posted":
                vals_list += self._qbo_unposted_vals(posting, roles)
                continue
            finding = findings.get(posting.doc_number)
            entry = (by_id.get(finding.qbo_id) if finding and finding.renumbered_to is not None
                     else _our_entry(found.get(posting.doc_number), posting.qbo_id))
            qbo_roles = _amounts_by_role(entry, account_roles.get(posting, {})) if entry else {}
            if finding is None and posting.doc_number not in expected:
                finding_kind, detail = "edited", _(
                    "%(doc)s cannot be compared: it was sent before Odoo kept what it sent, and its roles no longer "
                    "map to QuickBooks accounts. Fix the account mapping, then run the reconciliation again.",
                    doc=posting.doc_number)
            elif finding is None:
                finding_kind, detail = None, None
            else:
                finding_kind = "edited" if finding.kind == EDITED else "deleted"
                detail = finding.detail
                if finding.renumbered_to is not None:
                    detail = _(
                        "%(detail)s It is still our entry: do not repost it (that would book it twice). Change "
                        "its number back to %(doc)s in QuickBooks, or accept the finding with a reason.",
                        detail=finding.detail, doc=posting.doc_number)
            rows = []
            for role, amount in sorted(roles.items(), key=lambda item: ROLE_ORDER[item[0]]):
                qbo = float(qbo_roles.get(role, 0.0))
                rows.append((role, amount, qbo, posting.currency_id.round(qbo - amount)))
            if finding_kind is None:
                for role, amount, qbo, diff in rows:
                    if posting.currency_id.is_zero(diff):
                        matched[(role, posting.date)][0] += Decimal(str(amount))
                        matched[(role, posting.date)][1] += Decimal(str(qbo))
                        matched[(role, posting.date)][2] += 1
                    else:
                        vals_list.append(self._qbo_line_vals(
                            posting, "rounding", role, amount, amount, qbo, _(
                                "%(doc)s: QuickBooks holds %(qbo)s on %(role)s for %(amount)s in Odoo (the entry "
                                "is rounded to the cent).", doc=posting.doc_number, qbo=qbo, role=role,
                                amount=amount)))
                continue
            differing = [row for row in rows if not posting.currency_id.is_zero(row[3])] or rows[:1]
            for role, amount, qbo, _diff in differing:
                vals_list.append(self._qbo_line_vals(posting, finding_kind, role, amount, amount, qbo, detail,
                                                     qbo_id=finding.qbo_id if finding else posting.qbo_id))

        for (role, day), (odoo, qbo, count) in sorted(matched.items(), key=lambda i: (i[0][1], ROLE_ORDER[i[0][0]])):
            vals_list.append({
                "reconciliation_id": self.id, "kind": "matched", "state": False, "role": role, "day": day,
                "odoo_amount": float(odoo), "posting_amount": float(odoo), "qbo_amount": float(qbo),
                "difference": float(qbo - odoo),
                "explanation": _("%(count)s posted entries match QuickBooks.", count=count)})
        vals_list += self._qbo_hand_typed_vals(hand_typed + duplicates, candidates, found, mapping, company)
        vals_list += self._qbo_skipped_present_vals(skipped_present, skipped_numbers, candidates, company)
        vals_list += self._qbo_skipped_vals(company, {f.doc_number for f in skipped_present})
        vals_list += self._qbo_valuation_vals(postings)
        vals_list += self._qbo_layer_vals(company)
        return vals_list, entries_read, self._qbo_balance_vals(reconciler, company, mapping)

    def _qbo_line_vals(self, posting, kind, role, odoo, sent, qbo, explanation, qbo_id=None):
        return {
            "reconciliation_id": self.id, "kind": kind, "state": "open", "role": role, "day": posting.date,
            "odoo_amount": odoo, "posting_amount": sent, "qbo_amount": qbo,
            "difference": posting.currency_id.round(qbo - odoo), "explanation": explanation,
            "posting_id": posting.id, "doc_number": posting.doc_number, "qbo_entry_id": qbo_id or posting.qbo_id,
        }

    def _qbo_unposted_vals(self, posting, roles):
        """Postings that have not reached QuickBooks, one row per role: Odoo has them, QuickBooks does not."""
        kind = UNPOSTED_KINDS[posting.state]
        if kind == "not_posted":
            why = _("%(posting)s is waiting to be sent to QuickBooks.", posting=posting.display_label)
        elif kind == "failed":
            why = _("%(posting)s failed and will retry at %(when)s: %(why)s", posting=posting.display_label,
                    when=posting.next_try, why=posting.error_message)
        else:
            why = _("%(posting)s is blocked until a person acts: %(why)s", posting=posting.display_label,
                    why=posting.error_message)
        return [self._qbo_line_vals(posting, kind, role, amount, 0.0, 0.0, why)
                for role, amount in sorted(roles.items(), key=lambda item: ROLE_ORDER[item[0]])]

    def _qbo_hand_typed_vals(self, unexpected, candidates, found, mapping, company):
        """Entries we did not post that touch a synced account: one row per entry and role."""
        roles_by_account = self._qbo_account_roles(company)
        by_id = dict(candidates)
        for entries in found.values():
            by_id.update((str(e.get("Id")), e) for e in entries)
        vals_list = []
        for finding in unexpected:
            entry = by_id.get(finding.qbo_id)
            if not entry:
                continue
            day = fields.Date.to_date((entry.get("TxnDate") or "")[:10]) or self.date_to
            for role, amount in sorted(_amounts_by_role(entry, roles_by_account).items(),
                                       key=lambda item: ROLE_ORDER[item[0]]):
                vals_list.append({
                    "reconciliation_id": self.id, "kind": "hand_typed", "state": "open", "role": role, "day": day,
                    "odoo_amount": 0.0, "posting_amount": 0.0, "qbo_amount": float(amount),
                    "difference": float(amount), "explanation": finding.detail,
                    "doc_number": entry.get("DocNumber") or False, "qbo_entry_id": finding.qbo_id,
                })
        return vals_list

    def _qbo_skipped_present_vals(self, findings, skipped_numbers, candidates, company):
        """Entries QuickBooks holds under the DocNumber of a posting skipped in Odoo: one row per entry and role."""
        roles_by_account = self._qbo_account_roles(company)
        vals_list = []
        for finding in findings:
            entry = candidates.get(finding.qbo_id)
            posting = skipped_numbers[finding.doc_number]
            if not entry:
                continue
            for role, amount in sorted(_amounts_by_role(entry, roles_by_account).items(),
                                       key=lambda item: ROLE_ORDER[item[0]]):
                vals_list.append(dict(self._qbo_line_vals(
                    posting, "skipped_present", role, 0.0, 0.0, float(amount), _(
                        "%(posting)s was skipped in Odoo (%(reason)s) but QuickBooks holds journal entry %(doc)s "
                        "(Id %(id)s): delete it in QuickBooks if it must not count, or accept this finding with a "
                        "reason.", posting=posting.display_label, reason=posting.decision_reason or "",
                        doc=finding.doc_number, id=finding.qbo_id), qbo_id=finding.qbo_id),
                    day=fields.Date.to_date((entry.get("TxnDate") or "")[:10]) or posting.date))
        return vals_list

    def _qbo_skipped_vals(self, company, present_numbers):
        """Postings a person skipped: Odoo's valuation holds them, QuickBooks never will. Open until accepted."""
        skipped = self.env["qbo.posting"].sudo().search([
            ("company_id", "=", company.id), ("state", "=", "skipped"), ("date", ">=", self.date_from),
            ("date", "<=", self.date_to), ("doc_number", "not in", list(present_numbers))], order="date, id")
        vals_list = []
        for posting in skipped:
            why = _("%(posting)s was skipped by %(user)s (%(reason)s): Odoo's valuation includes it, QuickBooks "
                    "does not. Accept this finding with a reason once the books agree another way.",
                    posting=posting.display_label, user=posting.decided_by_id.name or _("a user"),
                    reason=posting.decision_reason or _("no reason given"))
            amounts = defaultdict(float)
            for line in posting.line_ids:
                amounts[line.role] += line.amount
            vals_list += [self._qbo_line_vals(posting, "skipped", role, amount, 0.0, 0.0, why)
                          for role, amount in sorted(amounts.items(), key=lambda item: ROLE_ORDER[item[0]])]
        return vals_list

    def _qbo_valuation_vals(self, postings):
        """Postings whose inventory lines differ from the valuation layers they were made from.

        Such a drift (a line changed after the fact, a rule valuing at another cost) leaves QuickBooks
        equal to the postings while an account no longer matches Odoo's valuation: the one difference a
        comparison with QuickBooks alone would never see.
        """
        compared = postings.filtered(lambda p: p.event_type in LAYER_EVENTS_COMPARED)
        if not compared:
            return []
        layers = dict(self.env["stock.valuation.layer"].sudo()._read_group(
            [("qbo_posting_id", "in", compared.ids)], ["qbo_posting_id"], ["value:sum"]))
        lines = dict(self.env["qbo.posting.line"].sudo()._read_group(
            [("posting_id", "in", compared.ids), ("role", "in", VALUATION_ROLES)], ["posting_id"], ["amount:sum"]))
        labels = dict(self.env["qbo.posting.line"]._fields["role"]._description_selection(self.env))
        vals_list = []
        for posting in compared:
            if posting not in layers:
                continue
            valued, posted = layers[posting], lines.get(posting, 0.0)
            if posting.currency_id.is_zero(valued - posted):
                continue
            vals = self._qbo_line_vals(posting, "valuation", "inventory", valued, posted, posted, _(
                "%(posting)s moves %(posted)s on %(roles)s while its %(layers)s valuation layer(s) are worth "
                "%(valued)s: the postings have drifted from Odoo's valuation. Find what changed the posting "
                "(its lines are what QuickBooks holds), correct it with an adjusting entry, or accept this "
                "finding with a reason.", posting=posting.display_label, posted=posted, valued=valued,
                roles=" + ".join(labels[role] for role in VALUATION_ROLES),
                layers=len(posting.layer_ids)))
            vals["difference"] = posting.currency_id.round(posted - valued)
            vals_list.append(vals)
        return vals_list

    def _qbo_layer_vals(self, company):
        """Valuation layers of the period that never reached the outbox (one row per day, Inventory role)."""
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min)
        groups = self.env["stock.valuation.layer"].sudo()._read_group(
            [("company_id", "=", company.id), ("qbo_posting_id", "=", False), ("stock_landed_cost_id", "=", False),
             ("create_date", ">=", start), ("create_date", "<", end), ("value", "!=", 0)],
            ["create_date:day"], ["value:sum", "__count"])
        return [{
            "reconciliation_id": self.id, "kind": "not_posted", "state": "open", "role": "inventory",
            "day": fields.Date.to_date(day), "odoo_amount": value, "posting_amount": 0.0, "qbo_amount": 0.0,
            "difference": -value, "explanation": _(
                "%(count)s valuation layer(s) of %(day)s worth %(value)s have no posting yet (the outbox is "
                "written when the stock operation commits).", count=count, day=fields.Date.to_date(day), value=value),
        } for day, value, count in groups]

    @api.model
    def _qbo_synced_accounts(self, company):
        """QuickBooks ids of the accounts the company's mapping posts to."""
        mappings = self.env["qbo.account.mapping"].sudo().search([("company_id", "=", company.id)])
        return set(mappings.account_id.mapped("qbo_id"))

    @api.model
    def _qbo_account_roles(self, company):
        """QuickBooks account id → role (the first role in ACCOUNT_ROLES order when several share an account)."""
        roles = {}
        mappings = self.env["qbo.account.mapping"].sudo().search([("company_id", "=", company.id)])
        for mapping in mappings.sorted(lambda m: ROLE_ORDER[m.role]):
            roles.setdefault(mapping.account_id.qbo_id, mapping.role)
        return roles

    def _qbo_balance_vals(self, reconciler, company, mapping):
        """Each synced balance-sheet account as of the last day: Odoo's books, posted, QuickBooks' TrialBalance.

        Posted amounts are the lines QuickBooks accepted (the stored payload, by account id); postings
        not sent yet count on the account today's mapping gives them. A sub-account (an accrual per cost
        type) is compared with its own lines only.
        """
        mappings = self.env["qbo.account.mapping"].sudo().search(
            [("company_id", "=", company.id), ("role", "in", BALANCE_ROLES)])
        scopes = {}
        for row in mappings.sorted(lambda m: (ROLE_ORDER[m.role], m.id)):
            scopes.setdefault(row.account_id.qbo_id, (row.account_id, row.role, row.cost_type))
        if not scopes:
            return []
        posted = self._qbo_posted_by_account(company)
        pending = self._qbo_pending_by_account(company, mapping)
        balances = reconciler.balances(self.date_to, list(scopes))
        vals_list = []
        for sequence, (ref, (account, role, cost_type)) in enumerate(scopes.items()):
            sent, waiting = posted.get(ref, 0.0), pending.get(ref, 0.0)
            odoo = company.currency_id.round(sent + waiting)
            qbo = float(balances.get(ref, 0))
            vals_list.append({
                "reconciliation_id": self.id, "sequence": sequence, "account_id": account.id, "account_ref": ref,
                "role": role, "cost_type": cost_type, "odoo_amount": odoo, "posted_amount": sent,
                "qbo_amount": qbo, "difference": company.currency_id.round(qbo - odoo),
                "explanation": _("%(amount)s not yet in QuickBooks", amount=waiting)
                if not company.currency_id.is_zero(waiting) else False,
            })
        return vals_list

    def _qbo_posted_by_account(self, company):
        """Signed amount (debit positive) per QuickBooks account id of the entries QuickBooks accepted, to date."""
        self.env["qbo.posting"].flush_model(["payload", "state", "date", "company_id"])
        self.env.cr.execute("""
            SELECT line->'JournalEntryLineDetail'->'AccountRef'->>'value',
                   SUM(CASE WHEN line->'JournalEntryLineDetail'->>'PostingType' = 'Debit'
                            THEN (line->>'Amount')::numeric ELSE -(line->>'Amount')::numeric END)
              FROM qbo_posting p, jsonb_array_elements(p.payload->'Line') line
             WHERE p.company_id = %s AND p.state = 'posted' AND p.date <= %s AND p.payload IS NOT NULL
          GROUP BY 1""", (company.id, self.date_to))
        return {ref: float(amount) for ref, amount in self.env.cr.fetchall()}

    def _qbo_pending_by_account(self, company, mapping):
        """Postings to date that QuickBooks does not hold yet (or sent before payloads were kept), by account."""
        amounts = defaultdict(float)
        groups = self.env["qbo.posting.line"].sudo()._read_group(
            [("company_id", "=", company.id), ("posting_id.date", "<=", self.date_to), "|",
             ("posting_id.state", "in", ("draft", "to_post", "failed", "blocked")),
             "&", ("posting_id.state", "=", "posted"), ("posting_id.payload", "=", False)],
            ["role", "warehouse_id", "categ_id", "channel_id", "cost_type"], ["amount:sum"])
        for role, warehouse, category, channel, cost_type, amount in groups:
            try:
                account = mapping.resolve(role, *(str(r.id) if r else None for r in (warehouse, category, channel)),
                                          cost_type or None)
            except MappingMissing:
                continue  # no account yet: the posting's own finding (blocked) says so
            amounts[account.value] += amount
        return amounts

    def _qbo_carry_decisions(self, vals_list):
        """A finding accepted or resolved in an earlier run stays so: the daily job does not reopen it."""
        keyed = [vals for vals in vals_list if vals.get("state") == "open"]
        if not keyed:
            return
        earlier = self.env["qbo.reconciliation.line"].search([
            ("company_id", "=", self.company_id.id), ("state", "in", ("accepted", "resolved")),
            ("reconciliation_id", "!=", self.id)], order="id")
        decided = {(l.kind, l.posting_id.id, l.qbo_entry_id or False, l.role, l.day): l for l in earlier}
        for vals in keyed:
            key = (vals["kind"], vals.get("posting_id") or self.env["qbo.posting"].id, vals.get("qbo_entry_id") or False,
                   vals["role"], vals["day"])
            line = decided.get(key)
            if line and line.state == "accepted" and line.currency_id.compare_amounts(line.difference, vals["difference"]) == 0:
                vals.update(state="accepted", accepted_reason=line.accepted_reason,
                            accepted_by_id=line.accepted_by_id.id, accepted_date=line.accepted_date)
            elif line and line.state == "resolved":
                vals.update(state="resolved", correction_posting_id=line.correction_posting_id.id)

    # ------------------------------------------------------------------ totals
    def _qbo_update_totals(self):
        Line = self.env["qbo.reconciliation.line"].sudo()
        for run in self:
            domain = [("reconciliation_id", "=", run.id)]
            counts = {kind: lines._entry_totals()[0] for kind, lines in
                      Line.search(domain + [("kind", "!=", "matched")]).grouped("kind").items()}
            open_count, open_difference = Line.search(domain + [("state", "=", "open")])._entry_totals()
            [[odoo]] = Line._read_group(domain + [("odoo_amount", ">", 0)], [], ["odoo_amount:sum"])
            [[sent]] = Line._read_group(domain + [("posting_amount", ">", 0)], [], ["posting_amount:sum"])
            [[qbo]] = Line._read_group(domain + [("qbo_amount", ">", 0)], [], ["qbo_amount:sum"])
            run.write({
                "finding_count": sum(counts.values()), "open_count": open_count,
                **{f"{kind}_count": counts.get(kind, 0) for kind in
                   ("not_posted", "failed", "blocked", "edited", "deleted", "hand_typed", "rounding", "skipped",
                    "valuation")},
                "odoo_total": odoo or 0.0, "posting_total": sent or 0.0, "qbo_total": qbo or 0.0,
                "difference": open_difference or 0.0,
            })

    def action_open_findings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_qbo_reconciliation_line")
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {"search_default_needs_attention": 1}
        return action


def _scope(line):
    """The mapping scope of a posting line, as the engine keys it (record ids as strings)."""
    return (str(line.warehouse_id.id) if line.warehouse_id else None,
            str(line.categ_id.id) if line.categ_id else None,
            str(line.channel_id.id) if line.channel_id else None,
            line.cost_type or None)


def _sent_entry(posting, mapping):
    """(draft, account id -> role) of what QuickBooks accepted for ``posting``: its stored payload.

    A posting sent before payloads were kept is rebuilt through today's mapping.
    """
    lines = posting.line_ids.sorted(lambda line: (line.sequence, line.id))
    if posting.payload:
        draft = JournalEntryDraft.from_qbo(posting.payload)
        if len(draft.lines) == len(lines):
            return draft, {sent.account.value: line.role for sent, line in zip(draft.lines, lines)}
        return draft, {mapping.resolve(line.role, *_scope(line)).value: line.role for line in lines}
    draft = posting._qbo_build_draft()
    return draft, {mapping.resolve(line.role, *_scope(line)).value: line.role for line in lines}


def _our_entry(entries, qbo_id):
    if not entries:
        return None
    return next((e for e in entries if str(e.get("Id")) == str(qbo_id)), entries[0])


def _amounts_by_role(entry, account_roles):
    """Signed amount (debit positive) per role of an entry's lines on accounts that map to a role."""
    amounts = defaultdict(Decimal)
    for line in entry.get("Line") or []:
        detail = line.get(LINE_DETAIL_TYPE) or {}
        role = account_roles.get(str((detail.get("AccountRef") or {}).get("value") or ""))
        if role:
            amount = Decimal(str(line.get("Amount", 0)))
            amounts[role] += amount if detail.get("PostingType") == "Debit" else -amount
    return dict(amounts)
