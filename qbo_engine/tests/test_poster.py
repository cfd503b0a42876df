"""Poster decisions (adopt, resend, block, stop) against an in-memory stand-in for QboClient."""
import threading
from collections import deque
from datetime import date, datetime, timezone

import pytest
from quickbooks.objects.account import Account

from qbo_engine.auth import TokenSet
from qbo_engine.client import BatchItemResult, CompanySettings, QboClient
from qbo_engine.errors import ErrorKind, QboError, ReconnectNeeded, read_error
from qbo_engine.poster import BLOCKED, POSTED, REAUTH, RETRY, PostRequest, Poster
from qbo_engine.schemas import JournalEntryDraft


def draft(doc_number, amount='10.00', debit='81', credit='92'):
    return JournalEntryDraft(
        doc_number=doc_number, txn_date=date(2024, 4, 30), currency='USD',
        lines=[{'posting_type': 'Debit', 'amount': amount, 'account': {'value': debit, 'name': 'Inventory Asset'}},
               {'posting_type': 'Credit', 'amount': amount, 'account': {'value': credit, 'name': 'GRNI'}}])


def requests_for(count, prefix='INV'):
    return [PostRequest('key-%d' % i, 'req-%d' % i, draft('%s-%d' % (prefix, i))) for i in range(count)]


def timeout():
    return QboError(ErrorKind.AMBIGUOUS, 'No complete answer from QuickBooks in time', reason='timeout')


def throttle():
    return QboError(ErrorKind.RETRY_LATER, 'ThrottleExceeded', fault_code='3001', http_status=429, retry_after=60)


def fault(code, message='', detail='', kind=ErrorKind.BLOCKED, closing_date=None):
    return QboError(kind, message or 'fault %s' % code, fault_code=code, http_status=400, detail=detail,
                    closing_date=closing_date)


class FakeQbo:
    """A QuickBooks company in memory with a script of what goes wrong on each send.

    Script steps: 'ok', 'commit_then_timeout' (booked, answer lost), 'timeout' (not booked),
    a QboError (raised for the whole call), or a dict request id -> any of these (per batch item).
    """

    def __init__(self, script=(), closing_date=date(2024, 3, 31)):
        self.entries = {}
        self.by_request_id = {}
        self.script = deque(script)
        self.calls = []
        self.next_id = 100
        self.lookup_error = None
        self.closing_date = closing_date
        self.accounts_state = [('81', True), ('92', False)]
        self.lock = threading.Lock()

    def _book(self, request_id, draft):
        with self.lock:
            return self._book_locked(request_id, draft)

    def _book_locked(self, request_id, draft):
        if request_id in self.by_request_id:  # QuickBooks answers a known requestid with the first result
            return self.by_request_id[request_id]
        self.next_id += 1
        entry = dict(draft.to_qbo(), Id=str(self.next_id), SyncToken='0')
        self.entries.setdefault(draft.doc_number, []).append(entry)
        self.by_request_id[request_id] = entry
        return entry

    def _apply(self, step, request_id, draft):
        if isinstance(step, QboError):
            raise step
        if step == 'timeout':
            raise timeout()
        entry = self._book(request_id, draft)
        if step == 'commit_then_timeout':
            raise timeout()
        return entry

    def create_journal_entry(self, draft, request_id):
        self.calls.append(('create', request_id))
        return self._apply(self.script.popleft() if self.script else 'ok', request_id, draft)

    def batch_create_journal_entries(self, items):
        self.calls.append(('batch', tuple(rid for rid, _ in items)))
        step = self.script.popleft() if self.script else 'ok'
        if isinstance(step, QboError):
            raise step
        per_item = step if isinstance(step, dict) else {}
        results, lost = [], False
        for request_id, item_draft in items:
            item_step = per_item.get(request_id, 'ok' if per_item else step)
            try:
                results.append(BatchItemResult(request_id, entry=self._apply(item_step, request_id, item_draft)))
            except QboError as error:
                if item_step in ('timeout', 'commit_then_timeout'):
                    lost = True
                results.append(BatchItemResult(request_id, error=error))
        if lost:
            raise timeout()  # a lost answer loses the whole batch reply
        return results

    def find_journal_entries_by_doc_numbers(self, doc_numbers):
        self.calls.append(('lookup', tuple(doc_numbers)))
        if self.lookup_error:
            raise self.lookup_error
        return {d: list(self.entries[d]) for d in doc_numbers if d in self.entries}

    def company_settings(self):
        self.calls.append(('preferences',))
        return CompanySettings(self.closing_date, 'USD', False, True)

    def accounts(self, include_inactive=False):
        self.calls.append(('accounts', include_inactive))
        result = []
        for account_id, active in self.accounts_state:
            account = Account()
            account.Id, account.Active = account_id, active
            result.append(account)
        return result

    def sends(self):
        return [call for call in self.calls if call[0] in ('batch', 'create')]


