"""Reads of the client: transient failures are read again within a bound, and errors say what was read."""
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
import responses

from fake_clock import FakeClock
from fault_bodies import THROTTLE_XML
from qbo_engine.auth import TokenSet
from qbo_engine.client import QboClient
from qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded
from qbo_engine.ratelimit import RateLimiter
from qbo_engine.schemas import JournalEntryDraft

BASE = 'http://qbo.test'
REALM = '9130'
API = BASE + '/v3/company/' + REALM
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
SYSTEM_FAULT = {"Fault": {"Error": [{"Message": "An application error has occurred", "Detail": "System Failure Error",
                                     "code": "10000", "element": ""}], "type": "SystemFault"}}
PREFERENCES = {"Preferences": {"AccountingInfoPrefs": {"FirstMonthOfFiscalYear": "January"}, "Id": "1"}}
TRIAL_BALANCE = {"Columns": {"Column": [{"ColTitle": ""}, {"ColTitle": "Debit"}, {"ColTitle": "Credit"}]},
                 "Rows": {"Row": [{"ColData": [{"value": "Inventory", "id": "81"}, {"value": "5.00"},
                                               {"value": ""}]}]}}

# (what the test calls, how the answer is addressed, a good answer, reading, words of the message)
READS = [
    ('accounts', lambda c: c.accounts(), ('POST', '/query'), {"QueryResponse": {"Account": []}},
     'the chart of accounts'),
    ('classes', lambda c: c.classes(), ('POST', '/query'), {"QueryResponse": {}}, 'the classes'),
    ('departments', lambda c: c.departments(), ('POST', '/query'), {"QueryResponse": {}},
     'the departments (locations)'),
    ('items', lambda c: c.items(), ('POST', '/query'), {"QueryResponse": {}}, 'the products and services (items)'),
    ('preferences', lambda c: c.company_settings(), ('GET', '/preferences'), PREFERENCES, 'the company preferences'),
    ('company_info', lambda c: c.company_info(), ('GET', '/companyinfo/' + REALM),
     {"CompanyInfo": {"Id": "1", "CompanyName": "Acme"}}, 'the company information'),
    ('query', lambda c: c.query('SELECT * FROM JournalEntry'), ('POST', '/query'), {"QueryResponse": {}},
     'a query (SELECT * FROM JournalEntry)'),
    ('journal_entries', lambda c: c.find_journal_entries_by_doc_numbers(['INV-1', 'INV-2']), ('POST', '/query'),
     {"QueryResponse": {}}, 'the journal entries of 2 numbers'),
    ('journal_entries', lambda c: c.find_journal_entries('INV-1'), ('POST', '/query'), {"QueryResponse": {}},
     'the journal entries numbered INV-1'),
    ('journal_entry', lambda c: c.get_journal_entry('101'), ('GET', '/journalentry/101'),
     {"JournalEntry": {"Id": "101"}}, 'journal entry Id 101'),
    ('trial_balance', lambda c: c.trial_balance(date(2024, 4, 30), fiscal_year_start=date(2024, 1, 1)),
     ('GET', '/reports/TrialBalance'), TRIAL_BALANCE, 'the trial balance as of 2024-04-30'),
    ('cdc', lambda c: c.cdc(['JournalEntry'], NOW - timedelta(days=1)), ('GET', '/cdc'),
     {"CDCResponse": [{"QueryResponse": [{}]}]}, 'the changes since 2024-04-30T12:00:00+00:00'),
]
READ_IDS = [read[4] for read in READS]


def tokens():
    return TokenSet('access-1', 'refresh-1', NOW + timedelta(minutes=30), NOW + timedelta(days=90))


def make_client(clock, limiter=None, **options):
    return QboClient(REALM, tokens(), None, lambda new: None, BASE, timeout=7, clock=lambda: NOW,
                     sleep=clock.sleep, limiter=limiter, **options)


@pytest.fixture
def qbo():
    with responses.RequestsMock() as mock:
        yield mock


def add(qbo, where, **answer):
    method, path = where
    qbo.add(getattr(responses, method), API + path, **answer)


@pytest.mark.parametrize('reading, call, where, good, words', READS, ids=READ_IDS)
def test_a_read_that_fails_once_is_read_again(qbo, reading, call, where, good, words):
    clock = FakeClock()
    add(qbo, where, status=500, json=SYSTEM_FAULT)
    add(qbo, where, json=good)
    call(make_client(clock))
    assert len(qbo.calls) == 2
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize('reading, call, where, good, words', READS, ids=READ_IDS)
def test_a_read_that_keeps_failing_says_what_it_was_reading(qbo, reading, call, where, good, words):
    clock = FakeClock()
    for _ in range(3):
        add(qbo, where, status=503, body='<html><head><title>503 Service Unavailable</title></head></html>')
    with pytest.raises(QboError) as info:
        call(make_client(clock))
    error = info.value
    assert len(qbo.calls) == 3 and clock.sleeps == [1.0, 2.0]
    assert (error.kind, error.reason, error.reading, error.http_status) == \
        (ErrorKind.RETRY_LATER, 'server_error', reading, 503)
    assert error.message.startswith('while reading %s: ' % words)
    assert words in error.user_message
    assert 'sent again' not in error.user_message and 'looked up' not in error.user_message
    assert error.to_dict()['reading'] == reading


