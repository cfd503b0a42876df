"""One company seen during one request: lookups, preferences and QBO-shaped rendering."""
from collections import defaultdict
from decimal import Decimal

from .clock import qbo_datetime
from .journal import posted_lines
from .lists import account_balance
from .purchases import VENDOR_DOCUMENTS, vendor_document_lines
from .sales import SALES_DOCUMENTS, sales_document_lines


class CompanyContext:
    """Bundles the store, clock and realm so entity code never reaches for globals."""

    def __init__(self, store, clock, company):
        self.store = store
        self.clock = clock
        self.company = company
        self.realm_id = company['realm_id']

    @property
    def preferences(self) -> dict:
        return self.company['preferences']

    def now(self) -> float:
        return self.clock.time()

    def today(self):
        return self.clock.today()

    def lookup(self, kind, entity_id):
        return self.store.get_entity(self.realm_id, kind, entity_id)

    def journal_entries_with_doc_number(self, doc_number) -> list:
        return self.store.list_entities(self.realm_id, 'JournalEntry', doc_number=doc_number)

    def posted_lines(self):
        """(account id, debit-minus-credit, TxnDate) over every live transaction that moves balances:
        journal entries, bills, vendor credits, invoices and payments."""
        for entry in self.store.list_entities(self.realm_id, 'JournalEntry'):
            yield from posted_lines(entry.body)
        for kind in VENDOR_DOCUMENTS:
            for document in self.store.list_entities(self.realm_id, kind):
                yield from vendor_document_lines(kind, document.body)
        for kind in SALES_DOCUMENTS:
            for document in self.store.list_entities(self.realm_id, kind):
                yield from sales_document_lines(kind, document.body)

    def account_movements(self, until=None) -> dict:
        """Account id -> debit-minus-credit over live transactions dated on or before ``until``."""
        totals = defaultdict(Decimal)
        for account_id, signed, txn_date in self.posted_lines():
            if until is None or txn_date <= until:
                totals[account_id] += signed
        return totals

    # === rendering === #

    @staticmethod
    def meta(stored) -> dict:
        return {'CreateTime': qbo_datetime(stored.create_ts), 'LastUpdatedTime': qbo_datetime(stored.updated_ts)}

    def render(self, stored, movements=None) -> dict:
        """The entity as QBO returns it; Account gets CurrentBalance from the journal."""
        rendered = dict(stored.body)
        if stored.kind == 'Account':
            if movements is None:
                movements = self.account_movements()
            balance = account_balance(stored.body, movements.get(stored.id, Decimal('0')))
            rendered['CurrentBalance'] = float(balance)
            rendered['CurrentBalanceWithSubAccounts'] = float(balance)
        rendered.update({'Id': str(stored.id), 'SyncToken': str(stored.sync_token), 'domain': 'QBO',
                         'sparse': False, 'MetaData': self.meta(stored)})
        return rendered

    def render_deleted(self, stored) -> dict:
        """How CDC (and a delete answer) shows an entity that no longer exists."""
        return {'domain': 'QBO', 'status': 'Deleted', 'Id': str(stored.id),
                'MetaData': {'LastUpdatedTime': qbo_datetime(stored.updated_ts)}}

    def render_many(self, stored_list) -> list:
        movements = self.account_movements() if any(s.kind == 'Account' for s in stored_list) else None
        return [self.render(stored, movements) for stored in stored_list]
