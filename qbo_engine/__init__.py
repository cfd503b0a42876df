"""QuickBooks Online engine: pure Python, never imports odoo.

Schemas, journal-entry building, the HTTP client, rate limiting, error
classes and a local QBO emulator. Odoo models call this package; it never
calls them. Only relative imports are used so it works both as
``odoo.addons.stock_quickbooks_sync.qbo_engine`` and as top-level
``qbo_engine`` (plain pytest, benchmarks, the emulator CLI).

The emulator is a development tool and is not imported here; use
``qbo_engine.emulator`` explicitly.
"""
import importlib

# Public name -> module. Loaded on first use (PEP 562) so that importing one submodule, the emulator CLI
# above all, does not pull in python-quickbooks, intuit-oauth and pydantic for nothing.
_EXPORTS = {
    # schemas and building
    'Ref': 'schemas', 'JournalLine': 'schemas', 'JournalEntryDraft': 'schemas', 'entry_signature': 'schemas',
    'ValuedLine': 'builder', 'AccountMapping': 'builder', 'DimensionMap': 'builder', 'build_entry': 'builder',
    'doc_number_for': 'builder', 'MappingMissing': 'builder', 'DimensionMissing': 'builder',
    'UnbalancedEntry': 'builder', 'NothingToPost': 'builder',
    # errors
    'ErrorKind': 'errors', 'QboError': 'errors', 'ReconnectNeeded': 'errors', 'classify_response': 'errors',
    'classify_exception': 'errors', 'read_error': 'errors', 'cdc_too_old_error': 'errors',
    # connection and client
    'OAuth': 'auth', 'TokenSet': 'auth', 'api_base_url': 'auth',
    'QboClient': 'client', 'BatchItemResult': 'client', 'CompanySettings': 'client',
    'RateLimiter': 'ratelimit', 'RateLimitTimeout': 'ratelimit',
    # posting and reconciliation
    'PostRequest': 'poster', 'PostOutcome': 'poster', 'Poster': 'poster',
    'POSTED': 'poster', 'RETRY': 'poster', 'BLOCKED': 'poster', 'REAUTH': 'poster',
    'LEASE_LOST': 'poster', 'TIME_BUDGET_SPENT': 'poster',
    'Reconciler': 'reconcile', 'ReconciliationReport': 'reconcile', 'Finding': 'reconcile',
    'compare_entries': 'reconcile', 'find_unexpected': 'reconcile',
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{module}', __name__), name)


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
