"""One company's connection to QuickBooks Online: app keys, OAuth tokens, the connection check."""
import functools
import hashlib
import logging
import secrets
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq

from ..const import CONNECTION_STATES, ENVIRONMENTS, POSTING_MODES
from ..qbo_engine.auth import SANDBOX, OAuth
from ..qbo_engine.client import MINIMUM_MINOR_VERSION, QboClient
from ..qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded
from ..qbo_engine.ratelimit import RateLimiter
from .qbo_error_messages import qbo_error_text, qbo_sign_in_lost

_logger = logging.getLogger(__name__)

CALLBACK_PATH = "/qbo/oauth/callback"
OAUTH_STATE_LIFETIME = timedelta(minutes=15)
# Admins are warned this long before the refresh token dies (Intuit's tokens live about 100 days).
TOKEN_EXPIRY_WARNING = timedelta(days=14)
DEFAULT_TIMEOUT = 30

# QuickBooks counts requests per company (realm) and app, whichever thread sends them. Odoo serves
# HTTP requests and crons in threads of one process, so those threads must share one limiter per
# realm, or each would believe it has the whole 10 requests a second. The engine keeps no global
# state by design; this process-wide registry is the Odoo side's one exception. Separate worker
# processes each hold their own limiter: QuickBooks' 429 answer, which the client honours, covers that.
_RATE_LIMITERS = {}
_RATE_LIMITERS_LOCK = threading.Lock()


def _shared_rate_limiter(realm_id):
    with _RATE_LIMITERS_LOCK:
        return _RATE_LIMITERS.setdefault(realm_id, RateLimiter())


