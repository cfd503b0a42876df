"""One token refresh at a time across processes: a token guard backed by SQLite, real threads, the emulator's OAuth.

Each client stands for a worker process: its own QboClient, its own OAuth object, its own
connection to the shared SQLite file that holds the company's saved tokens (as Odoo's token row
does). The emulator rotates refresh tokens with a grace period and counts token calls.
"""
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from qbo_engine.auth import OAuth, TokenSet
from qbo_engine.client import QboClient
from qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded


class SqliteTokenGuard:
    """The company's saved tokens in one SQLite row; entering takes the database's write lock."""

    timeout = 30

    def __init__(self, path, tokens):
        self.path = str(path)
        self.entered = 0
        with sqlite3.connect(self.path) as db:
            db.execute('CREATE TABLE tokens (id INTEGER PRIMARY KEY, access TEXT, refresh TEXT, '
                       'access_expires TEXT, refresh_expires TEXT)')
            db.execute('INSERT INTO tokens VALUES (1, ?, ?, ?, ?)', self._row(tokens))

    @staticmethod
    def _row(tokens):
        return (tokens.access_token, tokens.refresh_token, tokens.access_expires_at.isoformat(),
                tokens.refresh_expires_at.isoformat())

    def saved(self):
        with sqlite3.connect(self.path) as db:
            access, refresh, access_expires, refresh_expires = db.execute(
                'SELECT access, refresh, access_expires, refresh_expires FROM tokens').fetchone()
        return TokenSet(access, refresh, datetime.fromisoformat(access_expires),
                        datetime.fromisoformat(refresh_expires))

    def write(self, tokens):
        """A save made without the lock (an older process, or a person reconnecting)."""
        with sqlite3.connect(self.path) as db:
            db.execute('UPDATE tokens SET access = ?, refresh = ?, access_expires = ?, refresh_expires = ?',
                       self._row(tokens))

    @contextmanager
    def __call__(self):
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            db.execute('BEGIN IMMEDIATE')  # the cross-process lock, held until COMMIT or ROLLBACK
            self.entered += 1
            access, refresh, access_expires, refresh_expires = db.execute(
                'SELECT access, refresh, access_expires, refresh_expires FROM tokens').fetchone()
            saved = TokenSet(access, refresh, datetime.fromisoformat(access_expires),
                             datetime.fromisoformat(refresh_expires))

            def save(tokens):
                db.execute('UPDATE tokens SET access = ?, refresh = ?, access_expires = ?, refresh_expires = ?',
                           self._row(tokens))

            try:
                yield saved, save
            except BaseException:
                db.execute('ROLLBACK')
                raise
            db.execute('COMMIT')
        finally:
            db.close()


def expired(tokens):
    """The same tokens as the worker holds them once its access token is past its hour."""
    return TokenSet(tokens.access_token, tokens.refresh_token, datetime.now(timezone.utc) - timedelta(minutes=1),
                    tokens.refresh_expires_at)


def worker(emulator, tokens, guard, on_tokens=None):
    oauth = OAuth(emulator.client_id, emulator.client_secret, emulator.redirect_uri, emulator.base_url, timeout=5)
    return QboClient(emulator.realm_id, tokens, oauth, on_tokens or pytest.fail, emulator.base_url, timeout=5,
                     token_guard=guard)


@pytest.fixture
def connected(emulator, tmp_path):
    """(first tokens, guard over the saved tokens) after a real consent and code exchange."""
    oauth = OAuth(emulator.client_id, emulator.client_secret, emulator.redirect_uri, emulator.base_url, timeout=5)
    tokens = oauth.exchange_code(emulator.server.authorize(emulator.client_id, emulator.realm_id), emulator.realm_id)
    guard = SqliteTokenGuard(tmp_path / 'tokens.sqlite', expired(tokens))
    emulator.server.reset_counters()
    return tokens, guard


def test_two_workers_finding_the_token_expired_at_once_refresh_once(emulator, connected):
    tokens, guard = connected
    clients = [worker(emulator, expired(tokens), guard) for _ in range(2)]
    start = threading.Barrier(2)
    results, errors = [], []

    def run(client):
        start.wait()
        try:
            results.append(client.company_settings().home_currency)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and results == ['USD', 'USD']
    assert emulator.server.counters()['token_requests'] == 1
    saved = guard.saved()
    assert saved.refresh_token != tokens.refresh_token
    assert clients[0].tokens.access_token == clients[1].tokens.access_token == saved.access_token
    assert guard.entered == 2


