from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

CONNECTION_STATES = ("not_connected", "connected", "needs_reconnect", "error")


def visible_primary_buttons(arch, state_field, state):
    """Strings of the btn-primary buttons of ``arch`` that show when ``state_field`` is ``state``."""
    shown = []
    for button in arch.iter("button"):
        if "btn-primary" not in (button.get("class") or "").split():
            continue
        invisible = button.get("invisible")
        if invisible and safe_eval(invisible, {state_field: state}):
            continue
        shown.append(button.get("string"))
    return shown


@tagged("post_install", "-at_install")
class TestSettingsPage(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.env.company._qbo_ensure_connection()
        cls.qbo_manager = new_test_user(cls.env, "qbo_settings_manager", company_id=cls.env.company.id,
                                        groups="base.group_user,stock_quickbooks_sync.group_qbo_manager")
        cls.stock_user = new_test_user(cls.env, "qbo_settings_stock_user", groups="stock.group_stock_user")

    def arch(self, model, user):
        views = self.env[model].with_user(user).get_views([(False, "form")])
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_quickbooks_has_its_own_section_not_inside_inventory(self):
        arch = self.arch("res.config.settings", self.env.ref("base.user_admin"))
        [app] = arch.xpath("//app[@name='stock_quickbooks_sync']")
        self.assertEqual(app.get("string"), "QuickBooks")
        self.assertEqual([s.get("id") for s in app.iter("setting")],
                         ["qbo_connection", "qbo_app_keys", "qbo_posting_mode"])
        self.assertFalse(arch.xpath("//app[@name='stock']//setting[starts-with(@id, 'qbo_')]"))
        # landed cost drift is the buyers' and stays with Inventory
        self.assertEqual(len(arch.xpath("//app[@name='stock']//setting[@id='landed_cost_drift']")), 1)

    def test_a_quickbooks_manager_opens_and_saves_the_section(self):
        arch = self.arch("res.config.settings", self.qbo_manager)
        self.assertEqual(len(arch.xpath("//app[@name='stock_quickbooks_sync']")), 1)
        # the app's secret stays readable by Odoo administrators only, as on the connection
        self.assertFalse(arch.xpath("//field[@name='qbo_client_secret']"))
        with Form(self.env["res.config.settings"].with_user(self.qbo_manager)) as form:
            self.assertEqual(form.qbo_state, "not_connected")
            form.qbo_client_id = "ABk3qbo-settings-client"
            form.qbo_posting_mode = "daily_summary"
        settings = form.record
        self.assertEqual(settings.execute(), {"type": "ir.actions.client", "tag": "reload"})
        self.assertRecordValues(self.connection, [{
            "client_id": "ABk3qbo-settings-client", "posting_mode": "daily_summary"}])

    def test_users_without_quickbooks_rights_cannot_open_settings(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.stock_user).create({})
        menu = self.env.ref("stock_quickbooks_sync.menu_qbo_config_settings")
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.stock_user)._visible_menu_ids())
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.qbo_manager)._visible_menu_ids())
        self.assertEqual(menu.action, self.env.ref("stock_quickbooks_sync.action_qbo_config_settings"))
        self.assertEqual(safe_eval(menu.action.context)["module"], "stock_quickbooks_sync")

    def test_settings_connect_is_the_main_button_only_until_connected(self):
        arch = self.arch("res.config.settings", self.qbo_manager)
        [app] = arch.xpath("//app[@name='stock_quickbooks_sync']")
        self.assertEqual({state: visible_primary_buttons(app, "qbo_state", state) for state in CONNECTION_STATES}, {
            "not_connected": ["Connect to QuickBooks"], "connected": [],
            "needs_reconnect": ["Connect to QuickBooks"], "error": ["Connect to QuickBooks"]})


@tagged("post_install", "-at_install")
class TestConnectionForm(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.qbo_manager = new_test_user(cls.env, "qbo_form_manager",
                                        groups="base.group_user,stock_quickbooks_sync.group_qbo_manager")

    def arch(self, user):
        views = self.env["qbo.connection"].with_user(user).get_views([(False, "form")])
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_setup_checklist_says_what_to_create_at_intuit(self):
        [checklist] = self.arch(self.qbo_manager).xpath("//div[@name='setup_checklist']")
        self.assertEqual(checklist.get("invisible"), "state == 'connected'")
        text = " ".join(" ".join(checklist.itertext()).split())
        for words in ("developer.intuit.com", "create an app", "com.intuit.quickbooks.accounting",
                      "Keys and credentials", "Client ID", "Redirect URIs", "add exactly this address",
                      "Environment", "Connect to QuickBooks"):
            self.assertIn(words, text)
        # the redirect URI to copy is the record's own (computed from web.base.url), not a text
        [redirect] = checklist.xpath(".//field[@name='redirect_uri']")
        self.assertEqual((redirect.get("widget"), redirect.get("readonly")), ("CopyClipboardChar", "1"))
        # each key is ticked once filled; the secret's line only for those who may read the secret
        self.assertEqual(checklist.xpath(".//i[contains(@class, 'text-success')]/@invisible"),
                         ["not client_id", "not redirect_uri"])
        admin_checklist = self.arch(self.env.ref("base.user_admin")).xpath("//div[@name='setup_checklist']")[0]
        self.assertEqual(admin_checklist.xpath(".//i[contains(@class, 'text-success')]/@invisible"),
                         ["not client_id", "not client_secret", "not redirect_uri"])
        connection = self.env.company._qbo_ensure_connection()
        self.assertTrue(connection.redirect_uri.endswith("/qbo/oauth/callback"))

    def test_technical_options_only_in_developer_mode(self):
        combined = etree.fromstring(self.env.ref("stock_quickbooks_sync.qbo_connection_view_form").get_combined_arch())
        self.assertEqual({f.get("name"): f.get("groups") for f in combined.xpath(
            "//field[@name='timeout' or @name='minorversion']")},
            {"timeout": "base.group_no_one", "minorversion": "base.group_no_one"})
        # without debug mode (no request here) they are not in the form at all
        self.assertFalse(self.arch(self.env.ref("base.user_admin")).xpath(
            "//field[@name='timeout' or @name='minorversion']"))

    def test_one_main_button_per_state_and_connect_not_once_connected(self):
        header = self.arch(self.qbo_manager).find(".//header")
        self.assertEqual({state: visible_primary_buttons(header, "state", state) for state in CONNECTION_STATES}, {
            "not_connected": ["Connect to QuickBooks"], "connected": ["Test Connection"],
            "needs_reconnect": ["Reconnect"], "error": ["Reconnect"]})
