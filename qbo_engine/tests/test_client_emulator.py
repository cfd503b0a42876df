"""The engine end to end over real HTTP on loopback: intuit-oauth + python-quickbooks against the emulator.

Each test gets a fresh emulator (``emulator`` fixture from conftest.py) and
connects through the real consent and token endpoints.
"""
import json
import threading
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

from fake_clock import FakeClock
from qbo_engine.auth import OAuth
from qbo_engine.client import QboClient
from qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded
from qbo_engine.poster import BLOCKED, POSTED, REAUTH, RETRY, PostRequest, Poster
from qbo_engine.ratelimit import RateLimiter
from qbo_engine.reconcile import DELETED, EDITED, UNEXPECTED, Reconciler
from qbo_engine.schemas import JournalEntryDraft

TXN_DATE = date(2024, 5, 2)


class Connection:
    """A connected client plus what on_tokens received."""

    def __init__(self, emulator, limiter=None, timeout=5, **options):
        self.clock = FakeClock()  # reads wait between their attempts on it
        code = emulator.server.authorize(emulator.client_id, emulator.realm_id)
        self.oauth = OAuth(emulator.client_id, emulator.client_secret, emulator.redirect_uri, emulator.base_url,
                           timeout=timeout)
        self.first_tokens = self.oauth.exchange_code(code, emulator.realm_id)
        self.saved = []
        self.client = QboClient(emulator.realm_id, self.first_tokens, self.oauth, self.saved.append,
                                emulator.base_url, timeout=timeout, limiter=limiter, sleep=self.clock.sleep,
                                **options)


@pytest.fixture
def conn(emulator):
    connection = Connection(emulator)
    yield connection
    connection.client.close()


def draft(emulator, doc_number, amount='125.40', debit='Inventory Asset', credit='Inventory Received Not Billed',
          txn_date=TXN_DATE, channel='E-commerce'):
    accounts = emulator.accounts
    return JournalEntryDraft(
        doc_number=doc_number, txn_date=txn_date, currency='USD',
        lines=[{'posting_type': 'Debit', 'amount': amount,
                'account': {'value': accounts.get(debit, debit), 'name': debit},
                'class_ref': {'value': emulator.classes[channel]},
                'department': {'value': emulator.departments['Main Warehouse']},
                'description': 'WH/IN/00042: 10 x Widget @ 12.54'},
               {'posting_type': 'Credit', 'amount': amount,
                'account': {'value': accounts.get(credit, credit), 'name': credit}}])


def post_requests(emulator, count, prefix='INV'):
    return [PostRequest('key-%d' % i, 'req-%s-%d' % (prefix, i), draft(emulator, '%s-%d' % (prefix, i)))
            for i in range(count)]


def entries_with(conn, doc_number):
    return conn.client.find_journal_entries(doc_number)


# === reading and writing through python-quickbooks === #

def test_create_read_by_doc_number_and_id(emulator, conn):
    created = conn.client.create_journal_entry(draft(emulator, 'INV-1'), 'req-1')
    assert created['DocNumber'] == 'INV-1'
    [found] = conn.client.find_journal_entries('INV-1')
    assert found['Id'] == created['Id']
    again = conn.client.get_journal_entry(created['Id'])
    assert again['Line'][0]['Amount'] == Decimal('125.40')
    assert again['Line'][0]['JournalEntryLineDetail']['ClassRef']['value'] == emulator.classes['E-commerce']


def test_same_request_id_books_once(emulator, conn):
    first = conn.client.create_journal_entry(draft(emulator, 'INV-1'), 'req-1')
    second = conn.client.create_journal_entry(draft(emulator, 'INV-1'), 'req-1')
    assert first['Id'] == second['Id']
    assert len(entries_with(conn, 'INV-1')) == 1


def test_reference_lists_and_company_settings(emulator, conn):
    emulator.server.set_book_close_date(emulator.realm_id, '2024-03-31')
    names = {account.Name for account in conn.client.accounts()}
    assert 'Inventory Asset' in names and 'Inventory Received Not Billed' in names
    assert {c.Name for c in conn.client.classes()} == {'Wholesale', 'E-commerce', 'Retail'}
    assert {d.Name for d in conn.client.departments()} == {'Main Warehouse', 'East Warehouse'}
    assert [item.Name for item in conn.client.inventory_items()] == ['Legacy Stock Item']
    settings = conn.client.company_settings()
    assert settings.closing_date == date(2024, 3, 31) and settings.home_currency == 'USD'
    assert conn.client.company_info().CompanyName == 'Stock Sync Demo Co'


