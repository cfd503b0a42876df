"""Intuit's OAuth 2.0 as the emulator plays it: discovery, consent page, token endpoint, bearer checks.

- access tokens live 3600 s; refresh tokens ~101 days (``x_refresh_token_expires_in``);
- every refresh rotates the refresh token; the old one keeps answering with the
  SAME new pair for ``grace_seconds``, then answers 400 ``{"error": "invalid_grant"}``;
- authorization codes are single-use and live 5 minutes.
"""
import base64
import html
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 8726400
AUTH_CODE_SECONDS = 300
DEFAULT_GRACE_SECONDS = 180.0
REVOKED_APPS_SETTING = 'revoked_apps'  # store setting: client ids of apps revoked by the admin switch
ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting'
AUTHORIZE_PATH = '/connect/oauth2'
TOKEN_PATH = '/oauth2/v1/tokens/bearer'
REVOKE_PATH = '/oauth2/v1/tokens/revoke'
USERINFO_PATH = '/v1/openid_connect/userinfo'
JWKS_PATH = '/oauth2/v1/openid_connect/keys'
DISCOVERY_PATHS = ('/.well-known/openid_configuration', '/.well-known/openid_configuration/',
                   '/.well-known/openid_sandbox_configuration', '/.well-known/openid_sandbox_configuration/')


@dataclass
class WebAnswer:
    status: int
    body: object
    content_type: str = 'application/json'
    headers: dict = None


