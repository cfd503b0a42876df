"""OAuth 2.0 with Intuit: send the user to the consent page, take the code back (CSRF-checked state)."""
import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

_logger = logging.getLogger(__name__)


class QboOAuthController(http.Controller):

    @http.route("/qbo/oauth/start/<int:connection_id>", type="http", auth="user", methods=["GET"])
    def qbo_oauth_start(self, connection_id):
        connection = request.env["qbo.connection"].browse(connection_id).exists()
        if not connection:
            raise Forbidden()
        try:
            url = connection._qbo_authorization_url()
        except AccessError as error:
            raise Forbidden(str(error)) from error
        return request.redirect(url, local=False)

    @http.route("/qbo/oauth/callback", type="http", auth="user", methods=["GET"])
    def qbo_oauth_callback(self, state=None, code=None, realmId=None, error=None, **kwargs):  # noqa: N803 (Intuit's name)
        try:
            connection = request.env["qbo.connection"]._qbo_oauth_callback(state, code, realmId, error=error)
        except AccessError as refused:
            _logger.warning("QuickBooks OAuth callback refused for user %s: %s", request.env.uid, refused)
            raise Forbidden(str(refused)) from refused
        return request.redirect(self._connection_url(connection))

    @staticmethod
    def _connection_url(connection):
        return "/odoo/qbo.connection/%d" % connection.id
