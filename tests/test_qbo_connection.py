from datetime import timedelta
from urllib.parse import urlencode

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from ..qbo_engine.client import QboClient
from ..qbo_engine.errors import ErrorKind, QboError
from .qbo_common import QboEmulatorCommon, QboEmulatorMixin


@tagged("post_install", "-at_install")
class TestQboConnection(QboEmulatorCommon):

    def test_connect_stores_tokens_and_checks_the_company(self):
        connection = self.qbo_connection
        self.assertRecordValues(connection, [{
            "state": "connected",
            "realm_id": self.qbo_demo["realm_id"],
            "home_currency": "USD",
            "qbo_company_name": self.qbo_demo["company_name"],
            "book_close_date": False,
        }])
        self.assertTrue(connection.refresh_token)
        self.assertGreater(connection.reconnect_before, fields.Datetime.now() + timedelta(days=90))
        self.assertFalse(connection.sudo().oauth_state_hash, "a state is used once")
        client = self._qbo_client()
        self.assertIsInstance(client, QboClient)
        self.assertEqual((client.realm_id, client.minorversion, client.timeout),
                         (self.qbo_demo["realm_id"], 75, 30))

    def test_check_warns_about_currency_and_inventory_items(self):
        self.env["product.product"].create({"name": "Legacy Stock Item", "is_storable": True})
        self.qbo_server.set_preferences(self.qbo_demo["realm_id"], home_currency="CAD")
        self.qbo_server.set_book_close_date(self.qbo_demo["realm_id"], "2024-03-31")
        self.assertTrue(self.qbo_connection._qbo_check(with_commit=False))
        message = self.qbo_connection.last_check_message
        self.assertTrue(self.qbo_connection.check_warning)
        self.assertEqual(self.qbo_connection.home_currency, "CAD")
        self.assertEqual(fields.Date.to_string(self.qbo_connection.book_close_date), "2024-03-31")
        self.assertIn("home currency is CAD", message)
        self.assertIn("Legacy Stock Item", message)
        self.assertNotIn("Synced Product", message, "a non-inventory item is no problem")

    def test_check_without_problems(self):
        self.qbo_server.set_warn_duplicate_journal_number(self.qbo_demo["realm_id"], True)  # as recommended
        self.assertTrue(self.qbo_connection._qbo_check(with_commit=False))
        self.assertFalse(self.qbo_connection.check_warning, self.qbo_connection.last_check_message)

    def test_refresh_on_401_saves_rotated_tokens(self):
        old_refresh = self.qbo_connection.refresh_token
        self.qbo_server.expire_tokens(self.qbo_demo["realm_id"], access=True)
        with self._qbo_client() as client:
            self.assertEqual(client.company_settings().home_currency, "USD")
        self.qbo_connection.invalidate_recordset()
        self.assertNotEqual(self.qbo_connection.refresh_token, old_refresh)
        self.assertEqual(self.qbo_connection.refresh_token, client.tokens.refresh_token)

    def test_invalid_grant_needs_reconnect(self):
        self.qbo_server.set_refresh_grace(0)
        self.qbo_server.expire_tokens(self.qbo_demo["realm_id"], access=True, refresh=True)
        self.assertFalse(self.qbo_connection._qbo_check(with_commit=False))
        self.assertEqual(self.qbo_connection.state, "needs_reconnect")
        self.assertIn("Connect to QuickBooks again", self.qbo_connection.state_message)

    def test_not_connected_client_is_a_reauth_error(self):
        self.qbo_connection._qbo_disconnect(with_commit=False)
        self.assertEqual(self.qbo_connection.state, "not_connected")
        self.assertFalse(self.qbo_connection.refresh_token)
        with self.assertRaises(QboError) as caught:
            self._qbo_client()
        self.assertEqual(caught.exception.kind, ErrorKind.REAUTH)

    def test_reconnect_after_disconnect(self):
        self.qbo_connection._qbo_disconnect(with_commit=False)
        self._qbo_connect(self.qbo_connection)
        self.assertEqual(self.qbo_connection.state, "connected")

    def test_callback_refuses_forged_reused_or_foreign_state(self):
        redirect = self._qbo_consent(self.qbo_connection._qbo_authorization_url())
        callback = self.env["qbo.connection"]._qbo_oauth_callback
        with self.assertRaises(AccessError):
            callback("%d.forged" % self.qbo_connection.id, redirect["code"], redirect["realmId"], with_commit=False)
        with self.assertRaises(AccessError):
            callback(None, redirect["code"], redirect["realmId"], with_commit=False)
        other = self._qbo_create_user("qbo_other_manager", ["base.group_user",
                                                            "stock_quickbooks_sync.group_qbo_manager"])
        with self.assertRaises(AccessError, msg="a state is bound to the user who started the sign-in"):
            self.env["qbo.connection"].with_user(other)._qbo_oauth_callback(
                redirect["state"], redirect["code"], redirect["realmId"], with_commit=False)
        callback(redirect["state"], redirect["code"], redirect["realmId"], with_commit=False)
        with self.assertRaises(AccessError, msg="a state is used once"):
            callback(redirect["state"], redirect["code"], redirect["realmId"], with_commit=False)

    def test_expired_state_is_refused(self):
        redirect = self._qbo_consent(self.qbo_connection._qbo_authorization_url())
        self.qbo_connection.sudo().oauth_state_expires = fields.Datetime.now() - timedelta(minutes=1)
        with self.assertRaises(AccessError):
            self.env["qbo.connection"]._qbo_oauth_callback(
                redirect["state"], redirect["code"], redirect["realmId"], with_commit=False)

    def test_token_expiry_warning_activity(self):
        admin = self.env.ref("base.user_admin")
        token = self.qbo_connection.sudo().token_id
        self.env["qbo.connection"]._cron_check_token_expiry()
        self.assertFalse(self.qbo_connection.activity_ids, "no warning 100 days ahead")
        token.refresh_expires_at = fields.Datetime.now() + timedelta(days=13)
        self.qbo_connection.invalidate_recordset()
        self.assertTrue(self.qbo_connection.reconnect_soon)
        self.env["qbo.connection"]._cron_check_token_expiry()
        self.env["qbo.connection"]._cron_check_token_expiry()
        activity = self.qbo_connection.activity_ids.filtered(lambda a: a.user_id == admin)
        self.assertEqual(len(activity), 1, "one reminder per administrator, however often the cron runs")
        self.assertIn("Reconnect QuickBooks", activity.summary)
        self.assertEqual(self.qbo_connection.state, "connected")

    def test_expired_refresh_token_needs_reconnect(self):
        self.qbo_connection.sudo().token_id.refresh_expires_at = fields.Datetime.now() - timedelta(hours=1)
        self.env["qbo.connection"]._cron_check_token_expiry()
        self.assertEqual(self.qbo_connection.state, "needs_reconnect")

    def test_non_admin_cannot_read_tokens(self):
        manager = self._qbo_create_user("qbo_manager", ["base.group_user", "stock_quickbooks_sync.group_qbo_manager"])
        connection = self.qbo_connection.with_user(manager)
        connection.invalidate_recordset()
        self.assertEqual(connection.state, "connected")
        self.assertTrue(connection.reconnect_before, "managers see when to reconnect")
        for secret in ("refresh_token", "access_token", "realm_id", "client_secret", "refresh_expires_at"):
            with self.assertRaises(AccessError, msg=secret):
                connection.read([secret])
        with self.assertRaises(AccessError):
            self.env["qbo.connection.token"].with_user(manager).search([]).read(["refresh_token"])
        with self.assertRaises(AccessError):
            self.env["qbo.connection.token"].with_user(manager).search([])
        # ... yet QuickBooks administrators use the connection without seeing its secrets
        self.assertTrue(connection._qbo_check(with_commit=False), connection.state_message)
        connection._qbo_fetch_chart(with_commit=False)

    def test_two_companies_two_realms(self):
        realm_b = self.qbo_server.create_company(name="Second Demo Co")
        self.qbo_server.seed_accounts(realm_b, [{"Name": "Stock B", "AccountType": "Other Current Asset"}])
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.env.user.company_ids |= company_b
        connection_b = self._qbo_make_connection(company_b)
        self._qbo_connect(connection_b, realm_id=realm_b)
        connection_b._qbo_fetch_chart(with_commit=False)
        self.assertEqual(connection_b.realm_id, realm_b)
        self.assertEqual(connection_b.qbo_company_name, "Second Demo Co")
        self.assertEqual(connection_b.account_ids.mapped("name"), ["Stock B"])
        self.assertEqual(self.qbo_connection.realm_id, self.qbo_demo["realm_id"])
        self.assertNotEqual(connection_b.refresh_token, self.qbo_connection.refresh_token)
        with connection_b._qbo_client(with_commit=False) as client:
            self.assertEqual(client.company_info().CompanyName, "Second Demo Co")
        user_b = self._qbo_create_user("qbo_b", ["base.group_user", "stock_quickbooks_sync.group_qbo_manager"],
                                       company=company_b)
        self.assertEqual(self.env["qbo.connection"].with_user(user_b).search([]), connection_b)
        self.assertFalse(self.env["qbo.account"].with_user(user_b).search([("id", "in",
                                                                            self.qbo_connection.account_ids.ids)]))
        self.assertEqual(self.qbo_company.qbo_connection_id, self.qbo_connection)
        self.assertEqual(company_b.qbo_connection_id, connection_b)

    def test_fetch_chart_archives_dropped_accounts(self):
        shrinkage = self.qbo_accounts["Shrinkage"]
        self.qbo_server.deactivate_account(self.qbo_demo["realm_id"], shrinkage.qbo_id)
        self.qbo_connection._qbo_fetch_chart(with_commit=False)
        self.assertFalse(shrinkage.active)
        mapping = self.qbo_mappings.filtered(lambda m: m.role == "shrinkage")
        self.assertIn("inactive", mapping.type_warning)
        self.assertEqual(len(self.qbo_dimensions), 5, "3 classes and 2 departments")

    def test_settings_write_through_the_connection(self):
        settings = self.env["res.config.settings"].create({"qbo_client_id": "another-app", "qbo_environment": False})
        self.assertEqual(settings.qbo_connection_id, self.qbo_connection)
        self.assertEqual(self.qbo_connection.client_id, "another-app")
        self.assertEqual(self.qbo_connection.environment, "custom")
        company_c = self.env["res.company"].create({"name": "Company C"})
        self.env.user.company_ids |= company_c
        self.env["res.config.settings"].with_company(company_c).create({
            "company_id": company_c.id, "qbo_environment": "production", "qbo_client_id": "app-c"})
        self.assertRecordValues(company_c.qbo_connection_id, [{
            "environment": "production", "client_id": "app-c", "state": "not_connected"}])


