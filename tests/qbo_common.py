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
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from odoo import Command
from odoo.tests import TransactionCase

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

    @classmethod
    def _qbo_create_user(cls, login, groups, company=None):
        company = company or cls.env.company
        return cls.env["res.users"].with_context(no_reset_password=True).create({
            "name": login.title(), "login": login, "email": "%s@example.com" % login,
            "company_id": company.id, "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.set([cls.env.ref(xmlid).id for xmlid in groups])],
        })
