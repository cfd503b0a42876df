"""One company's connection to QuickBooks Online: its settings, its tokens and the engine client built from them.

The rest of the connection lives beside it, one concept a file: connecting (``qbo_connection_oauth``),
the connection check (``qbo_connection_check``), the chart of accounts (``qbo_connection_chart``), the
sign-in expiry cron (``qbo_connection_expiry``), the token row (``qbo_connection_token``), the inbox
(``qbo_connection_inbox``) and the dashboard (``qbo_connection_dashboard``).
"""
import functools
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..const import CONNECTION_STATES, ENVIRONMENTS, POSTING_MODES
from ..qbo_engine.auth import SANDBOX, OAuth
from ..qbo_engine.client import MINIMUM_MINOR_VERSION, QboClient
from ..qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded
from ..qbo_engine.ratelimit import RateLimiter
from .qbo_error_messages import qbo_error_text, qbo_sign_in_lost

CALLBACK_PATH = "/qbo/oauth/callback"
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

    # ------------------------------------------------------------------ users
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
