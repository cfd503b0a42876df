"""Batch: per-item results and faults, the 30-item limit, batch-level requestid replay."""
TIMEOUT = 10


def batch(api, emulator, items, **params):
    return api.post(emulator.api_base + '/batch', json={'BatchItemRequest': items}, params=params, timeout=TIMEOUT)


def test_batch_answers_each_item_by_bid(api, emulator, make_entry):
    items = [
        {'bId': 'ok-1', 'operation': 'create', 'JournalEntry': make_entry(doc_number='B-1')},
        {'bId': 'bad-balance', 'operation': 'create', 'JournalEntry': make_entry(doc_number='B-2', credit_amount=1)},
        {'bId': 'bad-account', 'operation': 'create', 'JournalEntry': make_entry(doc_number='B-3', debit='4242')},
        {'bId': 'ok-2', 'operation': 'create', 'JournalEntry': make_entry(doc_number='B-4')},
        {'bId': 'q', 'Query': "select * from JournalEntry where DocNumber = 'B-1'"},
    ]
    answer = batch(api, emulator, items)
    assert answer.status_code == 200
    by_bid = {item['bId']: item for item in answer.json()['BatchItemResponse']}
    assert by_bid['ok-1']['JournalEntry']['DocNumber'] == 'B-1'
    assert by_bid['ok-2']['JournalEntry']['DocNumber'] == 'B-4'
    assert by_bid['bad-balance']['Fault']['Error'][0]['code'] == '6000'
    assert by_bid['bad-balance']['Fault']['type'] == 'ValidationFault'
    assert by_bid['bad-account']['Fault']['Error'][0]['code'] == '2500'
    assert by_bid['q']['QueryResponse']['JournalEntry'][0]['DocNumber'] == 'B-1'
    assert emulator.server.counters()['entries_created'] == 2


def test_batch_update_and_delete_items(api, emulator, make_entry):
    created = batch(api, emulator, [{'bId': '1', 'operation': 'create', 'JournalEntry': make_entry()}])
    entry = created.json()['BatchItemResponse'][0]['JournalEntry']
    answer = batch(api, emulator, [
        {'bId': 'u', 'operation': 'update',
         'JournalEntry': {'Id': entry['Id'], 'SyncToken': '0', 'sparse': True, 'PrivateNote': 'x'}},
        {'bId': 'stale', 'operation': 'update',
         'JournalEntry': {'Id': entry['Id'], 'SyncToken': '0', 'sparse': True, 'PrivateNote': 'y'}},
        {'bId': 'd', 'operation': 'delete', 'JournalEntry': {'Id': entry['Id'], 'SyncToken': '1'}},
    ]).json()['BatchItemResponse']
    assert answer[0]['JournalEntry']['PrivateNote'] == 'x'
    assert answer[1]['Fault']['Error'][0]['code'] == '5010'
    assert answer[2]['JournalEntry']['status'] == 'Deleted'


def test_more_than_30_items_is_a_400_fault_and_nothing_is_written(api, emulator, make_entry):
    items = [{'bId': str(i), 'operation': 'create', 'JournalEntry': make_entry(doc_number=f'B-{i}')}
             for i in range(31)]
    answer = batch(api, emulator, items)
    assert answer.status_code == 400
    assert answer.json()['Fault']['Error'][0]['code'] == '1040'
    assert emulator.server.counters()['entries_created'] == 0
    assert batch(api, emulator, items[:30]).status_code == 200


def test_batch_level_requestid_replays_the_whole_answer(api, emulator, make_entry):
    items = [{'bId': f'r{i}', 'operation': 'create', 'JournalEntry': make_entry(doc_number=f'R-{i}')}
             for i in range(3)]
    first = batch(api, emulator, items, requestid='batch-req-1')
    second = batch(api, emulator, items, requestid='batch-req-1')
    assert second.content == first.content
    assert emulator.server.counters()['entries_created'] == 3


def test_with_a_requestid_a_bid_longer_than_10_refuses_the_whole_batch(api, emulator, make_entry):
    items = [{'bId': '1', 'operation': 'create', 'JournalEntry': make_entry(doc_number='L-1')},
             {'bId': 'b' * 11, 'operation': 'create', 'JournalEntry': make_entry(doc_number='L-2')}]
    answer = batch(api, emulator, items, requestid='batch-req-2')
    assert answer.status_code == 400
    fault = answer.json()['Fault']
    assert fault['type'] == 'ValidationFault'
    assert fault['Error'][0]['code'] == '2130' and fault['Error'][0]['element'] == 'bId'
    assert emulator.server.counters()['entries_created'] == 0
    items[1]['bId'] = 'b' * 10
    assert batch(api, emulator, items, requestid='batch-req-2').status_code == 200
    assert emulator.server.counters()['entries_created'] == 2


def test_without_a_requestid_long_bids_are_accepted(api, emulator, make_entry):
    items = [{'bId': 'b' * 40, 'operation': 'create', 'JournalEntry': make_entry(doc_number='L-3')}]
    answer = batch(api, emulator, items)
    assert answer.status_code == 200
    assert answer.json()['BatchItemResponse'][0]['bId'] == 'b' * 40


def test_batch_requestid_longer_than_36_is_refused(api, emulator, make_entry):
    items = [{'bId': '1', 'operation': 'create', 'JournalEntry': make_entry(doc_number='L-4')}]
    answer = batch(api, emulator, items, requestid='r' * 37)
    assert answer.status_code == 400
    error = answer.json()['Fault']['Error'][0]
    assert error['code'] == '2130' and error['element'] == 'requestid' and '36' in error['Detail']
    assert emulator.server.counters()['entries_created'] == 0
    assert batch(api, emulator, items, requestid='r' * 36).status_code == 200
