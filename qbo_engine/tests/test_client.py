"""QboClient against mocked QuickBooks answers (responses): requests sent, answers and faults read."""
import contextlib
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from quickbooks.objects.account import Account

from fault_bodies import THROTTLE_XML
from qbo_engine.auth import TokenSet
from qbo_engine.client import BatchItemResult, QboClient, batch_request_id, parse_trial_balance
from qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded
from qbo_engine.ratelimit import RateLimiter
from qbo_engine.schemas import JournalEntryDraft

BASE = 'http://qbo.test'
REALM = '9130'
API = BASE + '/v3/company/' + REALM
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

AUTH_401 = {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                 "detail": "Token expired", "code": "3200", "element": None}],
                      "type": "AUTHENTICATION"}, "time": 1714564800000}


def fault(code, message, detail, element=''):
    return {"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code, "element": element}],
                      "type": "ValidationFault"}, "time": "2024-05-01T05:00:00.000-07:00"}


def draft(doc_number='INV-1', amount='125.40', debit='81', credit='92'):
    return JournalEntryDraft(
        doc_number=doc_number, txn_date=date(2024, 4, 30), currency='USD',
        lines=[{'posting_type': 'Debit', 'amount': amount, 'account': {'value': debit, 'name': 'Inventory Asset'},
                'class_ref': {'value': '5'}, 'description': 'WH/IN/0001 10 x Widget @ 12.54'},
               {'posting_type': 'Credit', 'amount': amount, 'account': {'value': credit, 'name': 'GRNI'}}])


def created(doc_number='INV-1', entry_id='101', amount=125.40):
    return {"JournalEntry": {
        "Id": entry_id, "SyncToken": "0", "DocNumber": doc_number, "TxnDate": "2024-04-30",
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"}, "domain": "QBO", "sparse": False,
        "Line": [{"Id": "0", "Description": "WH/IN/0001 10 x Widget @ 12.54", "Amount": amount,
                  "DetailType": "JournalEntryLineDetail",
                  "JournalEntryLineDetail": {"PostingType": "Debit",
                                             "AccountRef": {"value": "81", "name": "Inventory Asset"},
                                             "ClassRef": {"value": "5"}}},
                 {"Id": "1", "Amount": amount, "DetailType": "JournalEntryLineDetail",
                  "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "92", "name": "GRNI"}}}],
        "MetaData": {"CreateTime": "2024-05-01T05:00:00-07:00", "LastUpdatedTime": "2024-05-01T05:00:00-07:00"}},
        "time": "2024-05-01T05:00:00.000-07:00"}


class RecordingLimiter:
    def __init__(self):
        self.slots, self.pauses, self.timeouts = [], [], []

    @contextlib.contextmanager
    def slot(self, realm_id, batch=False, timeout=None):
        self.slots.append((realm_id, batch))
        self.timeouts.append(timeout)
        yield

    def pause(self, realm_id, seconds):
        self.pauses.append((realm_id, seconds))


class FakeOAuth:
    """Stands in for auth.OAuth: hands out numbered token sets, or raises what it is told to."""

    def __init__(self, events, error=None):
        self.events, self.error, self.count = events, error, 0

    def refresh(self, tokens):
        self.events.append(('refresh', tokens.refresh_token))
        if self.error:
            raise self.error
        self.count += 1
        return TokenSet('access-new-%d' % self.count, 'refresh-new-%d' % self.count,
                        NOW + timedelta(hours=1), NOW + timedelta(days=100))


def tokens(access_expires=NOW + timedelta(minutes=30)):
    return TokenSet('access-1', 'refresh-1', access_expires, NOW + timedelta(days=90))


@pytest.fixture
def qbo():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def events():
    return []


def make_client(events, oauth_error=None, limiter=None, token_set=None, on_tokens=None):
    return QboClient(REALM, token_set or tokens(), FakeOAuth(events, oauth_error),
                     on_tokens or (lambda new: events.append(('persist', new.refresh_token))),
                     BASE, timeout=7, limiter=limiter, clock=lambda: NOW)


def params_of(call):
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


# === creating === #

def test_create_sends_minorversion_requestid_token_and_body(qbo, events):
    qbo.add(responses.POST, API + '/journalentry', json=created())
    entry = make_client(events).create_journal_entry(draft(), 'req-1')
    call = qbo.calls[0]
    assert params_of(call) == {'minorversion': '75', 'requestid': 'req-1'}
    assert call.request.headers['Authorization'] == 'Bearer access-1'
    assert call.request.headers['Accept'] == 'application/json'
    body = json.loads(call.request.body)
    assert body['DocNumber'] == 'INV-1' and body['TxnDate'] == '2024-04-30'
    assert body['Line'][0]['Amount'] == 125.4
    assert body['Line'][0]['JournalEntryLineDetail']['ClassRef'] == {'value': '5'}
    assert 'ExchangeRate' not in body  # python-quickbooks' object default is not sent
    assert entry['Id'] == '101'
    assert entry['Line'][0]['Amount'] == Decimal('125.4')  # parsed as Decimal, never float


def test_every_request_has_the_timeout(qbo, events, sent_timeouts):
    qbo.add(responses.POST, API + '/journalentry', json=created())
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {}})
    client = make_client(events)
    client.create_journal_entry(draft(), 'req-1')
    client.find_journal_entries('INV-1')
    assert sent_timeouts == [7, 7]