def test_batches_of_thirty_in_order():
    qbo = FakeQbo()
    requests = requests_for(65)
    outcomes = Poster(qbo).post(requests)
    assert [len(call[1]) for call in qbo.sends()] == [30, 30, 5]
    assert [o.key for o in outcomes] == [r.key for r in requests]
    assert all(o.status == POSTED and o.qbo_id and not o.adopted and o.attempts == 1 for o in outcomes)
    assert outcomes[0].doc_number == 'INV-0' and outcomes[0].sync_token == '0'


def test_one_entry_per_request():
    qbo = FakeQbo()
    outcomes = Poster(qbo).post(requests_for(3), batch=False)
    assert qbo.sends() == [('create', 'req-0'), ('create', 'req-1'), ('create', 'req-2')]
    assert [o.status for o in outcomes] == [POSTED] * 3


def test_commit_then_lost_answer_is_adopted_without_resend():
    qbo = FakeQbo(['commit_then_timeout'])
    outcomes = Poster(qbo).post(requests_for(3))
    assert [c[0] for c in qbo.calls] == ['batch', 'lookup']
    assert all(o.status == POSTED and o.adopted for o in outcomes)
    assert all(len(entries) == 1 for entries in qbo.entries.values())


def test_lost_request_is_resent_with_same_request_id_after_lookup():
    qbo = FakeQbo(['timeout'])
    outcomes = Poster(qbo).post(requests_for(2), batch=False)
    assert qbo.calls[:3] == [('create', 'req-0'), ('lookup', ('INV-0',)), ('create', 'req-0')]
    assert outcomes[0].status == POSTED and outcomes[0].attempts == 2 and not outcomes[0].adopted
    assert len(qbo.entries['INV-0']) == 1


def test_partial_commit_in_batch_resends_only_what_is_missing():
    qbo = FakeQbo([{'req-0': 'commit_then_timeout', 'req-1': 'timeout', 'req-2': 'ok'}])
    outcomes = Poster(qbo).post(requests_for(3))
    assert qbo.calls[1] == ('lookup', ('INV-0', 'INV-1', 'INV-2'))
    assert qbo.calls[2] == ('batch', ('req-1',))
    assert [o.status for o in outcomes] == [POSTED] * 3
    assert all(len(entries) == 1 for entries in qbo.entries.values())


def test_ambiguous_until_sends_run_out_needs_lookup_next_time():
    qbo = FakeQbo(['timeout', 'timeout'])
    outcome = Poster(qbo, max_sends=2).post(requests_for(1), batch=False)[0]
    assert outcome.status == RETRY and outcome.needs_lookup and outcome.attempts == 2
    assert outcome.error.kind == ErrorKind.AMBIGUOUS


def test_lookup_failure_keeps_the_posting_ambiguous():
    qbo = FakeQbo(['timeout'])
    qbo.lookup_error = timeout()
    outcome = Poster(qbo).post(requests_for(1), batch=False)[0]
    assert outcome.status == RETRY and outcome.needs_lookup
    assert len(qbo.sends()) == 1  # never resent blind


