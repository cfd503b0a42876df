"""JournalEntry validation and normalisation, with QBO's faults.

Checks run in this order: structure and lengths, references (2500 unknown,
610 inactive), balance (6000), closed period (6210), duplicate DocNumber
(6140, only when the company warns about duplicate journal numbers).
"""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import qbo_faults
from .lists import list_label

DOC_NUMBER_LIMIT = 21
TEXT_LIMIT = 4000
CENT = Decimal('0.01')
CURRENCY_NAMES = {'USD': 'United States Dollar', 'CAD': 'Canadian Dollar', 'EUR': 'Euro',
                  'GBP': 'British Pound Sterling', 'AUD': 'Australian Dollar', 'MXN': 'Mexican Peso'}
READ_ONLY_FIELDS = ('Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'TotalAmt', 'HomeTotalAmt', 'status')
LINE_ELEMENT = 'Line.JournalEntryLineDetail'


def money(value, element='Line.Amount') -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise qbo_faults.QboFault('2110', 'Invalid Decimal', f'Invalid decimal value: {value}', element)
    if not amount.is_finite():
        raise qbo_faults.QboFault('2110', 'Invalid Decimal', f'Invalid decimal value: {value}', element)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_txn_date(value, today: date) -> date:
    if value in (None, ''):
        return today
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise qbo_faults.QboFault('2070', 'Invalid Date', f'Date value must be a valid value. Supplied value: {value}',
                                  'TxnDate')


def _reference(ctx, kind: str, ref, element: str) -> dict:
    """Resolve a {value, name} reference against the company's lists."""
    if not isinstance(ref, dict) or not str(ref.get('value', '')).strip():
        raise qbo_faults.required_param_missing(element)
    ref_id = str(ref['value']).strip()
    stored = ctx.lookup(kind, ref_id)
    if stored is None or stored.deleted:
        raise qbo_faults.invalid_reference(list_label(kind), ref_id, element)
    if not stored.body.get('Active', True):
        raise qbo_faults.inactive_reference(element)
    return {'value': str(stored.id), 'name': stored.body.get('FullyQualifiedName', stored.body.get('Name', ''))}


def _check_length(text, element: str, limit: int = TEXT_LIMIT) -> None:
    if text is not None and len(str(text)) > limit:
        raise qbo_faults.string_too_long(element, limit, len(str(text)))


def _normalize_line(ctx, index: int, line) -> tuple:
    """Return (line body, posting type or None, amount)."""
    if not isinstance(line, dict):
        raise qbo_faults.malformed_request('Line')
    detail_type = line.get('DetailType') or ('JournalEntryLineDetail' if 'JournalEntryLineDetail' in line else None)
    _check_length(line.get('Description'), 'Line.Description')
    if detail_type == 'DescriptionOnly':
        body = {'Id': str(index), 'DetailType': 'DescriptionOnly', 'Description': line.get('Description', '')}
        return body, None, Decimal('0')
    if detail_type != 'JournalEntryLineDetail':
        raise qbo_faults.invalid_value('Line.DetailType', f'Invalid Enumeration : {detail_type}')
    detail = line.get('JournalEntryLineDetail')
    if not isinstance(detail, dict):
        raise qbo_faults.required_param_missing(LINE_ELEMENT)
    posting_type = detail.get('PostingType')
    if posting_type not in ('Debit', 'Credit'):
        if not posting_type:
            raise qbo_faults.required_param_missing(f'{LINE_ELEMENT}.PostingType')
        raise qbo_faults.invalid_value(f'{LINE_ELEMENT}.PostingType', f'Invalid Enumeration : {posting_type}')
    if line.get('Amount') is None:
        raise qbo_faults.required_param_missing('Line.Amount')
    amount = money(line['Amount'])
    if amount < 0:
        raise qbo_faults.business_validation('Journal entry line amounts cannot be negative.', 'Line.Amount')
    out_detail = {'PostingType': posting_type,
                  'AccountRef': _reference(ctx, 'Account', detail.get('AccountRef'), f'{LINE_ELEMENT}.AccountRef')}
    if detail.get('ClassRef'):
        out_detail['ClassRef'] = _reference(ctx, 'Class', detail['ClassRef'], f'{LINE_ELEMENT}.ClassRef')
    if detail.get('DepartmentRef'):
        out_detail['DepartmentRef'] = _reference(ctx, 'Department', detail['DepartmentRef'],
                                                 f'{LINE_ELEMENT}.DepartmentRef')
    if detail.get('Entity'):
        out_detail['Entity'] = detail['Entity']
    body = {'Id': str(index), 'Amount': float(amount), 'DetailType': 'JournalEntryLineDetail',
            'JournalEntryLineDetail': out_detail}
    if line.get('Description') not in (None, ''):
        body['Description'] = str(line['Description'])
    return body, posting_type, amount


def normalize_journal_entry(ctx, payload: dict, existing=None, sparse: bool = False) -> dict:
    """Validate a create/update payload; return the body to store. Raises QboFault."""
    if not isinstance(payload, dict):
        raise qbo_faults.malformed_request('JournalEntry')
    source = ({k: v for k, v in existing.body.items() if k not in READ_ONLY_FIELDS}
              if (existing is not None and sparse) else {})
    source.update({k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS})

    doc_number = source.get('DocNumber')
    if doc_number is not None:
        doc_number = str(doc_number)
        if len(doc_number) > DOC_NUMBER_LIMIT:
            raise qbo_faults.doc_number_too_long(doc_number, DOC_NUMBER_LIMIT)
    _check_length(source.get('PrivateNote'), 'PrivateNote')
    txn_date = parse_txn_date(source.get('TxnDate'), ctx.today())

    prefs = ctx.preferences
    currency_ref = source.get('CurrencyRef') or {'value': prefs['home_currency']}
    currency = str(currency_ref.get('value', prefs['home_currency'])) if isinstance(currency_ref, dict) else ''
    exchange_rate = Decimal('1')
    if currency != prefs['home_currency']:
        if not prefs['multicurrency_enabled']:
            raise qbo_faults.business_validation(
                f'Multicurrency is not enabled for this company; the currency must be {prefs["home_currency"]}, '
                f'not {currency or "empty"}.', 'CurrencyRef')
        exchange_rate = Decimal(str(source.get('ExchangeRate') or 1))

    raw_lines = source.get('Line')
    if not isinstance(raw_lines, list) or not raw_lines:
        raise qbo_faults.QboFault('2250', 'Missing lines', 'You must enter at least one split line.', 'Line')
    lines, debits, credits = [], Decimal('0'), Decimal('0')
    for index, raw in enumerate(raw_lines):
        body, posting_type, amount = _normalize_line(ctx, index, raw)
        lines.append(body)
        if posting_type == 'Debit':
            debits += amount
        elif posting_type == 'Credit':
            credits += amount
    if not any(line['DetailType'] == 'JournalEntryLineDetail' for line in lines):
        raise qbo_faults.QboFault('2250', 'Missing lines', 'You must enter at least one split line.', 'Line')
    if debits != credits:
        raise qbo_faults.unbalanced_entry(debits, credits)

    close_date = prefs.get('book_close_date')
    if close_date:
        dates = [txn_date]
        if existing is not None:
            dates.append(parse_txn_date(existing.body.get('TxnDate'), ctx.today()))
        if any(d <= date.fromisoformat(close_date) for d in dates):
            raise qbo_faults.account_period_closed(close_date)

    if doc_number and prefs.get('warn_duplicate_journal_number'):
        for other in ctx.journal_entries_with_doc_number(doc_number):
            if existing is None or other.id != existing.id:
                raise qbo_faults.duplicate_doc_number(doc_number, other.id)

    body = {key: value for key, value in source.items() if key not in ('Line', 'CurrencyRef', 'ExchangeRate')}
    body.update({
        'TxnDate': txn_date.isoformat(),
        'CurrencyRef': {'value': currency, 'name': CURRENCY_NAMES.get(currency, currency)},
        'Line': lines,
        'TotalAmt': 0.0,  # QuickBooks keeps a journal entry's TotalAmt at 0
        'Adjustment': bool(source.get('Adjustment', False)),
    })
    if doc_number is not None:
        body['DocNumber'] = doc_number
    if prefs['multicurrency_enabled']:
        body['ExchangeRate'] = float(exchange_rate)
        body['HomeTotalAmt'] = float((debits * exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP))
    return body


def check_deletable(ctx, existing) -> None:
    """Deleting an entry dated in a closed period is refused like an edit."""
    close_date = ctx.preferences.get('book_close_date')
    if close_date and parse_txn_date(existing.body.get('TxnDate'), ctx.today()) <= date.fromisoformat(close_date):
        raise qbo_faults.account_period_closed(close_date)


def posted_lines(body: dict):
    """(account id, debit-minus-credit in home currency, TxnDate) per detail line, for balances."""
    rate = Decimal(str(body.get('ExchangeRate', 1)))
    for line in body.get('Line', []):
        detail = line.get('JournalEntryLineDetail')
        if not detail:
            continue
        amount = (Decimal(str(line['Amount'])) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        signed = amount if detail['PostingType'] == 'Debit' else -amount
        yield int(detail['AccountRef']['value']), signed, body['TxnDate']
