"""One finding of a reconciliation run: an account role on a day, three amounts and why they differ.

The amounts are signed (debit positive) and mean, for the finding's role and day:

* ``odoo_amount``    – what Odoo's books say QuickBooks should hold: the posting's lines (built from the
  valuation layers), or for layers that never reached the outbox, the layers' value;
* ``posting_amount`` – what Odoo recorded as sent: the lines of postings in state Posted, else 0;
* ``qbo_amount``     – what QuickBooks holds: the entry read back by DocNumber (lines on the accounts the
  posting's roles map to), or the hand-typed entry's lines on a synced account;
* ``difference``     – ``qbo_amount - odoo_amount``.

Kinds ``skipped`` and ``valuation`` compare Odoo with itself: a posting skipped by a person leaves
Odoo's valuation without its entry; a posting whose inventory lines differ from the valuation layers
it was made from is a drift between the valuation and the postings (``odoo_amount`` is then the
layers' value, ``posting_amount`` the posting's lines).
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..const import ACCOUNT_ROLES, FINDING_KINDS, FINDING_STATES


class QboReconciliationLine(models.Model):
    _name = "qbo.reconciliation.line"
    _description = "QuickBooks Reconciliation Finding"
    # Open findings first, then what a person decided, then the matched rows.
    _order = "reconciliation_id desc, attention, day, role, kind, id"

    reconciliation_id = fields.Many2one("qbo.reconciliation", "Run", required=True, ondelete="cascade", index=True,
                                        readonly=True)
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    role = fields.Selection(ACCOUNT_ROLES, readonly=True)
    day = fields.Date(readonly=True, index=True)
    kind = fields.Selection(FINDING_KINDS, required=True, readonly=True, index=True)
    odoo_amount = fields.Monetary("Odoo", readonly=True,
                                  help="What Odoo's books say QuickBooks should hold for this role and day.")
    posting_amount = fields.Monetary("Posted", readonly=True, help="What Odoo recorded as sent to QuickBooks.")
    qbo_amount = fields.Monetary("QuickBooks", readonly=True, help="What QuickBooks holds.")
    difference = fields.Monetary(readonly=True, help="QuickBooks minus Odoo.")
    abs_difference = fields.Monetary("Absolute Difference", compute="_compute_abs_difference", store=True)
    explanation = fields.Text(readonly=True)
    posting_id = fields.Many2one("qbo.posting", "Posting", readonly=True, index="btree_not_null")
    doc_number = fields.Char("DocNumber", readonly=True)
    qbo_entry_id = fields.Char("QuickBooks Id", readonly=True)
    state = fields.Selection(FINDING_STATES, readonly=True, index=True,
                             help="Empty for matched rows: nothing to do.")
    accepted_reason = fields.Char(readonly=True)
    accepted_by_id = fields.Many2one("res.users", "Accepted By", readonly=True)
    accepted_date = fields.Datetime(readonly=True)
    correction_posting_id = fields.Many2one("qbo.posting", "Repost / Correction", readonly=True)
    attention = fields.Integer(compute="_compute_attention", store=True,
                               help="0 open, 1 accepted or resolved, 2 matched: the order of the list.")

    @api.depends("kind", "role", "doc_number", "day")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        roles = dict(self._fields["role"]._description_selection(self.env))
        for line in self:
            line.display_name = " · ".join(filter(None, [
                kinds.get(line.kind), line.doc_number, roles.get(line.role), str(line.day or "")]))

    @api.depends("difference")
    def _compute_abs_difference(self):
        for line in self:
            line.abs_difference = abs(line.difference)

    @api.depends("state")
    def _compute_attention(self):
        for line in self:
            line.attention = 0 if line.state == "open" else (1 if line.state else 2)

    def _entry_key(self):
        """One finding per entry: the rows of one posting (or one QuickBooks entry, one day of layers) count once."""
        self.ensure_one()
        if self.posting_id:
            return ("posting", self.kind, self.posting_id.id)
        if self.qbo_entry_id:
            return ("qbo", self.kind, self.qbo_entry_id)
        return ("day", self.kind, self.day)

    def _entry_totals(self):
        """(findings, amount): each entry counted once, at the amount it is off by.

        A balanced entry off on two accounts (a blocked receipt: +x Inventory, -x GRNI) is off by x,
        not 2x; an entry that touches one synced account only (typed by hand against an unsynced one)
        is off by that line.
        """
        entries = {}
        for line in self:
            debit, credit = entries.get(line._entry_key(), (0.0, 0.0))
            entries[line._entry_key()] = (debit + max(line.difference, 0.0), credit + max(-line.difference, 0.0))
        currency = self.company_id.currency_id[:1]
        total = sum(max(debit, credit) for debit, credit in entries.values())
        return len(entries), currency.round(total) if currency else total

    # ----------------------------------------------------------------- actions
    def _check_open(self, kinds):
        for line in self:
            if line.state != "open" or line.kind not in kinds:
                labels = dict(self._fields["kind"]._description_selection(self.env))
                raise UserError(_(
                    "Finding %(finding)s (%(kind)s, %(state)s) cannot take this action: it applies to open "
                    "findings of kind %(kinds)s.", finding=line.doc_number or line.id, kind=labels[line.kind],
                    state=line.state or _("matched"), kinds=", ".join(str(labels[k]) for k in kinds)))

    def action_repost(self):
        """Deleted in QuickBooks: the same lines again as a new posting, sent by the posting cron."""
        self._check_open(("deleted",))
        postings = self.env["qbo.posting"]
        for posting, lines in self.grouped("posting_id").items():
            repost = posting._qbo_repost()
            lines.write({"state": "resolved", "correction_posting_id": repost.id})
            self._siblings(lines, ("deleted",)).write({"state": "resolved", "correction_posting_id": repost.id})
            lines.reconciliation_id._qbo_note(_("Reposted %(doc)s (deleted in QuickBooks) as %(new)s.",
                                                doc=posting.doc_number, new=repost.display_label))
            postings |= repost
        self.reconciliation_id._qbo_update_totals()
        self.env.ref("stock_quickbooks_sync.ir_cron_qbo_posting_drain")._trigger()
        return postings._qbo_open_action() if len(self) == 1 else True

    def action_post_correction(self):
        """Edited in QuickBooks: a new posting with the difference per role brings QuickBooks back to Odoo."""
        self._check_open(("edited",))
        postings = self.env["qbo.posting"]
        for posting, lines in self.grouped("posting_id").items():
            lines |= self._siblings(lines, ("edited",))
            diffs = lines.filtered(lambda line: line.role and not line.currency_id.is_zero(line.difference))
            if not diffs:
                raise UserError(_(
                    "%(doc)s was edited in QuickBooks without changing an amount (%(why)s). A correcting entry "
                    "cannot fix a number, date, class or department: change it back in QuickBooks, or accept the "
                    "finding with a reason.", doc=posting.doc_number, why=lines[:1].explanation))
            if not posting.currency_id.is_zero(sum(diffs.mapped("difference"))):
                raise UserError(_(
                    "%(doc)s was edited in QuickBooks onto accounts that no synced role maps to, so a correcting "
                    "entry would not balance: change it back in QuickBooks, or accept the finding with a reason. "
                    "%(why)s", doc=posting.doc_number, why=lines[:1].explanation))
            vals = []
            for line in diffs:
                original = posting.line_ids.filtered(lambda pl, role=line.role: pl.role == role)[:1]
                vals.append(posting._qbo_line_vals(original, -line.difference, _(
                    "Correction of %(doc)s, edited in QuickBooks", doc=posting.doc_number)))
            correction = posting._qbo_create_correction(
                "correction", vals, _("Correction of %(doc)s, edited in QuickBooks", doc=posting.doc_number))
            lines.write({"state": "resolved", "correction_posting_id": correction.id})
            lines.reconciliation_id._qbo_note(_("Posted a correction of %(doc)s (edited in QuickBooks) as %(new)s.",
                                                doc=posting.doc_number, new=correction.display_label))
            postings |= correction
        self.reconciliation_id._qbo_update_totals()
        self.env.ref("stock_quickbooks_sync.ir_cron_qbo_posting_drain")._trigger()
        return postings._qbo_open_action() if len(self) == 1 else True

    @api.model
    def _siblings(self, lines, kinds):
        """The other open lines of the same run and posting (one finding per role of one entry)."""
        return self.search([("reconciliation_id", "in", lines.reconciliation_id.ids),
                            ("posting_id", "in", lines.posting_id.ids), ("kind", "in", kinds),
                            ("state", "=", "open"), ("id", "not in", lines.ids)])

    def action_open_accept_wizard(self):
        self._check_open([kind for kind, _label in FINDING_KINDS if kind != "matched"])
        return {
            "type": "ir.actions.act_window",
            "res_model": "qbo.reconciliation.accept",
            "view_mode": "form",
            "target": "new",
            "context": {"default_line_ids": self.ids},
        }

    def _accept(self, reason, user):
        """Explained by a person: kept out of the open difference and of close readiness."""
        if not (reason or "").strip():
            raise UserError(_("Accepting finding %(finding)s needs a reason.", finding=self[:1].doc_number or self[:1].id))
        kinds = [kind for kind, _label in FINDING_KINDS if kind != "matched"]
        self._check_open(kinds)
        # One finding per entry: accepting one of its rows accepts the entry's other rows of that kind.
        accepted = self
        for kind, lines in self.grouped("kind").items():
            accepted |= self._siblings(lines, (kind,))
        accepted.write({"state": "accepted", "accepted_reason": reason.strip(), "accepted_by_id": user.id,
                        "accepted_date": fields.Datetime.now()})
        for run, lines in accepted.grouped("reconciliation_id").items():
            run._qbo_note(_("%(user)s accepted %(count)s finding(s) (%(docs)s): %(reason)s", user=user.name,
                            count=lines._entry_totals()[0], docs=", ".join(filter(None, set(lines.mapped("doc_number")))) or "-",
                            reason=reason.strip()))
        self.reconciliation_id._qbo_update_totals()

    def action_open_posting(self):
        self.ensure_one()
        return (self.correction_posting_id or self.posting_id)._qbo_open_action()
