"""The TrialBalance report, computed from stored journal entries, bills and vendor credits, in QBO's report JSON.

Balance-sheet accounts are cumulative through ``end_date``. Income and expense
accounts cover ``start_date`` (default: the first day of the fiscal year that
holds ``end_date``) through ``end_date``; their earlier net rolls into Retained
Earnings, so debits still equal credits, as in QBO.
"""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from . import qbo_faults
from .clock import qbo_response_time
from .company import fiscal_year_start_month
from .lists import ACCOUNT_CLASSIFICATION

CLASSIFICATION_ORDER = ('Asset', 'Liability', 'Equity', 'Revenue', 'Expense')
PROFIT_AND_LOSS = ('Revenue', 'Expense')


def _report_date(value, name):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise qbo_faults.QboFault('2070', 'Invalid Date', f'Date value must be a valid value. Supplied value: {value}',
                                  name)


def _fiscal_year_start(end: date, first_month: int) -> date:
    start = date(end.year, first_month, 1)
    return start if start <= end else date(end.year - 1, first_month, 1)


def _money(amount: Decimal) -> str:
    return f'{amount:.2f}' if amount else ''


def trial_balance(ctx, params: dict) -> dict:
    end = _report_date(params['end_date'], 'end_date') if params.get('end_date') else ctx.today()
    if params.get('start_date'):
        pl_start = _report_date(params['start_date'], 'start_date')
    else:
        pl_start = _fiscal_year_start(end, fiscal_year_start_month(ctx.company))
    if pl_start > end:
        raise qbo_faults.QboFault('2190', 'Invalid Date Range', 'start_date must not be after end_date', 'start_date')

    accounts = {a.id: a for a in ctx.store.list_entities(ctx.realm_id, 'Account')}
    nets = defaultdict(Decimal)
    retained = Decimal('0')
    for account_id, signed, txn_date in ctx.posted_lines():
        if txn_date > end.isoformat():
            continue
        account = accounts.get(account_id)
        classification = ACCOUNT_CLASSIFICATION.get(account.body.get('AccountType')) if account else None
        if classification in PROFIT_AND_LOSS and txn_date < pl_start.isoformat():
            retained += signed
        else:
            nets[account_id] += signed

    retained_account = next((a for a in accounts.values()
                             if a.body.get('AccountSubType') == 'RetainedEarnings'
                             or a.body.get('Name') == 'Retained Earnings'), None)
    synthetic_retained = None
    if retained:
        if retained_account is not None:
            nets[retained_account.id] += retained
        else:
            synthetic_retained = retained

    def order(account_id):
        body = accounts[account_id].body if account_id in accounts else {}
        classification = ACCOUNT_CLASSIFICATION.get(body.get('AccountType'), 'Expense')
        return CLASSIFICATION_ORDER.index(classification), body.get('Name', '').lower()

    rows, total_debit, total_credit = [], Decimal('0'), Decimal('0')
    for account_id in sorted((i for i, net in nets.items() if net), key=order):
        net = nets[account_id]
        body = accounts[account_id].body if account_id in accounts else {'Name': f'Account {account_id}'}
        debit, credit = (net, Decimal('0')) if net > 0 else (Decimal('0'), -net)
        total_debit += debit
        total_credit += credit
        rows.append({'ColData': [{'value': body.get('FullyQualifiedName', body.get('Name')), 'id': str(account_id)},
                                 {'value': _money(debit)}, {'value': _money(credit)}]})
    if synthetic_retained:
        debit, credit = ((synthetic_retained, Decimal('0')) if synthetic_retained > 0
                         else (Decimal('0'), -synthetic_retained))
        total_debit += debit
        total_credit += credit
        rows.append({'ColData': [{'value': 'Retained Earnings'}, {'value': _money(debit)}, {'value': _money(credit)}]})
    rows.append({'Summary': {'ColData': [{'value': 'TOTAL'}, {'value': f'{total_debit:.2f}'},
                                         {'value': f'{total_credit:.2f}'}]},
                 'type': 'Section', 'group': 'GrandTotal'})

    return {
        'Header': {
            'Time': qbo_response_time(ctx.now()),
            'ReportName': 'TrialBalance',
            'ReportBasis': params.get('accounting_method', 'Accrual'),
            'StartPeriod': pl_start.isoformat(),
            'EndPeriod': end.isoformat(),
            'SummarizeColumnsBy': 'Total',
            'Currency': ctx.preferences['home_currency'],
            'Option': [{'Name': 'NoReportData', 'Value': 'false' if len(rows) > 1 else 'true'}],
        },
        'Columns': {'Column': [
            {'ColTitle': '', 'ColType': 'Account', 'MetaData': [{'Name': 'ColKey', 'Value': 'account'}]},
            {'ColTitle': 'Debit', 'ColType': 'Money', 'MetaData': [{'Name': 'ColKey', 'Value': 'Debit'}]},
            {'ColTitle': 'Credit', 'ColType': 'Money', 'MetaData': [{'Name': 'ColKey', 'Value': 'Credit'}]},
        ]},
        'Rows': {'Row': rows},
    }