@tagged("post_install", "-at_install")
class TestQboOAuthController(QboEmulatorMixin, HttpCase):
    """The connect flow through the routes, as a browser follows the redirects."""

    @classmethod
    def _qbo_redirect_uri(cls):
        return cls.base_url() + "/qbo/oauth/callback"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._qbo_start_emulator()
        cls.connection = cls._qbo_make_connection(cls.env.company)

    def test_connect_through_the_controller(self):
        self.authenticate("admin", "admin")
        start = self.url_open("/qbo/oauth/start/%d" % self.connection.id, allow_redirects=False)
        self.assertEqual(start.status_code, 303, start.text)
        consent = self._qbo_consent(start.headers["Location"])
        callback = self.url_open(self._callback_url(consent), allow_redirects=False)
        self.assertEqual(callback.status_code, 303, callback.text)
        self.assertTrue(callback.headers["Location"].endswith("/odoo/qbo.connection/%d" % self.connection.id))
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")
        self.assertEqual(self.connection.realm_id, self.qbo_demo["realm_id"])

    def test_callback_with_a_forged_state_is_refused(self):
        self.authenticate("admin", "admin")
        start = self.url_open("/qbo/oauth/start/%d" % self.connection.id, allow_redirects=False)
        consent = self._qbo_consent(start.headers["Location"])
        consent["state"] = "%d.%s" % (self.connection.id, "x" * 43)
        callback = self.url_open(self._callback_url(consent), allow_redirects=False)
        self.assertEqual(callback.status_code, 403)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "not_connected")

    def test_rotated_tokens_are_saved_in_their_own_transaction(self):
        self.connection.sudo().write({"state": "connected"})
        code = self.qbo_server.authorize(self.qbo_demo["client_id"], self.qbo_demo["realm_id"],
                                         self._qbo_redirect_uri())
        tokens = self.connection._qbo_oauth().exchange_code(code, self.qbo_demo["realm_id"])
        self.connection._qbo_save_tokens(tokens, realm_id=self.qbo_demo["realm_id"])  # with_commit=True
        self.env.cr.execute("SELECT refresh_token, realm_id FROM qbo_connection_token WHERE connection_id = %s",
                            [self.connection.id])
        self.assertEqual(self.env.cr.fetchall(), [(tokens.refresh_token, self.qbo_demo["realm_id"])])
        self.qbo_server.expire_tokens(self.qbo_demo["realm_id"], access=True)
        with self.connection._qbo_client() as client:  # reads and saves through fresh cursors
            client.company_info()
        self.env.cr.execute("SELECT refresh_token FROM qbo_connection_token WHERE connection_id = %s",
                            [self.connection.id])
        self.assertEqual(self.env.cr.fetchone()[0], client.tokens.refresh_token)
        self.assertNotEqual(client.tokens.refresh_token, tokens.refresh_token)

    @staticmethod
    def _callback_url(query):
        return "/qbo/oauth/callback?" + urlencode(query)
