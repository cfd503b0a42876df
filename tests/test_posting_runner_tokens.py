"""Two workers, each on its own database connection, find the QuickBooks access token expired at once.

QuickBooks rotates the refresh token on every refresh: two refreshes racing, or a worker killed
between the refresh answer and the save, used to cost the company its connection. With the token
row locked around each refresh, exactly one refresh call is made and the rotated tokens are saved
before anything else.
"""
import threading
from unittest.mock import patch

from odoo.tests import tagged

from ..qbo_engine.ratelimit import RateLimiter
from .qbo_common import QboCommittedCommon

WORKER_TIMEOUT = 60


@tagged("post_install", "-at_install")
class TestPostingRunnerTokens(QboCommittedCommon):

    def _saved(self):
        with self.worker() as env:
            connection = env["qbo.connection"].browse(self.connection_id)
            return connection.refresh_token, connection.access_token, connection.state

    def _token_requests(self):
        return self.qbo_server.counters().get("token_requests", 0)

    def test_two_workers_with_an_expired_token_make_one_refresh(self):
        old_refresh, old_access, _state = self._saved()
        self.qbo_server.expire_tokens(self.qbo_demo["realm_id"], access=True)
        before = self._token_requests()
        ready = threading.Barrier(2, timeout=WORKER_TIMEOUT)
        results, errors = {}, []

        def worker(name):
            try:
                with self.worker() as env:
                    client = env["qbo.connection"].browse(self.connection_id)._qbo_client(limiter=RateLimiter())
                    ready.wait()  # both hold the same expired access token before either calls
                    results[name] = (client.company_info().CompanyName, client.tokens.refresh_token)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(name,)) for name in ("cron", "post_now")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WORKER_TIMEOUT)
        self.assertFalse(errors)
        self.assertEqual(self._token_requests() - before, 1, "exactly one refresh call")
        saved_refresh, saved_access, state = self._saved()
        self.assertNotEqual(saved_refresh, old_refresh, "the rotated refresh token is saved")
        self.assertNotEqual(saved_access, old_access)
        self.assertEqual({refresh for _name, refresh in results.values()}, {saved_refresh},
                         "both workers use the one saved set")
        self.assertEqual(state, "connected")

    def test_worker_killed_between_refresh_answer_and_save_needs_no_reconnect(self):
        old_refresh, _access, _state = self._saved()
        self.qbo_server.expire_tokens(self.qbo_demo["realm_id"], access=True)
        with self.worker() as env:
            Token = type(env["qbo.connection.token"])
            with patch.object(Token, "write", side_effect=SystemError("worker killed")):
                client = env["qbo.connection"].browse(self.connection_id)._qbo_client(limiter=RateLimiter())
                with self.assertRaises(Exception) as failure:
                    client.company_info()
            self.assertEqual(getattr(failure.exception, "reason", None), "tokens_not_saved")
        self.assertEqual(self._saved()[0], old_refresh, "the rotated tokens died with the worker")
        # The next worker refreshes with the saved (old) refresh token: QuickBooks' grace period answers.
        posting_ids = self.enqueue(1)
        with self.worker() as env:
            connection = env["qbo.connection"].browse(self.connection_id)
            handled = env["qbo.posting"]._qbo_drain(connection.company_id, posting_ids=posting_ids,
                                                    limiter=RateLimiter())
            self.assertEqual(handled, 1)
            self.assertEqual(env["qbo.posting"].browse(posting_ids).state, "posted")
        saved_refresh, _access, state = self._saved()
        self.assertNotEqual(saved_refresh, old_refresh)
        self.assertEqual(state, "connected", "no reconnect by hand")
