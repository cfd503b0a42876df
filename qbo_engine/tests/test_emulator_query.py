"""QBO's query subset: filters, IN, LastUpdatedTime, COUNT, ORDER BY, paging."""
import pytest

TIMEOUT = 10


def query(api, emulator, text, method='GET'):
    if method == 'GET':
        answer = api.get(emulator.api_base + '/query', params={'query': text, 'minorversion': 75}, timeout=TIMEOUT)
    else:  # python-quickbooks posts the statement as application/text
        answer = api.post(emulator.api_base + '/query', data=text.encode(), timeout=TIMEOUT,
                          headers={'Content-Type': 'application/text'})
    return answer


def rows(api, emulator, text, entity='JournalEntry'):
    answer = query(api, emulator, text)
    assert answer.status_code == 200, answer.text
    return answer.json()['QueryResponse'].get(entity, [])


@pytest.fixture
def entries(api, emulator, make_entry):
    created = []
    for number in range(1, 8):
        answer = api.post(emulator.api_base + '/journalentry', timeout=TIMEOUT,
                          json=make_entry(doc_number=f'Q-{number:03d}', amount=number,
                                          txn_date=f'2024-07-{number:02d}'))
        created.append(answer.json()['JournalEntry'])
    return created


def test_where_doc_number_and_case_insensitive_keywords(api, emulator, entries):
    found = rows(api, emulator, "SELECT * FROM JournalEntry WHERE DocNumber = 'Q-003'")
    assert [row['Id'] for row in found] == [entries[2]['Id']]
    assert rows(api, emulator, "select * from journalentry where DocNumber = 'Q-3'") == []
    answer = query(api, emulator, "select * from JournalEntry where DocNumber = 'Q-001'", method='POST')
    assert answer.json()['QueryResponse']['JournalEntry'][0]['DocNumber'] == 'Q-001'


def test_where_id_in_and_escaped_quotes(api, emulator, entries, make_entry):
    ids = [entries[0]['Id'], entries[4]['Id']]
    found = rows(api, emulator, f"select * from JournalEntry where Id in ('{ids[0]}', '{ids[1]}')")
    assert [row['Id'] for row in found] == ids
    api.post(emulator.api_base + '/journalentry', json=make_entry(doc_number="O'Neil-1"), timeout=TIMEOUT)
    assert len(rows(api, emulator, r"select * from JournalEntry where DocNumber = 'O\'Neil-1'")) == 1


def test_where_last_updated_time(api, emulator, entries):
    emulator.server.advance_clock(120)
    edited = api.post(emulator.api_base + '/journalentry', timeout=TIMEOUT, json={
        'Id': entries[1]['Id'], 'SyncToken': '0', 'sparse': True, 'PrivateNote': 'typed by hand'}).json()
    since = entries[-1]['MetaData']['LastUpdatedTime']
    found = rows(api, emulator, f"select * from JournalEntry where MetaData.LastUpdatedTime > '{since}'")
    assert [row['Id'] for row in found] == [edited['JournalEntry']['Id']]


def test_count_order_and_paging(api, emulator, entries):
    total = query(api, emulator, 'select count(*) from JournalEntry').json()['QueryResponse']
    assert total == {'totalCount': 7}
    page = query(api, emulator, 'select * from JournalEntry orderby TxnDate desc startposition 3 maxresults 2')
    body = page.json()['QueryResponse']
    assert [row['DocNumber'] for row in body['JournalEntry']] == ['Q-005', 'Q-004']
    assert (body['startPosition'], body['maxResults']) == (3, 2)
    tail = rows(api, emulator, 'select * from JournalEntry ORDER BY DocNumber STARTPOSITION 7 MAXRESULTS 5')
    assert [row['DocNumber'] for row in tail] == ['Q-007']
    assert query(api, emulator, 'select * from JournalEntry startposition 50').json()['QueryResponse'] == {}


def test_default_page_is_100_and_limit_is_1000(api, emulator, make_entry):
    batch = {'BatchItemRequest': [
        {'bId': str(i), 'operation': 'create', 'JournalEntry': make_entry(doc_number=f'P-{i}')} for i in range(30)]}
    for _round in range(4):
        assert api.post(emulator.api_base + '/batch', json=batch, timeout=TIMEOUT).status_code == 200
    assert len(rows(api, emulator, 'select * from JournalEntry')) == 100
    assert len(rows(api, emulator, 'select * from JournalEntry maxresults 1000')) == 120
    too_many = query(api, emulator, 'select * from JournalEntry maxresults 1001')
    assert too_many.status_code == 400
    assert too_many.json()['Fault']['Error'][0]['code'] == '4001'


def test_name_lists_hide_inactive_unless_asked(api, emulator):
    emulator.server.deactivate_account(emulator.realm_id, emulator.accounts['Shrinkage'])
    names = {row['Name'] for row in rows(api, emulator, 'select * from Account maxresults 1000', 'Account')}
    assert 'Shrinkage' not in names and 'Inventory Asset' in names
    every = rows(api, emulator, 'select * from Account where Active in (true, false)', 'Account')
    assert 'Shrinkage' in {row['Name'] for row in every}
    like = rows(api, emulator, "select * from Account where Name like 'Accrued Landed Cost%'", 'Account')
    assert len(like) == 5


def test_projection_and_parse_errors(api, emulator, entries):
    projected = rows(api, emulator, "select Id, DocNumber from JournalEntry where DocNumber = 'Q-001'")
    assert set(projected[0]) <= {'Id', 'DocNumber', 'SyncToken', 'domain', 'sparse'}
    for bad in ('select * from Nothing', 'select * from JournalEntry where', 'delete from JournalEntry',
                "select * from JournalEntry where DocNumber = 'a' or DocNumber = 'b'"):
        answer = query(api, emulator, bad)
        assert answer.status_code == 400, bad
        assert answer.json()['Fault']['Error'][0]['code'] == '4000'
