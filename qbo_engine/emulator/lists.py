"""Name-list entities: Account, Class, Department, Item.

Only the fields this project reads are modelled: Name, Active, FullyQualifiedName,
and per kind AccountType/AccountSubType/Classification/CurrentBalance (Account)
or Type (Item). Unknown fields sent by a client are kept as given.
"""
from decimal import Decimal

from . import qbo_faults

LIST_KINDS = ('Account', 'Class', 'Department', 'Item')

# QBO AccountType -> Classification.
ACCOUNT_CLASSIFICATION = {
    'Bank': 'Asset',
    'Accounts Receivable': 'Asset',
    'Other Current Asset': 'Asset',
    'Fixed Asset': 'Asset',
    'Other Asset': 'Asset',
    'Accounts Payable': 'Liability',
    'Credit Card': 'Liability',
    'Other Current Liability': 'Liability',
    'Long Term Liability': 'Liability',
    'Equity': 'Equity',
    'Income': 'Revenue',
    'Other Income': 'Revenue',
    'Cost of Goods Sold': 'Expense',
    'Expense': 'Expense',
    'Other Expense': 'Expense',
}
DEBIT_NORMAL = ('Asset', 'Expense')
ITEM_TYPES = ('Inventory', 'NonInventory', 'Service', 'Group', 'Category')
NAME_LIMIT = 100
READ_ONLY_FIELDS = ('Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'CurrentBalance',
                    'CurrentBalanceWithSubAccounts', 'FullyQualifiedName', 'Classification')


def normalize_list_entity(kind: str, payload: dict, existing_body: dict = None, sparse: bool = False,
                          home_currency: str = 'USD') -> dict:
    """Validate a create/update payload and return the body to store (raises QboFault)."""
    source = dict(existing_body or {}) if sparse else {}
    source.update({k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS})
    name = source.get('Name')
    if not isinstance(name, str) or not name.strip():
        raise qbo_faults.required_param_missing('Name')
    name = name.strip()
    if len(name) > NAME_LIMIT:
        raise qbo_faults.string_too_long('Name', NAME_LIMIT, len(name))
    if ':' in name:
        raise qbo_faults.QboFault('2040', 'Invalid String', f'Element contains invalid characters: {name}', 'Name')
    body = dict(source)
    body['Name'] = name
    body['FullyQualifiedName'] = name
    body['Active'] = bool(source.get('Active', True))
    if kind == 'Account':
        account_type = source.get('AccountType')
        if account_type not in ACCOUNT_CLASSIFICATION:
            raise qbo_faults.invalid_value('AccountType', f'Invalid Enumeration : {account_type}')
        body['AccountType'] = account_type
        body['Classification'] = ACCOUNT_CLASSIFICATION[account_type]
        body.setdefault('AccountSubType', '')
        body.setdefault('SubAccount', False)
        body.setdefault('CurrencyRef', {'value': home_currency})
    elif kind == 'Item':
        item_type = source.get('Type', 'NonInventory')
        if item_type not in ITEM_TYPES:
            raise qbo_faults.invalid_value('Type', f'Invalid Enumeration : {item_type}')
        body['Type'] = item_type
        body['TrackQtyOnHand'] = item_type == 'Inventory'
    elif kind == 'Class':
        body.setdefault('SubClass', False)
    elif kind == 'Department':
        body.setdefault('SubDepartment', False)
    return body


def account_balance(body: dict, debit_minus_credit: Decimal) -> Decimal:
    """QBO's CurrentBalance sign: positive on an account's normal side."""
    if ACCOUNT_CLASSIFICATION.get(body.get('AccountType')) in DEBIT_NORMAL:
        return debit_minus_credit
    return -debit_minus_credit


def list_label(kind: str) -> str:
    """The plural QBO uses in 'Invalid Reference Id : Accounts element id 7 not found'."""
    return {'Account': 'Accounts', 'Class': 'Classes', 'Department': 'Departments', 'Item': 'Items',
            'Vendor': 'Vendors'}[kind]