class BearerRefused(Exception):
    """A bearer token that cannot be used: status 401 (3200) or 403 (3100)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def discovery_document(base_url: str) -> dict:
    return {
        'issuer': base_url,
        'authorization_endpoint': base_url + AUTHORIZE_PATH,
        'token_endpoint': base_url + TOKEN_PATH,
        'userinfo_endpoint': base_url + USERINFO_PATH,
        'revocation_endpoint': base_url + REVOKE_PATH,
        'jwks_uri': base_url + JWKS_PATH,
        'response_types_supported': ['code'],
        'subject_types_supported': ['public'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'scopes_supported': ['openid', 'email', 'profile', 'address', 'phone', ACCOUNTING_SCOPE],
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'client_secret_basic'],
        'claims_supported': ['aud', 'exp', 'iat', 'iss', 'realmid', 'sub'],
    }


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = parts.query + ('&' if parts.query else '') + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class OAuthService:
    def __init__(self, store, clock, counters, grace_seconds: float = DEFAULT_GRACE_SECONDS):
        self.store = store
        self.clock = clock
        self.counters = counters
        self.grace_seconds = float(grace_seconds)

    # === consent === #

    def issue_code(self, client_id: str, realm_id: str, redirect_uri: str) -> str:
        code = 'AB' + secrets.token_urlsafe(24)
        self.store.add_auth_code(code, client_id, realm_id, redirect_uri, self.clock.time() + AUTH_CODE_SECONDS)
        return code

    def authorize(self, params: dict) -> WebAnswer:
        """GET shows the consent page; auto_approve=1 (tests) or decision=approve redirects with a code."""
        app = self.store.get_app(params.get('client_id', ''))
        if app is None:
            return self._page(400, 'Unknown app', '<p>The client_id is not registered.</p>')
        redirect_uri = params.get('redirect_uri', '')
        if redirect_uri != app['redirect_uri']:
            return self._page(400, 'Redirect URI mismatch',
                              f'<p>{html.escape(redirect_uri)} is not a redirect URI of this app.</p>')
        if params.get('response_type', 'code') != 'code':
            return self._page(400, 'Unsupported response_type', '<p>Only response_type=code is supported.</p>')
        if ACCOUNTING_SCOPE not in params.get('scope', ACCOUNTING_SCOPE).split():
            return self._page(400, 'Missing scope', f'<p>The scope must include {ACCOUNTING_SCOPE}.</p>')
        companies = self.store.list_companies()
        if not companies:
            return self._page(400, 'No company', '<p>Create a company in the emulator first.</p>')
        state = params.get('state', '')
        decision = params.get('decision') or ('approve' if params.get('auto_approve') in ('1', 'true') else None)
        if decision == 'deny':
            return self._redirect(_with_query(redirect_uri, {'error': 'access_denied', 'state': state}))
        if decision == 'approve':
            realm_id = params.get('realm_id') or params.get('realmId') or companies[0]['realm_id']
            if realm_id not in {c['realm_id'] for c in companies}:
                return self._page(400, 'Unknown company', f'<p>No company {html.escape(realm_id)}.</p>')
            code = self.issue_code(app['client_id'], realm_id, redirect_uri)
            return self._redirect(_with_query(redirect_uri, {'code': code, 'state': state, 'realmId': realm_id}))
        return self._consent_page(app, companies, params)

    def _consent_page(self, app, companies, params) -> WebAnswer:
        hidden = ''.join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items() if k in ('client_id', 'redirect_uri', 'scope', 'state',
                                                             'response_type'))
        options = ''.join(f'<option value="{html.escape(c["realm_id"])}">{html.escape(c["name"])} '
                          f'({html.escape(c["realm_id"])})</option>' for c in companies)
        body = (f'<p><strong>{html.escape(app["name"])}</strong> wants to connect to your QuickBooks company.</p>'
                f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
                f'<label>Company <select name="realm_id">{options}</select></label> '
                '<button type="submit" name="decision" value="approve">Connect</button> '
                '<button type="submit" name="decision" value="deny">Cancel</button></form>')
        return self._page(200, 'Connect to QuickBooks (emulator)', body)

    @staticmethod
    def _page(status: int, title: str, body: str) -> WebAnswer:
        page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
                f'<body><h1>{html.escape(title)}</h1>{body}</body></html>')
        return WebAnswer(status, page, 'text/html; charset=utf-8')

    @staticmethod
    def _redirect(location: str) -> WebAnswer:
        return WebAnswer(302, '', 'text/html; charset=utf-8', {'Location': location})

    # === token endpoint === #

    def _client(self, authorization: str, form: dict):
        """Basic auth (what intuitlib sends) or client_secret_post; None when it does not match."""
        client_id, secret = form.get('client_id'), form.get('client_secret')
        if authorization and authorization.lower().startswith('basic '):
            try:
                decoded = base64.b64decode(authorization.split(' ', 1)[1]).decode('utf-8')
                client_id, secret = decoded.split(':', 1)
            except (ValueError, UnicodeDecodeError):
                return None
        app = self.store.get_app(client_id or '')
        if app is None or not secrets.compare_digest(app['client_secret'], secret or ''):
            return None
        return app

    def _mint_pair(self, client_id: str, realm_id: str) -> tuple:
        now = self.clock.time()
        access, refresh = 'eyJ' + secrets.token_urlsafe(48), 'AB11' + secrets.token_urlsafe(36)
        self.store.add_access_token(access, client_id, realm_id, now + ACCESS_TOKEN_SECONDS)
        self.store.add_refresh_token(refresh, client_id, realm_id, now + REFRESH_TOKEN_SECONDS)
        return access, refresh

    def _token_answer(self, access: str, refresh: str) -> WebAnswer:
        now = self.clock.time()
        access_row = self.store.get_access_token(access)
        refresh_row = self.store.get_refresh_token(refresh)
        return WebAnswer(200, {
            'token_type': 'bearer',
            'access_token': access,
            'refresh_token': refresh,
            'expires_in': max(0, round(access_row['expires_at'] - now)),
            'x_refresh_token_expires_in': max(0, round(refresh_row['expires_at'] - now)),
        }, headers={'Cache-Control': 'no-store', 'Pragma': 'no-cache'})

    @staticmethod
    def _invalid_grant() -> WebAnswer:
        return WebAnswer(400, {'error': 'invalid_grant'})

    def token(self, authorization: str, raw_form: bytes) -> WebAnswer:
        self.counters.add('token_requests')
        form = {k: v[0] for k, v in parse_qs(raw_form.decode('utf-8', 'replace')).items()}
        app = self._client(authorization, form)
        if app is None:
            return WebAnswer(401, {'error': 'invalid_client'})
        grant = form.get('grant_type')
        with self.store.transaction():
            if grant == 'authorization_code':
                return self._code_grant(app, form)
            if grant == 'refresh_token':
                return self._refresh_grant(app, form)
        return WebAnswer(400, {'error': 'unsupported_grant_type'})

    def _code_grant(self, app, form) -> WebAnswer:
        row = self.store.get_auth_code(form.get('code', ''))
        if (row is None or row['used'] or row['client_id'] != app['client_id']
                or row['expires_at'] <= self.clock.time() or row['redirect_uri'] != form.get('redirect_uri')):
            return self._invalid_grant()
        self.store.use_auth_code(row['code'])
        return self._token_answer(*self._mint_pair(app['client_id'], row['realm_id']))

    def app_revoked(self, client_id: str) -> bool:
        """The admin switch of a disconnected app (see EmulatorAdmin.revoke_app)."""
        return client_id in self.store.get_setting(REVOKED_APPS_SETTING, [])

    def _refresh_grant(self, app, form) -> WebAnswer:
        row = self.store.get_refresh_token(form.get('refresh_token', ''))
        now = self.clock.time()
        if row is None or row['revoked'] or row['client_id'] != app['client_id'] or row['expires_at'] <= now \
                or self.app_revoked(app['client_id']):
            return self._invalid_grant()
        if row['rotated_at'] is not None:
            if now - row['rotated_at'] <= self.grace_seconds:
                return self._token_answer(row['next_access'], row['next_refresh'])
            return self._invalid_grant()
        access, refresh = self._mint_pair(app['client_id'], row['realm_id'])
        self.store.rotate_refresh_token(row['token'], now, access, refresh)
        return self._token_answer(access, refresh)

    def revoke(self, authorization: str, raw_body: bytes) -> WebAnswer:
        if self._client(authorization, {}) is None:
            return WebAnswer(401, {'error': 'invalid_client'})
        try:
            token = json.loads(raw_body.decode('utf-8') or '{}').get('token', '')
        except (ValueError, AttributeError):
            token = ''
        if not token:
            return WebAnswer(400, {'error': 'invalid_request'})
        self.store.revoke_token(token)
        return WebAnswer(200, '', 'text/plain')

    # === bearer check === #

    def authenticate(self, authorization: str, realm_id: str) -> dict:
        """The access-token row for an API call, or BearerRefused."""
        if not authorization or not authorization.lower().startswith('bearer '):
            raise BearerRefused(401, 'Authorization header missing or not a bearer token')
        token = authorization.split(' ', 1)[1].strip()
        row = self.store.get_access_token(token)
        if row is None or row['revoked'] or self.app_revoked(row['client_id']):
            raise BearerRefused(401, 'Token invalid or revoked')
        if row['expires_at'] <= self.clock.time():
            raise BearerRefused(401, f'Token expired: {token[:12]}...')
        if row['realm_id'] != realm_id:
            raise BearerRefused(403, f'The token does not give access to company {realm_id}')
        return row
