from datetime import timezone

from odoo import fields, models

from ..qbo_engine.auth import TokenSet

UTC = timezone.utc


class QboConnectionToken(models.Model):
    """The OAuth tokens and realm of one QuickBooks connection, in a row of their own.

    QuickBooks rotates the refresh token on every refresh, so a rotated token is
    committed at once in a separate transaction (``qbo.connection._qbo_save_tokens``).
    Keeping the tokens off the ``qbo_connection`` row means that commit never
    touches a row the caller's transaction may also write (state, check results):
    no lock wait between the two transactions, no serialization failure after it.
    Only system administrators read these fields; nobody writes them but the
    connection itself, as superuser.
    """

    _name = "qbo.connection.token"
    _description = "QuickBooks Connection Tokens"

    connection_id = fields.Many2one("qbo.connection", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    realm_id = fields.Char("Realm ID", readonly=True, groups="base.group_system")
    access_token = fields.Char(readonly=True, groups="base.group_system")
    refresh_token = fields.Char(readonly=True, groups="base.group_system")
    access_expires_at = fields.Datetime("Access Token Expires", readonly=True, groups="base.group_system")
    refresh_expires_at = fields.Datetime("Refresh Token Expires", readonly=True, groups="base.group_system")

    _sql_constraints = [
        ("connection_unique", "UNIQUE(connection_id)", "A QuickBooks connection has one set of tokens."),
    ]

    def _qbo_tokenset(self):
        """The engine's TokenSet of this row, or None when the company is not connected."""
        self.ensure_one()
        if not (self.access_token and self.refresh_token and self.access_expires_at and self.refresh_expires_at):
            return None
        return TokenSet(
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            access_expires_at=fields.Datetime.to_datetime(self.access_expires_at).replace(tzinfo=UTC),
            refresh_expires_at=fields.Datetime.to_datetime(self.refresh_expires_at).replace(tzinfo=UTC),
        )

    @staticmethod
    def _qbo_token_vals(tokens, realm_id=None):
        """Field values for a TokenSet (None wipes the tokens); Odoo stores naive UTC datetimes."""
        vals = {
            "access_token": tokens.access_token if tokens else False,
            "refresh_token": tokens.refresh_token if tokens else False,
            "access_expires_at": _naive_utc(tokens.access_expires_at) if tokens else False,
            "refresh_expires_at": _naive_utc(tokens.refresh_expires_at) if tokens else False,
        }
        if realm_id is not None:
            vals["realm_id"] = realm_id or False
        return vals


def _naive_utc(moment):
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment

