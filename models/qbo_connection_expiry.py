"""The daily check of the QuickBooks sign-in: administrators are asked to reconnect before it expires."""
from datetime import timedelta

from odoo import _, api, fields, models

from ..qbo_engine.errors import ReconnectNeeded
from .qbo_connection import TOKEN_EXPIRY_WARNING


class QboConnection(models.Model):
    _inherit = "qbo.connection"

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
