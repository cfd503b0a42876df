"""Sending the outbox after commit: claim rows without waiting on others, post in batches, record outcomes.

A row is sent only by the poster that claimed it: the claim writes a lease (until when) and a
lease token (who). Right before every send the poster locks its rows and checks both; it keeps
the lock through the send until the answer is recorded, under the same check. Another poster
skips locked rows, so a lease that runs out while an answer is awaited lets nobody in, and a
poster whose lease was taken over neither sends nor writes.
"""
import logging
import time
import traceback
import uuid
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.sql_db import TestCursor
from odoo.tools import SQL, mute_logger

from ..qbo_engine.builder import DimensionMissing, MappingMissing, NothingToPost, UnbalancedEntry
from ..qbo_engine.errors import ErrorKind, QboError
from ..qbo_engine.poster import NOT_SENT_REASONS, PostRequest, Poster
from .qbo_error_messages import qbo_error_vals, qbo_sign_in_lost
from .qbo_posting import RETRY_DELAYS

_logger = logging.getLogger(__name__)

BATCH_SIZE = 30  # QuickBooks' batch limit
LEASE = timedelta(minutes=10)  # a crashed poster's rows come back after this, looked up before any resend
# The lease must outlast the longest a batch can take (every wait at its bound) by this factor.
LEASE_MARGIN = 1.5
# A cron run starts no new batch after this many seconds: it reports its progress and Odoo runs it
# again at once while rows remain, so no run comes near the server's time limit for a cron.
DRAIN_TIME_BUDGET = 60
DRAIN_CRON = "stock_quickbooks_sync.ir_cron_qbo_posting_drain"
WAKE_KEY = "stock_quickbooks_sync.posting_drain_woken"
# A claim that meets another poster's change (a serialization failure, a deadlock) is tried again this
# many times in a fresh transaction; after that its rows wait for the next run. Never a company failure.
CLAIM_TRIES = 3
# Entries that cannot be built wait for a person: a missing mapping, unbalanced lines, or a draft
# QuickBooks would refuse (pydantic's ValidationError is a ValueError: e.g. a foreign currency).
BUILD_ERRORS = (MappingMissing, DimensionMissing, UnbalancedEntry, ValueError)