def test_constructing_the_client_makes_no_call(qbo, events):
    make_client(events, token_set=tokens(access_expires=NOW - timedelta(hours=1)))
    assert not qbo.calls and events == []


def test_minorversion_below_75_is_refused(events):
    with pytest.raises(QboError) as info:
        QboClient(REALM, tokens(), FakeOAuth(events), events.append, BASE, minorversion=65)
    assert info.value.kind == ErrorKind.CONFIG


def test_request_id_longer_than_50_is_refused(events):
    with pytest.raises(QboError) as info:
        make_client(events).create_journal_entry(draft(), 'x' * 51)
    assert info.value.kind == ErrorKind.CONFIG


def test_two_clients_share_nothing(qbo, events):
    other_realm = '4620'
    qbo.add(responses.POST, API + '/journalentry', json=created())
    qbo.add(responses.POST, BASE + '/v3/company/' + other_realm + '/journalentry', json=created(entry_id='7'))
    first = make_client(events)
    second = QboClient(other_realm, TokenSet('access-B', 'refresh-B', NOW + timedelta(hours=1),
                                             NOW + timedelta(days=9)),
                       FakeOAuth(events), events.append, BASE, clock=lambda: NOW)
    assert first.create_journal_entry(draft(), 'a')['Id'] == '101'
    assert second.create_journal_entry(draft(), 'b')['Id'] == '7'
    assert qbo.calls[0].request.headers['Authorization'] == 'Bearer access-1'
    assert qbo.calls[1].request.headers['Authorization'] == 'Bearer access-B'


# === batch === #

