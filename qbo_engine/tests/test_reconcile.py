"""Reconciliation: findings from entries read back, and the Reconciler's reads (mocked QuickBooks)."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import responses

from fake_clock import FakeClock
from fault_bodies import THROTTLE_XML
from qbo_engine.auth import TokenSet
from qbo_engine.client import QboClient
from qbo_engine.errors import QboError
from qbo_engine.ratelimit import RateLimiter
from qbo_engine.reconcile import (
    DELETED,
    EDITED,
    MISSING,
    UNEXPECTED,
    Reconciler,
    compare_entries,
    describe_line_differences,
    find_unexpected,
)
from qbo_engine.schemas import JournalEntryDraft

BASE = 'http://qbo.test'
API = BASE + '/v3/company/9130'
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def draft(doc_number='INV-1', lines=None, txn_date=date(2024, 4, 30)):
    lines = lines or [('Debit', '100.00', '81'), ('Credit', '60.00', '92'), ('Credit', '40.00', '93')]
    return JournalEntryDraft(
        doc_number=doc_number, txn_date=txn_date, currency='USD',
        lines=[{'posting_type': p, 'amount': a, 'account': {'value': acc, 'name': 'Account %s' % acc}}
               for p, a, acc in lines])


def entry(doc_number='INV-1', entry_id='101', lines=None, txn_date='2024-04-30'):
    lines = lines or [('Debit', 100, '81'), ('Credit', 60, '92'), ('Credit', 40, '93')]
    return {'Id': entry_id, 'DocNumber': doc_number, 'TxnDate': txn_date, 'SyncToken': '1',
            'Line': [{'Id': str(i), 'Amount': amount, 'DetailType': 'JournalEntryLineDetail',
                      'JournalEntryLineDetail': {'PostingType': p, 'AccountRef': {'value': acc}}}
                     for i, (p, amount, acc) in enumerate(lines)]}


def test_equal_entry_gives_no_finding():
    assert compare_entries({'INV-1': draft()}, {'INV-1': entry()}) == []


def test_missing_entry():
    [finding] = compare_entries({'INV-1': draft()}, {})
    assert finding.kind == MISSING and finding.doc_number == 'INV-1'
    assert finding.accounts == ('81', '92', '93')


def test_deleted_entry_we_had_posted():
    [finding] = compare_entries({'INV-1': draft()}, {}, posted_ids={'INV-1': '101'}, deleted_ids={'101'})
    assert finding.kind == DELETED and finding.qbo_id == '101'
    assert 'deleted in QuickBooks' in finding.detail


def test_edited_amount_names_the_line():
    found = entry(lines=[('Debit', 100, '81'), ('Credit', 55, '92'), ('Credit', 45, '93')])
    [finding] = compare_entries({'INV-1': draft()}, {'INV-1': found})
    assert finding.kind == EDITED
    assert 'line 2 (Credit 60.00 to account 92 (Account 92)): amount 60.00 -> 55.00' in finding.detail
    assert 'line 3 (Credit 40.00 to account 93 (Account 93)): amount 40.00 -> 45.00' in finding.detail


def test_edited_account_names_the_line():
    found = entry(lines=[('Debit', 100, '81'), ('Credit', 60, '95'), ('Credit', 40, '93')])
    [finding] = compare_entries({'INV-1': draft()}, {'INV-1': found})
    assert finding.kind == EDITED
    assert 'line 2' in finding.detail and 'account 92 (Account 92) -> 95' in finding.detail
    assert 'line 1' not in finding.detail and 'line 3' not in finding.detail


def test_edited_date_and_removed_line():
    found = entry(lines=[('Debit', 100, '81'), ('Credit', 100, '92')], txn_date='2024-05-02')
    expected = draft(lines=[('Debit', '100.00', '81'), ('Credit', '100.00', '92'), ('Debit', '5.00', '70'),
                            ('Credit', '5.00', '71')])
    [finding] = compare_entries({'INV-1': expected}, {'INV-1': found})
    assert 'date 2024-04-30 -> 2024-05-02' in finding.detail
    assert 'line 3 missing in QuickBooks: Debit 5.00 to account 70' in finding.detail


def test_reordered_lines_are_not_an_edit():
    found = entry(lines=[('Credit', 40, '93'), ('Debit', 100, '81'), ('Credit', 60, '92')])
    assert compare_entries({'INV-1': draft()}, {'INV-1': found}) == []


def test_second_entry_with_our_number_is_unexpected():
    findings = compare_entries({'INV-1': draft()}, {'INV-1': [entry(), entry(entry_id='205')]},
                               posted_ids={'INV-1': '101'})
    assert [(f.kind, f.qbo_id) for f in findings] == [(UNEXPECTED, '205')]


def test_hand_typed_entry_in_synced_account():
    hand = entry(doc_number='', entry_id='300', lines=[('Debit', 25, '81'), ('Credit', 25, '40')])
    unrelated = entry(doc_number='', entry_id='301', lines=[('Debit', 9, '10'), ('Credit', 9, '11')])
    ours = entry(doc_number='INV-1')
    [finding] = find_unexpected([hand, unrelated, ours], {'INV-1'}, {'81', '92'})
    assert finding.kind == UNEXPECTED and finding.qbo_id == '300' and finding.accounts == ('81',)
    assert 'entered by hand' in finding.detail and 'Debit 25.00 to account 81' in finding.detail


def test_renumbered_entry_found_by_id_is_one_edit():
    renumbered = entry('TYPO-1', '101')
    [finding] = compare_entries({'INV-1': draft()}, {}, posted_ids={'INV-1': '101'}, by_id={'101': renumbered})
    assert (finding.kind, finding.qbo_id, finding.renumbered_to) == (EDITED, '101', 'TYPO-1')
    assert finding.detail == 'Journal entry INV-1 (Id 101) was edited in QuickBooks: DocNumber changed from INV-1 to TYPO-1.'


def test_renumbered_entry_still_compares_amounts_and_date():
    renumbered = entry('TYPO-1', '101', lines=[('Debit', 90, '81'), ('Credit', 50, '92'), ('Credit', 40, '93')],
                       txn_date='2024-04-29')
    [finding] = compare_entries({'INV-1': draft()}, {}, posted_ids={'INV-1': '101'}, by_id={'101': renumbered})
    assert finding.kind == EDITED
    assert 'DocNumber changed from INV-1 to TYPO-1; date 2024-04-30 -> 2024-04-29' in finding.detail
    assert 'amount 100.00 -> 90.00' in finding.detail and 'amount 60.00 -> 50.00' in finding.detail


def test_renumbered_entry_and_a_new_one_under_our_number():
    """Ours was renumbered and another entry took our number: one edit, and the other one is not ours."""
    findings = compare_entries({'INV-1': draft()}, {'INV-1': [entry('INV-1', '205')]}, posted_ids={'INV-1': '101'},
                               by_id={'101': entry('TYPO-1', '101')})
    assert sorted((f.kind, f.qbo_id) for f in findings) == [(EDITED, '101'), (UNEXPECTED, '205')]


def test_deleted_or_unread_id_is_not_a_renumbering():
    by_id = {'101': {'Id': '101', 'status': 'Deleted'}}
    [finding] = compare_entries({'INV-1': draft()}, {}, posted_ids={'INV-1': '101'}, deleted_ids={'101'}, by_id=by_id)
    assert finding.kind == DELETED
    [finding] = compare_entries({'INV-1': draft()}, {}, posted_ids={'INV-1': '101'}, by_id={'102': entry('X', '102')})
    assert finding.kind == DELETED and 'no longer in QuickBooks under this number' in finding.detail


def test_describe_line_differences_is_empty_for_equal_lines():
    assert describe_line_differences(draft(), entry()) == []


def make_client(limiter=None, read_attempts=1):
    # One attempt per read by default: these tests look at the reconciler's own retries.
    return QboClient('9130', TokenSet('a', 'r', NOW + timedelta(hours=1), NOW + timedelta(days=90)), None,
                     lambda tokens: None, BASE, clock=lambda: NOW, limiter=limiter, read_attempts=read_attempts,
                     slot_timeout=60, sleep=pytest.fail)


def test_reconciler_run_reads_by_number_cdc_and_balances():
    expected = {'INV-1': draft('INV-1'), 'INV-2': draft('INV-2'), 'INV-3': draft('INV-3')}
    with responses.RequestsMock() as qbo:
        qbo.add(responses.POST, API + '/query', json={'QueryResponse': {'JournalEntry': [
            entry('INV-1', '101'), entry('INV-2', '102', lines=[('Debit', 100, '81'), ('Credit', 100, '92')])]}})
        qbo.add(responses.GET, API + '/cdc', json={'CDCResponse': [{'QueryResponse': [{'JournalEntry': [
            {'Id': '103', 'status': 'Deleted'},
            entry('', '300', lines=[('Debit', 7, '81'), ('Credit', 7, '40')])]}]}]})
        qbo.add(responses.GET, API + '/preferences', json={'Preferences': {'AccountingInfoPrefs': {}}})
        qbo.add(responses.GET, API + '/reports/TrialBalance', json={'Rows': {'Row': [
            {'ColData': [{'value': 'Inventory', 'id': '81'}, {'value': '207.00'}, {'value': ''}]}]}})
        report = Reconciler(make_client()).run(
            expected, posted_ids={'INV-1': '101', 'INV-2': '102', 'INV-3': '103'}, synced_accounts={'81', '92'},
            since=NOW - timedelta(days=1), as_of=date(2024, 4, 30))
        assert "DocNumber in ('INV-1', 'INV-2', 'INV-3')" in qbo.calls[0].request.body
    kinds = sorted((f.doc_number or '', f.kind) for f in report.findings)
    assert kinds == [('', UNEXPECTED), ('INV-2', EDITED), ('INV-3', DELETED)]
    assert report.balances == {'81': Decimal('207.00'), '92': Decimal('0.00')}
    assert len(report.by_kind(EDITED)) == 1
    assert report.entries_read == 3


def test_reconciler_scans_a_period_for_hand_typed_entries():
    with responses.RequestsMock() as qbo:
        qbo.add(responses.POST, API + '/query', json={'QueryResponse': {'JournalEntry': [
            entry('', '300', lines=[('Debit', 7, '92'), ('Credit', 7, '40')])]}})
        report = Reconciler(make_client()).run({}, synced_accounts={'92'},
                                               period=(date(2024, 4, 1), date(2024, 4, 30)))
        assert "TxnDate >= '2024-04-01' AND TxnDate <= '2024-04-30'" in qbo.calls[0].request.body
    assert [f.kind for f in report.findings] == [UNEXPECTED]


def test_reconciler_run_drops_the_renumbered_entry_from_hand_typed():
    with responses.RequestsMock() as qbo:
        qbo.add(responses.POST, API + '/query', json={'QueryResponse': {}})
        qbo.add(responses.POST, API + '/query', json={'QueryResponse': {'JournalEntry': [entry('TYPO-1', '101')]}})
        report = Reconciler(make_client()).run({'INV-1': draft()}, posted_ids={'INV-1': '101'},
                                               synced_accounts={'81'}, period=(date(2024, 4, 1), date(2024, 4, 30)))
    [finding] = report.findings
    assert (finding.kind, finding.renumbered_to) == (EDITED, 'TYPO-1')


def test_throttled_read_waits_as_told_through_the_limiter_and_goes_on():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    with responses.RequestsMock() as qbo:
        qbo.add(responses.POST, API + '/query', body=THROTTLE_XML, status=429, headers={'Retry-After': '12'})
        qbo.add(responses.POST, API + '/query', json={'QueryResponse': {'JournalEntry': [entry('INV-1', '101')]}})
        reconciler = Reconciler(make_client(limiter), sleep=pytest.fail)
        found = reconciler.read_back(['INV-1'])
    assert [e['Id'] for e in found['INV-1']] == ['101']
    assert reconciler.throttle_waits == [12.0]
    assert sum(clock.sleeps) == pytest.approx(12.0), 'the limiter held the retry for the 12 s asked'


def test_throttled_read_without_limiter_sleeps_then_gives_up_after_the_retries():
    slept = []
    with responses.RequestsMock() as qbo:
        for _ in range(3):
            qbo.add(responses.GET, API + '/reports/TrialBalance', body=THROTTLE_XML, status=429,
                    headers={'Retry-After': '5'})
        qbo.add(responses.GET, API + '/preferences', json={'Preferences': {'AccountingInfoPrefs': {}}})
        with pytest.raises(QboError) as raised:
            Reconciler(make_client(), sleep=slept.append).balances(date(2024, 4, 30))
        assert len([c for c in qbo.calls if 'TrialBalance' in c.request.url]) == 3
    assert raised.value.is_throttle
    assert slept == [5.0, 5.0]


def test_throttle_asking_for_too_long_is_not_waited_for():
    slept = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as qbo:
        qbo.add(responses.POST, API + '/query', body=THROTTLE_XML, status=429, headers={'Retry-After': '600'})
        with pytest.raises(QboError):
            Reconciler(make_client(), sleep=slept.append).read_back(['INV-1'])
        assert len(qbo.calls) == 1
    assert slept == []
