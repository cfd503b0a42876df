"""Shared fixtures: the QuickBooks emulator on loopback and a company connected to it, fully mapped.

``QboEmulatorCommon`` starts one ``EmulatorServer`` per test class (temporary
SQLite file, port 0), seeds the emulator's demo company (chart of accounts,
classes, departments, items, an OAuth app), connects ``cls.env.company``
through the real OAuth flow (consent page, code, token exchange), fetches the
chart and maps every account role to the seeded accounts, the default
warehouse to a department and a sales channel to a class.

Everything that would commit in production runs with ``with_commit=False``:
pass it too (``connection._qbo_client(with_commit=False)``).
"""
import contextlib
import json
import tempfile
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, TransactionCase
from odoo.tests.common import get_db_name

from ..qbo_engine.emulator import EmulatorServer, RateLimitSettings
from ..qbo_engine.emulator.demo import demo_mapping
from ..qbo_engine.ratelimit import RateLimiter

HTTP_TIMEOUT = 10
REDIRECT_URI = "http://localhost:8069/qbo/oauth/callback"
# Functional tests send faster than QuickBooks' 10 requests a second; throttling has its own tests.
RELAXED_LIMITS = RateLimitSettings(per_minute=100_000, per_second=10_000, concurrent=100, batch_per_minute=10_000)


