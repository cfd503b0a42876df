"""What a wholesale company invoices in QuickBooks: Customer, Invoice and Payment, with QBO's faults.

Only the fields this project reads are modelled (CustomerRef, TxnDate, DueDate, DocNumber, lines
with Amount and Description, a payment's LinkedTxn to invoices); unknown fields are kept as given.
An invoice debits Accounts Receivable and credits the income account of its lines (Sales of
Product Income unless a line names another); a payment debits Undeposited Funds and credits
Accounts Receivable. QuickBooks keeps each invoice's Balance: a payment applied to it lowers it
(and counts as a change of the invoice for change data capture), a payment deleted raises it
again. QuickBooks creates the receivable and undeposited-funds accounts on first need, and so
does the emulator.
"""
from datetime import timedelta
from decimal import Decimal

from . import qbo_faults
from .clock import qbo_response_time
from .journal import CENT, CURRENCY_NAMES, DOC_NUMBER_LIMIT, _check_length, _reference, money, parse_txn_date
from .reports import _money, _report_date

SALES_DOCUMENTS = ('Invoice', 'Payment')
SALES_KINDS = ('Customer',) + SALES_DOCUMENTS
LINE_DETAIL = 'SalesItemLineDetail'
READ_ONLY_FIELDS = ('Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'TotalAmt', 'HomeTotalAmt', 'Balance',
                    'status')
DEFAULT_TERMS_DAYS = 30
SYSTEM_ACCOUNTS = {
    'receivable': ('Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable', 'Asset'),
    'undeposited': ('Undeposited Funds', 'Other Current Asset', 'UndepositedFunds', 'Asset'),
    'income': ('Sales of Product Income', 'Income', 'SalesOfProductIncome', 'Revenue'),
}


def _system_account(ctx, which):
    name, account_type, sub_type, classification = SYSTEM_ACCOUNTS[which]
    # the receivable account by its type (there is one), the others by their sub type or name
    stored = next((a for a in ctx.store.list_entities(ctx.realm_id, 'Account')
                   if a.body.get('AccountType') == account_type
                   and (which == 'receivable' or a.body.get('AccountSubType') == sub_type
                        or a.body.get('Name') == name)), None)
    if stored is None:
        stored = ctx.store.insert_entity(ctx.realm_id, 'Account', {
            'Name': name, 'FullyQualifiedName': name, 'Active': True, 'AccountType': account_type,
            'AccountSubType': sub_type, 'Classification': classification}, ctx.now(), name=name)
    return {'value': str(stored.id), 'name': stored.body.get('Name', name)}


def _source(payload, existing, sparse):
    source = dict(existing.body) if (existing is not None and sparse) else {}
    source.update({k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS})
    return source


def _customer(ctx, source):
    customer = _reference(ctx, 'Customer', source.get('CustomerRef'), 'CustomerRef')
    customer['name'] = ctx.lookup('Customer', customer['value']).body.get('DisplayName', '')
    return customer


def _currency(ctx, kind, source):
    home = ctx.preferences['home_currency']
    currency = (source.get('CurrencyRef') or {}).get('value') or home
    if currency != home and not ctx.preferences.get('multicurrency_enabled'):
        raise qbo_faults.business_validation(
            f'Multicurrency is off: a {kind} must be in the home currency {home}.', 'CurrencyRef')
    return {'value': currency, 'name': CURRENCY_NAMES.get(currency, currency)}


def normalize_invoice(ctx, payload: dict, existing=None, sparse: bool = False) -> dict:
    """Validate an Invoice and return the body to store (raises QboFault); its Balance counts its payments."""
    source = _source(payload, existing, sparse)
    doc_number = source.get('DocNumber')
    if doc_number not in (None, ''):
        _check_length(doc_number, 'DocNumber', DOC_NUMBER_LIMIT)
    lines = source.get('Line')
    if not isinstance(lines, list) or not lines:
        raise qbo_faults.required_param_missing('Line')
    out_lines, total = [], Decimal('0')
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or line.get('Amount') is None:
            raise qbo_faults.required_param_missing('Line.Amount')
        amount = money(line['Amount'])
        if amount < 0:
            raise qbo_faults.business_validation('Invoice line amounts cannot be negative.', 'Line.Amount')
        _check_length(line.get('Description'), 'Line.Description')
        detail = dict(line.get(LINE_DETAIL) or {})
        income = detail.get('IncomeAccountRef')
        detail['IncomeAccountRef'] = (_reference(ctx, 'Account', income, 'Line.SalesItemLineDetail.IncomeAccountRef')
                                      if income else _system_account(ctx, 'income'))
        out = {'Id': str(index), 'LineNum': index, 'DetailType': LINE_DETAIL, 'Amount': float(amount),
               LINE_DETAIL: detail}
        if line.get('Description') not in (None, ''):
            out['Description'] = str(line['Description'])
        out_lines.append(out)
        total += amount
    txn_date = parse_txn_date(source.get('TxnDate'), ctx.today())
    due = parse_txn_date(source.get('DueDate'), txn_date + timedelta(days=DEFAULT_TERMS_DAYS))
    body = dict(source)
    total = total.quantize(CENT)
    paid = Decimal(str(existing.body.get('TotalAmt', 0) - existing.body.get('Balance', 0))) if existing else Decimal(0)
    body.update({
        'CustomerRef': _customer(ctx, source), 'Line': out_lines, 'TxnDate': txn_date.isoformat(),
        'DueDate': due.isoformat(), 'CurrencyRef': _currency(ctx, 'Invoice', source), 'TotalAmt': float(total),
        'Balance': float(max(total - paid, Decimal(0))), 'ARAccountRef': _system_account(ctx, 'receivable'),
    })
    return body


def normalize_payment(ctx, payload: dict, existing=None, sparse: bool = False) -> dict:
    """Validate a Payment; its lines apply amounts to invoices of the same customer (LinkedTxn)."""
    source = _source(payload, existing, sparse)
    customer = _customer(ctx, source)
    if source.get('TotalAmt') is None and 'TotalAmt' not in payload:
        raise qbo_faults.required_param_missing('TotalAmt')
    total = money(payload.get('TotalAmt', existing.body.get('TotalAmt') if existing else None), 'TotalAmt')
    applied = Decimal('0')
    out_lines = []
    for line in source.get('Line') or []:
        amount = money(line.get('Amount'), 'Line.Amount')
        links = line.get('LinkedTxn') or []
        for link in links:
            if link.get('TxnType') != 'Invoice':
                raise qbo_faults.invalid_value('Line.LinkedTxn.TxnType', 'Invalid Enumeration : %s'
                                               % link.get('TxnType'))
            invoice = ctx.lookup('Invoice', link.get('TxnId'))
            if invoice is None or invoice.deleted:
                raise qbo_faults.QboFault('610', 'Object Not Found',
                                          f"Object Not Found : Invoice Id={link.get('TxnId')}", 'Line.LinkedTxn')
            if invoice.body['CustomerRef']['value'] != customer['value']:
                raise qbo_faults.business_validation(
                    f"Invoice {link.get('TxnId')} belongs to another customer.", 'Line.LinkedTxn')
        applied += amount
        out_lines.append({'Amount': float(amount), 'LinkedTxn': [
            {'TxnId': str(link['TxnId']), 'TxnType': 'Invoice'} for link in links]})
    if applied > total:
        raise qbo_faults.business_validation('The amounts applied to invoices exceed the payment.', 'Line.Amount')
    body = dict(source)
    body.update({'CustomerRef': customer, 'Line': out_lines, 'TotalAmt': float(total.quantize(CENT)),
                 'TxnDate': parse_txn_date(source.get('TxnDate'), ctx.today()).isoformat(),
                 'UnappliedAmt': float((total - applied).quantize(CENT)),
                 'CurrencyRef': _currency(ctx, 'Payment', source),
                 'DepositToAccountRef': _system_account(ctx, 'undeposited'),
                 'ARAccountRef': _system_account(ctx, 'receivable')})
    return body