def test_batch_sends_short_bids_and_maps_items_back(qbo, events):
    reply = {"BatchItemResponse": [
        {"bId": "2", "Fault": {"Error": [{"Message": "Account Period Closed", "Detail": "Books closed as of "
                                          "2024-03-31.", "code": "6210", "element": "TxnDate"}],
                               "type": "ValidationFault"}},
        {"bId": "1", "JournalEntry": created()["JournalEntry"]},
        {"bId": "3", "Fault": {"Error": [{"Message": "Invalid Reference Id", "Detail": "Invalid Reference Id : "
                                          "Accounts element id 99 not found", "code": "2500",
                                          "element": "Line.JournalEntryLineDetail.AccountRef"}],
                               "type": "ValidationFault"}},
    ], "time": "2024-05-01T05:00:00.000-07:00"}
    qbo.add(responses.POST, API + '/batch', json=reply)
    # Request ids as long as the posting ids the Odoo side makes (32 + 1 + digits).
    request_ids = ['%032x-%d' % (number, number) for number in (1, 2, 3, 4)]
    items = [(request_ids[0], draft('INV-1')), (request_ids[1], draft('INV-2')),
             (request_ids[2], draft('INV-3', debit='99')), (request_ids[3], draft('INV-4'))]
    results = make_client(events).batch_create_journal_entries(items)
    body = json.loads(qbo.calls[0].request.body)
    assert [item['bId'] for item in body['BatchItemRequest']] == ['1', '2', '3', '4']
    assert all(item['operation'] == 'create' for item in body['BatchItemRequest'])
    assert body['BatchItemRequest'][0]['JournalEntry']['DocNumber'] == 'INV-1'
    assert params_of(qbo.calls[0])['requestid'] == batch_request_id(request_ids)
    assert [r.bid for r in results] == ['1', '2', '3', '4']
    assert [r.request_id for r in results] == request_ids
    assert results[0].entry['Id'] == '101' and results[0].error is None
    assert results[1].error.kind == ErrorKind.BLOCKED and results[1].error.closing_date == date(2024, 3, 31)
    assert results[2].error.kind == ErrorKind.BLOCKED and results[2].error.fault_code == '2500'
    assert results[3].error.kind == ErrorKind.AMBIGUOUS  # no answer for it: must be looked up


def test_thirty_bids_fit_and_are_unique(qbo, events):
    qbo.add(responses.POST, API + '/batch', json={"BatchItemResponse": [], "time": "x"})
    items = [('%032x-%d' % (n, n), draft('D-%d' % n)) for n in range(30)]
    make_client(events).batch_create_journal_entries(items)
    bids = [item['bId'] for item in json.loads(qbo.calls[0].request.body)['BatchItemRequest']]
    assert len(set(bids)) == 30 and max(len(bid) for bid in bids) == 2
    assert len(params_of(qbo.calls[0])['requestid']) == 36


def test_batch_request_id_is_stable_and_fits():
    first = batch_request_id(['a', 'b'])
    assert first == batch_request_id(['a', 'b']) != batch_request_id(['b', 'a'])
    assert len(first) == 36

def test_batch_of_more_than_30_is_refused(events):
    with pytest.raises(QboError) as info:
        make_client(events).batch_create_journal_entries([('r%d' % i, draft('D%d' % i)) for i in range(31)])
    assert info.value.kind == ErrorKind.CONFIG


def test_batch_whole_call_throttled(qbo, events):
    limiter = RecordingLimiter()
    qbo.add(responses.POST, API + '/batch', body=THROTTLE_XML, status=429, content_type='application/xml')
    with pytest.raises(QboError) as info:
        make_client(events, limiter=limiter).batch_create_journal_entries([('r1', draft())])
    assert info.value.kind == ErrorKind.RETRY_LATER and info.value.retry_after == 60
    assert limiter.slots == [(REALM, True)]
    assert limiter.pauses == [(REALM, 60)]


# === limiter, throttling, server failures === #

def test_no_slot_within_slot_timeout_is_retry_later(qbo, events):
    clock = [0.0]
    limiter = RateLimiter(clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s), per_minute=1,
                          margin=0, skew=0)
    client = QboClient(REALM, tokens(), FakeOAuth(events), events.append, BASE, limiter=limiter, slot_timeout=5,
                       clock=lambda: NOW)
    qbo.add(responses.POST, API + '/journalentry', json=created())
    client.create_journal_entry(draft(), 'r1')
    with pytest.raises(QboError) as info:
        client.create_journal_entry(draft('INV-2'), 'r2')
    assert info.value.kind == ErrorKind.RETRY_LATER and info.value.reason == 'rate_limited'
    assert info.value.retry_after == pytest.approx(60)
    assert len(qbo.calls) == 1