def test_connect_reads_survive_one_server_error_each(emulator, conn):
    emulator.server.set_faults(script='500,ok,503,ok,500,ok')
    assert 'Inventory Asset' in {account.Name for account in conn.client.accounts()}
    assert conn.client.company_settings().home_currency == 'USD'
    assert {c.Name for c in conn.client.classes()} == {'Wholesale', 'E-commerce', 'Retail'}
    assert emulator.server.counters()['faults_injected'] == {'500': 2, '503': 1}
    assert conn.clock.sleeps == [1.0, 1.0, 1.0]


def test_duplicate_number_warning_is_read_from_the_preference_and_6140_only_when_on(emulator, conn):
    assert conn.client.company_settings().warn_duplicate_journal_number is False
    conn.client.create_journal_entry(draft(emulator, 'DUP-1'), 'dup-req-1')
    conn.client.create_journal_entry(draft(emulator, 'DUP-1'), 'dup-req-2')  # warning off: booked twice
    assert len(entries_with(conn, 'DUP-1')) == 2
    requests.post(emulator.base_url + f'/_emulator/companies/{emulator.realm_id}/duplicate-doc-number-warning',
                  json={'enabled': True}, timeout=5).raise_for_status()
    assert conn.client.company_settings().warn_duplicate_journal_number is True
    with pytest.raises(QboError) as info:
        conn.client.create_journal_entry(draft(emulator, 'DUP-1'), 'dup-req-3')
    assert (info.value.fault_code, info.value.kind, info.value.reason) == ('6140', ErrorKind.AMBIGUOUS, 'duplicate')
    assert len(entries_with(conn, 'DUP-1')) == 2


def test_a_company_refusing_the_app_answers_403_to_everything(emulator, conn):
    answer = requests.post(emulator.base_url + f'/_emulator/companies/{emulator.realm_id}/forbidden',
                           json={'enabled': True}, timeout=5)
    assert answer.json() == {'forbidden_realms': [emulator.realm_id]}
    for read in (conn.client.accounts, conn.client.company_settings):
        with pytest.raises(QboError) as info:
            read()
        assert (info.value.http_status, info.value.fault_code, info.value.kind) == (403, '3100', ErrorKind.REAUTH)
    [outcome] = Poster(conn.client).post(post_requests(emulator, 1))
    assert outcome.status == REAUTH and outcome.error.http_status == 403
    assert emulator.server.counters().get('entries_created', 0) == 0
    emulator.server.set_realm_forbidden(emulator.realm_id, False)
    assert conn.client.company_settings().home_currency == 'USD'


def test_a_revoked_app_gets_401_and_invalid_grant(emulator, conn):
    answer = requests.post(emulator.base_url + f'/_emulator/apps/{emulator.client_id}/revoke', json={}, timeout=5)
    assert answer.json() == {'revoked_apps': [emulator.client_id]}
    with pytest.raises(ReconnectNeeded) as info:
        conn.client.accounts()  # 401, then the refresh is refused: invalid_grant
    assert info.value.reading == 'accounts'
    with pytest.raises(ReconnectNeeded):
        conn.oauth.refresh(conn.first_tokens)
    assert conn.saved == []
    code = emulator.server.authorize(emulator.client_id, emulator.realm_id)
    fresh = conn.oauth.exchange_code(code, emulator.realm_id)  # even newly issued tokens are refused
    bearer = {'Authorization': 'Bearer ' + fresh.access_token, 'Accept': 'application/json'}
    assert requests.get(emulator.api_base + '/preferences', headers=bearer, timeout=5).status_code == 401


def test_trial_balance_and_change_data_capture(emulator, conn):
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    Poster(conn.client).post(post_requests(emulator, 3))
    balances = conn.client.trial_balance(TXN_DATE)
    assert balances[emulator.accounts['Inventory Asset']] == Decimal('376.20')
    assert balances[emulator.accounts['Inventory Received Not Billed']] == Decimal('-376.20')
    changed = conn.client.cdc(['JournalEntry'], since)['JournalEntry']
    assert sorted(e['DocNumber'] for e in changed) == ['INV-0', 'INV-1', 'INV-2']


