"""What QuickBooks tells us changed: webhook deliveries and change data capture, stored once, acted on by a cron.

Each change is one row, deduplicated by (realm, event id) with ``ON CONFLICT DO NOTHING``, so a
repeated webhook delivery, or a change heard from both the webhook and change data capture, is
acted on once per event id; the effects themselves are idempotent (a reconciliation of the days
concerned, re-reading preferences, re-reading the chart), so hearing a change twice costs a read,
never a second correction.
"""
import logging
import traceback
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date

from ..const import INBOX_CHANNELS, INBOX_STATES
from ..qbo_engine.builder import DimensionMissing, MappingMissing, NothingToPost, UnbalancedEntry
from ..qbo_engine.errors import ErrorKind, QboError

_logger = logging.getLogger(__name__)

# The entities whose changes have an effect here; others are stored, marked as having none.
JOURNAL_ENTRY = "JournalEntry"
PREFERENCES = "Preferences"
ACCOUNT = "Account"
VENDOR_DOCUMENTS = ("Bill", "VendorCredit")
BATCH = 200


class QboInboxEvent(models.Model):
    _name = "qbo.inbox.event"
    _description = "QuickBooks Change Event"
    _order = "received_at desc, id desc"
    _rec_name = "event_id"

    event_id = fields.Char("Event", required=True, readonly=True,
                           help="The change's id as QuickBooks sent it (derived for deliveries without one).")
    realm_id = fields.Char("QuickBooks Company (Realm)", required=True, readonly=True, index=True)
    connection_id = fields.Many2one("qbo.connection", readonly=True, index="btree_not_null", ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    channel = fields.Selection(INBOX_CHANNELS, required=True, readonly=True)
    entity = fields.Char(required=True, readonly=True, help="QuickBooks entity, e.g. JournalEntry.")
    entity_id = fields.Char("QuickBooks Id", required=True, readonly=True)
    operation = fields.Char(readonly=True)
    occurred_at = fields.Datetime("Changed At", readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(INBOX_STATES, required=True, default="new", readonly=True, index=True)
    result = fields.Text(readonly=True, help="What the change caused, or why it had no effect.")
    error_detail = fields.Text("Technical Detail", readonly=True)
    processed_at = fields.Datetime(readonly=True)
    posting_ids = fields.Many2many("qbo.posting", string="Postings Concerned", readonly=True)
    reconciliation_id = fields.Many2one("qbo.reconciliation", "Reconciliation", readonly=True)

    _sql_constraints = [
        ("event_unique", "UNIQUE(realm_id, event_id)", "This QuickBooks change is already in the inbox."),
    ]

    # ------------------------------------------------------------------ storing
    @api.model
    def _qbo_store(self, rows):
        """Insert new changes, skipping those already stored; returns the ids inserted.

        :param rows: dicts with event_id, realm_id, connection_id (or None), company_id (or None),
            channel, entity, entity_id, operation, occurred_at (naive UTC or None), and for events
            nobody can act on, state 'ignored' with a result.
        """
        if not rows:
            return []
        now = fields.Datetime.now()
        values = SQL(", ").join(SQL(
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            row["event_id"], row["realm_id"], row.get("connection_id"), row.get("company_id"), row["channel"],
            row["entity"], row["entity_id"], row.get("operation") or None, row.get("occurred_at"), now,
            row.get("state", "new"), row.get("result"), self.env.uid, now, self.env.uid) for row in rows)
        self.env.cr.execute(SQL(
            """INSERT INTO qbo_inbox_event (event_id, realm_id, connection_id, company_id, channel, entity,
                                            entity_id, operation, occurred_at, received_at, state, result,
                                            create_uid, create_date, write_uid)
               VALUES %s ON CONFLICT (realm_id, event_id) DO NOTHING RETURNING id""", values))
        inserted = [row[0] for row in self.env.cr.fetchall()]
        if inserted:
            self.env.ref("stock_quickbooks_sync.ir_cron_qbo_inbox")._trigger()
        return inserted

    # --------------------------------------------------------------- processing
    @api.model
    def _cron_process(self, with_commit=True, limiter=None, max_batches=None):
        """Act on new changes, company by company; one company's failure never holds another's.

        :param max_batches: stop after this many batches of up to 200 changes (None: until none is new)
        :returns: number of changes handled
        """
        processed = batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            events = self.sudo().search([("state", "=", "new")], order="id", limit=BATCH)
            if not events:
                break
            for connection, group in events.grouped("connection_id").items():
                processed += len(group)
                group._qbo_process_for(connection, with_commit, limiter)
                if with_commit:
                    self.env.cr.commit()
            if not with_commit and events.filtered(lambda e: e.state == "new"):
                break  # tests: never loop on rows an error left new
        return processed

    def _qbo_process_for(self, connection, with_commit, limiter):
        try:
            with self.env.cr.savepoint():
                self._qbo_apply_effects(connection, with_commit, limiter)
        except QboError as error:
            # QuickBooks could not be read now: the changes stay new for the next run.
            _logger.info("QuickBooks changes of %s wait: %s", connection.display_name, error)
        except Exception as error:  # noqa: BLE001 - one bad change must not stop the inbox of every company
            _logger.exception("QuickBooks changes of %s could not be processed", connection.display_name)
            self.write({"state": "error", "processed_at": fields.Datetime.now(),
                        "result": _("These changes could not be processed: %(why)s. Open the technical "
                                    "detail and report it; a reconciliation of the period shows their effect.",
                                    why=error),
                        "error_detail": traceback.format_exc()})

    def _qbo_apply_effects(self, connection, with_commit, limiter):
        now = fields.Datetime.now()
        if not connection or connection.state != "connected":
            self.write({"state": "ignored", "processed_at": now, "result": _(
                "No connected company of this database uses QuickBooks company %(realm)s: connect it in "
                "QuickBooks › Configuration › Connection, or remove its webhook subscription.",
                realm=self[:1].realm_id)})
            return
        by_entity = defaultdict(lambda: self.browse())
        for event in self:
            entity = "vendor_documents" if event.entity in VENDOR_DOCUMENTS else event.entity
            by_entity[entity if entity in (JOURNAL_ENTRY, PREFERENCES, ACCOUNT, "vendor_documents") else False] |= event
        if by_entity.get(JOURNAL_ENTRY):
            by_entity[JOURNAL_ENTRY]._qbo_journal_entries_changed(connection, with_commit, limiter)
        if by_entity.get(PREFERENCES):
            by_entity[PREFERENCES]._qbo_preferences_changed(connection, with_commit)
        if by_entity.get(ACCOUNT):
            by_entity[ACCOUNT]._qbo_accounts_changed(connection, with_commit)
        if by_entity.get("vendor_documents"):
            by_entity["vendor_documents"]._qbo_vendor_documents_changed(connection, with_commit, limiter)
        if by_entity.get(False):
            by_entity[False].write({"state": "done", "processed_at": now, "result": _(
                "Stored. Changes to this kind of QuickBooks record do not affect the inventory postings.")})

    def _qbo_journal_entries_changed(self, connection, with_commit, limiter):
        """One of our entries changed or deleted in QuickBooks: reconcile the days it concerns, tell the accountant."""
        company = connection.company_id
        Posting = self.env["qbo.posting"].sudo()
        postings = Posting.search([("company_id", "=", company.id), ("state", "=", "posted"),
                                   ("qbo_id", "in", self.mapped("entity_id"))])
        now = fields.Datetime.now()
        by_qbo_id = postings.grouped("qbo_id")
        theirs = self.filtered(lambda e: e.entity_id not in by_qbo_id)
        theirs.write({"state": "done", "processed_at": now, "result": _(
            "Not an entry of this addon: an entry typed in QuickBooks on a synced account is reported by the "
            "next reconciliation.")})
        ours = self - theirs
        if not ours:
            return
        run = self.env["qbo.reconciliation"].sudo().create({
            "company_id": company.id, "date_from": min(postings.mapped("date")),
            "date_to": max(max(postings.mapped("date")), fields.Date.context_today(self))})
        run._qbo_run(with_commit=with_commit, limiter=limiter)
        if run.state != "done":  # QuickBooks could not be read: undo the run, the changes wait for the next one
            raise QboError(ErrorKind.RETRY_LATER, run.error_message or "reconciliation failed", reason="read_failed")
        for event in ours:
            posting = by_qbo_id[event.entity_id]
            event.write({"state": "done", "processed_at": now, "posting_ids": [(6, 0, posting.ids)],
                         "reconciliation_id": run.id, "result": _(
                             "%(operation)s in QuickBooks: %(posting)s. Reconciliation %(run)s shows what changed.",
                             operation=event.operation or _("Changed"), posting=posting.display_label,
                             run=run.name)})
        open_findings = run.line_ids.filtered(lambda line: line.state == "open" and line.posting_id in postings)
        if open_findings:
            self._qbo_ask_accountants(connection, run, open_findings.posting_id)

    def _qbo_preferences_changed(self, connection, with_commit):
        """The closing date may have moved: recompute what blocked postings propose, release reopened ones."""
        with connection._qbo_client(with_commit=with_commit) as client:
            settings = client.company_settings()
        closing = settings.closing_date or False
        connection.sudo().write({"book_close_date": closing})
        blocked = self.env["qbo.posting"].sudo().search([
            ("company_id", "=", connection.company_id.id), ("state", "=", "blocked"), ("closing_date", "!=", False)])
        released = blocked.filtered(lambda p: not closing or p.date > closing)
        released._set_to_post()
        (blocked - released).write({"closing_date": closing, "proposed_date": closing and closing + timedelta(days=1)})
        if released:
            self.env.ref("stock_quickbooks_sync.ir_cron_qbo_posting_drain")._trigger()
        if closing:
            summary = _("QuickBooks' books are closed through %(date)s.", date=format_date(self.env, closing))
        else:
            summary = _("QuickBooks' books have no closing date.")
        self.write({"state": "done", "processed_at": fields.Datetime.now(), "posting_ids": [(6, 0, blocked.ids)],
                    "result": " ".join([summary, _(
                        "%(released)s blocked postings released, %(redated)s proposed dates recomputed.",
                        released=len(released), redated=len(blocked - released))])})

    def _qbo_vendor_documents_changed(self, connection, with_commit, limiter):
        """Bills and vendor credits entered in QuickBooks: landed-cost actuals when they carry landed costs."""
        with connection._qbo_client(limiter=limiter, with_commit=with_commit) as client:
            results = self.env["qbo.vendor.bill"]._qbo_receive(connection, self, client)
        now = fields.Datetime.now()
        for event in self:
            event.write({"state": "done", "processed_at": now, "result": results.get(event)})

    def _qbo_accounts_changed(self, connection, with_commit):
        """An account may have been made inactive: flag its mappings and hold the postings that would use it."""
        connection._qbo_fetch_chart(with_commit=with_commit)
        held = self._qbo_hold_for_inactive_accounts(connection)
        self.write({"state": "done", "processed_at": fields.Datetime.now(), "posting_ids": [(6, 0, held.ids)],
                    "result": _("Chart of accounts read again; %(count)s postings held for an inactive account.",
                                count=len(held))})

    # ------------------------------------------------------------------ helpers
    def _qbo_ask_accountants(self, connection, run, postings):
        """An activity for each QuickBooks accountant of the company, on the connection, naming the run."""
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        summary = _("Entries changed in QuickBooks: %(run)s", run=run.name)
        note = _("%(count)s of the entries posted from Odoo were changed or deleted in QuickBooks (%(postings)s). "
                 "Open QuickBooks › Reconciliation › %(run)s and repost, correct or accept each finding.",
                 count=len(postings), postings=", ".join(postings.mapped("display_label")), run=run.name)
        for user in connection._qbo_users("stock_quickbooks_sync.group_qbo_accountant"):
            connection.sudo().activity_schedule(
                activity_type_id=todo.id if todo else False, summary=summary, note=note, user_id=user.id)

    @api.model
    def _qbo_hold_for_inactive_accounts(self, connection):
        """Block the waiting postings whose entry would use an inactive QuickBooks account, naming it.

        QuickBooks would refuse them (fault 610 or 2500); holding them first tells the accountant which
        mapping to fix instead of a failure per posting. Rows being sent (leased) are left to their poster.
        """
        inactive = {account.qbo_id: account for account in connection.with_context(active_test=False).account_ids
                    if not account.active}
        if not inactive:
            return self.env["qbo.posting"]
        now = fields.Datetime.now()
        waiting = self.env["qbo.posting"].sudo().search([
            ("company_id", "=", connection.company_id.id), ("state", "in", ("to_post", "failed")),
            "|", ("lease_until", "=", False), ("lease_until", "<", now)])
        held = self.env["qbo.posting"]
        for posting in waiting:
            try:
                draft = posting._qbo_build_draft()
            except (MappingMissing, DimensionMissing, UnbalancedEntry, NothingToPost, ValueError):
                continue  # the cron blocks these with their own reason
            accounts = [inactive[line.account.value] for line in draft.lines if line.account.value in inactive]
            if not accounts:
                continue
            names = ", ".join(dict.fromkeys(account.display_name for account in accounts))
            posting._set_blocked({"error_kind": "config", "error_code": False, "error_message": _(
                "QuickBooks account %(accounts)s is inactive or deleted, and this entry would use it: map the role to "
                "an active account in QuickBooks › Configuration › Account Mapping (or reactivate the account in "
                "QuickBooks), then click Retry.", accounts=names)})
            held |= posting
        return held
