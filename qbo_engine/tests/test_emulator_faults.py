"""Injected faults (script and seeded probabilities), counters, and the HTTP admin surface."""
import pytest
import requests

TIMEOUT = 10


def count_doc(api, emulator, doc_number):
    answer = api.get(emulator.api_base + '/query', timeout=TIMEOUT, params={
        'query': f"select count(*) from JournalEntry where DocNumber = '{doc_number}'"})
    return answer.json()['QueryResponse']['totalCount']


def post_entry(api, emulator, payload, timeout=TIMEOUT):
    return api.post(emulator.api_base + '/journalentry', json=payload, timeout=timeout,
                    params={'requestid': payload['DocNumber']})


def test_scripted_401_then_ok(api, emulator):
    emulator.server.set_faults(script='401,ok')
    first = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT)
    assert first.status_code == 401
    assert first.json()['fault']['error'][0]['code'] == '3200'
    assert api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).status_code == 200
    assert emulator.server.counters()['faults_injected'] == {'401': 1}


def test_injected_429_is_the_xml_body(api, emulator):
    emulator.server.set_faults(script='429')
    answer = api.get(emulator.api_base + '/preferences', timeout=TIMEOUT)
    assert answer.status_code == 429 and 'Retry-After' not in answer.headers
    assert '<Error code="3001">' in answer.text and 'ThrottleExceeded' in answer.text


@pytest.mark.parametrize('kind, content_type', [('500', 'application/json'), ('503', 'text/html')])
def test_server_errors_commit_nothing(api, emulator, make_entry, kind, content_type):
    emulator.server.set_faults(script=kind)
    answer = post_entry(api, emulator, make_entry(doc_number=f'F-{kind}'))
    assert answer.status_code == int(kind)
    assert answer.headers['Content-Type'].startswith(content_type)
    if kind == '500':
        assert answer.json()['Fault']['Error'][0]['code'] == '10000'
    assert count_doc(api, emulator, f'F-{kind}') == 0


def test_slow_answer_times_the_client_out_and_commits_nothing(api, emulator, make_entry):
    emulator.server.set_faults(script='slow', slow_seconds=0.5)
    with pytest.raises(requests.Timeout):
        post_entry(api, emulator, make_entry(doc_number='F-SLOW'), timeout=0.2)
    assert count_doc(api, emulator, 'F-SLOW') == 0
    assert emulator.server.counters()['faults_injected'] == {'slow': 1}


def test_commit_then_drop_stores_the_entry_and_closes_the_socket(api, emulator, make_entry):
    emulator.server.set_faults(script='drop')
    with pytest.raises(requests.ConnectionError):
        post_entry(api, emulator, make_entry(doc_number='F-DROP'))
    assert count_doc(api, emulator, 'F-DROP') == 1
    # The same requestid now answers with the stored entry instead of creating a second one.
    retry = post_entry(api, emulator, make_entry(doc_number='F-DROP'))
    assert retry.status_code == 200 and retry.json()['JournalEntry']['DocNumber'] == 'F-DROP'
    counters = emulator.server.counters()
    assert counters['entries_created'] == 1 and counters['faults_injected'] == {'drop': 1}


def test_probabilities_are_reproducible_with_a_seed(api, emulator):
    def run():
        emulator.server.set_faults(probabilities={'500': 0.5}, seed=11)
        return [api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).status_code for _ in range(16)]

    first = run()
    assert set(first) == {200, 500}
    assert run() == first
    emulator.server.clear_faults()
    assert api.get(emulator.api_base + '/preferences', timeout=TIMEOUT).status_code == 200


def test_unknown_fault_kind_is_refused(emulator):
    answer = requests.post(emulator.base_url + '/_emulator/faults', json={'script': 'ok,teapot'}, timeout=TIMEOUT)
    assert answer.status_code == 400 and 'teapot' in answer.json()['error']