class QboPosting(models.Model):
    _inherit = "qbo.posting"

    # ------------------------------------------------------------------ waking
    @api.model
    def _qbo_wake_drain(self):
        """Have the posting cron run as soon as this transaction commits, once per transaction.

        The trigger row commits (or rolls back) with the postings; a burst of stock operations in
        one transaction makes one run, and the cron's own lock keeps runs from overlapping.
        """
        data = self.env.cr.precommit.data
        if data.get(WAKE_KEY):
            return
        cron = self.env.ref(DRAIN_CRON, raise_if_not_found=False)
        if cron:
            data[WAKE_KEY] = True
            cron.sudo()._trigger()

    # ------------------------------------------------------------------ drain
    @api.model
    def _cron_drain(self):
        """ir.cron entry point: post due rows of every connected company for a bounded time.

        Never raises: Odoo deactivates a cron that keeps failing, and postings would stop for
        every company. Progress is reported after each committed batch; what is left goes to the
        next run, which Odoo starts right away while progress says rows remain.
        """
        posting = self.sudo()
        done = 0

        def progress(count):
            nonlocal done
            done += count
            self.env["ir.cron"]._notify_progress(done=done, remaining=posting._qbo_due_count())

        try:
            companies = posting._qbo_due_companies()
            posting._qbo_drain(companies, with_commit=True, deadline=time.monotonic() + DRAIN_TIME_BUDGET,
                               on_batch=progress)
        except Exception:  # noqa: BLE001 - a failure outside any company's drain: the next run tries again
            self.env.cr.rollback()
            _logger.exception("QuickBooks posting run failed; the next run starts over")
        try:
            self.env["ir.cron"]._notify_progress(done=done, remaining=posting._qbo_due_count() if done else 0)
            posting._qbo_wake_at_next_try()
        except Exception:  # noqa: BLE001
            self.env.cr.rollback()
            _logger.exception("QuickBooks posting run could not report its progress")

    @api.model
    def _qbo_wake_at_next_try(self):
        """Have the cron run when the first failed row is due again, not only at its next interval."""
        now = fields.Datetime.now()
        first = self.sudo().search([("state", "=", "failed"), ("next_try", ">", now)], order="next_try", limit=1)
        cron = self.env.ref(DRAIN_CRON, raise_if_not_found=False)
        if first and cron:
            cron.sudo()._trigger(at=first.next_try)

    @api.model
    def _qbo_due_domain(self):
        now = fields.Datetime.now()
        return [("state", "in", ("to_post", "failed")), "|", ("next_try", "=", False), ("next_try", "<=", now),
                "|", ("lease_until", "=", False), ("lease_until", "<", now),
                ("company_id.qbo_connection_ids.state", "in", ("connected", "error"))]

    @api.model
    def _qbo_due_companies(self):
        return self.sudo().search(self._qbo_due_domain()).company_id

    @api.model
    def _qbo_due_count(self):
        return self.sudo().search_count(self._qbo_due_domain())

    @api.model
    def _qbo_drain(self, companies, posting_ids=None, with_commit=True, max_batches=None, limiter=None,
                   deadline=None, on_batch=None):
        """Post due rows company by company, one QuickBooks batch at a time.

        One company's failure (a broken connection, an unexpected error) is recorded on its
        connection and never stops the others.

        :param posting_ids: restrict to these rows ("Post now")
        :param with_commit: commit after claiming and after each batch (False in tests)
        :param limiter: a RateLimiter; default: the one this process shares per QuickBooks company
        :param deadline: ``time.monotonic()`` after which no new batch starts
        :param on_batch: called with the number of rows of each batch, before its commit
        :returns: number of rows handled
        :rtype: int
        """
        handled = 0
        for company in companies:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                if with_commit:
                    handled += self._qbo_drain_company(company, posting_ids, with_commit, max_batches, limiter,
                                                       deadline, on_batch)
                else:
                    with self.env.cr.savepoint():
                        handled += self._qbo_drain_company(company, posting_ids, with_commit, max_batches,
                                                           limiter, deadline, on_batch)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                # Another poster or a user changed the same rows at the same moment: nothing is wrong with
                # the company or its connection; what this run did not record is taken again next run.
                if with_commit:
                    self.env.cr.rollback()
                _logger.info("QuickBooks posting for %s met a concurrent change (%s); the next run goes on",
                             company.name, type(error).__name__)
            except Exception as error:  # noqa: BLE001 - isolate the company; its rows wait for the next run
                if with_commit:
                    self.env.cr.rollback()
                _logger.exception("QuickBooks posting failed for %s", company.name)
                self._qbo_company_failed(company, error, with_commit)
        return handled

    def _qbo_drain_company(self, company, posting_ids, with_commit, max_batches, limiter, deadline, on_batch):
        connection = company.sudo().qbo_connection_id
        if not connection or connection.state in ("not_connected", "needs_reconnect"):
            return 0  # rows wait for a person to connect; the dashboard and the connection screen say so
        try:
            client = connection._qbo_client(limiter=limiter, with_commit=with_commit)
        except QboError as error:
            connection._qbo_set_error(error)
            return 0
        poster = Poster(client, batch_size=BATCH_SIZE)
        if not self._qbo_lease_covers(poster, connection):
            return 0
        handled = batches = 0
        while max_batches is None or batches < max_batches:
            if deadline is not None and time.monotonic() >= deadline:
                break
            postings = self._qbo_claim(company, posting_ids, with_commit)
            if not postings:
                break
            batches += 1
            handled += len(postings)
            stop = postings._qbo_send(poster, with_commit)
            if on_batch:
                on_batch(len(postings))
            if with_commit:
                self.env.cr.commit()
            if stop:
                break
        return handled

    @api.model
    def _qbo_lease_covers(self, poster, connection):
        """True when a batch, every wait at its bound, ends well within the lease; else say why on the connection."""
        worst = poster.worst_case_seconds(BATCH_SIZE)
        if LEASE.total_seconds() >= LEASE_MARGIN * worst:
            return True
        connection.write({"state": "error", "state_message": _(
            "%(connection)s: with a timeout of %(timeout)s seconds a batch may take up to %(worst)s seconds, too "
            "close to the %(lease)s minutes a poster holds its rows. Nothing is sent until the timeout is lowered "
            "(Settings → QuickBooks).", connection=connection.display_name, timeout=connection.timeout,
            worst=round(worst), lease=round(LEASE.total_seconds() / 60))})
        return False

    @api.model
    def _qbo_company_failed(self, company, error, with_commit):
        """Say on the company's connection that its run failed unexpectedly (the next run tries again)."""
        connection = company.sudo().qbo_connection_id
        if not connection:
            return
        message = _("Posting for %(company)s stopped on an unexpected error and resumes at the next run; if it "
                    "persists, report this to your administrator: %(error)s", company=company.name,
                    error="%s: %s" % (type(error).__name__, error))
        if with_commit:
            with self.env.registry.cursor() as cr:
                connection.with_env(connection.env(cr=cr, su=True)).write(
                    {"state": "error", "state_message": message})
        else:
            connection.write({"state": "error", "state_message": message})

    @api.model
    def _qbo_claim(self, company, posting_ids, with_commit):
        """Take up to one batch of due rows that no other poster holds (SKIP LOCKED), and lease them.

        A claim racing another poster's (a row it just leased or recorded) is a conflict, not a
        failure: it is tried again in a fresh transaction, and after ``CLAIM_TRIES`` (or at once
        without commits, where the transaction cannot be renewed) no row is claimed and the rows
        wait for the next run. The company's connection is never marked for it.

        :returns: the rows, carrying this claim's lease token in their context (``qbo_lease_token``):
            the token is this poster's own, never re-read from the rows, which another poster may
            have claimed since
        """
        for _try in range(CLAIM_TRIES if with_commit else 1):
            try:
                ids = self._qbo_claim_due_ids(company, posting_ids, with_commit)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                _logger.info("QuickBooks claim for %s met another poster's change (%s)", company.name,
                             type(error).__name__)
                if with_commit:
                    self.env.cr.rollback()
                continue
            break
        else:
            return self.browse()
        now = fields.Datetime.now()
        token = uuid.uuid4().hex
        postings = self.browse(ids).with_context(qbo_lease_token=token)
        if postings:
            # The lease and the look-up flag are committed before anything is sent: if this worker dies
            # after QuickBooks committed, the next poster looks the entry up instead of posting it again.
            postings.write({"lease_until": now + LEASE, "lease_token": token})
            if with_commit:
                self.env.cr.commit()
        return postings

    @api.model
    def _qbo_claim_due_ids(self, company, posting_ids, with_commit):
        """Ids of due rows locked for this claim (SKIP LOCKED); raises PostgreSQL's concurrency errors.

        With commits, the claim is a transaction of its own at READ COMMITTED: a row another poster
        committed since is seen as it is now (leased: no longer due) instead of failing the claim
        with a serialization failure, as Odoo's REPEATABLE READ would.
        """
        self.env.flush_all()
        cr = self.env.cr
        if with_commit:
            cr.commit()  # nothing of the caller's is pending here: the drain commits after every batch
            if not isinstance(cr, TestCursor):  # a test cursor is the test's transaction, already begun
                cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
        now = fields.Datetime.now()
        with cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
            cr.execute(SQL(
                """SELECT id FROM qbo_posting
                    WHERE company_id = %(company)s AND state IN ('to_post', 'failed')
                      AND (next_try IS NULL OR next_try <= %(now)s)
                      AND (lease_until IS NULL OR lease_until < %(now)s)
                      %(only)s
                 ORDER BY date, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
                company=company.id, now=now, limit=BATCH_SIZE,
                only=SQL("AND id IN %s", tuple(posting_ids)) if posting_ids else SQL()))
            return [row[0] for row in cr.fetchall()]

    def _qbo_hold(self, token, for_send=False):
        """Lock the rows of this batch that still carry ``token``; returns them.

        Rows another transaction holds are skipped, never waited for: another poster is sending
        them. ``for_send`` also requires an unexpired lease: no send starts on a lease that ran out.
        """
        if not self:
            return self
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self.env.cr.execute(SQL(
                    "SELECT id FROM qbo_posting WHERE id IN %(ids)s AND lease_token = %(token)s %(lease)s "
                    "FOR UPDATE SKIP LOCKED",
                    ids=tuple(self.ids), token=token,
                    lease=SQL("AND lease_until > %s", fields.Datetime.now()) if for_send else SQL()))
                return self.browse([row[0] for row in self.env.cr.fetchall()])
        except psycopg2.errors.SerializationFailure:
            # Another poster changed one of these rows since this transaction began (it claimed a row
            # whose lease ran out): that row is no longer ours; find it row by row.
            if len(self) == 1:
                return self.browse()
            return self.browse().union(*(posting._qbo_hold(token, for_send) for posting in self))

    def _qbo_before_send(self, token, keys):
        """The poster's check right before a send: the keys of rows this poster still holds."""
        by_key = {posting.posting_key: posting for posting in self}
        candidates = self.browse([by_key[key].id for key in keys if key in by_key])
        return {posting.posting_key for posting in candidates._qbo_hold(token, for_send=True)}

    def _qbo_send(self, poster, with_commit):
        """Build, send and record one batch. Returns True when the company must stop (authorization lost)."""
        token = self.env.context["qbo_lease_token"]
        held = self._qbo_hold(token)  # rows taken over by another poster since the claim are left alone
        requests = []
        blocked_back = held._qbo_hold_back_reposts(poster.client)
        for posting in held - blocked_back:
            try:
                draft = posting._qbo_build_draft()
            except NothingToPost as error:
                # Never sent (its lines never change): this poster, holding it, releases it and skips it.
                posting.write({"lease_until": False, "needs_lookup": False})
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
        keys = {request.key for request in requests}
        sending = held.filtered(lambda p: p.posting_key in keys)
        look_up_first = {p.posting_key for p in sending if p.needs_lookup}
        sending.write({"needs_lookup": True})
        if with_commit:
            self.env.cr.commit()
        started = time.monotonic()
        failure = outcomes = None
        try:
            outcomes = poster.post(requests, batch=True, look_up_first=look_up_first,
                                   before_send=lambda keys: sending._qbo_before_send(token, keys))
        except QboError as error:  # the whole call failed before any per-entry answer
            failure = error
        except Exception:  # noqa: BLE001 - a fault of ours: these rows wait for a person, looked up first
            crashed = traceback.format_exc()
            _logger.exception("QuickBooks posting crashed while sending %s", sending.mapped("doc_number"))
            if with_commit:
                self.env.cr.rollback()
            sending._qbo_record_crashes({posting.id: crashed for posting in sending}, token, len(requests),
                                        with_commit)
            return False
        duration = int((time.monotonic() - started) * 1000)
        # Recorded only on rows still held: an adoption found by a look-up was never checked by before_send.
        recordable = sending._qbo_hold(token)
        if failure is not None:
            for posting in recordable:
                if failure.reason in NOT_SENT_REASONS:
                    posting._qbo_wait_unsent(failure, posting.posting_key in look_up_first)
                else:
                    posting._qbo_apply_error(failure, duration, len(requests))
            return failure.kind == ErrorKind.REAUTH
        stop = False
        crashes = {}
        by_key = {posting.posting_key: posting for posting in recordable}
        for outcome in outcomes:
            posting = by_key.get(outcome.key)
            if posting is None or (outcome.error is not None and outcome.error.reason == "lease_lost"):
                continue  # another poster holds it, or its lease ran out before the send: nothing is ours to write
            stop = stop or outcome.status == "reauth"
            try:
                with self.env.cr.savepoint():
                    posting._qbo_apply_outcome(outcome, duration, len(requests))
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                # A row beside this one (its origin, its connection) changed meanwhile: not a fault of the
                # row. It keeps its look-up flag and is released: the next run finds it in QuickBooks.
                _logger.info("QuickBooks answer for %s not recorded after a concurrent change (%s); looked up "
                             "at the next run", posting.doc_number, type(error).__name__)
                posting.write({"lease_until": False, "needs_lookup": True})
            except Exception:  # noqa: BLE001 - this row's recording failed; the others' stand
                _logger.exception("QuickBooks answer for %s could not be recorded", posting.doc_number)
                crashes[posting.id] = traceback.format_exc()
        if crashes:
            if with_commit:
                self.env.cr.commit()  # the other rows' outcomes first, and our locks released
            self.browse(list(crashes))._qbo_record_crashes(crashes, token, len(requests), with_commit)
        return stop

    def _qbo_record_crashes(self, tracebacks, token, batch_size, with_commit):
        """Block rows whose handling failed unexpectedly, with the traceback; each counts as an attempt.

        Written in a cursor of its own (the caller's transaction may be the broken one), and only on
        rows that still carry this poster's token. They keep ``needs_lookup``: QuickBooks may hold
        the entry, and Retry looks it up before anything is sent again.
        """
        def record(env):
            postings = self.with_env(env)._qbo_hold(token)
            for posting in postings:
                text = tracebacks[posting.id]
                last_line = text.strip().splitlines()[-1] if text.strip() else ""
                env["qbo.posting.attempt"].create({
                    "posting_id": posting.id, "request_id": posting._qbo_request_id(), "outcome": "blocked",
                    "error_kind": "blocked", "message": text, "batch_size": batch_size})
                posting._set_blocked({
                    "error_kind": "blocked", "error_code": False, "needs_lookup": True, "error_detail": text,
                    "error_message": _(
                        "Odoo failed while handling QuickBooks' answer for %(posting)s (%(error)s). It waits here "
                        "so that nothing is sent twice: QuickBooks may already hold it, and Retry looks it up by "
                        "its number first. If it happens again, report the technical detail to your "
                        "administrator.", posting=posting.display_label, error=last_line)})

        if with_commit:
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr, su=True)
                record(env)
                env.flush_all()
        else:
            with self.env.cr.savepoint():
                record(self.env)

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
        if outcome.error.reason in NOT_SENT_REASONS and not outcome.attempts:
            self._qbo_wait_unsent(outcome.error, outcome.needs_lookup)
            return
        self._qbo_apply_error(outcome.error, duration, batch_size, needs_lookup=outcome.needs_lookup)

    def _qbo_wait_unsent(self, error, needs_lookup):
        """Nothing of this row left Odoo in this run: no entry sent, not even its look-up.

        Refused before sending by our own side (time budget spent, no rate-limiter slot, sign-in being
        renewed): it waits, and no attempt is counted, since QuickBooks never saw it; a row that was
        to be looked up first still is. Its request id stays, as no answer was recorded.
        """
        self.ensure_one()
        delay = error.retry_after or RETRY_DELAYS[0]
        self.write(dict(qbo_error_vals(self.env, error, self.display_label), lease_until=False,
                        needs_lookup=bool(needs_lookup),
                        next_try=fields.Datetime.now() + timedelta(seconds=delay)))

    def _qbo_apply_error(self, error, duration, batch_size, needs_lookup=None):
        """Map an engine error to the posting's state: retry by itself, or wait for a person."""
        self.ensure_one()
        kind = ErrorKind(error.kind)
        vals = dict(qbo_error_vals(self.env, error, self.display_label),
                    needs_lookup=kind == ErrorKind.AMBIGUOUS if needs_lookup is None else needs_lookup)
        if error.closing_date:
            vals.update(closing_date=error.closing_date, proposed_date=error.closing_date + timedelta(days=1))
        if kind in (ErrorKind.RETRY_LATER, ErrorKind.AMBIGUOUS) or (
                kind == ErrorKind.REAUTH and not qbo_sign_in_lost(error)):
            # A fresh access token refused once (401 right after a refresh) is QuickBooks' hiccup, not a
            # lost sign-in: retried by itself; only a dead refresh token or a refusal (403) needs a person.
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
            "message": str(error) if error else False,
            "duration_ms": duration,
            "batch_size": batch_size,
        })
