"""Change data capture (with deleted entries) and the TrialBalance report."""
from decimal import Decimal

TIMEOUT = 10


def create(api, emulator, payload):
    answer = api.post(emulator.api_base + '/journalentry', json=payload, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()['JournalEntry']


def test_cdc_lists_changed_and_deleted_entries(api, emulator, make_entry):
    old = create(api, emulator, make_entry(doc_number='CDC-OLD'))
    emulator.server.advance_clock(600)
    since = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).json()['time']
    emulator.server.advance_clock(5)
    kept = create(api, emulator, make_entry(doc_number='CDC-NEW'))
    gone = create(api, emulator, make_entry(doc_number='CDC-GONE'))
    api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=TIMEOUT,
             json={'Id': gone['Id'], 'SyncToken': gone['SyncToken']}).raise_for_status()
    emulator.server.deactivate_account(emulator.realm_id, emulator.accounts['Shrinkage'])

    answer = api.get(emulator.api_base + '/cdc', timeout=TIMEOUT,
                     params={'entities': 'JournalEntry,Account', 'changedSince': since})
    assert answer.status_code == 200
    responses = answer.json()['CDCResponse'][0]['QueryResponse']
    entries = {row['Id']: row for row in responses[0]['JournalEntry']}
    assert old['Id'] not in entries
    assert entries[kept['Id']]['DocNumber'] == 'CDC-NEW'
    assert entries[gone['Id']] == {'domain': 'QBO', 'status': 'Deleted', 'Id': gone['Id'],
                                   'MetaData': entries[gone['Id']]['MetaData']}
    assert [row['Name'] for row in responses[1]['Account']] == ['Shrinkage']


def test_cdc_needs_changed_since(api, emulator):
    answer = api.get(emulator.api_base + '/cdc', params={'entities': 'JournalEntry'}, timeout=TIMEOUT)
    assert answer.status_code == 400 and answer.json()['Fault']['Error'][0]['code'] == '2020'


def test_cdc_refuses_a_changed_since_older_than_30_days(api, emulator):
    now = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).json()['time']
    emulator.server.advance_clock(30 * 24 * 3600 + 60)
    api.headers.update(emulator.headers())  # a month later: a fresh access token
    answer = api.get(emulator.api_base + '/cdc', params={'entities': 'JournalEntry', 'changedSince': now},
                     timeout=TIMEOUT)
    assert answer.status_code == 400
    fault = answer.json()['Fault']
    assert fault['type'] == 'ValidationFault'
    assert fault['Error'][0]['Detail'] == ('Operation cdc with changedSince date %s which is older than fixed days '
                                           'is not supported.' % now)
    assert fault['Error'][0]['element'] == ''
    emulator.server.advance_clock(-120)  # 29 days 23 h 59 min back: still served
    assert api.get(emulator.api_base + '/cdc', params={'entities': 'JournalEntry', 'changedSince': now},
                   timeout=TIMEOUT).status_code == 200


def test_cdc_answers_at_most_1000_objects_per_entity(api, emulator, make_entry):
    since = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).json()['time']
    items = [{'bId': str(i), 'operation': 'create', 'JournalEntry': make_entry(doc_number=f'CAP-{n}-{i}')}
             for n in range(34) for i in range(30)][:1005]
    for start in range(0, len(items), 30):
        chunk = [dict(item, bId=str(i)) for i, item in enumerate(items[start:start + 30])]
        assert api.post(emulator.api_base + '/batch', json={'BatchItemRequest': chunk},
                        timeout=TIMEOUT).status_code == 200
    answer = api.get(emulator.api_base + '/cdc', params={'entities': 'JournalEntry', 'changedSince': since},
                     timeout=TIMEOUT).json()
    block = answer['CDCResponse'][0]['QueryResponse'][0]
    assert len(block['JournalEntry']) == 1000


def test_journal_entry_total_amount_is_kept_at_zero(api, emulator, make_entry):
    entry = create(api, emulator, make_entry(doc_number='TOT-1', amount=250.0))
    assert entry['TotalAmt'] == 0
    assert sum(line['Amount'] for line in entry['Line']) == 500.0


def _trial_balance(api, emulator, **params):
    report = api.get(emulator.api_base + '/reports/TrialBalance', params=params, timeout=TIMEOUT).json()
    lines = {}
    for row in report['Rows']['Row']:
        if 'ColData' in row:
            name, debit, credit = row['ColData']
            lines[name['value']] = (name.get('id'), debit['value'], credit['value'])
    return report, lines


def test_trial_balance_from_stored_entries(api, emulator, make_entry):
    create(api, emulator, make_entry(amount=1000, txn_date='2024-03-01'))
    create(api, emulator, make_entry(amount=300, debit='Cost of Goods Sold', credit='Inventory Asset',
                                     txn_date='2024-03-15'))
    create(api, emulator, make_entry(amount=99, txn_date='2024-04-02'))  # after end_date

    report, lines = _trial_balance(api, emulator, end_date='2024-03-31')
    assert report['Header']['ReportName'] == 'TrialBalance'
    assert report['Header']['EndPeriod'] == '2024-03-31'
    assert [c['ColTitle'] for c in report['Columns']['Column']] == ['', 'Debit', 'Credit']
    assert lines['Inventory Asset'] == (emulator.accounts['Inventory Asset'], '700.00', '')
    assert lines['Inventory Received Not Billed'][2] == '1000.00'
    assert lines['Cost of Goods Sold'][1] == '300.00'
    total = report['Rows']['Row'][-1]['Summary']['ColData']
    assert total[0]['value'] == 'TOTAL' and Decimal(total[1]['value']) == Decimal(total[2]['value']) == 1000


def test_trial_balance_rolls_last_years_profit_and_loss_into_retained_earnings(api, emulator, make_entry):
    create(api, emulator, make_entry(amount=40, debit='Cost of Goods Sold', credit='Inventory Asset',
                                     txn_date='2023-12-20'))
    _report, lines = _trial_balance(api, emulator, end_date='2024-01-31')
    assert 'Cost of Goods Sold' not in lines
    assert lines['Retained Earnings'][1] == '40.00'
    _report, lines = _trial_balance(api, emulator, start_date='2023-01-01', end_date='2024-01-31')
    assert lines['Cost of Goods Sold'][1] == '40.00'


def test_trial_balance_ignores_deleted_entries(api, emulator, make_entry):
    entry = create(api, emulator, make_entry(amount=10, txn_date='2024-02-01'))
    api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=TIMEOUT,
             json={'Id': entry['Id'], 'SyncToken': '0'}).raise_for_status()
    report, lines = _trial_balance(api, emulator, end_date='2024-12-31')
    assert lines == {}
    assert report['Header']['Option'] == [{'Name': 'NoReportData', 'Value': 'true'}]
