"""OAuth 2.0 with Intuit through intuit-oauth: authorization URL, code exchange, token refresh.

Tokens travel as an immutable :class:`TokenSet`; this module never stores
them. Whoever refreshes must hand the rotated set to the caller's persist
callback before using it (QuickBooks rotates the refresh token on every
refresh, so a lost set means a lost connection).
"""
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from .errors import ErrorKind, QboError, ReconnectNeeded, classify_exception, classify_response

SANDBOX = 'sandbox'
PRODUCTION = 'production'
API_URLS = {
    SANDBOX: 'https://sandbox-quickbooks.api.intuit.com/v3',
    PRODUCTION: 'https://quickbooks.api.intuit.com/v3',
}
DISCOVERY_PATH = '/.well-known/openid_configuration'
# Intuit's defaults, used only when a token reply omits its lifetimes.
ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 100 * 24 * 3600


def utcnow():
    return datetime.now(timezone.utc)


def api_base_url(environment):
    """The accounting API root ('.../v3') for 'sandbox', 'production' or a base URL (the emulator)."""
    if environment in API_URLS:
        return API_URLS[environment]
    return _custom_base(environment) + '/v3'


def discovery_environment(environment):
    """What intuit-oauth's AuthClient takes: 'sandbox'/'production', or a discovery document URL."""
    if environment in API_URLS:
        return environment
    return _custom_base(environment) + DISCOVERY_PATH


def _custom_base(environment):
    base = (environment or '').strip().rstrip('/')
    if not base.startswith(('http://', 'https://')):
        raise QboError(ErrorKind.CONFIG, 'Unknown QuickBooks environment %r' % environment, reason='bad_address',
                       user_message="The QuickBooks environment must be 'sandbox', 'production' or an http(s) "
                                    "address.")
    return base


@dataclass(frozen=True)
class TokenSet:
    """One company's OAuth tokens with their absolute expiry times (UTC)."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime

    def __post_init__(self):
        # Odoo stores naive UTC datetimes: read them as UTC rather than fail comparing with aware ones.
        for name in ('access_expires_at', 'refresh_expires_at'):
            value = getattr(self, name)
            if value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=timezone.utc))

    def __repr__(self):
        # Tokens are secrets: never let them reach a log through repr().
        return 'TokenSet(access_expires_at=%s, refresh_expires_at=%s)' % (
            self.access_expires_at.isoformat(), self.refresh_expires_at.isoformat())

    @classmethod
    def from_token_reply(cls, reply, now=None):
        """Build from Intuit's token reply (access_token, refresh_token, expires_in, x_refresh_token_expires_in)."""
        now = now or utcnow()
        return cls(
            access_token=reply['access_token'],
            refresh_token=reply['refresh_token'],
            access_expires_at=now + timedelta(seconds=int(reply.get('expires_in') or ACCESS_TOKEN_SECONDS)),
            refresh_expires_at=now + timedelta(
                seconds=int(reply.get('x_refresh_token_expires_in') or REFRESH_TOKEN_SECONDS)),
        )

    def access_expired(self, now=None, margin=timedelta(seconds=60)):
        """True when the access token is expired or about to be (``margin`` early)."""
        return (now or utcnow()) >= self.access_expires_at - margin

    def refresh_expired(self, now=None):
        return (now or utcnow()) >= self.refresh_expires_at


class _TimedAuthClient(AuthClient):
    """intuit-oauth's AuthClient is a requests.Session without timeouts; give every call one."""

    def __init__(self, *args, timeout, **kwargs):
        self.request_timeout = timeout  # set first: the parent constructor already fetches the discovery doc
        super().__init__(*args, **kwargs)

    def request(self, method, url, **kwargs):
        kwargs.setdefault('timeout', self.request_timeout)
        return super().request(method, url, **kwargs)


