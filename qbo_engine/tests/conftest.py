"""Shared fixtures: the QBO emulator on loopback, with the project's demo company.

``emulator`` starts a fresh EmulatorServer (port 0, a temporary SQLite file)
with a company realm, an OAuth app and the demo chart of accounts, classes,
departments and items, and gives back an ``EmulatorCompany``.
``make_emulator`` starts more servers (other options, or the same db file for
restart tests); all are stopped at teardown.

The ``emulator`` fixture relaxes QBO's throttles (functional tests fire requests
faster than 10/s); ``emulator.use_qbo_limits()`` restores 500/min, 10/s,
10 concurrent, 40 batch calls/min. ``make_emulator`` servers start with QBO's limits.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from qbo_engine.emulator import EmulatorServer, RateLimitSettings

ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting'
HTTP_TIMEOUT = 10
RELAXED_LIMITS = RateLimitSettings(per_minute=100_000, per_second=10_000, concurrent=100, batch_per_minute=10_000)


@dataclass
class EmulatorCompany:
    """What a test needs to talk to the emulated company."""

    server: EmulatorServer
    realm_id: str
    client_id: str
    client_secret: str
    redirect_uri: str
    accounts: dict = field(default_factory=dict)      # name -> id
    classes: dict = field(default_factory=dict)
    departments: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def discovery_url(self) -> str:
        return self.server.discovery_url

    @property
    def api_base(self) -> str:
        """{base}/v3/company/{realm}: the prefix of every accounting call."""
        return f'{self.base_url}/v3/company/{self.realm_id}'

    def authorization_code(self, state='test-state', session=None) -> tuple:
        """Walk the consent page with auto-approve; return (code, realm_id, state) from the redirect."""
        http = session or requests
        answer = http.get(f'{self.base_url}/connect/oauth2', params={
            'client_id': self.client_id, 'response_type': 'code', 'scope': ACCOUNTING_SCOPE,
            'redirect_uri': self.redirect_uri, 'state': state, 'auto_approve': '1', 'realm_id': self.realm_id,
        }, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 302, answer.text
        query = parse_qs(urlsplit(answer.headers['Location']).query)
        return query['code'][0], query['realmId'][0], query['state'][0]

    def token_request(self, data: dict, session=None) -> requests.Response:
        http = session or requests
        return http.post(f'{self.base_url}/oauth2/v1/tokens/bearer', data=data,
                         auth=(self.client_id, self.client_secret),
                         headers={'Accept': 'application/json'}, timeout=HTTP_TIMEOUT)

    def tokens(self) -> dict:
        """A fresh TokenSet-like dict obtained through the real consent and token endpoints."""
        code, _realm, _state = self.authorization_code()
        answer = self.token_request({'grant_type': 'authorization_code', 'code': code,
                                     'redirect_uri': self.redirect_uri})
        assert answer.status_code == 200, answer.text
        return token_set(answer.json())

    def use_qbo_limits(self, time_scale=1.0) -> dict:
        """Back to QBO's real throttles (the fixture starts relaxed)."""
        return self.server.set_rate_limits(time_scale=time_scale, **RateLimitSettings().as_dict())

    def headers(self, tokens=None) -> dict:
        tokens = tokens or self.tokens()
        return {'Authorization': f'Bearer {tokens["access_token"]}', 'Accept': 'application/json'}


def token_set(payload: dict) -> dict:
    """Token endpoint JSON plus absolute expiry times, as the engine's TokenSet holds them."""
    now = datetime.now(timezone.utc)
    return dict(payload,
                access_expires_at=now + timedelta(seconds=payload['expires_in']),
                refresh_expires_at=now + timedelta(seconds=payload['x_refresh_token_expires_in']))


def company_from_demo(server: EmulatorServer, demo: dict) -> EmulatorCompany:
    return EmulatorCompany(server=server, realm_id=demo['realm_id'], client_id=demo['client_id'],
                           client_secret=demo['client_secret'], redirect_uri=demo['redirect_uri'],
                           accounts=demo['accounts'], classes=demo['classes'],
                           departments=demo['departments'], items=demo['items'])


@pytest.fixture
def make_emulator(tmp_path):
    """Factory: make_emulator(db_path=None, **EmulatorServer options) -> started server."""
    started = []

    def factory(db_path=None, **options):
        server = EmulatorServer(db_path or tmp_path / f'qbo-{len(started)}.sqlite', **options).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def emulator(make_emulator) -> EmulatorCompany:
    server = make_emulator(rate_limits=RELAXED_LIMITS)
    return company_from_demo(server, server.seed_demo_company())


@pytest.fixture
def api(emulator):
    """A requests session authorised for the demo company, plus the company itself."""
    session = requests.Session()
    session.headers.update(emulator.headers())
    yield session
    session.close()


@pytest.fixture
def make_entry(emulator):
    """Builder of a balanced two-line JournalEntry payload on the demo chart (amounts as JSON numbers)."""

    def build(doc_number='JE-1', amount=100.00, debit='Inventory Asset', credit='Inventory Received Not Billed',
              txn_date='2024-05-01', credit_amount=None, **extra):
        def line(posting_type, account, value):
            return {'Amount': value, 'DetailType': 'JournalEntryLineDetail', 'Description': f'{posting_type} line',
                    'JournalEntryLineDetail': {'PostingType': posting_type,
                                               'AccountRef': {'value': emulator.accounts.get(account, account)}}}

        payload = {'DocNumber': doc_number, 'TxnDate': txn_date,
                   'Line': [line('Debit', debit, amount),
                            line('Credit', credit, amount if credit_amount is None else credit_amount)]}
        payload.update(extra)
        return payload

    return build


@pytest.fixture
def sent_timeouts(monkeypatch):
    """The ``timeout`` of every HTTP request sent through requests, in order (None when none was given)."""
    seen = []
    original = requests.Session.send

    def spy(session, request, **kwargs):
        seen.append(kwargs.get('timeout'))
        return original(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, 'send', spy)
    return seen
