"""Intuit's change notifications: checked, stored once, answered at once; the inbox cron acts on them."""
import logging

from odoo import http
from odoo.http import request

from ..qbo_engine.webhooks import SIGNATURE_HEADER, WebhookPayloadError, parse_delivery, signature_is_valid

_logger = logging.getLogger(__name__)


class QboWebhookController(http.Controller):

    _webhook_url = "/qbo/webhook"

    @http.route(_webhook_url, type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def qbo_webhook(self, **_kwargs):
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get(SIGNATURE_HEADER)
        Connection = request.env["qbo.connection"].sudo()
        # Each company may have its own Intuit app, hence its own token: the delivery is for the
        # connections whose token signs it (compared in constant time, one token after the other).
        signed_for = Connection.search([("webhook_verifier_token", "!=", False)]).filtered(
            lambda connection: signature_is_valid(body, signature, connection.webhook_verifier_token))
        if not signed_for:
            _logger.warning("QuickBooks webhook refused from %s: %s signature", request.httprequest.remote_addr,
                            "a wrong" if signature else "no")
            return request.make_response("invalid signature", status=401)
        try:
            events = parse_delivery(body)
        except WebhookPayloadError as error:
            # Intuit would only send it again: acknowledge, and leave change data capture to catch up.
            _logger.warning("QuickBooks webhook not understood (%s); change data capture reads these changes",
                            error)
            return request.make_response("not understood", status=200)
        rows = Connection._qbo_webhook_rows(events, signed_for)
        inserted = request.env["qbo.inbox.event"].sudo()._qbo_store(rows)
        _logger.info("QuickBooks webhook: %d changes, %d new", len(rows), len(inserted))
        return request.make_response("ok", status=200)