def test_a_worker_holding_a_stale_refresh_token_uses_the_saved_one(emulator, connected):
    tokens, guard = connected
    emulator.server.set_refresh_grace(0)  # the old refresh token is refused as soon as it rotated
    first = worker(emulator, expired(tokens), guard)
    first.company_settings()
    rotated = guard.saved()
    guard.write(expired(rotated))  # an hour later: the saved access token has expired too
    late = worker(emulator, expired(tokens), guard)  # still holds the first, now dead, refresh token
    assert late.company_settings().home_currency == 'USD'
    assert emulator.server.counters()['token_requests'] == 2
    assert guard.saved().refresh_token not in (tokens.refresh_token, rotated.refresh_token)


def test_a_refused_refresh_is_tried_once_with_the_token_saved_meanwhile(emulator, connected):
    tokens, guard = connected
    emulator.server.set_refresh_grace(0)
    # Another process refreshed and saved outside the lock just as we read: our first read still sees the
    # old (now dead) refresh token, the next one the newer token.
    other = OAuth(emulator.client_id, emulator.client_secret, emulator.redirect_uri, emulator.base_url, timeout=5)
    newer = other.refresh(tokens)
    guard.write(expired(newer))
    reads = []

    @contextmanager
    def racing_guard():
        with guard() as (saved, save):
            seen = expired(tokens) if not reads else saved
            reads.append(seen.refresh_token)
            yield seen, save

    racing_guard.timeout = SqliteTokenGuard.timeout
    client = worker(emulator, expired(tokens), racing_guard)
    assert client.company_settings().home_currency == 'USD'
    assert reads == [tokens.refresh_token, newer.refresh_token]
    assert emulator.server.counters()['token_requests'] == 3  # other's refresh, our refused one, our retry
    assert guard.saved().refresh_token not in (tokens.refresh_token, newer.refresh_token)


def test_a_refusal_with_nothing_newer_saved_needs_a_reconnect(emulator, connected):
    tokens, guard = connected
    emulator.server.set_refresh_grace(0)
    other = OAuth(emulator.client_id, emulator.client_secret, emulator.redirect_uri, emulator.base_url, timeout=5)
    other.refresh(tokens)  # rotated, never saved: the saved refresh token is dead
    client = worker(emulator, expired(tokens), guard)
    with pytest.raises(ReconnectNeeded):
        client.company_settings()
    assert emulator.server.counters()['token_requests'] == 2  # other's, then ours: not tried twice with one token
    assert emulator.server.counters().get('requests', 0) == 0


def test_tokens_that_cannot_be_saved_send_nothing(emulator, connected):
    tokens, guard = connected

    @contextmanager
    def read_only_guard():
        with guard() as (saved, _save):
            def refuse(new_tokens):
                raise sqlite3.OperationalError('attempt to write a readonly database')
            yield saved, refuse

    client = worker(emulator, expired(tokens), read_only_guard)
    with pytest.raises(QboError) as info:
        client.company_settings()
    assert (info.value.kind, info.value.reason) == (ErrorKind.RETRY_LATER, 'tokens_not_saved')
    assert emulator.server.counters().get('requests', 0) == 0
    assert guard.saved().refresh_token == tokens.refresh_token  # rolled back


def test_a_401_adopts_tokens_another_worker_saved(emulator, connected):
    tokens, guard = connected
    refresher = worker(emulator, expired(tokens), guard)
    refresher.company_settings()
    fresh = guard.saved()
    emulator.server.reset_counters()
    # This worker believes its access token is still valid; QuickBooks says 401 (it was rotated away).
    emulator.server.expire_tokens(emulator.realm_id)
    emulator_tokens = TokenSet(tokens.access_token, tokens.refresh_token,
                               datetime.now(timezone.utc) + timedelta(minutes=30), tokens.refresh_expires_at)
    guard.write(fresh)
    believer = worker(emulator, emulator_tokens, guard)
    # The emulator now refuses every access token issued so far, the saved one too: after adopting it, a
    # second 401 is reauth, and no refresh was made by this worker.
    with pytest.raises(QboError) as info:
        believer.company_settings()
    assert info.value.kind == ErrorKind.REAUTH
    assert emulator.server.counters().get('token_requests', 0) == 0
    assert believer.tokens.access_token == fresh.access_token
