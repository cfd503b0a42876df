"""Customers, invoices and payments as a wholesale company enters them in QuickBooks: balances, CDC, aging."""
from decimal import Decimal

from test_emulator_purchases import balances, created, post

TIMEOUT = 10


def invoice_payload(customer, amount, **extra):
    return dict({'CustomerRef': {'value': customer['Id']}, 'TxnDate': '2026-09-01', 'DueDate': '2026-10-01',
                 'DocNumber': 'INV-1001', 'Line': [{'DetailType': 'SalesItemLineDetail', 'Amount': amount,
                                                    'Description': 'Rain shells, wholesale'}]}, **extra)


def payment_payload(customer, amount, invoice, applied=None):
    return {'CustomerRef': {'value': customer['Id']}, 'TotalAmt': amount, 'TxnDate': '2026-10-15',
            'Line': [{'Amount': amount if applied is None else applied,
                      'LinkedTxn': [{'TxnId': invoice['Id'], 'TxnType': 'Invoice'}]}]}


def aged(api, emulator, day):
    report = api.get(emulator.api_base + '/reports/AgedReceivables', params={'report_date': day},
                     timeout=TIMEOUT).json()
    assert report['Header']['ReportName'] == 'AgedReceivables'
    cells = [row.get('ColData') or row['Summary']['ColData'] for row in report['Rows']['Row']]
    return {row[0]['value']: [cell['value'] for cell in row[1:]] for row in cells}


def test_a_payment_lowers_the_invoice_balance_and_receivables(api, emulator):
    customer = created(api, emulator, 'Customer', {'DisplayName': 'Harbor Outfitters'})
    invoice = created(api, emulator, 'Invoice', invoice_payload(customer, 1200.0))
    assert (invoice['TotalAmt'], invoice['Balance'], invoice['DueDate']) == (1200.0, 1200.0, '2026-10-01')
    assert invoice['ARAccountRef']['name'] == 'Accounts Receivable (A/R)'
    payment = created(api, emulator, 'Payment', payment_payload(customer, 500.0, invoice))
    assert payment['UnappliedAmt'] == 0.0
    [read] = api.get('%s/query' % emulator.api_base, params={'query': "SELECT * FROM Invoice WHERE Id = '%s'"
                                                            % invoice['Id']}, timeout=TIMEOUT).json()[
        'QueryResponse']['Invoice']
    assert read['Balance'] == 700.0 and int(read['SyncToken']) == 1, "QuickBooks keeps the balance"
    assert balances(api, emulator) == {'Accounts Receivable (A/R)': Decimal('700.00'),
                                       'Undeposited Funds': Decimal('500.00'),
                                       'Sales of Product Income': Decimal('-1200.00')}
    assert aged(api, emulator, '2026-11-20') == {'Harbor Outfitters': ['', '', '700.00', '', '', '700.00'],
                                                 'TOTAL': ['0.00', '0.00', '700.00', '0.00', '0.00', '700.00']}
    assert aged(api, emulator, '2026-09-15')['Harbor Outfitters'][0] == '700.00', "not due yet"


def test_payments_are_checked_and_undone_with_their_invoice(api, emulator):
    customer = created(api, emulator, 'Customer', {'DisplayName': 'Northline Retail'})
    other = created(api, emulator, 'Customer', {'DisplayName': 'Someone Else'})
    invoice = created(api, emulator, 'Invoice', invoice_payload(customer, 300.0, DocNumber='INV-2002'))
    refused = post(api, emulator, 'Payment', payment_payload(other, 100.0, invoice))
    assert refused.status_code == 400 and 'another customer' in refused.text
    refused = post(api, emulator, 'Payment', payment_payload(customer, 100.0, invoice, applied=150.0))
    assert refused.status_code == 400 and 'exceed the payment' in refused.text
    payment = created(api, emulator, 'Payment', payment_payload(customer, 300.0, invoice))
    undeletable = post(api, emulator, 'Invoice', {'Id': invoice['Id'], 'SyncToken': '1'}, operation='delete')
    assert undeletable.status_code == 400 and 'payments applied' in undeletable.text
    gone = post(api, emulator, 'Payment', {'Id': payment['Id'], 'SyncToken': payment['SyncToken']}, operation='delete')
    assert gone.status_code == 200, gone.text
    since = invoice['MetaData']['CreateTime']
    changed = api.get('%s/cdc' % emulator.api_base, params={'entities': 'Invoice,Payment', 'changedSince': since},
                      timeout=TIMEOUT).json()['CDCResponse'][0]['QueryResponse']
    [invoices, payments] = changed
    assert invoices['Invoice'][0]['Balance'] == 300.0, "the deleted payment no longer counts"
    assert payments['Payment'][0]['status'] == 'Deleted'
