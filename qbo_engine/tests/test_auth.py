"""OAuth through intuit-oauth against a mocked Intuit (discovery document, token endpoint)."""
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from qbo_engine.auth import OAuth, TokenSet, api_base_url, discovery_environment
from qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded

BASE = 'http://qbo.test'
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
DISCOVERY = {
    'issuer': 'https://oauth.platform.intuit.com/op/v1',
    'authorization_endpoint': BASE + '/connect/oauth2',
    'token_endpoint': BASE + '/oauth2/v1/tokens/bearer',
    'revocation_endpoint': BASE + '/oauth2/v1/tokens/revoke',
    'userinfo_endpoint': BASE + '/v1/openid_connect/userinfo',
    'jwks_uri': BASE + '/oauth2/v1/keys',
}
TOKEN_REPLY = {'access_token': 'access-2', 'refresh_token': 'refresh-2', 'token_type': 'bearer',
               'expires_in': 3600, 'x_refresh_token_expires_in': 8726400}


def tokens(refresh_expires=NOW + timedelta(days=50)):
    return TokenSet('access-1', 'refresh-1', NOW - timedelta(minutes=1), refresh_expires)


@pytest.fixture
def intuit():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, BASE + '/.well-known/openid_configuration', json=DISCOVERY)
        yield mock


def make_oauth():
    return OAuth('client-id', 'client-secret', 'https://odoo.test/qbo/callback', BASE, timeout=5, clock=lambda: NOW)


def test_environment_urls():
    assert api_base_url('sandbox') == 'https://sandbox-quickbooks.api.intuit.com/v3'
    assert api_base_url('production') == 'https://quickbooks.api.intuit.com/v3'
    assert api_base_url('http://127.0.0.1:8080/') == 'http://127.0.0.1:8080/v3'
    assert discovery_environment('sandbox') == 'sandbox'
    assert discovery_environment('http://127.0.0.1:8080') == 'http://127.0.0.1:8080/.well-known/openid_configuration'
    with pytest.raises(QboError) as info:
        api_base_url('staging')
    assert info.value.kind == ErrorKind.CONFIG


def test_authorization_url_carries_state_and_accounting_scope(intuit):
    url = make_oauth().authorization_url('csrf-123')
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    assert url.startswith(BASE + '/connect/oauth2?')
    assert query['state'] == ['csrf-123']
    assert query['scope'] == ['com.intuit.quickbooks.accounting']
    assert query['redirect_uri'] == ['https://odoo.test/qbo/callback']


def test_exchange_code_returns_tokens_with_expiry(intuit):
    intuit.add(responses.POST, DISCOVERY['token_endpoint'], json=TOKEN_REPLY)
    result = make_oauth().exchange_code('auth-code', '9130')
    assert result.access_token == 'access-2' and result.refresh_token == 'refresh-2'
    assert result.access_expires_at == NOW + timedelta(seconds=3600)
    assert result.refresh_expires_at == NOW + timedelta(seconds=8726400)
    body = parse_qs(intuit.calls[-1].request.body)
    assert body['grant_type'] == ['authorization_code'] and body['code'] == ['auth-code']
    assert intuit.calls[-1].request.headers['Authorization'].startswith('Basic ')


def test_refresh_rotates_refresh_token(intuit):
    intuit.add(responses.POST, DISCOVERY['token_endpoint'], json=TOKEN_REPLY)
    result = make_oauth().refresh(tokens())
    assert result.refresh_token == 'refresh-2'
    body = parse_qs(intuit.calls[-1].request.body)
    assert body == {'grant_type': ['refresh_token'], 'refresh_token': ['refresh-1']}


def test_invalid_grant_becomes_reconnect_needed(intuit):
    intuit.add(responses.POST, DISCOVERY['token_endpoint'], status=400, json={'error': 'invalid_grant'})
    with pytest.raises(ReconnectNeeded) as info:
        make_oauth().refresh(tokens())
    assert info.value.kind == ErrorKind.REAUTH
    assert 'reconnect needed' in str(info.value)


def test_expired_refresh_token_needs_reconnect_without_a_call(intuit):
    with pytest.raises(ReconnectNeeded):
        make_oauth().refresh(tokens(refresh_expires=NOW - timedelta(seconds=1)))
    assert not any(call.request.method == 'POST' for call in intuit.calls)


def test_bad_client_credentials_are_reauth(intuit):
    intuit.add(responses.POST, DISCOVERY['token_endpoint'], status=401, json={'error': 'invalid_client'})
    with pytest.raises(QboError) as info:
        make_oauth().refresh(tokens())
    assert info.value.kind == ErrorKind.REAUTH and not isinstance(info.value, ReconnectNeeded)


def test_token_endpoint_timeout_is_classified(intuit):
    intuit.add(responses.POST, DISCOVERY['token_endpoint'], body=requests.exceptions.ReadTimeout('slow'))
    with pytest.raises(QboError) as info:
        make_oauth().refresh(tokens())
    assert info.value.kind == ErrorKind.AMBIGUOUS


def test_every_oauth_call_has_a_timeout(intuit, sent_timeouts):
    intuit.add(responses.POST, DISCOVERY['token_endpoint'], json=TOKEN_REPLY)
    make_oauth().refresh(tokens())
    assert sent_timeouts == [5, 5]  # discovery document, then the token call


def test_discovery_failure_is_config(intuit):
    intuit.replace(responses.GET, BASE + '/.well-known/openid_configuration', status=404, body='nope')
    with pytest.raises(QboError) as info:
        make_oauth().authorization_url('state')
    assert info.value.kind == ErrorKind.CONFIG


def test_token_set_repr_hides_secrets():
    text = repr(tokens())
    assert 'access-1' not in text and 'refresh-1' not in text


def test_token_set_expiry_margin():
    fresh = TokenSet('a', 'r', NOW + timedelta(minutes=30), NOW + timedelta(days=1))
    assert not fresh.access_expired(NOW)
    assert fresh.access_expired(NOW + timedelta(minutes=29, seconds=30))


def test_naive_expiry_times_are_read_as_utc():
    naive = TokenSet('a', 'r', datetime(2024, 5, 1, 13, 0), datetime(2024, 8, 1))
    assert naive.access_expires_at == datetime(2024, 5, 1, 13, 0, tzinfo=timezone.utc)
    assert not naive.access_expired(NOW)


def test_token_reply_without_lifetimes_uses_intuit_defaults():
    result = TokenSet.from_token_reply(json.loads('{"access_token": "a", "refresh_token": "r"}'), now=NOW)
    assert result.access_expires_at == NOW + timedelta(hours=1)
    assert result.refresh_expires_at == NOW + timedelta(days=100)
