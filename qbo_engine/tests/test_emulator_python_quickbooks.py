"""The real python-quickbooks 0.9.12 client and intuitlib AuthClient against the emulator."""
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.exceptions import AuthorizationException, ValidationException
from quickbooks.objects.base import Ref
from quickbooks.objects.journalentry import JournalEntry, JournalEntryLine, JournalEntryLineDetail


@pytest.fixture
def qb(emulator, monkeypatch):
    # requests-oauthlib refuses plain http unless told it is a test.
    monkeypatch.setenv('OAUTHLIB_INSECURE_TRANSPORT', '1')
    auth = AuthClient(emulator.client_id, emulator.client_secret, emulator.redirect_uri,
                      environment=emulator.discovery_url)
    redirect = requests.get(auth.get_authorization_url([Scopes.ACCOUNTING]) + '&auto_approve=1',
                            allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(redirect.headers['Location']).query)
    auth.get_bearer_token(query['code'][0], realm_id=query['realmId'][0])
    client = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=emulator.realm_id,
                        minorversion=75, use_decimal=True)
    # QuickBooks builds '{api_url}/company/{realm}/...'; api_url is api_url_v3 outside 'sandbox'.
    client.api_url_v3 = emulator.base_url + '/v3'
    return client


def journal_entry(emulator, doc_number, amount):
    entry = JournalEntry()
    entry.DocNumber = doc_number
    entry.TxnDate = '2024-06-01'
    for posting_type, account in (('Debit', 'Cost of Goods Sold'), ('Credit', 'Inventory Asset')):
        line = JournalEntryLine()
        line.Amount = amount
        line.Description = f'{posting_type} {doc_number}'
        line.JournalEntryLineDetail = JournalEntryLineDetail()
        line.JournalEntryLineDetail.PostingType = posting_type
        ref = Ref()
        ref.value = emulator.accounts[account]
        line.JournalEntryLineDetail.AccountRef = ref
        entry.Line.append(line)
    return entry


def test_create_read_query_and_count_journal_entries(emulator, qb):
    saved = journal_entry(emulator, 'PQB-1', Decimal('42.50')).save(qb=qb, request_id='pqb-req-1')
    assert saved.Id and saved.SyncToken == '0'

    again = journal_entry(emulator, 'PQB-1', Decimal('42.50')).save(qb=qb, request_id='pqb-req-1')
    assert again.Id == saved.Id  # same requestid: QBO answers with the first result

    read = JournalEntry.get(saved.Id, qb=qb)
    assert read.DocNumber == 'PQB-1' and read.TotalAmt == 0  # QuickBooks keeps it at 0
    assert [line.Amount for line in read.Line] == [Decimal('42.5'), Decimal('42.5')]
    assert [line.JournalEntryLineDetail.PostingType for line in read.Line] == ['Debit', 'Credit']

    found = JournalEntry.filter(DocNumber='PQB-1', qb=qb)
    assert [entry.Id for entry in found] == [saved.Id]
    assert JournalEntry.count(qb=qb) == 1
    assert JournalEntry.filter(DocNumber='nope', qb=qb) == []


def test_validation_fault_reaches_python_quickbooks_as_its_exception(emulator, qb):
    entry = journal_entry(emulator, 'PQB-BAD', Decimal('10'))
    entry.Line[1].JournalEntryLineDetail.AccountRef.value = '9999'
    with pytest.raises(ValidationException) as raised:
        entry.save(qb=qb)
    assert raised.value.error_code == 2500


def test_batch_create_and_delete(emulator, qb):
    result = batch_create([journal_entry(emulator, f'PQB-B{i}', Decimal('5')) for i in range(3)], qb=qb)
    assert len(result.successes) == 3 and not result.faults
    target = JournalEntry.get(result.successes[0].Id, qb=qb)
    target.delete(qb=qb)
    assert JournalEntry.count(qb=qb) == 2


def test_expired_access_token_is_authorization_exception(emulator, qb):
    emulator.server.advance_clock(3601)
    with pytest.raises(AuthorizationException):
        JournalEntry.count(qb=qb)