def test_batch_with_posting_length_request_ids_is_accepted_and_replayed(emulator, conn):
    # 32 + 1 + digits, as the Odoo side makes them: far over the 10 characters a bId may have.
    requests_ = [PostRequest('key-%d' % i, '%032x-%d' % (i, i), draft(emulator, 'LONG-%d' % i)) for i in range(30)]
    outcomes = Poster(conn.client).post(requests_)
    assert [o.status for o in outcomes] == [POSTED] * 30
    again = conn.client.batch_create_journal_entries([(r.request_id, r.draft) for r in requests_])
    assert [r.entry['Id'] for r in again] == [o.qbo_id for o in outcomes]  # the replay maps to the same items
    counters = emulator.server.counters()
    assert counters['entries_created'] == 30 and counters['replays'] == 1 and counters.get('validation_faults', 0) == 0


def test_change_data_capture_past_the_1000_cap_reads_every_entry(emulator, conn):
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    requests_ = post_requests(emulator, 1020, prefix='CAP')
    outcomes = Poster(conn.client).post(requests_)
    assert {o.status for o in outcomes} == {POSTED}
    gone = conn.client.get_journal_entry(outcomes[0].qbo_id)
    conn.client.qb.delete_object('JournalEntry', json.dumps({'Id': gone['Id'], 'SyncToken': gone['SyncToken']}))
    changed = conn.client.cdc(['JournalEntry'], since)['JournalEntry']
    live = [e for e in changed if e.get('status') != 'Deleted']
    assert len(live) == 1019 and len({e['Id'] for e in live}) == 1019
    assert [e['Id'] for e in changed if e.get('status') == 'Deleted'] == [gone['Id']]


def test_journal_entries_read_back_carry_no_total(emulator, conn):
    Poster(conn.client).post(post_requests(emulator, 1))
    [entry] = entries_with(conn, 'INV-0')
    assert entry['TotalAmt'] == 0  # QuickBooks keeps it at 0; nothing in the engine reads it


# === exactly once === #

def test_answer_lost_after_commit_is_found_by_doc_number(emulator, conn):
    emulator.server.set_faults(script='drop')
    [outcome] = Poster(conn.client).post(post_requests(emulator, 1), batch=False)
    assert outcome.status == POSTED and outcome.adopted
    assert len(entries_with(conn, 'INV-0')) == 1
    assert emulator.server.counters()['entries_created'] == 1


def test_batch_answer_lost_after_commit_posts_each_entry_once(emulator, conn):
    emulator.server.set_faults(script='drop')
    outcomes = Poster(conn.client).post(post_requests(emulator, 30))
    assert all(o.status == POSTED and o.adopted for o in outcomes)
    counters = emulator.server.counters()
    assert counters['entries_created'] == 30 and counters['batch_requests'] == 1


def test_lost_request_is_looked_up_then_resent(emulator):
    connection = Connection(emulator, timeout=0.3)
    emulator.server.set_faults(script='slow', slow_seconds=0.8)  # answers after our timeout, books nothing
    [outcome] = Poster(connection.client).post(post_requests(emulator, 1), batch=False)
    assert outcome.status == POSTED and not outcome.adopted and outcome.attempts == 2
    assert len(entries_with(connection, 'INV-0')) == 1


def test_lease_lost_before_the_resend_sends_nothing_more(emulator):
    # Poster A's send is lost (answered after A's timeout, nothing booked); while A looks it up its lease
    # expires and poster B takes the row and posts it. A's before_send refuses the resend.
    worker_a, worker_b = Connection(emulator, timeout=0.3), Connection(emulator)
    emulator.server.set_faults(script='slow', slow_seconds=0.8)
    asked = []

    def lease_of_a(keys):
        asked.append(list(keys))
        if len(asked) == 1:
            return keys
        [posted_by_b] = Poster(worker_b.client).post(post_requests(emulator, 1))
        assert posted_by_b.status == POSTED
        return []

    [outcome] = Poster(worker_a.client).post(post_requests(emulator, 1), before_send=lease_of_a)
    assert asked == [['key-0'], ['key-0']]
    assert (outcome.status, outcome.error.reason, outcome.needs_lookup) == (RETRY, 'lease_lost', True)
    assert len(entries_with(worker_b, 'INV-0')) == 1
    counters = emulator.server.counters()
    assert counters['entries_created'] == 1 and counters['batch_requests'] == 1  # B's batch; A's was lost