def test_each_call_takes_a_limiter_slot(qbo, events):
    limiter = RecordingLimiter()
    qbo.add(responses.POST, API + '/journalentry', json=created())
    qbo.add(responses.GET, API + '/journalentry/101', json=created())
    client = make_client(events, limiter=limiter)
    client.create_journal_entry(draft(), 'r1')
    client.get_journal_entry('101')
    assert limiter.slots == [(REALM, False), (REALM, False)]
    assert limiter.timeouts == [10.0, 10.0]  # never an unbounded wait for a slot


def test_throttle_pauses_for_retry_after_header(qbo, events):
    limiter = RecordingLimiter()
    qbo.add(responses.POST, API + '/journalentry', body=THROTTLE_XML, status=429, headers={'Retry-After': '12'})
    with pytest.raises(QboError) as info:
        make_client(events, limiter=limiter).create_journal_entry(draft(), 'r1')
    assert info.value.retry_after == 12 and limiter.pauses == [(REALM, 12)]


@pytest.mark.parametrize('answer', [
    {'status': 500, 'json': {"Fault": {"Error": [{"Message": "An application error has occurred", "Detail":
                                                  "System Failure Error", "code": "10000"}], "type": "SystemFault"}}},
    {'status': 503, 'body': '<html><head><title>503 Service Unavailable</title></head></html>'},
    {'body': requests.exceptions.ReadTimeout('read timed out')},
    {'body': requests.exceptions.ConnectionError('Connection reset by peer')},
])
def test_server_failures_and_lost_answers_are_ambiguous(qbo, events, answer):
    qbo.add(responses.POST, API + '/journalentry', **answer)
    with pytest.raises(QboError) as info:
        make_client(events).create_journal_entry(draft(), 'r1')
    assert info.value.kind == ErrorKind.AMBIGUOUS


def test_validation_fault_keeps_status_code_and_detail(qbo, events):
    qbo.add(responses.POST, API + '/journalentry', status=400,
            json=fault('6000', 'A business validation error has occurred while processing your request',
                       'Business Validation Error: You must enter equal debits and credits.', 'Line'))
    with pytest.raises(QboError) as info:
        make_client(events).create_journal_entry(draft(), 'r1')
    assert (info.value.kind, info.value.http_status, info.value.fault_code) == (ErrorKind.BLOCKED, 400, '6000')
    assert 'equal debits' in info.value.user_message


# === tokens === #

def test_401_refreshes_once_and_persists_before_retrying(qbo, events):
    def answer(request):
        events.append(('call', request.headers['Authorization']))
        if request.headers['Authorization'] == 'Bearer access-1':
            return 401, {}, json.dumps(AUTH_401)
        return 200, {'Content-Type': 'application/json'}, json.dumps(created())

    qbo.add_callback(responses.POST, API + '/journalentry', callback=answer)
    client = make_client(events)
    assert client.create_journal_entry(draft(), 'r1')['Id'] == '101'
    assert events == [('call', 'Bearer access-1'), ('refresh', 'refresh-1'), ('persist', 'refresh-new-1'),
                      ('call', 'Bearer access-new-1')]
    assert client.tokens.refresh_token == 'refresh-new-1'
    assert params_of(qbo.calls[0])['requestid'] == params_of(qbo.calls[1])['requestid'] == 'r1'


def test_second_401_after_refresh_is_reauth(qbo, events):
    qbo.add(responses.POST, API + '/journalentry', status=401, json=AUTH_401)
    qbo.add(responses.POST, API + '/journalentry', status=401, json=AUTH_401)
    with pytest.raises(QboError) as info:
        make_client(events).create_journal_entry(draft(), 'r1')
    assert info.value.kind == ErrorKind.REAUTH and info.value.fault_code == '3200'
    assert [e[0] for e in events] == ['refresh', 'persist']


