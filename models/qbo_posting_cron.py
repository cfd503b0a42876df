"""Sending the outbox after commit: claim rows without waiting on others, post in batches, record outcomes."""
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..qbo_engine.builder import DimensionMissing, MappingMissing, NothingToPost, UnbalancedEntry
from ..qbo_engine.errors import ErrorKind, QboError
from ..qbo_engine.poster import PostRequest, Poster

BATCH_SIZE = 30  # QuickBooks' batch limit
LEASE = timedelta(minutes=10)  # a crashed poster's rows come back after this, looked up before any resend
# Entries that cannot be built wait for a person: a missing mapping, unbalanced lines, or a draft
# QuickBooks would refuse (pydantic's ValidationError is a ValueError: e.g. a foreign currency).
BUILD_ERRORS = (MappingMissing, DimensionMissing, UnbalancedEntry, ValueError)


class QboPosting(models.Model):
    _inherit = "qbo.posting"

    @api.model
    def _cron_drain(self):
        """ir.cron entry point: post every due row of every connected company."""
        companies = self.sudo().search([("state", "in", ("to_post", "failed"))]).company_id
        done = self.sudo()._qbo_drain(companies, with_commit=True)
        remaining = self.sudo().search_count([("state", "=", "to_post")])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _qbo_drain(self, companies, posting_ids=None, with_commit=True, max_batches=None, limiter=None):
        """Post due rows company by company, one QuickBooks batch at a time.

        :param posting_ids: restrict to these rows ("Post now")
        :param with_commit: commit after claiming and after each batch (False in tests)
        :param limiter: a RateLimiter; default: the one this process shares per QuickBooks company
        :returns: number of rows handled
        :rtype: int
        """
        handled = 0
        for company in companies:
            connection = company.sudo().qbo_connection_id
            if not connection or connection.state in ("not_connected", "needs_reconnect"):
                continue  # rows wait for a person to connect; the dashboard and the connection screen say so
            try:
                client = connection._qbo_client(limiter=limiter, with_commit=with_commit)
            except QboError as error:
                connection._qbo_set_error(error)
                continue
            poster = Poster(client, batch_size=BATCH_SIZE)
            batches = 0
            while max_batches is None or batches < max_batches:
                postings = self._qbo_claim(company, posting_ids, with_commit)
                if not postings:
                    break
                batches += 1
                handled += len(postings)
                stop = postings._qbo_send(poster, with_commit)
                if with_commit:
                    self.env.cr.commit()
                if stop:
                    break
        return handled

    @api.model
    def _qbo_claim(self, company, posting_ids, with_commit):
        """Take up to one batch of due rows that no other poster holds (SKIP LOCKED), and lease them."""
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT id FROM qbo_posting
                WHERE company_id = %(company)s AND state IN ('to_post', 'failed')
                  AND (next_try IS NULL OR next_try <= %(now)s)
                  AND (lease_until IS NULL OR lease_until < %(now)s)
                  %(only)s
             ORDER BY date, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
            company=company.id, now=now, limit=BATCH_SIZE,
            only=SQL("AND id IN %s", tuple(posting_ids)) if posting_ids else SQL()))
        postings = self.browse([row[0] for row in self.env.cr.fetchall()])
        if postings:
            # The lease and the look-up flag are committed before anything is sent: if this worker dies
            # after QuickBooks committed, the next poster looks the entry up instead of posting it again.
            postings.write({"lease_until": now + LEASE})
            if with_commit:
                self.env.cr.commit()
        return postings

    def _qbo_send(self, poster, with_commit):
        """Build, send and record one batch. Returns True when the company must stop (authorization lost)."""
        requests = []
        held_back = self._qbo_hold_back_reposts(poster.client)
        for posting in self - held_back:
            try:
                draft = posting._qbo_build_draft()
            except NothingToPost as error:
                posting._set_skipped(_("Nothing to post after rounding to the cent (%(why)s).", why=error),
                                     self.env.ref("base.user_root"))
                continue
            except BUILD_ERRORS as error:
                posting._set_blocked(posting._qbo_build_error(error))
                continue
            posting._qbo_store_draft(draft)
            requests.append(PostRequest(posting.posting_key, posting._qbo_request_id(), draft))
        if not requests:
            return False
        sending = self.filtered(lambda p: p.posting_key in {r.key for r in requests})
        look_up_first = {p.posting_key for p in sending if p.needs_lookup}
        sending.write({"needs_lookup": True})
        if with_commit:
            self.env.cr.commit()
        started = time.monotonic()
        try:
            outcomes = poster.post(requests, batch=True, look_up_first=look_up_first)
        except QboError as error:  # the whole call failed before any per-entry answer
            outcomes = None
            failure = error
        duration = int((time.monotonic() - started) * 1000)
        by_key = {posting.posting_key: posting for posting in sending}
        if outcomes is None:
            for posting in sending:
                posting._qbo_apply_error(failure, duration, len(requests))
            return failure.kind == ErrorKind.REAUTH
        stop = False
        for outcome in outcomes:
            posting = by_key[outcome.key]
            posting._qbo_apply_outcome(outcome, duration, len(requests))
            stop = stop or outcome.status == "reauth"
        return stop

    def _qbo_hold_back_reposts(self, client):
        """Reposts whose original entry QuickBooks still holds by Id are blocked instead of sent.

        A repost exists because reconciliation no longer found the original under its DocNumber. If
        QuickBooks still has the entry by Id, someone changed its number there: sending the repost
        would book the same event twice.

        :returns: the postings of this batch that must not be sent now
        """
        reposts = self.filtered(lambda p: p.origin_posting_id.qbo_id and ":repost:" in p.posting_key)
        ids = [qbo_id for qbo_id in reposts.origin_posting_id.mapped("qbo_id") if qbo_id.isdigit()]
        if not ids:
            return self.browse()
        try:
            held = {str(entry.get("Id")): entry for entry in client.query(
                "SELECT * FROM JournalEntry WHERE Id IN (%s)" % ", ".join(f"'{qbo_id}'" for qbo_id in ids))}
        except QboError as error:  # unsure: the reposts wait for the next run, the others go ahead
            for posting in reposts:
                posting._qbo_apply_error(error, 0, len(self), needs_lookup=posting.needs_lookup)
            return reposts
        stopped = self.browse()
        for posting in reposts:
            origin = posting.origin_posting_id
            entry = held.get(origin.qbo_id)
            if not entry:
                continue
            stopped |= posting
            posting._set_blocked({"error_kind": "config", "error_code": False, "error_message": _(
                "%(posting)s reposts %(origin)s, but QuickBooks still holds that journal entry (Id %(id)s) under "
                "the number %(number)s: it was renumbered in QuickBooks, not deleted, and a repost would book it "
                "twice. Skip this posting with a reason; change the entry's number back to %(doc)s in QuickBooks "
                "to have it matched again.", posting=posting.display_label, origin=origin.display_label,
                id=origin.qbo_id, number=entry.get("DocNumber") or _("(none)"), doc=origin.doc_number)})
        return stopped

    def _qbo_apply_outcome(self, outcome, duration, batch_size):
        self.ensure_one()
        if outcome.status == "posted":
            self._qbo_log_attempt("adopted" if outcome.adopted else "posted", None, duration, batch_size)
            self._set_posted(outcome.qbo_id, outcome.sync_token, adopted=outcome.adopted)
            return
        self._qbo_apply_error(outcome.error, duration, batch_size, needs_lookup=outcome.needs_lookup)

    def _qbo_apply_error(self, error, duration, batch_size, needs_lookup=None):
        """Map an engine error to the posting's state: retry by itself, or wait for a person."""
        self.ensure_one()
        kind = ErrorKind(error.kind)
        vals = {
            "error_kind": kind.value,
            "error_code": error.fault_code or False,
            "error_message": error.user_message or str(error),
            "needs_lookup": kind == ErrorKind.AMBIGUOUS if needs_lookup is None else needs_lookup,
        }
        if error.closing_date:
            vals.update(closing_date=error.closing_date, proposed_date=error.closing_date + timedelta(days=1))
        if kind in (ErrorKind.RETRY_LATER, ErrorKind.AMBIGUOUS):
            self._qbo_log_attempt("retry", error, duration, batch_size)
            self._set_failed(vals, retry_after=error.retry_after)
        elif kind == ErrorKind.REAUTH:
            self._qbo_log_attempt("reauth", error, duration, batch_size)
            self.company_id.sudo().qbo_connection_id._qbo_set_error(error)
            self._set_blocked(vals)
        else:
            self._qbo_log_attempt("blocked", error, duration, batch_size)
            self._set_blocked(vals)

    def _qbo_log_attempt(self, outcome, error, duration, batch_size):
        self.env["qbo.posting.attempt"].create({
            "posting_id": self.id,
            "request_id": self._qbo_request_id(),
            "outcome": outcome,
            "http_status": error.http_status if error and error.http_status else 0,
            "fault_code": error.fault_code if error else False,
            "error_kind": ErrorKind(error.kind).value if error else False,
            "message": (error.user_message or str(error)) if error else False,
            "duration_ms": duration,
            "batch_size": batch_size,
        })