def test_lease_checked_once_when_a_dropped_answer_is_adopted(emulator, conn):
    emulator.server.set_faults(script='drop')  # booked, then the connection is dropped
    asked = []
    [outcome] = Poster(conn.client).post(post_requests(emulator, 1),
                                         before_send=lambda keys: asked.append(list(keys)) or keys)
    assert outcome.status == POSTED and outcome.adopted
    assert asked == [['key-0']]
    assert emulator.server.counters()['entries_created'] == 1


def test_server_error_then_success(emulator, conn):
    # create -> 500, look-up, resend; create -> 503, look-up fails too (503 on each of its 3 attempts):
    # left for the next run.
    emulator.server.set_faults(script='500,ok,ok,503,503,503,503')
    outcomes = Poster(conn.client).post(post_requests(emulator, 2), batch=False)
    assert [(o.status, o.attempts, o.needs_lookup) for o in outcomes] == [(POSTED, 2, False), (RETRY, 1, True)]
    assert emulator.server.counters()['entries_created'] == 1
    assert conn.clock.sleeps == [1.0, 2.0]  # the look-up's waits between its attempts
    [again] = Poster(conn.client).post(post_requests(emulator, 2)[1:], look_up_first={'key-1'})
    assert again.status == POSTED and not again.adopted
    assert emulator.server.counters()['entries_created'] == 2


def test_duplicate_doc_number_adopted_when_equal_conflict_otherwise(emulator, conn):
    emulator.server.set_warn_duplicate_journal_number(emulator.realm_id, True)
    conn.client.create_journal_entry(draft(emulator, 'INV-0'), 'typed-by-someone-0')
    conn.client.create_journal_entry(draft(emulator, 'INV-1', amount='99.00'), 'typed-by-someone-1')
    outcomes = Poster(conn.client).post(post_requests(emulator, 2))
    assert outcomes[0].status == POSTED and outcomes[0].adopted
    assert outcomes[1].status == BLOCKED and outcomes[1].error.reason == 'conflict'
    assert outcomes[1].error.fault_code == '6140'
    assert 'amount 125.40 -> 99.00' in outcomes[1].error.user_message
    assert emulator.server.counters()['entries_created'] == 2


# === tokens === #

def test_401_mid_batch_refreshes_persists_and_succeeds(emulator, conn):
    emulator.server.set_faults(script='ok,401')
    outcomes = Poster(conn.client).post(post_requests(emulator, 60))
    assert all(o.status == POSTED for o in outcomes)
    assert len(conn.saved) == 1
    rotated = conn.saved[0]
    assert rotated.refresh_token != conn.first_tokens.refresh_token
    assert conn.client.tokens == rotated
    # The persisted tokens are the live ones: a new client built from them works.
    fresh = QboClient(emulator.realm_id, rotated, conn.oauth, conn.saved.append, emulator.base_url, timeout=5)
    assert len(fresh.find_journal_entries('INV-59')) == 1


def test_expired_access_token_refreshes_on_401(emulator, conn):
    emulator.server.expire_tokens(emulator.realm_id, access=True)
    assert conn.client.find_journal_entries('nothing') == []
    assert len(conn.saved) == 1


def test_dead_refresh_token_needs_reconnect(emulator, conn):
    emulator.server.expire_tokens(emulator.realm_id, access=True, refresh=True)
    with pytest.raises(ReconnectNeeded) as info:
        conn.client.create_journal_entry(draft(emulator, 'INV-1'), 'req-1')
    assert 'reconnect needed' in str(info.value)
    outcomes = Poster(conn.client).post(post_requests(emulator, 3))
    assert [o.status for o in outcomes] == [REAUTH] * 3
    assert isinstance(outcomes[0].error, ReconnectNeeded)
    assert conn.saved == []


