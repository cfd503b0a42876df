"""QBO's throttles: 10/s and 500/min per company, 10 concurrent, 40 batch calls/min; time scale."""
import threading
import time

import pytest
import requests

from conftest import company_from_demo
from qbo_engine.emulator import RateLimitSettings

TIMEOUT = 10
THROTTLE_XML_PARTS = (
    '<IntuitResponse ', 'xmlns="http://schema.intuit.com/finance/v3"', '<Fault type="SERVICE">', '<Error code="3001">',
    '<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>',
    '<Detail>The request limit was reached.  Try again later</Detail>')


@pytest.fixture
def limited(make_emulator):
    """A company on a server with QBO's real limits (or the ones a test passes)."""

    def build(**options):
        server = make_emulator(**options)
        company = company_from_demo(server, server.seed_demo_company())
        session = requests.Session()
        session.headers.update(company.headers())
        return company, session

    return build


def assert_throttled(answer):
    assert answer.status_code == 429
    assert answer.headers['Content-Type'].startswith('application/xml')
    assert 'Retry-After' not in answer.headers
    for part in THROTTLE_XML_PARTS:
        assert part in answer.text


def test_burst_over_10_per_second_gets_the_xml_throttle_body(limited):
    company, session = limited()
    statuses = []
    for _ in range(12):
        answer = session.get(company.api_base + '/preferences', headers={'Accept': 'application/json'},
                             timeout=TIMEOUT)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert_throttled(answer)
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    counters = company.server.counters()
    assert counters['throttled'] == 2 and counters['http_429'] == 2


def test_time_scale_shortens_the_minute_window(limited):
    company, session = limited(time_scale=120, rate_limits=RateLimitSettings(per_minute=10, per_second=1000))
    url = company.api_base + '/preferences'
    assert [session.get(url, timeout=TIMEOUT).status_code for _ in range(11)] == [200] * 10 + [429]
    time.sleep(0.6)  # a scaled minute is 0.5 s
    assert session.get(url, timeout=TIMEOUT).status_code == 200

    company.server.set_rate_limits(time_scale=1.0)
    assert [session.get(url, timeout=TIMEOUT).status_code for _ in range(11)] == [200] * 10 + [429]
    time.sleep(0.6)  # a real minute has not passed
    assert_throttled(session.get(url, timeout=TIMEOUT))


def test_batch_calls_have_their_own_minute_budget(limited, make_entry):
    company, session = limited(rate_limits=RateLimitSettings(batch_per_minute=3, per_second=1000))
    body = {'BatchItemRequest': [{'bId': 'q', 'Query': 'select count(*) from Account'}]}
    statuses = [session.post(company.api_base + '/batch', json=body, timeout=TIMEOUT).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert session.get(company.api_base + '/preferences', timeout=TIMEOUT).status_code == 200


def test_more_than_10_concurrent_requests_are_throttled(limited):
    company, session = limited(rate_limits=RateLimitSettings(concurrent=2, per_second=1000))
    company.server.set_faults(script='slow,slow', slow_seconds=0.6)
    results = []

    def slow_call():
        results.append(requests.get(company.api_base + '/preferences', headers=company.headers(), timeout=5))

    threads = [threading.Thread(target=slow_call) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert_throttled(session.get(company.api_base + '/preferences', timeout=TIMEOUT))
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [504, 504]
    assert session.get(company.api_base + '/preferences', timeout=TIMEOUT).status_code == 200


def test_throttles_are_per_company(limited):
    company, session = limited(rate_limits=RateLimitSettings(per_second=3))
    other_realm = company.server.create_company(name='Second Co')
    code = company.server.authorize(company.client_id, other_realm)
    tokens = company.token_request({'grant_type': 'authorization_code', 'code': code,
                                    'redirect_uri': company.redirect_uri}).json()
    for _ in range(3):
        session.get(company.api_base + '/preferences', timeout=TIMEOUT)
    assert session.get(company.api_base + '/preferences', timeout=TIMEOUT).status_code == 429
    other = requests.get(f'{company.base_url}/v3/company/{other_realm}/preferences', timeout=TIMEOUT,
                         headers={'Authorization': f'Bearer {tokens["access_token"]}'})
    assert other.status_code == 200
