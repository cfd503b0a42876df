"""Connecting a company to QuickBooks (OAuth 2.0): Intuit's consent page, the callback, disconnecting."""
import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq

from ..qbo_engine.errors import QboError

_logger = logging.getLogger(__name__)

OAUTH_STATE_LIFETIME = timedelta(minutes=15)


class QboConnection(models.Model):
    _inherit = "qbo.connection"

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


def _hash_state(state):
    return hashlib.sha256(state.encode()).hexdigest()