class OAuth:
    """One QuickBooks app (client id/secret) in one environment.

    :param environment: 'sandbox', 'production' or a base URL such as the
        emulator's ``http://127.0.0.1:PORT`` (its discovery document is then
        read from ``BASE/.well-known/openid_configuration``)
    :param timeout: seconds for each call to Intuit's OAuth endpoints
    :param clock: returns the current aware UTC datetime (tests inject one)
    """

    def __init__(self, client_id, client_secret, redirect_uri, environment, timeout=30, clock=utcnow):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.environment = environment
        self.timeout = timeout
        self.clock = clock
        self._auth_client = None
        # intuit-oauth keeps the last tokens on the AuthClient object: serialise its use.
        self._lock = threading.Lock()

    def _client(self):
        if self._auth_client is None:
            try:
                self._auth_client = _TimedAuthClient(
                    self.client_id, self.client_secret, self.redirect_uri,
                    discovery_environment(self.environment), timeout=self.timeout)
            except (AuthClientError, ValueError) as exc:
                raise QboError(ErrorKind.CONFIG, 'OAuth discovery document unavailable', detail=str(exc),
                               reason='bad_address',
                               user_message='The QuickBooks sign-in service could not be reached or answered '
                                            'oddly; check the environment of the connection.') from exc
            except Exception as exc:
                raise classify_exception(exc) from exc
        return self._auth_client

    def authorization_url(self, state, scopes=(Scopes.ACCOUNTING,)):
        """URL of Intuit's consent page; ``state`` is the caller's CSRF token, checked on return."""
        with self._lock:
            return self._client().get_authorization_url(list(scopes), state_token=state)

    def exchange_code(self, code, realm_id):
        """Trade the authorization code from the redirect for a :class:`TokenSet`."""
        with self._lock:
            client = self._client()
            self._reset(client)
            try:
                client.get_bearer_token(code, realm_id=realm_id)
            except Exception as exc:
                raise self._token_error(exc) from exc
            return self._tokens_from(client)

    def refresh(self, tokens):
        """A fresh :class:`TokenSet` for ``tokens``; the refresh token rotates.

        :raises ReconnectNeeded: the refresh token is expired or revoked (``invalid_grant``)
        :raises QboError: any other failure, classified
        """
        if tokens.refresh_expired(self.clock()):
            raise ReconnectNeeded('reconnect needed: refresh token expired on %s'
                                  % tokens.refresh_expires_at.date().isoformat(), http_status=None)
        with self._lock:
            client = self._client()
            self._reset(client)
            try:
                client.refresh(refresh_token=tokens.refresh_token)
            except Exception as exc:
                raise self._token_error(exc) from exc
            return self._tokens_from(client)

    def revoke(self, tokens):
        """Disconnect: revoke the refresh token (and with it the access token)."""
        with self._lock:
            try:
                return self._client().revoke(token=tokens.refresh_token)
            except Exception as exc:
                raise self._token_error(exc) from exc

    @staticmethod
    def _reset(client):
        # Never let a previous reply's tokens pass for this one's.
        client.access_token = client.refresh_token = None
        client.expires_in = client.x_refresh_token_expires_in = None

    def _tokens_from(self, client):
        if not client.access_token or not client.refresh_token:
            raise QboError(ErrorKind.AMBIGUOUS, 'Token reply without tokens', reason='malformed',
                           user_message='The QuickBooks sign-in service answered without tokens; try again.')
        return TokenSet.from_token_reply({
            'access_token': client.access_token,
            'refresh_token': client.refresh_token,
            'expires_in': client.expires_in,
            'x_refresh_token_expires_in': client.x_refresh_token_expires_in,
        }, now=self.clock())

    @staticmethod
    def _token_error(exc):
        if isinstance(exc, QboError):
            return exc
        if isinstance(exc, AuthClientError):
            error = classify_response(exc.status_code, exc.content, exc.headers)
            if isinstance(error, ReconnectNeeded):
                return error
            if exc.status_code in (400, 401):
                # Intuit answers 400/401 for a bad client id/secret or code: nothing a retry fixes.
                return QboError(ErrorKind.REAUTH, error.message, http_status=exc.status_code, detail=error.detail,
                                reason='auth', user_message='QuickBooks refused the sign-in: check the app keys '
                                                            'and reconnect the company.')
            return error
        return classify_exception(exc)
