import contextlib
from datetime import timezone

import psycopg2.errors

from odoo import fields, models
from odoo.sql_db import TestCursor
from odoo.tools import SQL, mute_logger

from ..qbo_engine.auth import TokenSet
from ..qbo_engine.errors import ErrorKind, QboError

UTC = timezone.utc
TOKEN_LOCK_TIMEOUT = 15  # seconds a worker waits for another's refresh before giving up (retried later)


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



class QboConnection(models.Model):
    """One token refresh at a time per company, across threads and worker processes."""

    _inherit = "qbo.connection"

    def _qbo_token_guard(self, with_commit=True):
        """The engine client's ``token_guard``: ``guard()`` is a context manager yielding ``(saved, save)``.

        Entering it locks this connection's token row in a cursor of its own and reads the tokens
        saved last *after* the lock is granted (READ COMMITTED: a refresh another worker committed
        while we waited is seen, not lost to a serialization failure); ``save(tokens)`` writes in
        that cursor, committed when the block ends. The lock is waited for at most
        ``guard.timeout`` seconds. So two workers that find the access token expired together make
        one refresh call: the second adopts what the first saved.

        :param with_commit: False locks and saves in the caller's transaction (tests)
        """
        self.ensure_one()
        connection = self

        @contextlib.contextmanager
        def guard():
            if not with_commit:
                with connection.env.cr.savepoint():
                    yield connection._qbo_locked_tokens(connection.env)
                connection.invalidate_recordset(["token_id", "reconnect_before", "reconnect_soon"])
                return
            with connection.env.registry.cursor() as cr:  # commits when the block ends normally
                if not isinstance(cr, TestCursor):  # a test cursor is the test's transaction, already begun
                    cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
                cr.execute(SQL("SET LOCAL lock_timeout = %s", "%ds" % TOKEN_LOCK_TIMEOUT))
                own_env = connection.env(cr=cr, su=True)
                saved, save = connection.with_env(own_env)._qbo_locked_tokens(own_env)
                yield saved, save
                own_env.flush_all()
            # This transaction's snapshot may still hold the old row: never serve it from the cache.
            connection.env["qbo.connection.token"].invalidate_model()
            connection.invalidate_recordset(["token_id", "reconnect_before", "reconnect_soon"])

        guard.timeout = TOKEN_LOCK_TIMEOUT
        return guard

    def _qbo_locked_tokens(self, env):
        """(saved TokenSet or None, save) with the token row locked FOR UPDATE in ``env``'s transaction."""
        row = self.with_env(env)._qbo_token_row()
        env.flush_all()
        try:
            with env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                env.cr.execute(SQL("SELECT id FROM qbo_connection_token WHERE id = %s FOR UPDATE", row.id))
        except psycopg2.errors.LockNotAvailable as error:  # another worker's refresh is stuck: not ours to wait
            raise QboError(ErrorKind.RETRY_LATER, "token row locked", reason="tokens_busy", detail=str(error),
                           user_message="Another worker is renewing the QuickBooks sign-in; retried later.") from error
        row.invalidate_recordset()  # read what is committed now, under the lock

        def save(tokens):
            row.write(row._qbo_token_vals(tokens))
            env.flush_all()

        return row._qbo_tokenset(), save