def test_admin_http_endpoints(emulator, make_entry):
    admin = emulator.base_url + '/_emulator'
    realm = requests.post(admin + '/companies', json={'name': 'Admin Co'}, timeout=TIMEOUT).json()['realm_id']
    app = requests.post(admin + '/apps', json={'redirect_uri': 'https://example.test/cb'}, timeout=TIMEOUT).json()
    assert app['client_id'] and app['client_secret']
    seeded = requests.post(f'{admin}/companies/{realm}/accounts', timeout=TIMEOUT,
                           json=[{'Name': 'Inventory Asset', 'AccountType': 'Other Current Asset'},
                                 {'Name': 'GRNI', 'AccountType': 'Other Current Liability'}]).json()
    assert [row['Name'] for row in seeded] == ['Inventory Asset', 'GRNI']
    for kind in ('classes', 'departments'):
        assert requests.post(f'{admin}/companies/{realm}/{kind}', json=[{'Name': 'X'}],
                             timeout=TIMEOUT).status_code == 200
    assert requests.post(f'{admin}/companies/{realm}/items', json=[{'Name': 'Svc', 'Type': 'Service'}],
                         timeout=TIMEOUT).status_code == 200
    deactivated = requests.post(f'{admin}/companies/{realm}/accounts/{seeded[1]["Id"]}/deactivate',
                                timeout=TIMEOUT).json()
    assert deactivated['Active'] is False
    prefs = requests.post(f'{admin}/companies/{realm}/book-close-date', json={'date': '2024-12-31'},
                          timeout=TIMEOUT).json()
    assert prefs['book_close_date'] == '2024-12-31'
    prefs = requests.post(f'{admin}/companies/{realm}/duplicate-doc-number-warning', json={'enabled': True},
                          timeout=TIMEOUT).json()
    assert prefs['warn_duplicate_journal_number'] is True

    faults = requests.post(admin + '/faults', json={'script': 'ok,500', 'slow_seconds': 2}, timeout=TIMEOUT).json()
    assert faults['script_remaining'] == ['ok', '500'] and faults['slow_seconds'] == 2
    assert requests.post(admin + '/faults/clear', timeout=TIMEOUT).json()['script_remaining'] == []
    counters = requests.get(admin + '/counters', timeout=TIMEOUT).json()
    assert {'requests', 'http_429', 'throttled', 'entries_created', 'faults_injected'} <= set(counters)
    assert requests.post(admin + '/clock', json={'advance_seconds': 30}, timeout=TIMEOUT).json() == {
        'offset_seconds': 30.0}
    assert requests.post(admin + '/limits', json={'per_second': 5}, timeout=TIMEOUT).json()['per_second'] == 5
    demo = requests.post(admin + '/demo', json={'name': 'Second Demo'}, timeout=TIMEOUT).json()
    assert 'Inventory – Quality Hold' in demo['accounts']
    state = requests.post(admin + '/reset', json={}, timeout=TIMEOUT).json()
    assert state['clock_offset_seconds'] == 0 and len(state['companies']) == 3
    assert requests.get(admin + '/nothing', timeout=TIMEOUT).status_code == 404


def test_malformed_answer_commits_and_cuts_the_json_in_half(api, emulator, make_entry):
    emulator.server.set_faults(script='malformed')
    answer = post_entry(api, emulator, make_entry(doc_number='F-GARBLED'))
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert answer.text.startswith('{"JournalEntry"')
    assert count_doc(api, emulator, 'F-GARBLED') == 1
    assert emulator.server.counters()['faults_injected'] == {'malformed': 1}


def test_unexpected_shape_commits_and_answers_without_the_entry(api, emulator, make_entry):
    emulator.server.set_faults(script='unexpected_shape')
    answer = post_entry(api, emulator, make_entry(doc_number='F-SHAPE'))
    assert answer.status_code == 200
    assert list(answer.json()) == ['time']
    assert count_doc(api, emulator, 'F-SHAPE') == 1
    # A resend with the same requestid gets the real answer, not a second entry.
    retry = post_entry(api, emulator, make_entry(doc_number='F-SHAPE'))
    assert retry.json()['JournalEntry']['DocNumber'] == 'F-SHAPE'
    assert emulator.server.counters()['faults_injected'] == {'shape': 1}
    assert emulator.server.counters()['entries_created'] == 1


def test_item_faults_fail_single_batch_items_and_commit_the_others(api, emulator, make_entry):
    emulator.server.set_faults(probabilities={'item': 0.5}, seed=3)
    items = [{'bId': f'b{number}', 'operation': 'create', 'JournalEntry': make_entry(doc_number=f'F-ITEM-{number}')}
             for number in range(10)]
    answer = api.post(emulator.api_base + '/batch', json={'BatchItemRequest': items}, timeout=TIMEOUT)
    assert answer.status_code == 200
    faulted = [row['bId'] for row in answer.json()['BatchItemResponse'] if 'Fault' in row]
    assert 0 < len(faulted) < 10
    for row in answer.json()['BatchItemResponse']:
        committed = count_doc(api, emulator, 'F-ITEM-' + row['bId'][1:])
        if 'Fault' in row:
            assert row['Fault']['type'] == 'SystemFault' and row['Fault']['Error'][0]['code'] == '10000'
            assert committed == 0
        else:
            assert committed == 1
    assert emulator.server.counters()['faults_injected'] == {'item': len(faulted)}


def test_item_faults_take_a_probability_not_a_script_step(emulator):
    with pytest.raises(ValueError, match='per batch item'):
        emulator.server.set_faults(script='ok,item')
