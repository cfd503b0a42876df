"""QBO's validation faults on journal entries, with QBO's JSON fault body."""
import pytest

TIMEOUT = 10


def post_entry(api, emulator, payload, **params):
    return api.post(emulator.api_base + '/journalentry', json=payload,
                    params=dict({'minorversion': 75}, **params), timeout=TIMEOUT)


def fault_of(answer, status=400):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {'Fault', 'time'}
    assert body['Fault']['type'] == 'ValidationFault'
    error = body['Fault']['Error'][0]
    assert set(error) == {'Message', 'Detail', 'code', 'element'}
    assert isinstance(error['code'], str)
    return error


def count_entries(api, emulator):
    answer = api.get(emulator.api_base + '/query', params={'query': 'select count(*) from JournalEntry'},
                     timeout=TIMEOUT)
    return answer.json()['QueryResponse']['totalCount']


def test_unbalanced_entry_is_6000_business_validation(api, emulator, make_entry):
    error = fault_of(post_entry(api, emulator, make_entry(amount=100.00, credit_amount=99.99)))
    assert error['code'] == '6000'
    assert error['Detail'].startswith('Business Validation Error:')
    assert count_entries(api, emulator) == 0


def test_unknown_account_is_2500_invalid_reference(api, emulator, make_entry):
    error = fault_of(post_entry(api, emulator, make_entry(credit='987654')))
    assert error['code'] == '2500'
    assert error['Message'] == 'Invalid Reference Id'
    assert '987654' in error['Detail']


def test_unknown_class_is_2500(api, emulator, make_entry):
    payload = make_entry()
    payload['Line'][0]['JournalEntryLineDetail']['ClassRef'] = {'value': '777'}
    error = fault_of(post_entry(api, emulator, payload))
    assert error['code'] == '2500' and 'Classes' in error['Detail']


def test_inactive_account_is_610_object_not_found(api, emulator, make_entry):
    emulator.server.deactivate_account(emulator.realm_id, emulator.accounts['Shrinkage'])
    error = fault_of(post_entry(api, emulator, make_entry(debit='Shrinkage')))
    assert error['code'] == '610'
    assert error['Message'] == 'Object Not Found'


def test_closed_period_is_6210_naming_the_closing_date(api, emulator, make_entry):
    emulator.server.set_book_close_date(emulator.realm_id, '2024-05-31')
    prefs = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).json()['Preferences']
    assert prefs['AccountingInfoPrefs']['BookCloseDate'] == '2024-05-31'

    for txn_date in ('2024-05-31', '2024-01-15'):
        error = fault_of(post_entry(api, emulator, make_entry(txn_date=txn_date)))
        assert error['code'] == '6210'
        assert '2024-05-31' in error['Detail']
    assert post_entry(api, emulator, make_entry(txn_date='2024-06-01')).status_code == 200


def test_closed_period_also_blocks_update_and_delete_of_old_entries(api, emulator, make_entry):
    entry = post_entry(api, emulator, make_entry(txn_date='2024-05-10')).json()['JournalEntry']
    emulator.server.set_book_close_date(emulator.realm_id, '2024-05-31')
    moved = dict(entry, TxnDate='2024-06-05')
    assert fault_of(api.post(emulator.api_base + '/journalentry', json=moved, timeout=TIMEOUT))['code'] == '6210'
    deleted = api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=TIMEOUT,
                       json={'Id': entry['Id'], 'SyncToken': entry['SyncToken']})
    assert fault_of(deleted)['code'] == '6210'


def test_duplicate_doc_number_is_6140_only_when_the_preference_is_on(api, emulator, make_entry):
    first = post_entry(api, emulator, make_entry(doc_number='DUP-1')).json()['JournalEntry']
    assert post_entry(api, emulator, make_entry(doc_number='DUP-1')).status_code == 200  # warning off

    emulator.server.set_warn_duplicate_journal_number(emulator.realm_id, True)
    error = fault_of(post_entry(api, emulator, make_entry(doc_number='DUP-1')))
    assert error['code'] == '6140'
    assert f'TxnId={first["Id"]}' in error['Detail']
    assert post_entry(api, emulator, make_entry(doc_number='DUP-2')).status_code == 200


def test_stale_sync_token_is_5010(api, emulator, make_entry):
    entry = post_entry(api, emulator, make_entry()).json()['JournalEntry']
    updated = api.post(emulator.api_base + '/journalentry', timeout=TIMEOUT,
                       json={'Id': entry['Id'], 'SyncToken': entry['SyncToken'], 'sparse': True,
                             'PrivateNote': 'edited by hand'})
    assert updated.json()['JournalEntry']['SyncToken'] == '1'
    stale = api.post(emulator.api_base + '/journalentry', params={'operation': 'update'}, timeout=TIMEOUT,
                     json={'Id': entry['Id'], 'SyncToken': '0', 'sparse': True, 'PrivateNote': 'late'})
    assert fault_of(stale)['code'] == '5010'


def test_doc_number_longer_than_21_is_6000(api, emulator, make_entry):
    error = fault_of(post_entry(api, emulator, make_entry(doc_number='X' * 22)))
    assert error['code'] == '6000' and error['element'] == 'DocNumber'
    assert post_entry(api, emulator, make_entry(doc_number='X' * 21)).status_code == 200


@pytest.mark.parametrize('field', ['PrivateNote', 'Description'])
def test_texts_longer_than_4000_are_refused(api, emulator, make_entry, field):
    payload = make_entry()
    if field == 'PrivateNote':
        payload['PrivateNote'] = 'n' * 4001
    else:
        payload['Line'][0]['Description'] = 'd' * 4001
    assert fault_of(post_entry(api, emulator, payload))['code'] == '2050'


def test_reading_a_deleted_entry_is_610(api, emulator, make_entry):
    entry = post_entry(api, emulator, make_entry()).json()['JournalEntry']
    api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=TIMEOUT,
             json={'Id': entry['Id'], 'SyncToken': entry['SyncToken']}).raise_for_status()
    assert fault_of(api.get(f'{emulator.api_base}/journalentry/{entry["Id"]}', timeout=TIMEOUT))['code'] == '610'


def test_foreign_currency_needs_multicurrency(api, emulator, make_entry):
    payload = make_entry(CurrencyRef={'value': 'EUR'})
    assert fault_of(post_entry(api, emulator, payload))['code'] == '6000'
    emulator.server.set_preferences(emulator.realm_id, multicurrency_enabled=True)
    created = post_entry(api, emulator, dict(payload, ExchangeRate=1.1)).json()['JournalEntry']
    assert created['CurrencyRef']['value'] == 'EUR' and created['HomeTotalAmt'] == 110.0


def test_unknown_path_is_unsupported_operation(api, emulator):
    answer = api.get(emulator.api_base + '/estimate/1', timeout=TIMEOUT)
    assert fault_of(answer)['code'] == '500'
