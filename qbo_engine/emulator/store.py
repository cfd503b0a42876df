"""SQLite storage of the emulator: apps, companies, entities, tokens, replays.

One connection guarded by a re-entrant lock: every request handler runs its
read-check-write sequence inside ``transaction()``, so a requestid replay, a
SyncToken check or a duplicate-DocNumber check can never interleave with a
concurrent write. The file survives restarts; nothing else is kept on disk.
"""
import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    client_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS companies (
    realm_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    preferences TEXT NOT NULL,
    created_ts REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    realm_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    sync_token INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    doc_number TEXT,
    name TEXT,
    body TEXT NOT NULL,
    create_ts REAL NOT NULL,
    updated_ts REAL NOT NULL,
    PRIMARY KEY (realm_id, kind, id)
);
CREATE INDEX IF NOT EXISTS entities_doc_number ON entities (realm_id, kind, doc_number);
CREATE INDEX IF NOT EXISTS entities_updated ON entities (realm_id, kind, updated_ts);
CREATE TABLE IF NOT EXISTS auth_codes (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    realm_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    realm_id TEXT NOT NULL,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    realm_id TEXT NOT NULL,
    expires_at REAL NOT NULL,
    rotated_at REAL,
    next_access TEXT,
    next_refresh TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS replays (
    realm_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    created_ts REAL NOT NULL,
    PRIMARY KEY (realm_id, request_id)
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass
class StoredEntity:
    realm_id: str
    kind: str
    id: int
    sync_token: int
    deleted: bool
    body: dict
    create_ts: float
    updated_ts: float


@dataclass
class Replay:
    status: int
    content_type: str
    body: bytes


def _entity(row) -> StoredEntity:
    return StoredEntity(row['realm_id'], row['kind'], row['id'], row['sync_token'], bool(row['deleted']),
                        json.loads(row['body']), row['create_ts'], row['updated_ts'])


class Store:
    """All persistent state. Methods are safe to call from any thread."""

    def __init__(self, path):
        self._lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute('PRAGMA journal_mode=WAL')
        self._db.execute('PRAGMA synchronous=NORMAL')
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # === transactions === #

    @contextmanager
    def transaction(self):
        """Hold the store lock; the outermost level commits or rolls back."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute('BEGIN IMMEDIATE')
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute('ROLLBACK')
                raise
            self._depth -= 1
            if outermost:
                self._db.execute('COMMIT')

    @contextmanager
    def savepoint(self, name='item'):
        """Undo one batch item's writes without touching its neighbours."""
        with self.transaction():
            self._db.execute(f'SAVEPOINT {name}')
            try:
                yield self
            except BaseException:
                self._db.execute(f'ROLLBACK TO {name}')
                self._db.execute(f'RELEASE {name}')
                raise
            self._db.execute(f'RELEASE {name}')

    def _execute(self, sql, params=()):
        with self.transaction():
            return self._db.execute(sql, params)

    def _one(self, sql, params=()):
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql, params=()):
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # === settings (small key/value facts such as the demo company) === #

    def get_setting(self, key, default=None):
        row = self._one('SELECT value FROM settings WHERE key = ?', (key,))
        return json.loads(row['value']) if row else default

    def put_setting(self, key, value) -> None:
        self._execute('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)', (key, json.dumps(value)))

    # === apps and companies === #

    def add_app(self, client_id, client_secret, redirect_uri, name) -> None:
        self._execute('INSERT OR REPLACE INTO apps (client_id, client_secret, redirect_uri, name) '
                      'VALUES (?, ?, ?, ?)', (client_id, client_secret, redirect_uri, name))

    def get_app(self, client_id):
        row = self._one('SELECT * FROM apps WHERE client_id = ?', (client_id,))
        return dict(row) if row else None

    def add_company(self, realm_id, name, preferences, created_ts) -> None:
        self._execute('INSERT INTO companies (realm_id, name, preferences, created_ts) VALUES (?, ?, ?, ?)',
                      (realm_id, name, json.dumps(preferences), created_ts))

    def get_company(self, realm_id):
        row = self._one('SELECT * FROM companies WHERE realm_id = ?', (realm_id,))
        if not row:
            return None
        company = dict(row)
        company['preferences'] = json.loads(company['preferences'])
        return company

    def list_companies(self) -> list:
        return [dict(row) for row in self._all('SELECT realm_id, name FROM companies ORDER BY created_ts')]

    def put_preferences(self, realm_id, preferences) -> None:
        self._execute('UPDATE companies SET preferences = ? WHERE realm_id = ?',
                      (json.dumps(preferences), realm_id))

    # === entities === #

    def next_id(self, realm_id, kind) -> int:
        row = self._one('SELECT COALESCE(MAX(id), 0) AS top FROM entities WHERE realm_id = ? AND kind = ?',
                        (realm_id, kind))
        return row['top'] + 1

    def insert_entity(self, realm_id, kind, body, now, doc_number=None, name=None) -> StoredEntity:
        with self.transaction():
            entity_id = self.next_id(realm_id, kind)
            self._db.execute(
                'INSERT INTO entities (realm_id, kind, id, sync_token, deleted, doc_number, name, body, '
                'create_ts, updated_ts) VALUES (?, ?, ?, 0, 0, ?, ?, ?, ?, ?)',
                (realm_id, kind, entity_id, doc_number, name, json.dumps(body), now, now))
        return StoredEntity(realm_id, kind, entity_id, 0, False, body, now, now)

    def update_entity(self, entity: StoredEntity, body, now, doc_number=None, name=None) -> StoredEntity:
        token = entity.sync_token + 1
        self._execute('UPDATE entities SET body = ?, sync_token = ?, updated_ts = ?, doc_number = ?, name = ? '
                      'WHERE realm_id = ? AND kind = ? AND id = ?',
                      (json.dumps(body), token, now, doc_number, name, entity.realm_id, entity.kind, entity.id))
        return StoredEntity(entity.realm_id, entity.kind, entity.id, token, False, body, entity.create_ts, now)

    def mark_deleted(self, entity: StoredEntity, now) -> None:
        self._execute('UPDATE entities SET deleted = 1, sync_token = sync_token + 1, updated_ts = ? '
                      'WHERE realm_id = ? AND kind = ? AND id = ?', (now, entity.realm_id, entity.kind, entity.id))

    def get_entity(self, realm_id, kind, entity_id):
        try:
            key = int(entity_id)
        except (TypeError, ValueError):
            return None
        row = self._one('SELECT * FROM entities WHERE realm_id = ? AND kind = ? AND id = ?', (realm_id, kind, key))
        return _entity(row) if row else None

    def list_entities(self, realm_id, kind, include_deleted=False, doc_number=None, ids=None,
                      updated_since=None) -> list:
        """Entities of one kind, optionally pre-filtered in SQL for the common lookups."""
        sql = 'SELECT * FROM entities WHERE realm_id = ? AND kind = ?'
        params = [realm_id, kind]
        if not include_deleted:
            sql += ' AND deleted = 0'
        if doc_number is not None:
            sql += ' AND doc_number = ?'
            params.append(doc_number)
        if ids is not None:
            numeric = [int(i) for i in ids if str(i).isdigit()]
            sql += f" AND id IN ({','.join('?' * len(numeric)) or 'NULL'})"
            params.extend(numeric)
        if updated_since is not None:
            sql += ' AND updated_ts >= ?'
            params.append(updated_since)
        sql += ' ORDER BY id'
        return [_entity(row) for row in self._all(sql, params)]

    def find_by_name(self, realm_id, kind, name):
        row = self._one('SELECT * FROM entities WHERE realm_id = ? AND kind = ? AND name = ? AND deleted = 0',
                        (realm_id, kind, name))
        return _entity(row) if row else None

    def count_entities(self, realm_id, kind) -> int:
        row = self._one('SELECT COUNT(*) AS n FROM entities WHERE realm_id = ? AND kind = ? AND deleted = 0',
                        (realm_id, kind))
        return row['n']

    # === OAuth === #

    def add_auth_code(self, code, client_id, realm_id, redirect_uri, expires_at) -> None:
        self._execute('INSERT INTO auth_codes (code, client_id, realm_id, redirect_uri, expires_at) '
                      'VALUES (?, ?, ?, ?, ?)', (code, client_id, realm_id, redirect_uri, expires_at))

    def get_auth_code(self, code):
        row = self._one('SELECT * FROM auth_codes WHERE code = ?', (code,))
        return dict(row) if row else None

    def use_auth_code(self, code) -> None:
        self._execute('UPDATE auth_codes SET used = 1 WHERE code = ?', (code,))

    def add_access_token(self, token, client_id, realm_id, expires_at) -> None:
        self._execute('INSERT INTO access_tokens (token, client_id, realm_id, expires_at) VALUES (?, ?, ?, ?)',
                      (token, client_id, realm_id, expires_at))

    def get_access_token(self, token):
        row = self._one('SELECT * FROM access_tokens WHERE token = ?', (token,))
        return dict(row) if row else None

    def add_refresh_token(self, token, client_id, realm_id, expires_at) -> None:
        self._execute('INSERT INTO refresh_tokens (token, client_id, realm_id, expires_at) VALUES (?, ?, ?, ?)',
                      (token, client_id, realm_id, expires_at))

    def get_refresh_token(self, token):
        row = self._one('SELECT * FROM refresh_tokens WHERE token = ?', (token,))
        return dict(row) if row else None

    def rotate_refresh_token(self, token, rotated_at, next_access, next_refresh) -> None:
        self._execute('UPDATE refresh_tokens SET rotated_at = ?, next_access = ?, next_refresh = ? WHERE token = ?',
                      (rotated_at, next_access, next_refresh, token))

    def revoke_token(self, token) -> bool:
        with self.transaction():
            hits = self._db.execute('UPDATE refresh_tokens SET revoked = 1 WHERE token = ?', (token,)).rowcount
            hits += self._db.execute('UPDATE access_tokens SET revoked = 1 WHERE token = ?', (token,)).rowcount
        return bool(hits)

    def expire_tokens(self, realm_id, access=True, refresh=False, now=0.0) -> None:
        """Admin shortcut: make a realm's tokens dead as of ``now``."""
        with self.transaction():
            if access:
                self._db.execute('UPDATE access_tokens SET expires_at = ? WHERE realm_id = ?', (now, realm_id))
            if refresh:
                self._db.execute('UPDATE refresh_tokens SET expires_at = ? WHERE realm_id = ?', (now, realm_id))

    # === requestid replays === #

    def get_replay(self, realm_id, request_id):
        row = self._one('SELECT * FROM replays WHERE realm_id = ? AND request_id = ?', (realm_id, request_id))
        return Replay(row['status'], row['content_type'], bytes(row['body'])) if row else None

    def put_replay(self, realm_id, request_id, replay: Replay, now) -> None:
        self._execute('INSERT OR REPLACE INTO replays (realm_id, request_id, status, content_type, body, '
                      'created_ts) VALUES (?, ?, ?, ?, ?, ?)',
                      (realm_id, request_id, replay.status, replay.content_type, replay.body, now))

    # === wipe === #

    def wipe(self) -> None:
        with self.transaction():
            for table in ('apps', 'companies', 'entities', 'auth_codes', 'access_tokens', 'refresh_tokens',
                          'replays', 'settings'):
                self._db.execute(f'DELETE FROM {table}')
