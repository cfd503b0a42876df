"""Vendors, bills and vendor credits as the accountant enters them in QuickBooks: CRUD, query, CDC, balances."""
from decimal import Decimal

TIMEOUT = 10


def post(api, emulator, entity, payload, **params):
    answer = api.post('%s/%s' % (emulator.api_base, entity.lower()), json=payload, params=params, timeout=TIMEOUT)
    return answer


def created(api, emulator, entity, payload):
    answer = post(api, emulator, entity, payload)
    assert answer.status_code == 200, answer.text
    return answer.json()[entity]


def bill_payload(emulator, vendor, amount, account='Accrued Landed Cost – Freight', **extra):
    return dict({
        'VendorRef': {'value': vendor['Id']}, 'TxnDate': '2026-11-20', 'DocNumber': 'FWD-7781',
        'PrivateNote': 'Ocean freight PO P00042',
        'Line': [{'DetailType': 'AccountBasedExpenseLineDetail', 'Amount': amount, 'Description': 'Freight',
                  'AccountBasedExpenseLineDetail': {'AccountRef': {'value': emulator.accounts[account]}}}],
    }, **extra)


def balances(api, emulator):
    report = api.get(emulator.api_base + '/reports/TrialBalance', timeout=TIMEOUT,
                     params={'start_date': '2026-01-01', 'end_date': '2026-12-31'}).json()
    out = {}
    for row in report['Rows']['Row']:
        cells = row.get('ColData') or []
        if cells and cells[0].get('id'):
            out[cells[0]['value']] = Decimal(cells[1]['value'] or '0') - Decimal(cells[2]['value'] or '0')
    return out


def test_a_bill_debits_its_lines_and_credits_payables_created_on_first_need(api, emulator):
    vendor = created(api, emulator, 'Vendor', {'DisplayName': 'Oceanic Forwarding'})
    bill = created(api, emulator, 'Bill', bill_payload(emulator, vendor, 412.5))
    assert bill['VendorRef'] == {'value': vendor['Id'], 'name': 'Oceanic Forwarding'}
    assert (bill['TotalAmt'], bill['Balance'], bill['CurrencyRef']['value']) == (412.5, 412.5, 'USD')
    assert bill['APAccountRef']['name'] == 'Accounts Payable (A/P)'
    credit = created(api, emulator, 'VendorCredit', bill_payload(emulator, vendor, 12.5, DocNumber='CR-1'))
    assert credit['TotalAmt'] == 12.5 and 'Balance' not in credit
    assert balances(api, emulator) == {'Accrued Landed Cost – Freight': Decimal('400.00'),
                                       'Accounts Payable (A/P)': Decimal('-400.00')}


def test_bills_are_queried_read_back_by_cdc_and_deleted(api, emulator):
    vendor = created(api, emulator, 'Vendor', {'DisplayName': 'Customs Brokers Inc'})
    emulator.server.advance_clock(600)
    since = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).json()['time']
    emulator.server.advance_clock(5)
    bill = created(api, emulator, 'Bill', bill_payload(emulator, vendor, 90, account='Accrued Landed Cost – Broker'))
    rows = api.get(emulator.api_base + '/query', timeout=TIMEOUT, params={
        'query': "SELECT * FROM Bill WHERE Id = '%s'" % bill['Id']}).json()['QueryResponse']['Bill']
    assert [row['DocNumber'] for row in rows] == ['FWD-7781']
    answer = post(api, emulator, 'Bill', {'Id': bill['Id'], 'SyncToken': bill['SyncToken']}, operation='delete')
    assert answer.status_code == 200 and answer.json()['Bill']['status'] == 'Deleted'
    changed = api.get(emulator.api_base + '/cdc', timeout=TIMEOUT, params={
        'entities': 'Bill', 'changedSince': since}).json()['CDCResponse'][0]['QueryResponse'][0]['Bill']
    assert [(row['Id'], row.get('status')) for row in changed] == [(bill['Id'], 'Deleted')]


def test_refusals_name_the_element(api, emulator):
    vendor = created(api, emulator, 'Vendor', {'DisplayName': 'Duty Agent'})
    unknown_vendor = post(api, emulator, 'Bill', bill_payload(emulator, {'Id': '9999'}, 5))
    assert unknown_vendor.status_code == 400
    assert unknown_vendor.json()['Fault']['Error'][0]['code'] == '2500'
    foreign = post(api, emulator, 'Bill', bill_payload(emulator, vendor, 5, CurrencyRef={'value': 'EUR'}))
    assert foreign.status_code == 400 and 'home currency' in foreign.json()['Fault']['Error'][0]['Detail']
    negative = post(api, emulator, 'Bill', bill_payload(emulator, vendor, -5))
    assert negative.status_code == 400 and negative.json()['Fault']['Error'][0]['code'] == '6000'
    twin = post(api, emulator, 'Vendor', {'DisplayName': 'Duty Agent'})
    assert twin.status_code == 400 and twin.json()['Fault']['Error'][0]['code'] == '6240'