def test_duplicate_number_with_equal_lines_is_adopted():
    qbo = FakeQbo()
    existing = qbo._book('someone-else', draft('INV-0'))
    qbo.script.append(fault('6140', 'Duplicate Document Number Error', kind=ErrorKind.AMBIGUOUS))
    outcome = Poster(qbo).post(requests_for(1), batch=False)[0]
    assert outcome.status == POSTED and outcome.adopted and outcome.qbo_id == existing['Id']
    assert len(qbo.sends()) == 1


def test_duplicate_number_with_other_lines_is_a_conflict():
    qbo = FakeQbo()
    qbo._book('someone-else', draft('INV-0', amount='12.00'))
    qbo.script.append(fault('6140', 'Duplicate Document Number Error', kind=ErrorKind.AMBIGUOUS))
    outcome = Poster(qbo).post(requests_for(1), batch=False)[0]
    assert outcome.status == BLOCKED
    assert outcome.error.reason == 'conflict' and outcome.error.fault_code == '6140'
    assert 'amount 10.00 -> 12.00' in outcome.error.user_message
    assert len(qbo.sends()) == 1


def test_look_up_first_adopts_without_sending():
    qbo = FakeQbo()
    qbo._book('req-0', draft('INV-0'))
    outcomes = Poster(qbo).post(requests_for(2), look_up_first={'key-0'})
    assert qbo.calls[0] == ('lookup', ('INV-0',))
    assert qbo.sends() == [('batch', ('req-1',))]
    assert outcomes[0].status == POSTED and outcomes[0].adopted and outcomes[0].attempts == 0
    assert outcomes[1].status == POSTED and not outcomes[1].adopted


def test_look_up_first_not_found_is_sent():
    qbo = FakeQbo()
    outcome = Poster(qbo).post(requests_for(1), look_up_first={'key-0'})[0]
    assert [c[0] for c in qbo.calls] == ['lookup', 'batch']
    assert outcome.status == POSTED


def test_throttle_stops_the_run():
    qbo = FakeQbo(['ok', throttle()])
    outcomes = Poster(qbo, batch_size=2).post(requests_for(6))
    assert len(qbo.sends()) == 2
    assert [o.status for o in outcomes] == [POSTED, POSTED, RETRY, RETRY, RETRY, RETRY]
    assert [o.attempts for o in outcomes[2:]] == [1, 1, 0, 0]
    assert all(o.retry_after == 60 and not o.needs_lookup for o in outcomes[2:])


def test_reauth_stops_the_run():
    qbo = FakeQbo([ReconnectNeeded()])
    outcomes = Poster(qbo).post(requests_for(3), batch=False)
    assert len(qbo.sends()) == 1
    assert [o.status for o in outcomes] == [REAUTH] * 3
    assert isinstance(outcomes[2].error, ReconnectNeeded)


def test_batch_item_faults_are_mapped_per_item():
    qbo = FakeQbo([{'req-1': fault('6210', 'Account Period Closed', closing_date=date(2024, 1, 31)),
                    'req-2': fault('6000', 'A business validation error has occurred', 'Business Validation Error: '
                                   'You must enter equal debits and credits.'),
                    'req-3': QboError(ErrorKind.RETRY_LATER, 'Stale Object Error', fault_code='5010')}])
    outcomes = Poster(qbo).post(requests_for(4))
    assert [o.status for o in outcomes] == [POSTED, BLOCKED, BLOCKED, RETRY]
    assert outcomes[1].error.closing_date == date(2024, 1, 31)
    assert 'equal debits' in outcomes[2].error.detail


def test_closed_period_without_date_reads_the_closing_date():
    qbo = FakeQbo([fault('6210', 'Account Period Closed', 'The account period has closed. {1}')])
    outcome = Poster(qbo).post(requests_for(1), batch=False)[0]
    assert outcome.status == BLOCKED and outcome.error.closing_date == date(2024, 3, 31)
    assert '2024-03-31' in outcome.error.user_message


def test_invalid_reference_names_the_accounts():
    qbo = FakeQbo([fault('610', 'Object Not Found')])
    requests = [PostRequest('k', 'r', draft('INV-9', debit='77', credit='92'))]
    outcome = Poster(qbo).post(requests, batch=False)[0]
    assert outcome.status == BLOCKED
    assert "account 77 'Inventory Asset' (deleted or unknown)" in outcome.error.user_message
    assert "account 92 'GRNI' (inactive)" in outcome.error.user_message