@pytest.mark.parametrize('failure', [requests.exceptions.ReadTimeout('read timed out'),
                                     requests.exceptions.ConnectionError('Connection reset by peer')],
                         ids=['timeout', 'reset'])
def test_timeouts_and_resets_of_reads_are_read_again(qbo, failure):
    clock = FakeClock()
    qbo.add(responses.POST, API + '/query', body=failure)
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Account": [{"Id": "81", "Name": "Inventory"}]}})
    assert [a.Id for a in make_client(clock).accounts()] == ['81']
    assert clock.sleeps == [1.0]


def test_a_throttled_read_waits_as_told_then_reads_again(qbo):
    clock = FakeClock()
    qbo.add(responses.GET, API + '/preferences', body=THROTTLE_XML, status=429, headers={'Retry-After': '4'})
    qbo.add(responses.GET, API + '/preferences', json=PREFERENCES)
    make_client(clock).preferences()
    assert clock.sleeps == [4.0]


def test_with_a_limiter_the_throttle_wait_is_the_limiters_pause(qbo):
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    qbo.add(responses.GET, API + '/preferences', body=THROTTLE_XML, status=429, headers={'Retry-After': '4'})
    qbo.add(responses.GET, API + '/preferences', json=PREFERENCES)
    make_client(clock, limiter=limiter).preferences()
    assert sum(clock.sleeps) == pytest.approx(4.0)  # once, by the limiter's slot, not twice


def test_a_throttle_longer_than_the_wait_budget_fails_at_once(qbo):
    clock = FakeClock()
    qbo.add(responses.GET, API + '/preferences', body=THROTTLE_XML, status=429, headers={'Retry-After': '45'})
    with pytest.raises(QboError) as info:
        make_client(clock).preferences()
    assert (info.value.kind, info.value.reason, info.value.reading) == (ErrorKind.RETRY_LATER, 'throttled',
                                                                        'preferences')
    assert info.value.retry_after == 45 and clock.sleeps == []
    assert 'slow down while reading the company preferences' in info.value.user_message


def test_a_refused_read_is_not_read_again(qbo):
    clock = FakeClock()
    qbo.add(responses.POST, API + '/query', status=400, json={"Fault": {"Error": [
        {"Message": "Error parsing query", "Detail": "QueryParserError: Encountered", "code": "4000"}],
        "type": "ValidationFault"}})
    with pytest.raises(QboError) as info:
        make_client(clock).query('SELECT * FROM JournalEntry')
    assert len(qbo.calls) == 1 and clock.sleeps == []
    assert (info.value.kind, info.value.reading) == (ErrorKind.BLOCKED, 'query')
    assert info.value.user_message.startswith('QuickBooks refused the reading of a query')


def test_lost_authorization_while_reading_stays_a_reconnect(qbo):
    class DeadOAuth:
        def refresh(self, tokens):
            raise ReconnectNeeded()

    clock = FakeClock()
    client = QboClient(REALM, TokenSet('a', 'r', NOW - timedelta(minutes=1), NOW + timedelta(days=1)), DeadOAuth(),
                       lambda new: None, BASE, timeout=7, clock=lambda: NOW, sleep=clock.sleep)
    with pytest.raises(ReconnectNeeded) as info:
        client.accounts()
    assert (info.value.kind, info.value.reading) == (ErrorKind.REAUTH, 'accounts')
    assert 'reconnect' in info.value.user_message.lower()
    assert len(qbo.calls) == 0


def test_sends_of_entries_are_never_repeated_by_the_client(qbo):
    clock = FakeClock()
    qbo.add(responses.POST, API + '/journalentry', status=500, json=SYSTEM_FAULT)
    draft = JournalEntryDraft(doc_number='INV-1', txn_date=date(2024, 4, 30), currency='USD', lines=[
        {'posting_type': 'Debit', 'amount': '1.00', 'account': {'value': '81'}},
        {'posting_type': 'Credit', 'amount': '1.00', 'account': {'value': '92'}}])
    with pytest.raises(QboError) as info:
        make_client(clock).create_journal_entry(draft, 'req-1')
    assert len(qbo.calls) == 1 and clock.sleeps == []
    assert info.value.kind == ErrorKind.AMBIGUOUS and info.value.reading == ''


def test_read_attempts_are_bounded_by_the_option(qbo):
    clock = FakeClock()
    add(qbo, ('GET', '/preferences'), status=500, json=SYSTEM_FAULT)
    with pytest.raises(QboError):
        make_client(clock, read_attempts=1).preferences()
    assert len(qbo.calls) == 1
