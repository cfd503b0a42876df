"""QuickBooks Online engine: pure Python, never imports odoo.

Schemas, journal-entry building, the HTTP client, rate limiting, error
classes and a local QBO emulator. Odoo models call this package; it never
calls them. Only relative imports are used so it works both as
``odoo.addons.stock_quickbooks_sync.qbo_engine`` and as top-level
``qbo_engine`` (plain pytest, benchmarks, the emulator CLI).
"""