def test_401_with_dead_refresh_token_is_reconnect_needed(qbo, events):
    qbo.add(responses.POST, API + '/journalentry', status=401, json=AUTH_401)
    with pytest.raises(ReconnectNeeded):
        make_client(events, oauth_error=ReconnectNeeded()).create_journal_entry(draft(), 'r1')
    assert events == [('refresh', 'refresh-1')]  # nothing persisted, nothing resent


def test_expired_access_token_is_refreshed_before_the_call(qbo, events):
    qbo.add(responses.POST, API + '/journalentry', json=created())
    client = make_client(events, token_set=tokens(access_expires=NOW + timedelta(seconds=30)))
    client.create_journal_entry(draft(), 'r1')
    assert [e[0] for e in events] == ['refresh', 'persist']
    assert qbo.calls[0].request.headers['Authorization'] == 'Bearer access-new-1'


def test_tokens_not_saved_means_nothing_is_sent(qbo, events):
    qbo.add(responses.POST, API + '/journalentry', status=401, json=AUTH_401)

    def failing_persist(new_tokens):
        raise RuntimeError('database is gone')

    with pytest.raises(QboError) as info:
        make_client(events, on_tokens=failing_persist).create_journal_entry(draft(), 'r1')
    assert info.value.kind == ErrorKind.RETRY_LATER and info.value.reason == 'tokens_not_saved'
    assert len(qbo.calls) == 1


# === reading === #

def test_find_by_doc_number_queries_with_where_clause(qbo, events):
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {
        "JournalEntry": [created()["JournalEntry"]], "startPosition": 1, "maxResults": 1}})
    entries = make_client(events).find_journal_entries("INV-1")
    assert [e['Id'] for e in entries] == ['101']
    select = qbo.calls[0].request.body
    assert select == "SELECT * FROM JournalEntry WHERE DocNumber = 'INV-1' STARTPOSITION 1 MAXRESULTS 1000"
    assert qbo.calls[0].request.headers['Content-Type'] == 'application/text'


def test_find_by_many_doc_numbers_uses_in_lists(qbo, events):
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"JournalEntry": [
        created('A', '1')["JournalEntry"], created('B', '2')["JournalEntry"]]}})
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {}})
    found = make_client(events).find_journal_entries_by_doc_numbers(['A', 'B', 'C'], chunk=2)
    assert sorted(found) == ['A', 'B']
    assert "DocNumber in ('A', 'B')" in qbo.calls[0].request.body
    assert "DocNumber in ('C')" in qbo.calls[1].request.body


def test_query_pages_until_a_short_page(qbo, events):
    rows = [{"Id": str(i)} for i in range(5)]
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Account": rows[:2]}})
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Account": rows[2:4]}})
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Account": rows[4:]}})
    result = make_client(events).query('SELECT * FROM Account', page_size=2)
    assert [r['Id'] for r in result] == ['0', '1', '2', '3', '4']
    assert [c.request.body.split('STARTPOSITION ')[1] for c in qbo.calls] == ['1 MAXRESULTS 2', '3 MAXRESULTS 2',
                                                                            '5 MAXRESULTS 2']


def test_quote_in_doc_number_is_escaped(qbo, events):
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {}})
    make_client(events).find_journal_entries("O'BRIEN-1")
    assert "DocNumber = 'O\\'BRIEN-1'" in qbo.calls[0].request.body


def test_get_by_id(qbo, events):
    qbo.add(responses.GET, API + '/journalentry/101', json=created())
    assert make_client(events).get_journal_entry('101')['DocNumber'] == 'INV-1'
    assert params_of(qbo.calls[0]) == {'minorversion': '75'}


def test_accounts_are_python_quickbooks_objects_with_inactive_ones(qbo, events):
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Account": [
        {"Id": "81", "Name": "Inventory Asset", "Active": True, "AccountType": "Other Current Asset"},
        {"Id": "93", "Name": "Old GRNI", "Active": False, "AccountType": "Other Current Liability"}]}})
    accounts = make_client(events).accounts(include_inactive=True)
    assert all(isinstance(a, Account) for a in accounts)
    assert [(a.Id, a.Active) for a in accounts] == [('81', True), ('93', False)]
    assert 'Active IN (true, false)' in qbo.calls[0].request.body


