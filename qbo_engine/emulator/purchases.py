"""What an accountant enters for vendors: Vendor, Bill and VendorCredit, with QBO's faults.

Only the fields this project reads are modelled (VendorRef, TxnDate, DocNumber, PrivateNote,
CurrencyRef, account-based lines with Description and AccountRef); unknown fields are kept as
given. A bill debits each line's account and credits Accounts Payable; a vendor credit the
opposite. QuickBooks creates the Accounts Payable account when the first bill needs one, and
so does the emulator. Both appear in account balances and the TrialBalance report.
"""
from decimal import Decimal

from . import qbo_faults
from .journal import (
    CENT, CURRENCY_NAMES, DOC_NUMBER_LIMIT, TEXT_LIMIT, _check_length, _reference, money, parse_txn_date,
)

VENDOR_DOCUMENTS = ('Bill', 'VendorCredit')
PURCHASE_KINDS = ('Vendor',) + VENDOR_DOCUMENTS
LINE_DETAIL = 'AccountBasedExpenseLineDetail'
READ_ONLY_FIELDS = ('Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'TotalAmt', 'HomeTotalAmt', 'Balance',
                    'status')
NAME_LIMIT = 100
PAYABLES_NAME = 'Accounts Payable (A/P)'


def normalize_vendor(payload: dict, existing_body: dict = None, sparse: bool = False) -> dict:
    source = dict(existing_body or {}) if sparse else {}
    source.update({k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS})
    name = source.get('DisplayName')
    if not isinstance(name, str) or not name.strip():
        raise qbo_faults.required_param_missing('DisplayName')
    if len(name.strip()) > NAME_LIMIT:
        raise qbo_faults.string_too_long('DisplayName', NAME_LIMIT, len(name.strip()))
    body = dict(source, DisplayName=name.strip(), Active=bool(source.get('Active', True)))
    return body


def normalize_vendor_document(ctx, kind: str, payload: dict, existing=None, sparse: bool = False) -> dict:
    """Validate a Bill or VendorCredit and return the body to store (raises QboFault)."""
    source = dict(existing.body) if (existing is not None and sparse) else {}
    source.update({k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS})
    vendor = _reference(ctx, 'Vendor', source.get('VendorRef'), 'VendorRef')
    vendor['name'] = ctx.lookup('Vendor', vendor['value']).body.get('DisplayName', '')
    doc_number = source.get('DocNumber')
    if doc_number not in (None, ''):
        _check_length(doc_number, 'DocNumber', DOC_NUMBER_LIMIT)
    _check_length(source.get('PrivateNote'), 'PrivateNote', TEXT_LIMIT)
    home = ctx.preferences['home_currency']
    currency = (source.get('CurrencyRef') or {}).get('value') or home
    if currency != home and not ctx.preferences.get('multicurrency_enabled'):
        raise qbo_faults.business_validation(
            f'Multicurrency is off: a {kind} must be in the home currency {home}.', 'CurrencyRef')
    lines = source.get('Line')
    if not isinstance(lines, list) or not lines:
        raise qbo_faults.required_param_missing('Line')
    out_lines, total = [], Decimal('0')
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or (line.get('DetailType') or LINE_DETAIL) != LINE_DETAIL:
            raise qbo_faults.invalid_value('Line.DetailType', 'Invalid Enumeration : %s'
                                           % (line.get('DetailType') if isinstance(line, dict) else line))
        if line.get('Amount') is None:
            raise qbo_faults.required_param_missing('Line.Amount')
        amount = money(line['Amount'])
        if amount < 0:
            raise qbo_faults.business_validation(f'{kind} line amounts cannot be negative.', 'Line.Amount')
        _check_length(line.get('Description'), 'Line.Description')
        detail = line.get(LINE_DETAIL) or {}
        out = {'Id': str(index), 'DetailType': LINE_DETAIL, 'Amount': float(amount), LINE_DETAIL: {
            'AccountRef': _reference(ctx, 'Account', detail.get('AccountRef'), f'Line.{LINE_DETAIL}.AccountRef')}}
        if line.get('Description') not in (None, ''):
            out['Description'] = str(line['Description'])
        out_lines.append(out)
        total += amount
    body = dict(source)
    body.update({
        'VendorRef': vendor, 'Line': out_lines, 'TxnDate': parse_txn_date(source.get('TxnDate'), ctx.today()).isoformat(),
        'CurrencyRef': {'value': currency, 'name': CURRENCY_NAMES.get(currency, currency)},
        'TotalAmt': float(total.quantize(CENT)), 'APAccountRef': _payables(ctx, source.get('APAccountRef')),
    })
    if kind == 'Bill':
        body['Balance'] = body['TotalAmt']
    return body


def _payables(ctx, ref):
    if ref:
        return _reference(ctx, 'Account', ref, 'APAccountRef')
    stored = next((a for a in ctx.store.list_entities(ctx.realm_id, 'Account')
                   if a.body.get('AccountType') == 'Accounts Payable'), None)
    if stored is None:
        stored = ctx.store.insert_entity(ctx.realm_id, 'Account', {
            'Name': PAYABLES_NAME, 'FullyQualifiedName': PAYABLES_NAME, 'Active': True,
            'AccountType': 'Accounts Payable', 'AccountSubType': 'AccountsPayable', 'Classification': 'Liability',
        }, ctx.now(), name=PAYABLES_NAME)
    return {'value': str(stored.id), 'name': stored.body.get('Name', PAYABLES_NAME)}


def vendor_document_lines(kind: str, body: dict):
    """(account id, debit-minus-credit, TxnDate) of a stored Bill or VendorCredit, for balances."""
    sign = Decimal(1) if kind == 'Bill' else Decimal(-1)
    total = Decimal('0')
    for line in body.get('Line', []):
        amount = Decimal(str(line['Amount']))
        total += amount
        yield int(line[LINE_DETAIL]['AccountRef']['value']), sign * amount, body['TxnDate']
    yield int(body['APAccountRef']['value']), -sign * total, body['TxnDate']