def test_same_doc_number_twice_in_one_run_is_blocked():
    requests = [PostRequest('a', 'ra', draft('INV-1')), PostRequest('b', 'rb', draft('INV-1'))]
    qbo = FakeQbo()
    outcomes = Poster(qbo).post(requests)
    assert [o.status for o in outcomes] == [POSTED, BLOCKED]
    assert outcomes[1].error.reason == 'conflict'
    assert qbo.sends() == [('batch', ('ra',))]


def test_batch_size_is_bounded():
    with pytest.raises(ValueError):
        Poster(FakeQbo(), batch_size=31)


def test_throttled_look_up_keeps_needs_lookup():
    qbo = FakeQbo()
    qbo.lookup_error = throttle()
    outcomes = Poster(qbo).post(requests_for(2), look_up_first={'key-0'})
    assert [o.status for o in outcomes] == [RETRY, RETRY]
    assert [o.needs_lookup for o in outcomes] == [True, False]
    assert qbo.sends() == []


def test_reauth_after_an_ambiguous_send_keeps_needs_lookup():
    qbo = FakeQbo(['timeout'])
    qbo.lookup_error = ReconnectNeeded()
    outcomes = Poster(qbo).post(requests_for(2), batch=False)
    assert [(o.status, o.needs_lookup) for o in outcomes] == [(REAUTH, True), (REAUTH, False)]


def test_workers_post_everything_once():
    qbo = FakeQbo(['commit_then_timeout', 'timeout'])
    outcomes = Poster(qbo, workers=4).post(requests_for(40), batch=False)
    assert all(o.status == POSTED for o in outcomes)
    assert sorted(qbo.entries) == sorted('INV-%d' % i for i in range(40))
    assert all(len(entries) == 1 for entries in qbo.entries.values())


# === bounded waits and the caller's check before each send === #

class StepClock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_before_send_sees_every_send_and_withdraws_the_resend():
    qbo = FakeQbo(script=['timeout'])  # first send lost and not booked: looked up, then resent
    asked = []

    def before_send(keys):
        asked.append(list(keys))
        return keys if len(asked) == 1 else []  # the lease is gone by the resend

    [outcome] = Poster(qbo).post(requests_for(1), before_send=before_send)
    assert asked == [['key-0'], ['key-0']]
    assert [call[0] for call in qbo.calls] == ['batch', 'lookup']  # no second send
    assert (outcome.status, outcome.error.reason, outcome.needs_lookup, outcome.attempts) == \
        (RETRY, 'lease_lost', True, 1)


def test_before_send_allows_part_of_a_chunk():
    qbo = FakeQbo()
    outcomes = Poster(qbo).post(requests_for(3), before_send=lambda keys: [k for k in keys if k != 'key-1'])
    assert [o.status for o in outcomes] == [POSTED, RETRY, POSTED]
    assert outcomes[1].error.reason == 'lease_lost' and not outcomes[1].needs_lookup
    assert qbo.sends() == [('batch', ('req-0', 'req-2'))]


def test_a_failing_before_send_sends_nothing():
    def broken(keys):
        raise RuntimeError('database gone')

    qbo = FakeQbo()
    outcomes = Poster(qbo).post(requests_for(2), before_send=broken)
    assert [(o.status, o.error.reason) for o in outcomes] == [(RETRY, 'lease_lost')] * 2
    assert 'database gone' in outcomes[0].error.detail and qbo.sends() == []


def test_no_new_send_after_the_time_budget():
    qbo = FakeQbo()
    # 4 s pass between readings: the deadline is 4 + 10; the sends start at 8 and 12, not at 16.
    poster = Poster(qbo, batch_size=1, time_budget=10, clock=StepClock(4))
    outcomes = poster.post(requests_for(4))
    assert [o.status for o in outcomes] == [POSTED, POSTED, RETRY, RETRY]
    assert {o.error.reason for o in outcomes[2:]} == {'time_budget'}
    assert len(qbo.sends()) == 2