def test_inventory_items_are_flagged(qbo, events):
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Item": [
        {"Id": "1", "Name": "Widget", "Type": "Inventory"}, {"Id": "2", "Name": "Freight", "Type": "Service"},
        {"Id": "3", "Name": "Bolt", "Type": "NonInventory"}]}})
    assert [i.Name for i in make_client(events).inventory_items()] == ['Widget']


def test_classes_and_departments(qbo, events):
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Class": [{"Id": "5", "Name": "Online"}]}})
    qbo.add(responses.POST, API + '/query', json={"QueryResponse": {"Department": [{"Id": "2", "Name": "WH1"}]}})
    client = make_client(events)
    assert [c.Name for c in client.classes()] == ['Online']
    assert [d.Name for d in client.departments()] == ['WH1']


def test_company_settings_from_preferences(qbo, events):
    qbo.add(responses.GET, API + '/preferences', json={"Preferences": {
        "AccountingInfoPrefs": {"BookCloseDate": "2024-01-31", "TrackDepartments": True},
        "CurrencyPrefs": {"HomeCurrency": {"value": "USD"}, "MultiCurrencyEnabled": False},
        "OtherPrefs": {"NameValue": [{"Name": "WarnDuplicateJournalNumber", "Value": "true"}]},
        "Id": "1", "SyncToken": "3"}, "time": "2024-05-01T05:00:00.000-07:00"})
    settings = make_client(events).company_settings()
    assert settings.closing_date == date(2024, 1, 31)
    assert settings.home_currency == 'USD' and settings.multicurrency is False
    assert settings.warn_duplicate_journal_number is True


def test_company_info(qbo, events):
    qbo.add(responses.GET, API + '/companyinfo/' + REALM, json={"CompanyInfo": {
        "Id": "1", "CompanyName": "Acme Stock", "Country": "US"}})
    assert make_client(events).company_info().CompanyName == 'Acme Stock'


TRIAL_BALANCE = {
    "Header": {"ReportName": "TrialBalance", "StartPeriod": "2024-04-30", "EndPeriod": "2024-04-30",
               "Currency": "USD"},
    "Columns": {"Column": [{"ColTitle": "", "ColType": "Account"}, {"ColTitle": "Debit", "ColType": "Money"},
                           {"ColTitle": "Credit", "ColType": "Money"}]},
    "Rows": {"Row": [
        {"ColData": [{"value": "Inventory Asset", "id": "81"}, {"value": "1,250.40"}, {"value": ""}]},
        {"ColData": [{"value": "GRNI", "id": "92"}, {"value": ""}, {"value": "1250.40"}]},
        {"Summary": {"ColData": [{"value": "TOTAL"}, {"value": "1250.40"}, {"value": "1250.40"}]},
         "type": "Section", "group": "GrandTotal"}]}}


def test_trial_balance_as_of_a_date(qbo, events):
    qbo.add(responses.GET, API + '/preferences', json={"Preferences": {
        "AccountingInfoPrefs": {"FirstMonthOfFiscalYear": "July"}}})
    qbo.add(responses.GET, API + '/reports/TrialBalance', json=TRIAL_BALANCE)
    balances = make_client(events).trial_balance(date(2024, 4, 30))
    assert balances == {'81': Decimal('1250.40'), '92': Decimal('-1250.40')}
    params = params_of(qbo.calls[1])
    assert (params['start_date'], params['end_date']) == ('2023-07-01', '2024-04-30')


def test_trial_balance_nested_sections():
    report = {"Rows": {"Row": [{"Header": {"ColData": [{"value": "Assets"}]}, "Rows": {"Row": [
        {"ColData": [{"value": "Inventory", "id": "81"}, {"value": "10.00"}, {"value": ""}]}]}, "type": "Section"}]}}
    assert parse_trial_balance(report) == {'81': Decimal('10.00')}


