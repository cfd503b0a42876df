"""Two posters racing for the same rows, on separate database connections: a conflict is never a failure.

Odoo runs crons at REPEATABLE READ. A poster whose transaction began before another poster
committed its claim meets those rows as changed since its snapshot: PostgreSQL refuses to lock
them (a serialization failure). That is a conflict between two healthy posters: the rows wait
for the next run (or a fresh transaction takes what is left), and the company's connection
never says "Error" for it, let alone "Reconnect Needed".
"""
from unittest.mock import patch

from psycopg2.errors import DeadlockDetected

from odoo.tests import tagged

from ..qbo_engine.ratelimit import RateLimiter
from .qbo_common import QboCommittedCommon

CRON_LOGGER = "odoo.addons.stock_quickbooks_sync.models.qbo_posting_cron"


@tagged("post_install", "-at_install")
class TestPostingRunnerConflicts(QboCommittedCommon):

    def _company(self, env):
        return env["res.company"].browse(self.company_id)

    def _began(self, env, posting_ids):
        """Start ``env``'s transaction (its snapshot) with the rows still due, as a poster's run would."""
        self.assertEqual(self._unleased(env, posting_ids), len(posting_ids), "due when this snapshot is taken")

    def _unleased(self, env, posting_ids):
        env.cr.execute("SELECT count(*) FROM qbo_posting WHERE id IN %s AND lease_token IS NULL",
                       [tuple(posting_ids)])
        return env.cr.fetchone()[0]

    def _claimed_by_other(self, posting_ids):
        """Another poster claims (and commits) up to a batch of the rows."""
        with self.worker() as env:
            return set(env["qbo.posting"]._qbo_claim(self._company(env), posting_ids, with_commit=True).ids)

    def _connection_state(self):
        with self.worker() as env:
            connection = env["qbo.connection"].browse(self.connection_id)
            return connection.state, connection.state_message

    def test_claim_after_another_committed_takes_nothing_and_raises_nothing(self):
        posting_ids = self.enqueue(3)
        with self.worker() as env:
            self._began(env, posting_ids)
            other = self._claimed_by_other(posting_ids)
            self.assertEqual(other, set(posting_ids))
            self.assertEqual(self._unleased(env, posting_ids), 3, "this poster's snapshot predates the other claim")
            with self.assertLogs(CRON_LOGGER, "INFO") as logs:
                claimed = env["qbo.posting"]._qbo_claim(self._company(env), posting_ids, with_commit=False)
            self.assertFalse(claimed, "the rows the other poster leased are not taken twice")
            self.assertTrue(any("SerializationFailure" in line for line in logs.output), logs.output)
            self.assertFalse([line for line in logs.output if line.startswith("ERROR")])

    def test_claim_with_commits_takes_what_the_other_poster_left(self):
        posting_ids = self.enqueue(45)
        with self.worker() as env:
            self._began(env, posting_ids)
            other = self._claimed_by_other(posting_ids)
            self.assertEqual(len(other), 30, "one QuickBooks batch")
            claimed = set(env["qbo.posting"]._qbo_claim(self._company(env), posting_ids, with_commit=True).ids)
        self.assertEqual(claimed, set(posting_ids) - other, "a fresh claim sees the other's lease, no conflict")

    def test_drain_racing_another_poster_leaves_the_connection_connected(self):
        posting_ids = self.enqueue(2)
        with self.worker() as env:
            self._began(env, posting_ids)
            self._claimed_by_other(posting_ids)
            handled = env["qbo.posting"]._qbo_drain(self._company(env), posting_ids=posting_ids, with_commit=False,
                                                    limiter=RateLimiter())
            env.cr.commit()
        self.assertEqual(handled, 0)
        self.assertEqual(self._connection_state(), ("connected", False), "a conflict is not the company's failure")

    def test_concurrency_error_of_a_company_run_never_marks_its_connection(self):
        posting_ids = self.enqueue(1)
        with self.worker() as env:
            Posting = type(env["qbo.posting"])
            # PostgreSQL chose this poster as the victim of a deadlock with another transaction.
            with patch.object(Posting, "_qbo_claim", side_effect=DeadlockDetected("deadlock detected")), \
                    self.assertNoLogs(CRON_LOGGER, "ERROR"):
                env["qbo.posting"]._qbo_drain(self._company(env), posting_ids=posting_ids, with_commit=True,
                                              limiter=RateLimiter())
            env["qbo.posting"]._qbo_drain(self._company(env), posting_ids=posting_ids, with_commit=True,
                                          limiter=RateLimiter())
            self.assertEqual(env["qbo.posting"].browse(posting_ids).state, "posted", "the next run posts it")
        self.assertEqual(self._connection_state(), ("connected", False))