class QboEmulatorMixin:
    """Emulator helpers usable from any test case class (TransactionCase or HttpCase)."""

    @classmethod
    def _qbo_start_emulator(cls):
        """Start a fresh emulator for the class and seed its demo company; stopped at class teardown."""
        tmp = tempfile.TemporaryDirectory(prefix="qbo-emulator-")
        cls.addClassCleanup(tmp.cleanup)
        server = EmulatorServer(Path(tmp.name) / "qbo.sqlite", rate_limits=RELAXED_LIMITS).start()
        cls.addClassCleanup(server.stop)
        cls.qbo_server = server
        cls.qbo_demo = server.seed_demo_company(redirect_uri=cls._qbo_redirect_uri())
        return server

    @classmethod
    def _qbo_redirect_uri(cls):
        return REDIRECT_URI

    @classmethod
    def _qbo_make_connection(cls, company, demo=None):
        """A connection of ``company`` to the emulator's app, not connected yet."""
        demo = demo or cls.qbo_demo
        connection = company._qbo_ensure_connection()
        connection.sudo().write({
            "environment": "custom",
            "base_url": cls.qbo_server.base_url,
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "redirect_uri": cls._qbo_redirect_uri(),
        })
        return connection

    @classmethod
    def _qbo_consent(cls, authorization_url, realm_id=None):
        """Approve Intuit's consent page as the user would; returns the redirect's query (code, state, realmId)."""
        params = {"auto_approve": "1"}
        if realm_id:
            params["realm_id"] = realm_id
        answer = requests.get(authorization_url, params=params, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 302, answer.text
        return {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}

    @classmethod
    def _qbo_connect(cls, connection, realm_id=None):
        """The real connect flow: authorization URL with state → consent → callback → tokens saved."""
        redirect = cls._qbo_consent(connection._qbo_authorization_url(), realm_id=realm_id)
        return connection.env["qbo.connection"]._qbo_oauth_callback(
            redirect["state"], redirect.get("code"), redirect.get("realmId"), error=redirect.get("error"),
            with_commit=False)

    def drain(self, postings=None):
        """What the posting cron does after commit, in the test transaction (needs ``flush_ledger``).

        A fresh limiter per run: a 429's pause must not make the next test wait a minute.
        """
        self.flush_ledger()
        self.env["qbo.posting"]._qbo_drain(self.qbo_company, posting_ids=postings and postings.ids,
                                           with_commit=False, limiter=RateLimiter())
        self.env.invalidate_all()

    @classmethod
    def _qbo_map_all_roles(cls, connection):
        """Fetch the chart and map every role (each landed cost type too) to the demo accounts."""
        connection._qbo_fetch_chart(with_commit=False)
        accounts = {account.name: account for account in connection.account_ids}
        return cls.env["qbo.account.mapping"].create([
            {"company_id": connection.company_id.id, "role": role, "cost_type": cost_type,
             "account_id": accounts[name].id} for role, cost_type, name in demo_mapping()])


class QboEmulatorCommon(QboEmulatorMixin, TransactionCase):
    """``cls.env.company`` connected to the emulator's demo company, every role mapped.

    Available: ``qbo_server`` (EmulatorServer), ``qbo_demo`` (realm_id, client_id,
    client_secret, accounts/classes/departments/items name → QBO id),
    ``qbo_connection``, ``qbo_mappings``, ``qbo_warehouse`` (department
    'Main Warehouse'), ``qbo_channel`` (crm.team with class 'Wholesale'),
    ``qbo_accounts`` / ``qbo_dimensions`` (name → cached record).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._qbo_start_emulator()
        cls.qbo_company = cls.env.company
        cls._qbo_preferences = dict(cls.qbo_server.store.get_company(cls.qbo_demo["realm_id"])["preferences"])
        cls._qbo_refresh_grace = cls.qbo_server.oauth.grace_seconds
        cls.qbo_connection = cls._qbo_make_connection(cls.qbo_company)
        cls._qbo_connect(cls.qbo_connection)
        cls.qbo_mappings = cls._qbo_map_all_roles(cls.qbo_connection)
        cls.qbo_accounts = {account.name: account for account in cls.qbo_connection.account_ids}
        cls.qbo_dimensions = {dimension.name: dimension for dimension in cls.qbo_connection.dimension_ids}
        cls.qbo_warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.qbo_company.id)], limit=1)
        cls.qbo_warehouse.qbo_department_id = cls.qbo_dimensions["Main Warehouse"]
        cls.qbo_channel = cls.env["crm.team"].create({
            "name": "Wholesale Channel", "company_id": cls.qbo_company.id,
            "qbo_class_id": cls.qbo_dimensions["Wholesale"].id,
        })

    def setUp(self):
        super().setUp()
        # The emulator lives outside the test transaction: undo what an earlier test did to it
        # (faults, counters, clock, throttle windows, preferences, dead tokens). Entries stay.
        self.qbo_server.reset()
        self.qbo_server.set_refresh_grace(self._qbo_refresh_grace)
        self.qbo_server.set_preferences(self.qbo_demo["realm_id"], **self._qbo_preferences)
        self._qbo_fresh_tokens(self.qbo_connection)

    @classmethod
    def _qbo_fresh_tokens(cls, connection, realm_id=None):
        """New live tokens for ``connection`` (consent granted in the emulator), saved in the test transaction."""
        realm_id = realm_id or cls.qbo_demo["realm_id"]
        code = cls.qbo_server.authorize(connection.sudo().client_id, realm_id, connection.redirect_uri)
        tokens = connection._qbo_oauth().exchange_code(code, realm_id)
        connection._qbo_save_tokens(tokens, realm_id=realm_id, with_commit=False)

    def _qbo_client(self, **kwargs):
        """The connection's engine client, in this test's transaction."""
        return self.qbo_connection._qbo_client(with_commit=False, **kwargs)

    def _qbo_delete_all_entries(self):
        """The emulator outlives each test's transaction: entries of earlier tests would read as typed by hand."""
        client = self._qbo_client()
        for entry in client.query("SELECT * FROM JournalEntry"):
            client.qb.delete_object("JournalEntry", json.dumps({"Id": entry["Id"], "SyncToken": entry["SyncToken"]}))

    @classmethod
    def _qbo_create_user(cls, login, groups, company=None):
        company = company or cls.env.company
        return cls.env["res.users"].with_context(no_reset_password=True).create({
            "name": login.title(), "login": login, "email": "%s@example.com" % login,
            "company_id": company.id, "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.set([cls.env.ref(xmlid).id for xmlid in groups])],
        })


class QboCommittedCommon(QboEmulatorMixin, BaseCase):
    """The main company connected to the emulator and fully mapped, committed, for tests that need
    separate database connections (each poster its own cursor, as Odoo's workers have).

    Everything these tests commit is removed when the class ends: postings (with their lines,
    attempts and messages), cron triggers, the mapping, the cached chart and the connection.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._qbo_start_emulator()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM qbo_posting")
            cls._qbo_first_posting_id = cr.fetchone()[0] + 1
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
            cls._qbo_first_trigger_id = cr.fetchone()[0] + 1
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_progress")
            cls._qbo_first_progress_id = cr.fetchone()[0] + 1
            company = env.ref("base.main_company")
            assert not company.qbo_connection_ids, "the test database already holds a committed connection"
            connection = cls._qbo_make_connection(company)
            cls.addClassCleanup(cls._qbo_remove_committed, connection.id)
            realm_id = cls.qbo_demo["realm_id"]
            code = cls.qbo_server.authorize(cls.qbo_demo["client_id"], realm_id, connection.redirect_uri)
            tokens = connection._qbo_oauth().exchange_code(code, realm_id)
            connection._qbo_save_tokens(tokens, realm_id=realm_id, with_commit=False)
            connection.state = "connected"
            connection._qbo_fetch_chart(with_commit=False)
            accounts = {account.name: account for account in connection.account_ids}
            env["qbo.account.mapping"].create([
                {"company_id": company.id, "role": role, "cost_type": cost_type, "account_id": accounts[name].id}
                for role, cost_type, name in demo_mapping()])
            cls.company_id, cls.connection_id = company.id, connection.id

    @classmethod
    def _qbo_remove_committed(cls, connection_id):
        with cls.registry.cursor() as cr:
            first = cls._qbo_first_posting_id
            cr.execute("DELETE FROM mail_message WHERE model = 'qbo.posting' AND res_id >= %s", [first])
            cr.execute("DELETE FROM mail_followers WHERE res_model = 'qbo.posting' AND res_id >= %s", [first])
            cr.execute("DELETE FROM qbo_posting_attempt WHERE posting_id >= %s", [first])
            cr.execute("DELETE FROM qbo_posting_line WHERE posting_id >= %s", [first])
            cr.execute("DELETE FROM qbo_posting WHERE id >= %s", [first])
            cr.execute("DELETE FROM ir_cron_trigger WHERE id >= %s", [cls._qbo_first_trigger_id])
            cr.execute("DELETE FROM ir_cron_progress WHERE id >= %s", [cls._qbo_first_progress_id])
            cr.execute("DELETE FROM qbo_account_mapping WHERE company_id = %s", [cls.company_id])
            for table in ("qbo_account", "qbo_dimension", "qbo_connection_token"):
                cr.execute(f"DELETE FROM {table} WHERE connection_id = %s", [connection_id])  # noqa: S608
            cr.execute("DELETE FROM mail_message WHERE model = 'qbo.connection' AND res_id = %s", [connection_id])
            cr.execute("DELETE FROM mail_followers WHERE res_model = 'qbo.connection' AND res_id = %s",
                       [connection_id])
            cr.execute("DELETE FROM qbo_connection WHERE id = %s", [connection_id])

    def setUp(self):
        super().setUp()
        self.qbo_server.reset()
        self.qbo_server.set_refresh_grace(self.qbo_server.oauth.grace_seconds)
        # The test runner holds the registry lock for the whole run (a server's main thread does so only
        # while loading): a worker thread creating an Environment would wait for it. As in Odoo's test mode.
        self.patch(Registry, "_lock", DummyRLock())

    @contextlib.contextmanager
    def worker(self):
        """A poster's own database connection (committed by the caller), as superuser."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def enqueue(self, count, amount=10.0):
        """``count`` committed postings of the main company, each a balanced two-line entry; returns their ids."""
        with self.worker() as env:
            company = env["res.company"].browse(self.company_id)
            anchor = uuid.uuid4().int % 10**9
            postings = env["qbo.posting"]._enqueue([(company, "other", company, anchor + index, [
                {"role": "inventory", "amount": amount, "description": "count gain"},
                {"role": "inventory_adjustment", "amount": -amount, "description": "count gain"},
            ]) for index in range(count)])
            return postings.ids

    def entries_of(self, doc_number):
        with self.worker() as env:
            client = env["qbo.connection"].browse(self.connection_id)._qbo_client(limiter=RateLimiter())
            return client.find_journal_entries(doc_number)
