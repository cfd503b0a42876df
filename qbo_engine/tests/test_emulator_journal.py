"""Journal entry create / read / update (sparse and full) / delete, requestid replay, lists, minorversion."""
from concurrent.futures import ThreadPoolExecutor

import requests

TIMEOUT = 10


def create(api, emulator, payload, **params):
    answer = api.post(emulator.api_base + '/journalentry', json=payload, params=params, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()['JournalEntry']


def test_create_answers_like_qbo(api, emulator, make_entry):
    answer = api.post(emulator.api_base + '/journalentry', json=make_entry(doc_number='INV-7', amount=12.345),
                      params={'minorversion': 75}, timeout=TIMEOUT)
    body = answer.json()
    assert set(body) == {'JournalEntry', 'time'}
    entry = body['JournalEntry']
    assert entry['Id'] and entry['SyncToken'] == '0'
    assert set(entry['MetaData']) == {'CreateTime', 'LastUpdatedTime'}
    assert entry['Line'][0]['Amount'] == 12.35  # rounded to cents
    assert entry['TotalAmt'] == 0  # QuickBooks keeps a journal entry's TotalAmt at 0
    assert entry['CurrencyRef']['value'] == 'USD'
    detail = entry['Line'][1]['JournalEntryLineDetail']
    assert detail['AccountRef'] == {'value': emulator.accounts['Inventory Received Not Billed'],
                                    'name': 'Inventory Received Not Billed'}


def test_lines_carry_class_and_department(api, emulator, make_entry):
    payload = make_entry(debit='Cost of Goods Sold', credit='Inventory Asset')
    for line in payload['Line']:
        line['JournalEntryLineDetail']['ClassRef'] = {'value': emulator.classes['E-commerce']}
        line['JournalEntryLineDetail']['DepartmentRef'] = {'value': emulator.departments['East Warehouse']}
    entry = create(api, emulator, payload)
    detail = entry['Line'][0]['JournalEntryLineDetail']
    assert detail['ClassRef']['name'] == 'E-commerce'
    assert detail['DepartmentRef']['name'] == 'East Warehouse'


def test_sparse_and_full_update_and_delete(api, emulator, make_entry):
    entry = create(api, emulator, make_entry(doc_number='UPD-1', PrivateNote='first'))
    sparse = api.post(emulator.api_base + '/journalentry', params={'operation': 'update'}, timeout=TIMEOUT,
                      json={'Id': entry['Id'], 'SyncToken': '0', 'sparse': True, 'PrivateNote': 'second'}).json()
    assert sparse['JournalEntry']['PrivateNote'] == 'second'
    assert sparse['JournalEntry']['DocNumber'] == 'UPD-1' and len(sparse['JournalEntry']['Line']) == 2

    full_payload = make_entry(doc_number='UPD-1B', amount=7)
    full_payload.update({'Id': entry['Id'], 'SyncToken': '1'})
    full = api.post(emulator.api_base + '/journalentry', json=full_payload, timeout=TIMEOUT).json()['JournalEntry']
    assert full['DocNumber'] == 'UPD-1B' and full['TotalAmt'] == 0 and 'PrivateNote' not in full
    assert [line['Amount'] for line in full['Line']] == [7, 7]
    assert full['SyncToken'] == '2'
    assert full['MetaData']['CreateTime'] == entry['MetaData']['CreateTime']

    deleted = api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=TIMEOUT,
                       json={'Id': entry['Id'], 'SyncToken': '2'}).json()
    assert deleted['JournalEntry'] == {'domain': 'QBO', 'status': 'Deleted', 'Id': entry['Id']}
    assert emulator.server.counters()['entries_deleted'] == 1


def test_requestid_replays_the_first_answer_without_a_second_entry(api, emulator, make_entry):
    first = api.post(emulator.api_base + '/journalentry', json=make_entry(doc_number='RID-1'),
                     params={'requestid': 'req-0001'}, timeout=TIMEOUT)
    second = api.post(emulator.api_base + '/journalentry', json=make_entry(doc_number='RID-1-CHANGED'),
                      params={'requestid': 'req-0001'}, timeout=TIMEOUT)
    assert second.content == first.content
    assert emulator.server.counters()['entries_created'] == 1
    assert emulator.server.counters()['replays'] == 1
    other = api.post(emulator.api_base + '/journalentry', json=make_entry(doc_number='RID-2'),
                     params={'requestid': 'req-0002'}, timeout=TIMEOUT)
    assert other.json()['JournalEntry']['Id'] != first.json()['JournalEntry']['Id']