def test_no_look_up_after_the_time_budget_keeps_needs_lookup():
    qbo = FakeQbo(script=['timeout'])
    [outcome] = Poster(qbo, time_budget=5, clock=StepClock(3)).post(requests_for(1))
    # the send's own error stands (it left for QuickBooks and counts), and the entry is looked up next run
    assert (outcome.status, outcome.error.reason, outcome.needs_lookup, outcome.attempts) == \
        (RETRY, 'timeout', True, 1)
    assert [call[0] for call in qbo.calls] == ['batch']


def quota_used_up():
    """What the client raises when the rate limiter gives no slot in time: nothing was sent."""
    return QboError(ErrorKind.RETRY_LATER, 'no request slot free in time', retry_after=6, reason='rate_limited')


def test_a_send_refused_by_our_own_limiter_is_not_a_send():
    qbo = FakeQbo(script=[quota_used_up()])
    outcomes = Poster(qbo, batch_size=2).post(requests_for(3))
    assert [(o.status, o.error.reason, o.attempts, o.needs_lookup) for o in outcomes] == \
        [(RETRY, 'rate_limited', 0, False)] * 3  # the first chunk refused, the rest stopped
    assert not qbo.entries


def test_a_look_up_refused_by_our_own_limiter_is_no_attempt_and_stays_to_look_up():
    qbo = FakeQbo()
    qbo.lookup_error = read_error(quota_used_up(), 'the journal entries of 2 numbers', 'journal_entries')
    requests = requests_for(2)
    outcomes = Poster(qbo).post(requests, look_up_first={requests[0].key})
    assert (outcomes[0].status, outcomes[0].error.reason, outcomes[0].attempts, outcomes[0].needs_lookup) == \
        (RETRY, 'rate_limited', 0, True)
    assert outcomes[0].error.reading == 'journal_entries'
    # the quota is used up: the other one waits too, never sent, nothing to look up
    assert (outcomes[1].status, outcomes[1].attempts, outcomes[1].needs_lookup) == (RETRY, 0, False)
    assert [call[0] for call in qbo.calls] == ['lookup']


def test_a_send_in_doubt_whose_look_up_the_limiter_refused_keeps_its_send_error():
    qbo = FakeQbo(script=['timeout'])
    qbo.lookup_error = read_error(quota_used_up(), 'the journal entries of 1 number', 'journal_entries')
    [outcome] = Poster(qbo).post(requests_for(1))
    # it left for QuickBooks: an attempt, with the error of the send, looked up first next run
    assert (outcome.status, outcome.error.reason, outcome.attempts, outcome.needs_lookup) == \
        (RETRY, 'timeout', 1, True)


def test_worst_case_of_a_batch_is_bounded_well_below_a_ten_minute_lease():
    class OAuthStub:
        timeout = 30

    client = QboClient('9130', TokenSet('a', 'r', datetime(2024, 5, 1, tzinfo=timezone.utc),
                                        datetime(2024, 9, 1, tzinfo=timezone.utc)),
                       OAuthStub(), lambda tokens: None, 'http://qbo.test', timeout=30)
    poster = Poster(client)
    per_try = client.slot_timeout + client.request_seconds()
    refresh = client.refresh_worst_case_seconds()
    assert refresh == 2 * OAuthStub.timeout  # a refused refresh is tried once more
    assert client.send_worst_case_seconds() == 2 * per_try + refresh
    assert client.read_worst_case_seconds() == \
        (client.read_attempts + 1) * per_try + client.read_wait_budget + refresh
    assert poster.worst_case_seconds(30) == poster.time_budget + client.read_worst_case_seconds()
    assert poster.worst_case_seconds(30) <= 600 / 1.5
    small = Poster(client, time_budget=10_000).worst_case_seconds(1, batch=False)
    assert small == 1 * client.read_worst_case_seconds() + 3 * (client.send_worst_case_seconds()
                                                                  + client.read_worst_case_seconds()) \
        + 2 * client.read_worst_case_seconds()
