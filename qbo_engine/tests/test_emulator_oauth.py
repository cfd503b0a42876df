"""Emulator OAuth: discovery, consent, code and refresh grants, rotation with grace, bearer checks."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from qbo_engine.emulator.oauth import ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS

TIMEOUT = 10


def refresh(emulator, refresh_token):
    return emulator.token_request({'grant_type': 'refresh_token', 'refresh_token': refresh_token})


def test_discovery_document_lists_intuit_keys(emulator):
    doc = requests.get(emulator.discovery_url, timeout=TIMEOUT).json()
    assert doc['token_endpoint'] == emulator.base_url + '/oauth2/v1/tokens/bearer'
    assert doc['authorization_endpoint'] == emulator.base_url + '/connect/oauth2'
    for key in ('issuer', 'revocation_endpoint', 'userinfo_endpoint', 'jwks_uri'):
        assert doc[key].startswith(emulator.base_url)


def test_consent_page_shows_app_and_connect_then_redirects(emulator):
    params = {'client_id': emulator.client_id, 'response_type': 'code', 'redirect_uri': emulator.redirect_uri,
              'scope': 'com.intuit.quickbooks.accounting', 'state': 'csrf-1'}
    page = requests.get(emulator.base_url + '/connect/oauth2', params=params, timeout=TIMEOUT)
    assert page.status_code == 200
    assert 'stock_quickbooks_sync' in page.text and '>Connect<' in page.text

    approved = requests.post(emulator.base_url + '/connect/oauth2', allow_redirects=False, timeout=TIMEOUT,
                             data=dict(params, decision='approve', realm_id=emulator.realm_id))
    assert approved.status_code == 302
    location = urlsplit(approved.headers['Location'])
    assert f'{location.scheme}://{location.netloc}{location.path}' == emulator.redirect_uri
    query = parse_qs(location.query)
    assert query['state'] == ['csrf-1'] and query['realmId'] == [emulator.realm_id] and query['code'][0]

    denied = requests.post(emulator.base_url + '/connect/oauth2', allow_redirects=False, timeout=TIMEOUT,
                           data=dict(params, decision='deny'))
    assert parse_qs(urlsplit(denied.headers['Location']).query)['error'] == ['access_denied']


def test_consent_refuses_unknown_redirect_uri(emulator):
    page = requests.get(emulator.base_url + '/connect/oauth2', timeout=TIMEOUT, allow_redirects=False, params={
        'client_id': emulator.client_id, 'response_type': 'code', 'redirect_uri': 'https://evil.example/cb',
        'scope': 'com.intuit.quickbooks.accounting', 'state': 's', 'auto_approve': '1'})
    assert page.status_code == 400


def test_intuitlib_auth_client_works_against_the_discovery_url(emulator):
    client = AuthClient(emulator.client_id, emulator.client_secret, emulator.redirect_uri,
                        environment=emulator.discovery_url)
    url = client.get_authorization_url([Scopes.ACCOUNTING], state_token='st-42')
    assert url.startswith(emulator.base_url + '/connect/oauth2?')
    redirect = requests.get(url + '&auto_approve=1', allow_redirects=False, timeout=TIMEOUT)
    query = parse_qs(urlsplit(redirect.headers['Location']).query)

    client.get_bearer_token(query['code'][0], realm_id=query['realmId'][0])
    assert client.access_token and client.refresh_token
    assert client.expires_in == ACCESS_TOKEN_SECONDS
    assert client.x_refresh_token_expires_in == REFRESH_TOKEN_SECONDS
    first_refresh = client.refresh_token

    client.refresh()
    assert client.refresh_token != first_refresh

    emulator.server.advance_clock(emulator.server.oauth.grace_seconds + 1)
    with pytest.raises(AuthClientError) as raised:
        client.refresh(refresh_token=first_refresh)
    assert raised.value.status_code == 400
    assert raised.value.response.json() == {'error': 'invalid_grant'}


def test_code_is_single_use(emulator):
    code, _realm, _state = emulator.authorization_code()
    grant = {'grant_type': 'authorization_code', 'code': code, 'redirect_uri': emulator.redirect_uri}
    assert emulator.token_request(grant).status_code == 200
    again = emulator.token_request(grant)
    assert again.status_code == 400 and again.json() == {'error': 'invalid_grant'}


def test_bad_client_credentials_are_invalid_client(emulator):
    code, _realm, _state = emulator.authorization_code()
    answer = requests.post(emulator.base_url + '/oauth2/v1/tokens/bearer', auth=(emulator.client_id, 'wrong'),
                           data={'grant_type': 'authorization_code', 'code': code,
                                 'redirect_uri': emulator.redirect_uri}, timeout=TIMEOUT)
    assert answer.status_code == 401 and answer.json() == {'error': 'invalid_client'}


def test_refresh_rotates_and_old_token_answers_same_pair_during_grace(emulator):
    tokens = emulator.tokens()
    first = refresh(emulator, tokens['refresh_token'])
    assert first.status_code == 200
    new_pair = first.json()
    assert new_pair['refresh_token'] != tokens['refresh_token']
    assert new_pair['access_token'] != tokens['access_token']

    emulator.server.advance_clock(60)  # still inside the default grace
    replayed = refresh(emulator, tokens['refresh_token']).json()
    assert (replayed['access_token'], replayed['refresh_token']) == (new_pair['access_token'],
                                                                     new_pair['refresh_token'])

    emulator.server.advance_clock(emulator.server.oauth.grace_seconds)
    late = refresh(emulator, tokens['refresh_token'])
    assert late.status_code == 400 and late.json() == {'error': 'invalid_grant'}
    # The rotated token itself still works and rotates again.
    assert refresh(emulator, new_pair['refresh_token']).status_code == 200


def test_grace_is_configurable(emulator):
    emulator.server.set_refresh_grace(0)
    tokens = emulator.tokens()
    assert refresh(emulator, tokens['refresh_token']).status_code == 200
    emulator.server.advance_clock(1)
    assert refresh(emulator, tokens['refresh_token']).json() == {'error': 'invalid_grant'}


def test_refresh_token_dies_after_about_100_days(emulator):
    tokens = emulator.tokens()
    emulator.server.advance_clock(REFRESH_TOKEN_SECONDS + 1)
    answer = refresh(emulator, tokens['refresh_token'])
    assert answer.status_code == 400 and answer.json() == {'error': 'invalid_grant'}


def _assert_auth_fault(answer, status, code):
    assert answer.status_code == status
    body = answer.json()
    error = body['fault']['error'][0]
    assert error['code'] == code
    assert f'statusCode={status}' in error['message']
    assert 'Fault' not in body


def test_bearer_missing_unknown_expired_and_foreign_realm(emulator):
    url = emulator.api_base + '/preferences'
    _assert_auth_fault(requests.get(url, timeout=TIMEOUT), 401, '3200')
    _assert_auth_fault(requests.get(url, headers={'Authorization': 'Bearer nope'}, timeout=TIMEOUT), 401, '3200')

    headers = emulator.headers()
    assert requests.get(url, headers=headers, timeout=TIMEOUT).status_code == 200
    other_realm = emulator.server.create_company(name='Other Co')
    foreign = requests.get(f'{emulator.base_url}/v3/company/{other_realm}/preferences', headers=headers,
                           timeout=TIMEOUT)
    _assert_auth_fault(foreign, 403, '3100')

    emulator.server.advance_clock(ACCESS_TOKEN_SECONDS + 1)
    expired = requests.get(url, headers=headers, timeout=TIMEOUT)
    _assert_auth_fault(expired, 401, '3200')
    assert 'AuthenticationFailed' in expired.json()['fault']['error'][0]['message']
    assert 'expired' in expired.json()['fault']['error'][0]['detail'].lower()


def test_revoked_refresh_token_is_invalid_grant(emulator):
    tokens = emulator.tokens()
    revoked = requests.post(emulator.base_url + '/oauth2/v1/tokens/revoke', timeout=TIMEOUT,
                            auth=(emulator.client_id, emulator.client_secret), json={'token': tokens['refresh_token']})
    assert revoked.status_code == 200
    assert refresh(emulator, tokens['refresh_token']).json() == {'error': 'invalid_grant'}