def test_requestid_is_per_realm_and_faults_are_not_replayed(api, emulator, make_entry):
    refused = api.post(emulator.api_base + '/journalentry', json=make_entry(credit_amount=1),
                       params={'requestid': 'req-x'}, timeout=TIMEOUT)
    assert refused.status_code == 400
    fixed = api.post(emulator.api_base + '/journalentry', json=make_entry(),
                     params={'requestid': 'req-x'}, timeout=TIMEOUT)
    assert fixed.status_code == 200


def test_requestid_longer_than_50_is_refused(api, emulator, make_entry):
    answer = api.post(emulator.api_base + '/journalentry', json=make_entry(),
                      params={'requestid': 'r' * 51}, timeout=TIMEOUT)
    assert answer.status_code == 400 and answer.json()['Fault']['Error'][0]['code'] == '2130'


def test_minorversion_below_75_is_served_as_75(api, emulator):
    for sent, served in (('4', '75'), ('75', '75'), (None, '75'), ('80', '80')):
        params = {'minorversion': sent} if sent else {}
        answer = api.get(emulator.api_base + '/preferences', params=params, timeout=TIMEOUT)
        assert answer.headers['X-Minor-Version-Served'] == served


def test_company_info_and_lists(api, emulator):
    info = api.get(f'{emulator.api_base}/companyinfo/{emulator.realm_id}', timeout=TIMEOUT).json()['CompanyInfo']
    assert info['CompanyName'] == 'Stock Sync Demo Co'
    account = api.get(f'{emulator.api_base}/account/{emulator.accounts["Cost of Goods Sold"]}',
                      timeout=TIMEOUT).json()['Account']
    assert (account['AccountType'], account['Classification'], account['Active']) == (
        'Cost of Goods Sold', 'Expense', True)
    items = api.get(emulator.api_base + '/query', params={'query': 'select * from Item'},
                    timeout=TIMEOUT).json()['QueryResponse']['Item']
    assert {item['Name']: item['Type'] for item in items}['Legacy Stock Item'] == 'Inventory'
    classes = api.get(emulator.api_base + '/query', params={'query': 'select * from Class'},
                      timeout=TIMEOUT).json()['QueryResponse']['Class']
    assert sorted(c['Name'] for c in classes) == ['E-commerce', 'Retail', 'Wholesale']


def test_account_current_balance_follows_entries(api, emulator, make_entry):
    create(api, emulator, make_entry(amount=250))
    create(api, emulator, make_entry(amount=50, debit='Cost of Goods Sold', credit='Inventory Asset'))
    rows = api.get(emulator.api_base + '/query', timeout=TIMEOUT, params={
        'query': "select * from Account where Name in ('Inventory Asset', 'Inventory Received Not Billed')"}
    ).json()['QueryResponse']['Account']
    balances = {row['Name']: row['CurrentBalance'] for row in rows}
    assert balances == {'Inventory Asset': 200.0, 'Inventory Received Not Billed': 250.0}


def test_accounts_can_be_created_and_deactivated_through_the_api(api, emulator):
    created = api.post(emulator.api_base + '/account', timeout=TIMEOUT,
                       json={'Name': 'Inventory – Consignment', 'AccountType': 'Other Current Asset',
                             'AccountSubType': 'Inventory'}).json()['Account']
    assert created['Classification'] == 'Asset'
    duplicate = api.post(emulator.api_base + '/account', timeout=TIMEOUT,
                         json={'Name': 'Inventory – Consignment', 'AccountType': 'Other Current Asset'})
    assert duplicate.json()['Fault']['Error'][0]['code'] == '6240'
    inactive = api.post(emulator.api_base + '/account', timeout=TIMEOUT,
                        json={'Id': created['Id'], 'SyncToken': created['SyncToken'], 'sparse': True,
                              'Active': False}).json()['Account']
    assert inactive['Active'] is False


def test_concurrent_calls_with_one_requestid_make_one_entry(emulator, make_entry):
    headers = emulator.headers()

    def post(_):
        return requests.post(emulator.api_base + '/journalentry', json=make_entry(doc_number='RACE-1'),
                             params={'requestid': 'race-req'}, headers=headers, timeout=TIMEOUT).content

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = set(pool.map(post, range(16)))
    assert len(answers) == 1
    assert emulator.server.counters()['entries_created'] == 1
