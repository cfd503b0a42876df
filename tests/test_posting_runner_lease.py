"""Two posters on separate database connections: a row is sent only by the poster holding its lease.

The rows are committed (each poster sees only what the other committed), so this works on real,
separate connections, as Odoo's workers do; the fixture removes what was committed.
"""
import threading
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..qbo_engine.client import QboClient
from ..qbo_engine.poster import Poster
from ..qbo_engine.ratelimit import RateLimiter
from .qbo_common import QboCommittedCommon

WORKER_TIMEOUT = 60


def _later(minutes):
    """``fields.Datetime.now`` as seen ``minutes`` later: a lease taken now has run out by then."""
    now = fields.Datetime.now
    return lambda *args, **kwargs: now() + timedelta(minutes=minutes)


@tagged("post_install", "-at_install")
class TestPostingRunnerLease(QboCommittedCommon):

    def _drain(self, env, posting_ids):
        company = env["res.company"].browse(self.company_id)
        return env["qbo.posting"]._qbo_drain(company, posting_ids=posting_ids, with_commit=True,
                                             limiter=RateLimiter())

    def _read(self, posting_ids, fields_=("state", "doc_number", "lease_token", "attempt_count")):
        with self.worker() as env:
            return env["qbo.posting"].browse(posting_ids).read(list(fields_))

    def test_lease_running_out_while_a_send_is_in_flight_still_one_entry(self):
        first, second = self.enqueue(2)
        other_poster = {}

        def other_worker():
            # Eleven minutes later for this poster: the first poster's lease has run out.
            try:
                with self.worker() as env:
                    other_poster["handled"] = self._drain(env, [first, second])
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                other_poster["error"] = error

        send = QboClient.batch_create_journal_entries

        def send_in_flight(client, items):
            if not other_poster:  # the first poster's send: the other one tries its luck meanwhile
                other_poster["started"] = True
                with patch.object(fields.Datetime, "now", _later(11)):
                    thread = threading.Thread(target=other_worker)
                    thread.start()
                    thread.join(WORKER_TIMEOUT)
            return send(client, items)

        with patch.object(QboClient, "batch_create_journal_entries", send_in_flight), self.worker() as env:
            self._drain(env, [first])
        self.assertNotIn("error", other_poster)
        self.assertEqual(other_poster["handled"], 1, "the row in flight stays locked: only the other one is taken")
        rows = self._read([first, second])
        self.assertEqual([row["state"] for row in rows], ["posted", "posted"])
        for row in rows:
            self.assertEqual(len(self.entries_of(row["doc_number"])), 1, row["doc_number"])

    def test_a_poster_whose_lease_was_taken_over_neither_sends_nor_writes(self):
        [posting_id] = self.enqueue(1)
        with self.worker() as late_env:
            company = late_env["res.company"].browse(self.company_id)
            Posting = late_env["qbo.posting"]
            claimed = Posting._qbo_claim(company, [posting_id], with_commit=True)
            self.assertEqual(claimed.ids, [posting_id])
            # The late poster stalls past its lease; another one claims the row and commits its claim.
            with self.worker() as env, patch.object(fields.Datetime, "now", _later(11)):
                taken = env["qbo.posting"]._qbo_claim(env["res.company"].browse(self.company_id), [posting_id],
                                                      with_commit=True)
                self.assertEqual(taken.ids, [posting_id])
                other_token = taken.lease_token
            connection = company.qbo_connection_id
            poster = Poster(connection._qbo_client(limiter=RateLimiter(), with_commit=True))
            self.assertFalse(claimed._qbo_send(poster, with_commit=True))
            late_env.cr.commit()
        [row] = self._read([posting_id])
        self.assertEqual((row["state"], row["lease_token"], row["attempt_count"]), ("to_post", other_token, 0))
        self.assertFalse(self.entries_of(row["doc_number"]), "nothing was sent by the poster that lost the row")

    def test_skip_is_refused_while_a_poster_holds_the_row(self):
        [posting_id] = self.enqueue(1)
        with self.worker() as poster_env, self.worker() as user_env:
            poster_env.cr.execute("SELECT id FROM qbo_posting WHERE id = %s FOR UPDATE", [posting_id])
            posting = user_env["qbo.posting"].browse(posting_id)
            with self.assertRaisesRegex(UserError, "is being sent to QuickBooks right now"):
                posting._set_skipped("Entered by hand", user_env.user)
            poster_env.cr.rollback()
            user_env.cr.rollback()
            posting._set_skipped("Entered by hand", user_env.user)
            self.assertEqual(posting.state, "skipped")

    def test_cron_reports_progress_and_never_raises(self):
        posting_ids = self.enqueue(3)
        with self.worker() as env:
            cron = env.ref("stock_quickbooks_sync.ir_cron_qbo_posting_drain")
            cron, progress = cron._add_progress()
            env.cr.commit()
            env["qbo.posting"].with_context(ir_cron_progress_id=progress.id)._cron_drain()
            self.assertRecordValues(progress, [{"done": 3, "remaining": 0}])
            self.assertEqual(set(env["qbo.posting"].browse(posting_ids).mapped("state")), {"posted"})
            Posting = type(env["qbo.posting"])
            with patch.object(Posting, "_qbo_due_companies", side_effect=MemoryError("out of memory")), \
                    self.assertLogs("odoo.addons.stock_quickbooks_sync.models.qbo_posting_cron", "ERROR"):
                env["qbo.posting"]._cron_drain()  # does not raise: Odoo would count a failure
