"""A company (realm): its preferences as stored, and CompanyInfo / Preferences as QBO renders them.

Stored preferences are a flat dict; only the admin switches change them, because
QBO does not let the API set BookCloseDate (nor, here, the duplicate-number warning).
"""
from .clock import qbo_datetime

DEFAULT_PREFERENCES = {
    'book_close_date': None,
    'warn_duplicate_journal_number': False,
    'home_currency': 'USD',
    'multicurrency_enabled': False,
    'fiscal_year_start_month': 'January',
    'track_departments': True,
    'class_tracking_per_line': True,
}
MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
          'October', 'November', 'December')


def default_preferences(**overrides) -> dict:
    unknown = set(overrides) - set(DEFAULT_PREFERENCES)
    if unknown:
        raise ValueError(f'unknown preference(s): {", ".join(sorted(unknown))}')
    prefs = dict(DEFAULT_PREFERENCES)
    prefs.update(overrides)
    return prefs


def _meta(company) -> dict:
    created = qbo_datetime(company['created_ts'])
    return {'CreateTime': created, 'LastUpdatedTime': created}


def render_preferences(company) -> dict:
    prefs = company['preferences']
    warn_duplicates = 'true' if prefs['warn_duplicate_journal_number'] else 'false'
    accounting = {
        'TrackDepartments': prefs['track_departments'],
        'DepartmentTerminology': 'Location',
        'ClassTrackingPerTxn': False,
        'ClassTrackingPerTxnLine': prefs['class_tracking_per_line'],
        'CustomerTerminology': 'Customers',
        'FirstMonthOfFiscalYear': prefs['fiscal_year_start_month'],
        'UseAccountNumbers': False,
    }
    if prefs['book_close_date']:
        accounting['BookCloseDate'] = prefs['book_close_date']
    return {
        'AccountingInfoPrefs': accounting,
        'CurrencyPrefs': {
            'MultiCurrencyEnabled': prefs['multicurrency_enabled'],
            'HomeCurrency': {'value': prefs['home_currency']},
        },
        'OtherPrefs': {'NameValue': [
            {'Name': 'WarnDuplicateJournalNumber', 'Value': warn_duplicates},
            {'Name': 'WarnDuplicateCheckNumber', 'Value': 'true'},
            {'Name': 'WarnDuplicateBillNumber', 'Value': 'false'},
        ]},
        'Id': '1',
        'SyncToken': '0',
        'domain': 'QBO',
        'sparse': False,
        'MetaData': _meta(company),
    }


def render_company_info(company) -> dict:
    prefs = company['preferences']
    return {
        'CompanyName': company['name'],
        'LegalName': company['name'],
        'Country': 'US',
        'FiscalYearStartMonth': prefs['fiscal_year_start_month'],
        'SupportedLanguages': 'en',
        'NameValue': [
            {'Name': 'NeoEnabled', 'Value': 'true'},
            {'Name': 'OfferingSku', 'Value': 'QuickBooks Online Plus'},
            {'Name': 'IsQbdtMigrated', 'Value': 'false'},
        ],
        'Id': company['realm_id'],
        'SyncToken': '0',
        'domain': 'QBO',
        'sparse': False,
        'MetaData': _meta(company),
    }


def fiscal_year_start_month(company) -> int:
    return MONTHS.index(company['preferences']['fiscal_year_start_month']) + 1