def test_change_data_capture(qbo, events):
    qbo.add(responses.GET, API + '/cdc', json={"CDCResponse": [{"QueryResponse": [
        {"JournalEntry": [created()["JournalEntry"], {"Id": "77", "status": "Deleted",
                                                     "MetaData": {"LastUpdatedTime": "2024-05-01T04:00:00-07:00"}}],
         "startPosition": 1, "maxResults": 2, "totalCount": 2}]}], "time": "2024-05-01T05:00:00.000-07:00"})
    changed = make_client(events).cdc(['JournalEntry'], datetime(2024, 4, 30, 8, 0, tzinfo=timezone.utc))
    assert [e['Id'] for e in changed['JournalEntry']] == ['101', '77']
    params = params_of(qbo.calls[0])
    assert params['entities'] == 'JournalEntry'
    assert params['changedSince'] == '2024-04-30T08:00:00+00:00'


def test_cdc_older_than_30_days_is_refused_before_sending(qbo, events):
    with pytest.raises(QboError) as info:
        make_client(events).cdc(['JournalEntry'], NOW - timedelta(days=30, seconds=1))
    assert info.value.kind == ErrorKind.CONFIG and info.value.reason == 'cdc_too_old'
    assert 'reconciliation' in info.value.user_message
    assert len(qbo.calls) == 0


def test_cdc_fault_of_quickbooks_for_an_old_date_is_cdc_too_old(qbo, events):
    qbo.add(responses.GET, API + '/cdc', status=400, json=fault(
        '2010', 'Request has invalid or unsupported property', 'Operation cdc with changedSince date '
        '2024-04-01T08:00:00+00:00 which is older than fixed days is not supported.'))
    with pytest.raises(QboError) as info:
        make_client(events).cdc(['JournalEntry'], NOW - timedelta(days=29))
    assert info.value.kind == ErrorKind.CONFIG and info.value.reason == 'cdc_too_old'
    assert info.value.http_status == 400


def test_cdc_at_the_1000_cap_reads_the_entity_again_by_paged_query(qbo, events):
    def row(number, deleted=False):
        if deleted:
            return {'Id': str(number), 'status': 'Deleted',
                    'MetaData': {'LastUpdatedTime': '2024-05-01T04:00:00-07:00'}}
        return dict(created(entry_id=str(number))['JournalEntry'], DocNumber='D-%d' % number)

    cdc_rows = [row(n) for n in range(1, 1000)] + [row(5000, deleted=True)]
    qbo.add(responses.GET, API + '/cdc', json={"CDCResponse": [{"QueryResponse": [{"JournalEntry": cdc_rows}]}]})
    pages = {1: [row(n) for n in range(1, 1001)], 1001: [row(n) for n in range(1001, 1201)]}

    def query(request):
        text = request.body.decode() if isinstance(request.body, bytes) else request.body
        start = int(text.split('STARTPOSITION ')[1].split()[0])
        return 200, {}, json.dumps({'QueryResponse': {'JournalEntry': pages[start]}})

    qbo.add_callback(responses.POST, API + '/query', callback=query)
    changed = make_client(events).cdc(['JournalEntry'], datetime(2024, 4, 30, 8, 0, tzinfo=timezone.utc))
    assert [e['Id'] for e in changed['JournalEntry']] == [str(n) for n in range(1, 1201)] + ['5000']
    first_query = qbo.calls[1].request.body
    first_query = first_query.decode() if isinstance(first_query, bytes) else first_query
    assert first_query == ("SELECT * FROM JournalEntry WHERE MetaData.LastUpdatedTime >= '2024-04-30T08:00:00+00:00' "
                           "STARTPOSITION 1 MAXRESULTS 1000")
    assert len(qbo.calls) == 3


def test_batch_item_result_defaults():
    assert BatchItemResult('x') == BatchItemResult('x', None, None)