class QboConnection(models.Model):
    _name = "qbo.connection"
    _description = "QuickBooks Online Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade",
                                 default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    environment = fields.Selection(ENVIRONMENTS, required=True, default=SANDBOX, tracking=True,
                                   help="Intuit's sandbox, production, or another address that speaks the same "
                                        "API (such as the local QuickBooks emulator).")
    base_url = fields.Char("Custom Address", tracking=True,
                           help="Root address of a QuickBooks-compatible service, e.g. http://127.0.0.1:8765; "
                                "its API is served under /v3 and its sign-in under /.well-known/openid_configuration.")
    client_id = fields.Char("Client ID", tracking=True, help="Client ID of the QuickBooks app (Intuit developer portal).")
    client_secret = fields.Char("Client Secret", groups="base.group_system", copy=False)
    redirect_uri = fields.Char("Redirect URI", compute="_compute_redirect_uri", store=True, readonly=False,
                               precompute=True,
                               help="Register this address as a redirect URI of the QuickBooks app.")
    timeout = fields.Integer("Timeout (seconds)", default=DEFAULT_TIMEOUT,
                             help="Seconds to wait for each QuickBooks answer.")
    minorversion = fields.Integer("API Minor Version", default=MINIMUM_MINOR_VERSION)
    require_class = fields.Boolean("Class Required",
                                   help="Block postings of a sales channel that has no QuickBooks class.")
    require_department = fields.Boolean("Department Required",
                                        help="Block postings of a warehouse that has no QuickBooks department.")
    posting_mode = fields.Selection(POSTING_MODES, required=True, default="per_event", tracking=True,
                                    help="Daily summary: each day's events are merged into one entry per warehouse "
                                         "and sales channel after the day ends; the events stay listed under it.")

    state = fields.Selection(CONNECTION_STATES, required=True, default="not_connected", readonly=True,
                             copy=False, tracking=True)
    state_message = fields.Text(readonly=True, copy=False)

    # Secrets: in their own table (see qbo.connection.token), shown here to system administrators only.
    token_id = fields.Many2one("qbo.connection.token", compute="_compute_token_id", search="_search_token_id",
                               compute_sudo=True, groups="base.group_system")
    realm_id = fields.Char(related="token_id.realm_id", string="Realm ID", groups="base.group_system")
    access_token = fields.Char(related="token_id.access_token", groups="base.group_system")
    refresh_token = fields.Char(related="token_id.refresh_token", groups="base.group_system")
    access_expires_at = fields.Datetime(related="token_id.access_expires_at", groups="base.group_system")
    refresh_expires_at = fields.Datetime(related="token_id.refresh_expires_at", groups="base.group_system")
    # Not a secret: every QuickBooks manager must see when the company has to reconnect.
    reconnect_before = fields.Datetime(compute="_compute_reconnect_before", compute_sudo=True,
                                       help="The QuickBooks sign-in expires then: connect again before.")
    reconnect_soon = fields.Boolean(compute="_compute_reconnect_before", compute_sudo=True)

    oauth_state_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    oauth_state_user_id = fields.Many2one("res.users", readonly=True, copy=False, groups="base.group_system")
    oauth_state_expires = fields.Datetime(readonly=True, copy=False, groups="base.group_system")

    qbo_company_name = fields.Char("QuickBooks Company", readonly=True, copy=False)
    last_check_date = fields.Datetime(readonly=True, copy=False)
    last_check_message = fields.Text(readonly=True, copy=False)
    check_warning = fields.Boolean("Check Found Problems", readonly=True, copy=False)
    home_currency = fields.Char(readonly=True, copy=False, help="Home currency of the QuickBooks company.")
    book_close_date = fields.Date("Books Closed Through", readonly=True, copy=False,
                                  help="QuickBooks' closing date: entries dated on or before it are refused.")

    account_ids = fields.One2many("qbo.account", "connection_id", "QuickBooks Accounts")
    dimension_ids = fields.One2many("qbo.dimension", "connection_id", "Classes and Departments")
    account_count = fields.Integer(compute="_compute_counts")
    dimension_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        ("company_unique", "UNIQUE(company_id)", "A company has one QuickBooks connection."),
        ("timeout_positive", "CHECK(timeout > 0)", "The QuickBooks timeout must be at least one second."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("company_id.name")
    def _compute_name(self):
        for connection in self:
            connection.name = _("QuickBooks – %(company)s", company=connection.company_id.name)

    @api.depends("company_id")
    def _compute_redirect_uri(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for connection in self:
            if not connection.redirect_uri:
                connection.redirect_uri = base_url.rstrip("/") + CALLBACK_PATH

    def _compute_token_id(self):
        tokens = self.env["qbo.connection.token"].sudo().search([("connection_id", "in", self.ids)])
        by_connection = {token.connection_id.id: token for token in tokens}
        for connection in self:
            connection.token_id = by_connection.get(connection.id, False)

    def _search_token_id(self, operator, value):
        tokens = self.env["qbo.connection.token"].sudo().search([("id", operator, value)])
        return [("id", "in", tokens.connection_id.ids)]

    def _compute_reconnect_before(self):
        limit = fields.Datetime.now() + TOKEN_EXPIRY_WARNING
        for connection in self:
            expires = connection.sudo().token_id.refresh_expires_at
            connection.reconnect_before = expires
            connection.reconnect_soon = bool(expires and expires <= limit)

    def _compute_counts(self):
        for connection in self:
            connection.account_count = len(connection.with_context(active_test=False).account_ids)
            connection.dimension_count = len(connection.with_context(active_test=False).dimension_ids)

    @api.constrains("environment", "base_url")
    def _check_base_url(self):
        for connection in self.filtered(lambda c: c.environment == "custom"):
            parts = urlsplit((connection.base_url or "").strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UserError(_(
                    "%(connection)s: the custom address must be an http(s) address such as "
                    "http://127.0.0.1:8765.", connection=connection.display_name))

    # ------------------------------------------------------------------ engine
    def _qbo_environment(self):
        """What the engine takes as environment: 'sandbox', 'production' or the custom base URL."""
        self.ensure_one()
        # No OAUTHLIB_INSECURE_TRANSPORT for an http:// address (the emulator): intuit-oauth and the
        # engine's client call requests directly; requests-oauthlib, which checks it, is never used.
        if self.environment != "custom":
            return self.environment
        if not self.base_url:
            raise UserError(_("%(connection)s: set the custom address of the QuickBooks service, or choose "
                              "Sandbox or Production.", connection=self.display_name))
        return self.base_url.strip().rstrip("/")

    def _qbo_oauth(self):
        """The engine's OAuth helper for this connection's app."""
        self.ensure_one()
        connection = self.sudo()
        missing = [label for label, value in ((_("Client ID"), connection.client_id),
                                               (_("Client Secret"), connection.client_secret),
                                               (_("Redirect URI"), connection.redirect_uri)) if not value]
        if missing:
            raise UserError(_("%(connection)s: set the %(fields)s of the QuickBooks app in Settings → QuickBooks.",
                              connection=self.display_name, fields=", ".join(missing)))
        return OAuth(connection.client_id, connection.client_secret, connection.redirect_uri,
                     self._qbo_environment(), timeout=self.timeout or DEFAULT_TIMEOUT)

    def _qbo_token_row(self):
        """The token row of this connection (as superuser), created on first use."""
        self.ensure_one()
        tokens = self.env["qbo.connection.token"].sudo().search([("connection_id", "=", self.id)], limit=1)
        return tokens or tokens.create({"connection_id": self.id})

    def _qbo_read_tokens(self, with_commit=True):
        """(TokenSet or None, realm id) as last committed.

        :param with_commit: read in a fresh transaction, so that tokens another
            process rotated after this transaction began are seen; False reads in
            the caller's transaction (tests)
        """
        self.ensure_one()
        if not with_commit:
            row = self._qbo_token_row()
            return row._qbo_tokenset(), row.realm_id
        with self.env.registry.cursor() as cr:
            own_env = self.env(cr=cr, su=True)
            row = self.with_env(own_env)._qbo_token_row()
            result = row._qbo_tokenset(), row.realm_id
            own_env.flush_all()  # a row created just now
            return result

    def _qbo_save_tokens(self, tokens, realm_id=None, with_commit=True):
        """Store ``tokens`` (an engine TokenSet; None wipes them) and, when given, the realm.

        QuickBooks rotates the refresh token on every refresh: the new one is
        committed at once in its own transaction, so a later rollback of the
        caller's transaction cannot lose it.

        :param with_commit: False writes in the caller's transaction instead (tests)
        """
        self.ensure_one()
        vals = self.env["qbo.connection.token"]._qbo_token_vals(tokens, realm_id)
        if not with_commit:
            self._qbo_token_row().write(vals)
        else:
            with self.env.registry.cursor() as cr:  # commits when the block ends
                own_env = self.env(cr=cr, su=True)
                self.with_env(own_env)._qbo_token_row().write(vals)
                # Flush while own_env is alive: the commit flushes through the cursor's live environments only.
                own_env.flush_all()
            # This transaction's snapshot still holds the old row: never serve it from the cache.
            self.env["qbo.connection.token"].invalidate_model()
        self.invalidate_recordset(["token_id", "reconnect_before", "reconnect_soon"])

    def _qbo_client(self, limiter=None, with_commit=True):
        """A ready engine client for this company's QuickBooks company.

        :param limiter: a ``RateLimiter``; default: the one this process shares for the realm
        :param with_commit: rotated tokens are committed in their own transaction
            (False: saved in the caller's transaction, for tests)
        :rtype: qbo_engine.client.QboClient
        :raises QboError: kind ``reauth`` when the company is not connected
        """
        self.ensure_one()
        tokens, realm_id = self._qbo_read_tokens(with_commit=with_commit)
        if not tokens or not realm_id:
            raise QboError(ErrorKind.REAUTH, "not connected", reason="not_connected", user_message=_(
                "%(company)s is not connected to QuickBooks: click Connect to QuickBooks in Settings → "
                "QuickBooks.", company=self.company_id.name))
        return QboClient(
            realm_id, tokens, self._qbo_oauth(),
            on_tokens=functools.partial(self._qbo_save_tokens, with_commit=with_commit),
            environment=self._qbo_environment(),
            minorversion=self.minorversion or MINIMUM_MINOR_VERSION,
            timeout=self.timeout or DEFAULT_TIMEOUT,
            limiter=limiter or _shared_rate_limiter(realm_id),
            # one refresh at a time per company, across workers: the rotated tokens are saved first
            token_guard=self._qbo_token_guard(with_commit=with_commit),
        )

    def _qbo_set_error(self, error):
        """Record a failed call: ``reauth`` errors mean someone must click Connect again.

        :param error: an engine QboError
        """
        self.ensure_one()
        if error.reason == "not_connected":
            self.write({"state": "not_connected", "state_message": error.user_message})
        elif error.kind == ErrorKind.REAUTH and qbo_sign_in_lost(error):
            if isinstance(error, ReconnectNeeded):
                message = _("QuickBooks no longer accepts this company's sign-in (it expired or was revoked). "
                            "Click Connect to QuickBooks again.")
            else:
                message = _("QuickBooks refused the sign-in (%(why)s). Click Connect to QuickBooks again, as a "
                            "QuickBooks administrator of the company.", why=error.user_message)
            self.write({"state": "needs_reconnect", "state_message": message})
        else:
            self.write({"state": "error", "state_message": qbo_error_text(self.env, error, self.display_name)})

    # ------------------------------------------------------------------ connect (OAuth 2.0)
    def _qbo_check_manager(self):
        if not (self.env.su or self.env.user.has_group("stock_quickbooks_sync.group_qbo_manager")):
            raise AccessError(_("Only QuickBooks administrators may connect or disconnect %(company)s.",
                                company=self.company_id.name))

    def action_connect(self):
        """Open Intuit's consent page (through our start route, which issues the CSRF state)."""
        self.ensure_one()
        self._qbo_check_manager()
        self._qbo_oauth()  # fail here, on the form, when the app keys are missing
        return {"type": "ir.actions.act_url", "url": "/qbo/oauth/start/%d" % self.id, "target": "self"}

    def _qbo_authorization_url(self):
        """Intuit's consent page URL with a fresh ``state``.

        The state is ``<connection id>.<random>``; only its hash is kept, bound to
        the current user and this connection, valid 15 minutes and usable once.
        """
        self.ensure_one()
        self._qbo_check_manager()
        nonce = secrets.token_urlsafe(32)
        state = "%d.%s" % (self.id, nonce)
        self.sudo().write({
            "oauth_state_hash": _hash_state(state),
            "oauth_state_user_id": self.env.uid,
            "oauth_state_expires": fields.Datetime.now() + OAUTH_STATE_LIFETIME,
        })
        return self._qbo_oauth().authorization_url(state)

    @api.model
    def _qbo_connection_from_state(self, state):
        """The connection a callback's ``state`` was issued for; AccessError when forged, stale or reused."""
        connection_id, _sep, nonce = (state or "").partition(".")
        connection = self.sudo().browse(int(connection_id)).exists() if connection_id.isdigit() and nonce else None
        if not connection or not connection.oauth_state_hash or not consteq(connection.oauth_state_hash,
                                                                              _hash_state(state)):
            raise AccessError(_("This QuickBooks sign-in was not started here, or was already used. Click "
                                "Connect to QuickBooks again."))
        if connection.oauth_state_user_id.id != self.env.uid:
            raise AccessError(_("This QuickBooks sign-in was started by another user: click Connect to "
                                "QuickBooks yourself."))
        if connection.oauth_state_expires < fields.Datetime.now():
            raise AccessError(_("This QuickBooks sign-in took more than 15 minutes: click Connect to "
                                "QuickBooks again."))
        if connection.company_id not in self.env.user.company_ids:
            raise AccessError(_("You have no access to %(company)s.", company=connection.company_id.name))
        connection.write({"oauth_state_hash": False, "oauth_state_user_id": False, "oauth_state_expires": False})
        return connection.sudo(False).with_company(connection.company_id)

    @api.model
    def _qbo_oauth_callback(self, state, code, realm_id, error=None, with_commit=True):
        """Finish the consent: check ``state``, trade ``code`` for tokens, store them, check the company.

        :returns: the connection
        :raises AccessError: the state is missing, forged, expired or reused
        """
        connection = self._qbo_connection_from_state(state)
        connection._qbo_check_manager()
        if error or not code or not realm_id:
            connection.write({"state": "error", "state_message": _(
                "QuickBooks did not grant access (%(error)s). Click Connect to QuickBooks again and approve "
                "the access.", error=error or _("no authorization code"))})
            return connection
        connection._qbo_exchange_code(code, realm_id, with_commit=with_commit)
        return connection

    def _qbo_exchange_code(self, code, realm_id, with_commit=True):
        """Trade an authorization code for tokens, save them, then run the connection check."""
        self.ensure_one()
        previous_realm = self.sudo().realm_id
        try:
            tokens = self._qbo_oauth().exchange_code(code, realm_id)
        except QboError as error:
            self._qbo_set_error(error)
            return False
        self._qbo_save_tokens(tokens, realm_id=realm_id, with_commit=with_commit)
        self.write({"state": "connected", "state_message": False})
        if previous_realm and previous_realm != realm_id:
            self.message_post(body=_(
                "Connected to another QuickBooks company (realm %(new)s instead of %(old)s): fetch its chart of "
                "accounts and check the account mapping.", new=realm_id, old=previous_realm))
        else:
            self.message_post(body=_("Connected to QuickBooks."))
            # the same QuickBooks company again: what waited for the sign-in can go out now
            self.env["qbo.posting"]._qbo_requeue_blocked(self.company_id, ["reauth"])
        self._qbo_check(with_commit=with_commit)
        return True

    def action_disconnect(self):
        """Revoke the tokens at Intuit (best effort) and forget them."""
        for connection in self:
            connection._qbo_check_manager()
            connection._qbo_disconnect()
        return True

    def _qbo_disconnect(self, with_commit=True):
        self.ensure_one()
        tokens, _realm = self._qbo_read_tokens(with_commit=with_commit)
        if tokens:
            try:
                self._qbo_oauth().revoke(tokens)
            except (QboError, UserError) as error:
                # The tokens are forgotten anyway; a refresh token nobody holds expires by itself.
                _logger.warning("QuickBooks revoke failed for %s: %s", self.display_name, error)
        self._qbo_save_tokens(None, realm_id=False, with_commit=with_commit)
        self.write({"state": "not_connected", "state_message": False})
        self.message_post(body=_("Disconnected from QuickBooks."))

    # ------------------------------------------------------------------ connection check
    def action_test_connection(self):
        for connection in self:
            connection._qbo_check()
        return True

    def _qbo_check(self, with_commit=True):
        """Read the QuickBooks company and store what matters for posting.

        Stores home currency, closing date (BookCloseDate) and the company name;
        warns when the home currency differs from the company's currency, when
        synced products are inventory-type items in QuickBooks (QuickBooks would
        book their cost of goods sold a second time), and when roles have no
        company-wide account.

        :returns: True when QuickBooks answered, False when the call failed
        """
        self.ensure_one()
        now = fields.Datetime.now()
        try:
            with self._qbo_client(with_commit=with_commit) as client:
                settings = client.company_settings()
                company_info = client.company_info()
                inventory_items = client.inventory_items()
        except QboError as error:
            self._qbo_set_error(error)
            self.write({"last_check_date": now, "check_warning": True, "last_check_message": self.state_message})
            return False
        warnings = self._qbo_check_warnings(settings, inventory_items)
        if warnings:
            message = "\n".join("• " + warning for warning in warnings)
        else:
            message = _("QuickBooks answered; nothing to fix.")
        self.write({
            "state": "connected",
            "state_message": False,
            "last_check_date": now,
            "last_check_message": message,
            "check_warning": bool(warnings),
            "home_currency": settings.home_currency or False,
            "book_close_date": settings.closing_date or False,
            "qbo_company_name": getattr(company_info, "CompanyName", None) or False,
        })
        return True

    def _qbo_check_warnings(self, settings, inventory_items):
        """Sentences for the accountant, one per problem found by the connection check."""
        self.ensure_one()
        warnings = []
        company_currency = self.company_id.currency_id.name
        if settings.home_currency and settings.home_currency != company_currency:
            warnings.append(_(
                "The QuickBooks home currency is %(qbo)s but %(company)s keeps its stock in %(odoo)s: "
                "connect the QuickBooks company whose home currency is %(odoo)s.",
                qbo=settings.home_currency, company=self.company_id.name, odoo=company_currency))
        clashing = self._qbo_synced_inventory_items(inventory_items)
        if clashing:
            warnings.append(_(
                "These products are inventory-type items in QuickBooks, which books their cost of goods sold "
                "itself, so it would be counted twice: %(items)s. Make them non-inventory items in QuickBooks.",
                items=", ".join(clashing)))
        if settings.warn_duplicate_journal_number is False:
            warnings.append(_(
                "QuickBooks accepts a second journal entry with a number already used (the preference \"Warn if "
                "duplicate journal number is used\" is off). Turn it on in QuickBooks (Settings → Account and "
                "settings → Advanced → Other preferences): QuickBooks then refuses a duplicate itself, a last "
                "safety net against booking an entry twice."))
        if settings.closing_date:
            warnings.append(_("QuickBooks' books are closed through %(date)s: entries dated then or earlier are "
                              "refused.", date=settings.closing_date))
        unmapped = self.env["qbo.account.mapping"]._qbo_unmapped_roles(self.company_id)
        if unmapped:
            warnings.append(_("No company-wide QuickBooks account for: %(roles)s (QuickBooks → Configuration → "
                              "Account Mapping).", roles=", ".join(unmapped)))
        return warnings

    def _qbo_synced_inventory_items(self, inventory_items):
        """Names of QuickBooks inventory-type items that match a storable product of the company."""
        self.ensure_one()
        by_name = {(item.Name or "").strip().casefold(): item.Name for item in inventory_items if item.Name}
        if not by_name:
            return []
        products = self.env["product.product"].sudo().with_context(active_test=False).search([
            ("is_storable", "=", True), ("company_id", "in", [False, self.company_id.id])])
        found = set()
        for product in products:
            for key in (product.name, product.default_code, product.display_name):
                name = by_name.get((key or "").strip().casefold())
                if name:
                    found.add(name)
        return sorted(found)

    # ------------------------------------------------------------------ chart of accounts
    def action_fetch_chart(self):
        for connection in self:
            connection._qbo_fetch_chart()
        return True

    def _qbo_fetch_chart(self, with_commit=True):
        """Refresh the cached QuickBooks accounts, classes and departments of this connection."""
        self.ensure_one()
        try:
            with self._qbo_client(with_commit=with_commit) as client:
                accounts = client.accounts(include_inactive=True)
                classes = client.classes()
                departments = client.departments()
        except QboError as error:
            self._qbo_set_error(error)
            raise UserError(_("%(connection)s: the chart of accounts could not be read: %(why)s",
                              connection=self.display_name, why=self.state_message)) from error
        self.env["qbo.account"]._qbo_sync(self, accounts)
        self.env["qbo.dimension"]._qbo_sync(self, "class", classes)
        self.env["qbo.dimension"]._qbo_sync(self, "department", departments)
        return True

    def action_open_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_qbo_account")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_open_dimensions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_qbo_dimension")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ cron
    @api.model
    def _cron_check_token_expiry(self):
        """Warn the company's QuickBooks administrators 14 days before the sign-in expires."""
        now = fields.Datetime.now()
        tokens = self.env["qbo.connection.token"].sudo().search([
            ("refresh_token", "!=", False), ("refresh_expires_at", "<=", now + TOKEN_EXPIRY_WARNING)])
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for token in tokens:
            connection = token.connection_id
            if token.refresh_expires_at <= now:
                connection._qbo_set_error(ReconnectNeeded("refresh token expired"))
            summary = _("Reconnect QuickBooks before %(date)s", date=fields.Date.to_string(token.refresh_expires_at))
            note = _("The QuickBooks sign-in of %(company)s expires on %(date)s; postings stop then. Open the "
                     "connection and click Connect to QuickBooks.",
                     company=connection.company_id.name, date=fields.Date.to_string(token.refresh_expires_at))
            for user in connection._qbo_admins():
                already = connection.activity_ids.filtered(
                    lambda activity: activity.user_id == user and activity.summary == summary)
                if not already:
                    connection.activity_schedule(
                        activity_type_id=todo.id if todo else False, summary=summary, note=note, user_id=user.id,
                        date_deadline=fields.Date.to_date(token.refresh_expires_at) - timedelta(days=1))

    def _qbo_admins(self):
        """Active internal users allowed to reconnect this company (QuickBooks administrators)."""
        return self._qbo_users("stock_quickbooks_sync.group_qbo_manager")

    def _qbo_users(self, group_xmlid):
        """Active internal users of this company in the group ``group_xmlid`` (never OdooBot)."""
        self.ensure_one()
        group = self.env.ref(group_xmlid)
        return group.sudo().users.filtered(
            lambda user: user.active and not user.share and self.company_id in user.company_ids
            and user.id != self.env.ref("base.user_root").id)


def _hash_state(state):
    return hashlib.sha256(state.encode()).hexdigest()