# === throttling === #

def test_429_is_honoured(emulator):
    clock = FakeClock(start=1000.0)
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    connection = Connection(emulator, limiter=limiter, slot_timeout=120)  # may wait out the whole pause
    emulator.server.set_faults(script='429')
    first = Poster(connection.client).post(post_requests(emulator, 3), batch=False)
    assert [o.status for o in first] == [RETRY] * 3
    # No Retry-After and only one request of ours in the window: QuickBooks' per-second window was exceeded,
    # so the wait is that window (with the limiter's skew allowance), not a flat minute.
    second_window = 1.0 + limiter.skew
    assert first[0].retry_after == second_window
    assert first[0].error.fault_code == '3001' and first[0].error.http_status == 429
    assert [o.attempts for o in first] == [1, 0, 0]  # the run stopped instead of hammering
    assert limiter.usage(emulator.realm_id)['paused_for'] == pytest.approx(second_window)
    second = Poster(connection.client).post(post_requests(emulator, 3), batch=False)
    assert [o.status for o in second] == [POSTED] * 3
    assert sum(clock.sleeps) >= second_window  # the next request waited out the pause
    assert emulator.server.counters()['http_429'] == 1


def test_a_burst_of_300_reads_draws_no_429(emulator):
    # QuickBooks' limits, with every window ten times shorter; the limiter counts on the same scaled clock.
    scale = 10.0
    emulator.use_qbo_limits(time_scale=scale)
    limiter = RateLimiter(clock=lambda: time.monotonic() * scale, sleep=lambda seconds: time.sleep(seconds / scale))
    connection = Connection(emulator, limiter=limiter)
    emulator.server.reset_counters()
    errors = []

    def reader():
        for _ in range(75):
            try:
                connection.client.query('SELECT COUNT(*) FROM Account')
            except QboError as error:
                errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    counters = emulator.server.counters()
    assert errors == [] and counters['requests'] == 300
    assert counters.get('http_429', 0) == 0 and counters.get('throttled', 0) == 0


def test_real_throttle_answer_is_classified(emulator, conn):
    emulator.server.set_rate_limits(per_second=2)
    with pytest.raises(QboError) as info:
        for number in range(5):
            conn.client.find_journal_entries('INV-%d' % number)
    assert info.value.kind == ErrorKind.RETRY_LATER and info.value.retry_after == 60


# === blocked === #

def test_closed_period_blocks_with_the_closing_date(emulator, conn):
    emulator.server.set_book_close_date(emulator.realm_id, '2024-03-31')
    request = PostRequest('k', 'r', draft(emulator, 'INV-OLD', txn_date=date(2024, 3, 15)))
    [outcome] = Poster(conn.client).post([request], batch=False)
    assert outcome.status == BLOCKED
    assert outcome.error.fault_code == '6210' and outcome.error.closing_date == date(2024, 3, 31)
    assert '2024-03-31' in outcome.error.user_message


def test_partial_batch_failure_is_mapped_per_item(emulator, conn):
    emulator.server.set_book_close_date(emulator.realm_id, '2024-03-31')
    emulator.server.deactivate_account(emulator.realm_id, emulator.accounts['Shrinkage'])
    requests_ = [
        PostRequest('ok', 'r-ok', draft(emulator, 'INV-OK')),
        PostRequest('closed', 'r-closed', draft(emulator, 'INV-CLOSED', txn_date=date(2024, 1, 10))),
        PostRequest('unknown', 'r-unknown', draft(emulator, 'INV-UNKNOWN', debit='9999')),
        PostRequest('inactive', 'r-inactive', draft(emulator, 'INV-INACTIVE', debit='Shrinkage')),
        PostRequest('ok2', 'r-ok2', draft(emulator, 'INV-OK2')),
    ]
    outcomes = Poster(conn.client).post(requests_)
    assert [o.status for o in outcomes] == [POSTED, BLOCKED, BLOCKED, BLOCKED, POSTED]
    assert outcomes[1].error.closing_date == date(2024, 3, 31)
    assert outcomes[2].error.fault_code == '2500'
    assert "account 9999 '9999' (deleted or unknown)" in outcomes[2].error.user_message
    assert outcomes[3].error.fault_code == '610'
    assert "'Shrinkage' (inactive)" in outcomes[3].error.user_message
    assert emulator.server.counters()['batch_requests'] == 1