def apply_payment(ctx, before: dict, after: dict):
    """Move the Balance of the invoices a payment (created, changed or deleted) applies to."""
    changes = {}
    for body, sign in ((before, 1), (after, -1)):
        for line in (body or {}).get('Line', []):
            for link in line.get('LinkedTxn', []):
                changes[link['TxnId']] = changes.get(link['TxnId'], Decimal(0)) + sign * Decimal(str(line['Amount']))
    for invoice_id, change in changes.items():
        invoice = ctx.lookup('Invoice', invoice_id)
        if invoice is None or invoice.deleted or not change:
            continue
        body = dict(invoice.body)
        body['Balance'] = float(min(max(Decimal(str(body['Balance'])) + change, Decimal(0)),
                                    Decimal(str(body['TotalAmt']))))
        ctx.store.update_entity(invoice, body, ctx.now(), doc_number=body.get('DocNumber'))


def sales_document_lines(kind: str, body: dict):
    """(account id, debit-minus-credit, TxnDate) of a stored Invoice or Payment, for balances."""
    receivable = int(body['ARAccountRef']['value'])
    if kind == 'Invoice':
        total = Decimal('0')
        for line in body.get('Line', []):
            amount = Decimal(str(line['Amount']))
            total += amount
            yield int(line[LINE_DETAIL]['IncomeAccountRef']['value']), -amount, body['TxnDate']
        yield receivable, total, body['TxnDate']
    else:
        total = Decimal(str(body['TotalAmt']))
        yield int(body['DepositToAccountRef']['value']), total, body['TxnDate']
        yield receivable, -total, body['TxnDate']


def aged_receivables(ctx, params: dict) -> dict:
    """QuickBooks' AgedReceivables report: open invoice balances per customer by days past due, as of a day."""
    as_of = _report_date(params['report_date'], 'report_date') if params.get('report_date') else ctx.today()
    columns = ('Current', '1 - 30', '31 - 60', '61 - 90', '91 and over')
    per_customer = {}
    for stored in ctx.store.list_entities(ctx.realm_id, 'Invoice'):
        body = stored.body
        if body['TxnDate'] > as_of.isoformat() or not body.get('Balance'):
            continue
        days = (as_of - _report_date(body['DueDate'], 'DueDate')).days
        bucket = 0 if days <= 0 else 1 if days <= 30 else 2 if days <= 60 else 3 if days <= 90 else 4
        customer = body['CustomerRef']
        amounts = per_customer.setdefault((customer['name'], customer['value']), [Decimal(0)] * 5)
        amounts[bucket] += Decimal(str(body['Balance']))
    rows, totals = [], [Decimal(0)] * 5
    for (name, customer_id), amounts in sorted(per_customer.items()):
        totals = [t + a for t, a in zip(totals, amounts)]
        rows.append({'ColData': [{'value': name, 'id': customer_id}] + [{'value': _money(a)} for a in amounts]
                     + [{'value': f'{sum(amounts):.2f}'}]})
    rows.append({'Summary': {'ColData': [{'value': 'TOTAL'}] + [{'value': f'{t:.2f}'} for t in totals]
                             + [{'value': f'{sum(totals):.2f}'}]}, 'type': 'Section', 'group': 'GrandTotal'})
    return {
        'Header': {'Time': qbo_response_time(ctx.now()), 'ReportName': 'AgedReceivables',
                   'DateMacro': '', 'ReportBasis': 'Accrual', 'StartPeriod': as_of.isoformat(),
                   'EndPeriod': as_of.isoformat(), 'Currency': ctx.preferences['home_currency'],
                   'Option': [{'Name': 'report_date', 'Value': as_of.isoformat()},
                              {'Name': 'NoReportData', 'Value': 'false' if len(rows) > 1 else 'true'}]},
        'Columns': {'Column': [{'ColTitle': '', 'ColType': 'Customer'}]
                    + [{'ColTitle': title, 'ColType': 'Money'} for title in columns]
                    + [{'ColTitle': 'Total', 'ColType': 'Money'}]},
        'Rows': {'Row': rows},
    }
