"""The outbox: one balanced journal entry per valued event, posted to QuickBooks exactly once."""
import json
import uuid
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger
from pydantic import ValidationError

from ..const import ERROR_KINDS, POSTING_EVENTS, POSTING_STATES
from ..qbo_engine.builder import (
    MAPPING_MENU, DimensionMissing, MappingMissing, NothingToPost, UnbalancedEntry, build_entry)

# Which states a posting may move to from which (``_set_<state>`` enforce it).
ALLOWED_FROM = {
    "to_post": ("draft", "failed", "blocked"),
    "posted": ("to_post", "failed"),
    "failed": ("to_post", "failed"),
    "blocked": ("draft", "to_post", "failed", "blocked"),
    "skipped": ("draft", "to_post", "failed", "blocked"),
}
# Fields that never change once a posting is posted: a correction is a new posting.
POSTED_FROZEN = {"line_ids", "date", "posting_key", "doc_number", "request_id", "qbo_id", "company_id",
                 "payload", "event_type"}
RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_FAILED_ATTEMPTS = 12
QBO_APP_URL = {
    "production": "https://app.qbo.intuit.com/app/journal?txnId=%s",
    "sandbox": "https://app.sandbox.qbo.intuit.com/app/journal?txnId=%s",
}


class QboPosting(models.Model):
    _name = "qbo.posting"
    _description = "QuickBooks Posting"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "display_label"
    _rec_names_search = ["doc_number", "reference", "posting_key"]  # display_label is computed, not stored
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    posting_key = fields.Char(required=True, readonly=True, copy=False,
                              help="Identifies the source event; the same key never yields two QuickBooks entries.")
    doc_number = fields.Char("DocNumber", readonly=True, copy=False, index=True,
                             help="Journal entry number in QuickBooks, derived from the posting key.")
    request_id = fields.Char(readonly=True, copy=False,
                             default=lambda self: uuid.uuid4().hex,
                             help="Base of QuickBooks' requestid: a replay of a request returns its first answer.")
    display_label = fields.Char(compute="_compute_display_label")
    state = fields.Selection(POSTING_STATES, required=True, default="to_post", readonly=True, copy=False,
                             index=True, tracking=True)
    event_type = fields.Selection(POSTING_EVENTS, "Event", required=True, readonly=True)
    date = fields.Date("Transaction Date", required=True, readonly=True, index=True)
    original_date = fields.Date(readonly=True, help="The event's own accounting date, before any approved re-dating.")
    reference = fields.Char("Source", readonly=True, help="The Odoo document that caused this posting.")
    picking_id = fields.Many2one("stock.picking", "Transfer", readonly=True, index="btree_not_null")
    scrap_id = fields.Many2one("stock.scrap", readonly=True)
    landed_cost_id = fields.Many2one("stock.landed.cost", readonly=True, index="btree_not_null")
    layer_ids = fields.One2many("stock.valuation.layer", "qbo_posting_id", "Valuation Layers", readonly=True)
    line_ids = fields.One2many("qbo.posting.line", "posting_id", "Lines", readonly=True)
    attempt_ids = fields.One2many("qbo.posting.attempt", "posting_id", "Attempts", readonly=True)
    attempt_count = fields.Integer(compute="_compute_attempt_count")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Amount", compute="_compute_amount", store=True,
                             help="Total of the debit lines.")
    payload = fields.Json(readonly=True, copy=False, help="The JournalEntry JSON last built for QuickBooks.")
    payload_text = fields.Text("Payload (JSON)", compute="_compute_payload_text",
                               help="The payload as indented JSON, for reading on the form.")
    private_note = fields.Char(readonly=True)
    qbo_id = fields.Char("QuickBooks Id", readonly=True, copy=False, index="btree_not_null")
    qbo_sync_token = fields.Char(readonly=True, copy=False)
    qbo_url = fields.Char("Open in QuickBooks", compute="_compute_qbo_url")
    posted_date = fields.Datetime(readonly=True, copy=False)
    adopted = fields.Boolean(readonly=True, copy=False,
                             help="Found already in QuickBooks after an interrupted send, and adopted.")
    next_try = fields.Datetime(readonly=True, copy=False, index=True)
    lease_until = fields.Datetime(readonly=True, copy=False,
                                  help="A poster is sending this row until then; others leave it alone.")
    lease_token = fields.Char(readonly=True, copy=False,
                              help="Written by the poster that claimed the row; checked under lock right before "
                                   "each send and when the answer is recorded.")
    needs_lookup = fields.Boolean(readonly=True, copy=False,
                                  help="A send may have reached QuickBooks: look the entry up before sending again.")
    error_kind = fields.Selection(ERROR_KINDS, readonly=True, copy=False)
    error_code = fields.Char("QuickBooks Fault", readonly=True, copy=False)
    error_message = fields.Text("Why", readonly=True, copy=False)
    error_detail = fields.Text("Technical Detail", readonly=True, copy=False,
                               help="What QuickBooks (or Odoo) said, as received: for support.")
    closing_date = fields.Date("QuickBooks Closing Date", readonly=True, copy=False)
    proposed_date = fields.Date("Proposed Date", readonly=True, copy=False,
                                help="First open date after QuickBooks' closing date; used only once approved.")
    decision_reason = fields.Char(readonly=True, copy=False, help="Why a person skipped or re-dated this posting.")
    decided_by_id = fields.Many2one("res.users", readonly=True, copy=False)

    _sql_constraints = [
        ("posting_key_unique", "UNIQUE(company_id, posting_key)",
         "A posting with this key already exists for the company: one source event, one QuickBooks entry."),
    ]

    # ---------------------------------------------------------------- computes
    @api.depends("doc_number", "reference", "event_type")
    def _compute_display_label(self):
        events = dict(self._fields["event_type"]._description_selection(self.env))
        for posting in self:
            posting.display_label = " · ".join(filter(None, [
                posting.doc_number, events.get(posting.event_type), posting.reference]))

    @api.depends("line_ids.amount")
    def _compute_amount(self):
        for posting in self:
            posting.amount = sum(amount for amount in posting.line_ids.mapped("amount") if amount > 0)

    def _compute_attempt_count(self):
        counts = dict(self.env["qbo.posting.attempt"]._read_group(
            [("posting_id", "in", self.ids)], groupby=["posting_id"], aggregates=["__count"]))
        for posting in self:
            posting.attempt_count = counts.get(posting, 0)

    @api.depends("payload")
    def _compute_payload_text(self):
        for posting in self:
            posting.payload_text = json.dumps(posting.payload, indent=2, sort_keys=True) if posting.payload else False

    def _compute_qbo_url(self):
        for posting in self:
            connection = posting.company_id.sudo().qbo_connection_id
            template = QBO_APP_URL.get(connection.environment) if connection else None
            posting.qbo_url = template % posting.qbo_id if template and posting.qbo_id else False

    # -------------------------------------------------------------- protection
    def write(self, vals):
        if POSTED_FROZEN & set(vals) and any(posting.state == "posted" for posting in self):
            raise UserError(_(
                "Posting %(posting)s is already in QuickBooks and never changes. Record a correction as a new "
                "stock operation (a return, an adjustment) and its own posting.",
                posting=self.filtered(lambda p: p.state == "posted")[:1].display_label))
        return super().write(vals)

    def unlink(self):
        raise UserError(_("Postings are never deleted: skip %(posting)s with a reason instead.",
                          posting=self[:1].display_label))

    # ------------------------------------------------------------- transitions
    def _check_transition(self, target):
        for posting in self:
            if posting.state not in ALLOWED_FROM[target]:
                raise UserError(_(
                    "Posting %(posting)s is %(state)s and cannot become %(target)s.",
                    posting=posting.display_label, state=posting.state, target=target))

    def _set_to_post(self):
        self._check_transition("to_post")
        self.write({"state": "to_post", "next_try": False, "error_kind": False, "error_code": False,
                    "error_message": False, "error_detail": False})

    def _set_posted(self, qbo_id, sync_token=None, adopted=False):
        self._check_transition("posted")
        self.write({"state": "posted", "qbo_id": qbo_id, "qbo_sync_token": sync_token, "adopted": adopted,
                    "posted_date": fields.Datetime.now(), "next_try": False, "lease_until": False,
                    "needs_lookup": False, "error_kind": False, "error_code": False, "error_message": False,
                    "error_detail": False})

    def _set_failed(self, error_vals, retry_after=None):
        self._check_transition("failed")
        for posting in self:
            failures = posting.attempt_count
            if failures >= MAX_FAILED_ATTEMPTS:
                posting._set_blocked(dict(error_vals, error_message=_(
                    "Gave up after %(count)s attempts. Last answer: %(message)s",
                    count=failures, message=error_vals.get("error_message"))))
                continue
            delay = retry_after or RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
            posting.write(dict(error_vals, state="failed", lease_until=False,
                               next_try=fields.Datetime.now() + timedelta(seconds=delay)))

    def _set_blocked(self, error_vals):
        self._check_transition("blocked")
        self.write(dict(error_vals, state="blocked", lease_until=False, next_try=False))
        for posting in self:
            posting.message_post(
                body=_("Blocked: %(why)s", why=error_vals.get("error_message") or ""),
                subtype_xmlid="stock_quickbooks_sync.mt_qbo_posting_blocked")

    def _set_skipped(self, reason, user):
        self._check_transition("skipped")
        self._check_not_in_flight(_("skipped"))
        if not (reason or "").strip():
            raise UserError(_("Skipping %(posting)s needs a reason.", posting=self[:1].display_label))
        self.write({"state": "skipped", "decision_reason": reason, "decided_by_id": user.id,
                    "next_try": False, "lease_until": False})
        for posting in self:
            posting.message_post(body=_("Skipped by %(user)s: %(reason)s", user=user.name, reason=reason))

    def _check_not_in_flight(self, decision):
        """Refuse a decision on rows a poster is sending, or that QuickBooks may already hold.

        The rows are locked first (NOWAIT): a poster holds its rows' locks from the check before
        its send until the answer is recorded, so a row it holds is being sent right now.

        :param decision: what the person tried, in words ("skipped", "accepted")
        :raises UserError: naming the first such row
        """
        if not self:
            return
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self.env.cr.execute(SQL("SELECT id FROM qbo_posting WHERE id IN %s FOR UPDATE NOWAIT",
                                        tuple(self.ids)))
        except psycopg2.errors.LockNotAvailable:
            raise UserError(_(
                "%(posting)s is being sent to QuickBooks right now and cannot be %(decision)s. Try again in a few "
                "minutes, once the answer is recorded.", posting=self[:1].display_label, decision=decision)) from None
        self.invalidate_recordset(["lease_until", "needs_lookup", "state"])
        now = fields.Datetime.now()
        for posting in self:
            if posting.lease_until and posting.lease_until > now:
                raise UserError(_(
                    "%(posting)s is being sent to QuickBooks (a poster holds it until %(until)s) and cannot be "
                    "%(decision)s. Try again once its answer is recorded.", posting=posting.display_label,
                    until=posting.lease_until, decision=decision))
            if posting.needs_lookup:
                raise UserError(_(
                    "%(posting)s was being sent to QuickBooks when the answer was lost: QuickBooks may already hold "
                    "it, so it cannot be %(decision)s yet. Click Retry: it is looked up by its number first, then "
                    "decide once it shows posted or not.", posting=posting.display_label, decision=decision))

    # ------------------------------------------------------------------- build
    def _qbo_build_draft(self):
        """The JournalEntry draft of this posting, with accounts resolved from the mapping.

        :raises MappingMissing, DimensionMissing, UnbalancedEntry, NothingToPost: see the engine builder
        """
        self.ensure_one()
        mapping, dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(self.company_id)
        connection = self.company_id.sudo().qbo_connection_id
        return build_entry(
            self.posting_key,
            [line._qbo_valued_line() for line in self.line_ids],
            mapping,
            self.date,
            self.company_id.currency_id.name,
            dimensions=dimensions,
            summary=self.event_type == "daily_summary",
            private_note=self.private_note or "",
            home_currency=connection.home_currency or None,
        )

    def _qbo_build_error(self, error):
        """Posting-state values for an entry that cannot be built (a person must act)."""
        if isinstance(error, MappingMissing):
            message = error.user_message
            archived = self.env["qbo.account.mapping"]._qbo_archived_lines(self.company_id, error.role,
                                                                             error.cost_type)
            if archived:
                message = _("%(missing)s This role has an archived mapping line (%(lines)s): unarchive it in "
                            "%(menu)s, then retry.", missing=message, lines=", ".join(archived.mapped("display_name")),
                            menu=MAPPING_MENU)
        elif isinstance(error, DimensionMissing):
            message = error.user_message
        elif isinstance(error, UnbalancedEntry):
            message = _("%(error)s. The valuation lines do not balance: report this posting.", error=error)
        elif isinstance(error, ValidationError):
            message = _("QuickBooks would refuse this entry: %(why)s",
                        why="; ".join(detail["msg"] for detail in error.errors()))
        else:
            message = str(error)
        return {"error_kind": "config", "error_code": False, "error_message": message}

    def _qbo_request_id(self):
        """The requestid of the next send: stable until an answer of QuickBooks is recorded.

        A send whose outcome Odoo never recorded (the worker died) goes out again with the same
        id, so QuickBooks replays its first answer instead of booking twice. Once an attempt is
        logged, the next send gets a new id: QuickBooks replays faults too, which would otherwise
        freeze a re-dated or re-mapped posting at its first fault. 32 + 1 + digits stay within
        the 36 characters QuickBooks allows in a batch.
        """
        self.ensure_one()
        return f"{self.request_id}-{self.attempt_count}"

    # ----------------------------------------------------------------- actions
    def action_preview(self):
        """Build the entry without sending it: the accountant sees accounts and amounts."""
        for posting in self:
            try:
                draft = posting._qbo_build_draft()
            except NothingToPost as error:
                raise UserError(_("%(posting)s: nothing to post (%(why)s).",
                                  posting=posting.display_label, why=error)) from error
            except ValueError as error:  # mapping, balance, or a draft QuickBooks would refuse
                raise UserError(posting._qbo_build_error(error)["error_message"]) from error
            posting._qbo_store_draft(draft)
        return True

    def _qbo_store_draft(self, draft):
        self.ensure_one()
        vals = {"payload": draft.to_qbo()}
        if not self.doc_number:
            vals["doc_number"] = draft.doc_number
        self.write(vals)

    def action_post_now(self):
        """Queue now; the posting cron sends right after this transaction commits (never inside it)."""
        self.filtered(lambda p: p.state in ("draft", "blocked"))._set_to_post()
        self.filtered(lambda p: p.state == "failed").write({"next_try": False})
        self.env.ref("stock_quickbooks_sync.ir_cron_qbo_posting_drain")._trigger()
        return True

    @api.model
    def _qbo_requeue_blocked(self, company, error_kinds):
        """Rows blocked for a reason a person just fixed (mapping added, reconnected) go back to the queue."""
        blocked = self.sudo().search([("company_id", "=", company.id), ("state", "=", "blocked"),
                                      ("error_kind", "in", list(error_kinds))])
        blocked._set_to_post()
        return blocked

    def action_retry(self):
        self.filtered(lambda p: p.state in ("failed", "blocked"))._set_to_post()
        return True

    def action_open_skip_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "qbo.posting.skip",
            "view_mode": "form",
            "target": "new",
            "context": {"default_posting_ids": self.ids},
        }

    def action_open_redate_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "qbo.posting.redate",
            "view_mode": "form",
            "target": "new",
            "context": {"default_posting_id": self.id, "default_new_date": self.proposed_date},
        }

    def action_open_in_quickbooks(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.qbo_url, "target": "new"}