# === reconciliation === #

def test_reconciliation_finds_edits_deletions_and_hand_typed_entries(emulator, conn, api):
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    requests_ = post_requests(emulator, 3)
    outcomes = Poster(conn.client).post(requests_)
    posted_ids = {o.doc_number: o.qbo_id for o in outcomes}

    edited = conn.client.get_journal_entry(posted_ids['INV-1'])
    edited['Line'][0]['Amount'] = edited['Line'][1]['Amount'] = 120.00
    assert api.post(emulator.api_base + '/journalentry', json=_plain(edited), timeout=5).status_code == 200
    gone = conn.client.get_journal_entry(posted_ids['INV-2'])
    assert api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=5,
                    json={'Id': gone['Id'], 'SyncToken': gone['SyncToken']}).status_code == 200
    hand_typed = draft(emulator, 'MANUAL-7', amount='7.00').to_qbo()
    assert api.post(emulator.api_base + '/journalentry', json=hand_typed, timeout=5).status_code == 200

    report = Reconciler(conn.client).run(
        {r.draft.doc_number: r.draft for r in requests_}, posted_ids=posted_ids,
        synced_accounts={emulator.accounts['Inventory Asset']}, since=since, as_of=TXN_DATE)
    kinds = sorted((f.kind, f.doc_number) for f in report.findings)
    assert kinds == [(DELETED, 'INV-2'), (EDITED, 'INV-1'), (UNEXPECTED, 'MANUAL-7')]
    [edit] = report.by_kind(EDITED)
    assert 'line 1' in edit.detail and 'amount 125.40 -> 120.00' in edit.detail
    assert report.balances == {emulator.accounts['Inventory Asset']: Decimal('252.40')}


def _plain(entry):
    """A read entry back to JSON numbers (python-quickbooks parsed amounts as Decimal)."""
    if isinstance(entry, dict):
        return {k: _plain(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_plain(v) for v in entry]
    return float(entry) if isinstance(entry, Decimal) else entry


def test_client_refuses_nothing_global(emulator):
    # Two connections to the same emulator keep their own tokens.
    first, second = Connection(emulator), Connection(emulator)
    assert first.client.tokens != second.client.tokens
    assert first.client.qb is not second.client.qb
    assert requests.get(emulator.base_url + '/', timeout=5).status_code == 200


# === answers the client cannot read === #

@pytest.mark.parametrize('kind', ['malformed', 'shape'])
def test_unreadable_answer_is_looked_up_and_posted_once(emulator, conn, kind):
    # The batch is committed, its answer unusable, the look-up right after it unusable too:
    # the run ends with "retry, look up first"; the next run adopts the entry QuickBooks holds.
    emulator.server.set_faults(script=[kind, kind])
    [outcome] = Poster(conn.client).post(post_requests(emulator, 1, prefix=kind))
    assert outcome.status == RETRY and outcome.needs_lookup
    assert outcome.error.kind == ErrorKind.AMBIGUOUS
    assert outcome.error.user_message
    [again] = Poster(conn.client).post(post_requests(emulator, 1, prefix=kind), look_up_first={'key-0'})
    assert again.status == POSTED and again.adopted
    assert len(entries_with(conn, '%s-0' % kind)) == 1
    assert emulator.server.counters()['faults_injected'] == {kind: 2}


def test_batch_item_faults_are_resent_in_the_same_run_and_posted_once(emulator, conn):
    emulator.server.set_faults(probabilities={'item': 0.3}, seed=5)
    requests_ = post_requests(emulator, 30, prefix='ITEM')
    outcomes = Poster(conn.client).post(requests_)
    injected = emulator.server.counters()['faults_injected']['item']
    assert injected > 0
    emulator.server.clear_faults()
    statuses = {o.status for o in outcomes}
    assert statuses <= {POSTED, RETRY}
    for outcome in outcomes:
        expected = 1 if outcome.status == POSTED else 0
        assert len(entries_with(conn, outcome.doc_number)) == expected
    assert sum(o.status == POSTED for o in outcomes) >= 30 - injected
