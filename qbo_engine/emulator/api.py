"""The accounting API behind ``/v3/company/{realm}/...``: entities, query, batch, CDC, reports.

Transport concerns (bearer auth, throttles, injected faults, requestid replay)
live in server.py; everything here runs inside one store transaction and
raises QboFault for QBO's 400 answers.
"""
import json
from dataclasses import dataclass

from . import qbo_faults
from .clock import parse_qbo_datetime, qbo_response_time
from .company import render_company_info, render_preferences
from .journal import check_deletable, normalize_journal_entry
from .lists import LIST_KINDS, normalize_list_entity
from .purchases import VENDOR_DOCUMENTS, normalize_vendor, normalize_vendor_document
from .query import parse_query, run_query
from .reports import trial_balance
from .sales import SALES_DOCUMENTS, aged_receivables, apply_payment, normalize_invoice, normalize_payment

BATCH_LIMIT = 30
CDC_LOOKBACK_SECONDS = 30 * 24 * 3600  # change data capture looks back at most 30 days
CDC_MAX_OBJECTS = 1000  # objects of one entity in one CDC answer (Intuit: "a maximum of 1,000 objects")
BATCH_ITEM_ID_LIMIT = 10  # a bId, when the batch call carries a requestid ("Request ID update" note)
URL_ENTITIES = {'journalentry': 'JournalEntry', 'account': 'Account', 'class': 'Class',
                'department': 'Department', 'item': 'Item', 'vendor': 'Vendor', 'bill': 'Bill',
                'vendorcredit': 'VendorCredit', 'customer': 'Customer', 'invoice': 'Invoice', 'payment': 'Payment'}
BATCH_ENTITIES = ('JournalEntry',) + LIST_KINDS


@dataclass
class ApiAnswer:
    payload: dict
    status: int = 200
    replayable: bool = False


def _list_name(body: dict):
    """The unique name of a list entity (a vendor's is its DisplayName); None for transactions."""
    return body.get('Name', body.get('DisplayName'))


def _json_body(raw: bytes) -> dict:
    try:
        payload = json.loads(raw.decode('utf-8') or '{}')
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise qbo_faults.malformed_request(f'request body is not valid JSON ({exc})')
    if not isinstance(payload, dict):
        raise qbo_faults.malformed_request('request body must be a JSON object')
    return payload


class AccountingApi:
    """Entity operations for one request; counters record what was committed."""

    def __init__(self, ctx, counters, item_fault=None):
        self.ctx = ctx
        self.counters = counters
        self.item_fault = item_fault  # callable: True when the next batch item must fail (injected fault)

    def _time(self) -> str:
        return qbo_response_time(self.ctx.now())

    def handle(self, method: str, parts: list, params: dict, raw_body: bytes, path: str) -> ApiAnswer:
        resource = parts[0].lower() if parts else ''
        if resource in URL_ENTITIES:
            kind = URL_ENTITIES[resource]
            if method == 'GET' and len(parts) == 2:
                return ApiAnswer({kind: self.read(kind, parts[1]), 'time': self._time()})
            if method == 'POST' and len(parts) == 1:
                operation = (params.get('operation') or '').lower()
                payload = _json_body(raw_body)
                result = self.write(kind, operation, payload)
                return ApiAnswer({kind: result, 'time': self._time()}, replayable=True)
        elif resource == 'query' and len(parts) == 1 and method in ('GET', 'POST'):
            text = params.get('query') or (raw_body.decode('utf-8', 'replace') if method == 'POST' else '')
            return ApiAnswer({'QueryResponse': self.query(text), 'time': self._time()})
        elif resource == 'batch' and len(parts) == 1 and method == 'POST':
            return ApiAnswer(self.batch(_json_body(raw_body), with_request_id=bool(params.get('requestid'))),
                             replayable=True)
        elif resource == 'cdc' and len(parts) == 1 and method == 'GET':
            return ApiAnswer(self.cdc(params.get('entities', ''), params.get('changedSince')))
        elif resource == 'reports' and len(parts) == 2 and parts[1].lower() == 'trialbalance' and method == 'GET':
            return ApiAnswer(trial_balance(self.ctx, params))
        elif resource == 'reports' and len(parts) == 2 and parts[1].lower() == 'agedreceivables' and method == 'GET':
            return ApiAnswer(aged_receivables(self.ctx, params))
        elif resource == 'companyinfo' and method == 'GET' and len(parts) in (1, 2):
            return ApiAnswer({'CompanyInfo': render_company_info(self.ctx.company), 'time': self._time()})
        elif resource == 'preferences' and method == 'GET' and len(parts) == 1:
            return ApiAnswer({'Preferences': render_preferences(self.ctx.company), 'time': self._time()})
        raise qbo_faults.unsupported_operation(path)

    # === entities === #

    def read(self, kind: str, entity_id: str) -> dict:
        stored = self.ctx.lookup(kind, entity_id)
        if stored is None or stored.deleted:
            if kind == 'JournalEntry':
                raise qbo_faults.deleted_transaction(entity_id)
            raise qbo_faults.QboFault('610', 'Object Not Found', f'Object Not Found : {kind} Id={entity_id}', 'Id')
        return self.ctx.render(stored)

    def write(self, kind: str, operation: str, payload: dict) -> dict:
        if operation == 'delete':
            return self.delete(kind, payload)
        if operation == 'update' or (operation == '' and payload.get('Id') not in (None, '')):
            return self.update(kind, payload)
        if operation in ('', 'create'):
            return self.create(kind, payload)
        raise qbo_faults.QboFault('500', 'Unsupported Operation', f'Operation {operation} is not supported.')

    def _normalize(self, kind, payload, existing=None, sparse=False) -> dict:
        if kind == 'JournalEntry':
            return normalize_journal_entry(self.ctx, payload, existing, sparse)
        if kind in VENDOR_DOCUMENTS:
            return normalize_vendor_document(self.ctx, kind, payload, existing, sparse)
        if kind == 'Invoice':
            return normalize_invoice(self.ctx, payload, existing, sparse)
        if kind == 'Payment':
            return normalize_payment(self.ctx, payload, existing, sparse)
        if kind in ('Vendor', 'Customer'):
            body = normalize_vendor(payload, existing.body if existing else None, sparse)
            twin = self.ctx.store.find_by_name(self.ctx.realm_id, kind, body['DisplayName'])
            if twin is not None and (existing is None or twin.id != existing.id):
                raise qbo_faults.duplicate_name(body['DisplayName'], twin.id)
            return body
        body = normalize_list_entity(kind, payload, existing.body if existing else None, sparse,
                                     self.ctx.preferences['home_currency'])
        twin = self.ctx.store.find_by_name(self.ctx.realm_id, kind, body['Name'])
        if twin is not None and (existing is None or twin.id != existing.id):
            raise qbo_faults.duplicate_name(body['Name'], twin.id)
        return body

    def create(self, kind: str, payload: dict) -> dict:
        body = self._normalize(kind, payload)
        stored = self.ctx.store.insert_entity(self.ctx.realm_id, kind, body, self.ctx.now(),
                                              doc_number=body.get('DocNumber'), name=_list_name(body))
        if kind == 'JournalEntry':
            self.counters.add('entries_created')
        if kind == 'Payment':
            apply_payment(self.ctx, None, body)
        return self.ctx.render(stored)

    def _existing_for_change(self, kind: str, payload: dict):
        entity_id = payload.get('Id')
        if entity_id in (None, ''):
            raise qbo_faults.required_param_missing('Id')
        existing = self.ctx.lookup(kind, entity_id)
        if existing is None or existing.deleted:
            if kind == 'JournalEntry':
                raise qbo_faults.deleted_transaction(entity_id)
            raise qbo_faults.QboFault('610', 'Object Not Found', f'Object Not Found : {kind} Id={entity_id}', 'Id')
        if payload.get('SyncToken') in (None, ''):
            raise qbo_faults.required_param_missing('SyncToken')
        if str(payload['SyncToken']) != str(existing.sync_token):
            raise qbo_faults.stale_object()
        return existing

    def update(self, kind: str, payload: dict) -> dict:
        existing = self._existing_for_change(kind, payload)
        sparse = str(payload.get('sparse', False)).lower() == 'true'
        body = self._normalize(kind, payload, existing, sparse)
        before = existing.body
        stored = self.ctx.store.update_entity(existing, body, self.ctx.now(),
                                              doc_number=body.get('DocNumber'), name=_list_name(body))
        if kind == 'Payment':
            apply_payment(self.ctx, before, body)
        if kind == 'JournalEntry':
            self.counters.add('entries_updated')
        return self.ctx.render(stored)

    def delete(self, kind: str, payload: dict) -> dict:
        if kind not in ('JournalEntry',) + VENDOR_DOCUMENTS + SALES_DOCUMENTS:
            raise qbo_faults.QboFault('500', 'Unsupported Operation',
                                      f'Operation Delete is not supported for {kind}; make it inactive instead.')
        existing = self._existing_for_change(kind, payload)
        check_deletable(self.ctx, existing)
        if kind == 'Invoice' and existing.body.get('Balance') != existing.body.get('TotalAmt'):
            raise qbo_faults.business_validation(
                'This invoice has payments applied to it: delete or change the payments first.', 'Id')
        self.ctx.store.mark_deleted(existing, self.ctx.now())
        if kind == 'Payment':
            apply_payment(self.ctx, existing.body, None)
        self.counters.add('entries_deleted')
        return {'domain': 'QBO', 'status': 'Deleted', 'Id': str(existing.id)}

    # === query === #

    def _rows(self, query) -> list:
        if query.entity == 'CompanyInfo':
            return [render_company_info(self.ctx.company)]
        if query.entity == 'Preferences':
            return [render_preferences(self.ctx.company)]
        doc_numbers = query.equality_hint('DocNumber') if query.entity == 'JournalEntry' else None
        ids = query.equality_hint('Id')
        stored = self.ctx.store.list_entities(
            self.ctx.realm_id, query.entity,
            doc_number=str(doc_numbers[0]) if doc_numbers and len(doc_numbers) == 1 else None,
            ids=[str(i) for i in ids] if ids else None)
        return self.ctx.render_many(stored)

    def query(self, text: str) -> dict:
        parsed = parse_query(text)
        return run_query(parsed, self._rows(parsed))

    # === batch === #

    def batch(self, payload: dict, with_request_id: bool = False) -> dict:
        """Items run in order, each in its own savepoint; the whole call is refused (nothing
        committed) when it is too large or, with a requestid, when a bId is longer than 10."""
        items = payload.get('BatchItemRequest')
        if not isinstance(items, list) or not items:
            raise qbo_faults.required_param_missing('BatchItemRequest')
        if len(items) > BATCH_LIMIT:
            raise qbo_faults.batch_too_large(len(items), BATCH_LIMIT)
        if with_request_id:
            for item in items:
                bid = str(item.get('bId') or '') if isinstance(item, dict) else ''
                if len(bid) > BATCH_ITEM_ID_LIMIT:
                    raise qbo_faults.invalid_batch_item_id(bid, BATCH_ITEM_ID_LIMIT)
        self.counters.add('batch_requests')
        answers = []
        for item in items:
            bid = item.get('bId') if isinstance(item, dict) else None
            if self.item_fault is not None and self.item_fault():
                answers.append({'bId': bid, 'Fault': qbo_faults.system_fault_item()})
                continue
            try:
                with self.ctx.store.savepoint('batch_item'):
                    result = self._batch_item(item)
                answers.append(dict({'bId': bid}, **result))
            except qbo_faults.QboFault as fault:
                self.counters.add('validation_faults')
                answers.append({'bId': bid, 'Fault': fault.batch_item()})
        return {'BatchItemResponse': answers, 'time': self._time()}

    def _batch_item(self, item) -> dict:
        if not isinstance(item, dict):
            raise qbo_faults.malformed_request('BatchItemRequest')
        if 'Query' in item:
            return {'QueryResponse': self.query(item['Query'])}
        kind = next((name for name in BATCH_ENTITIES if name in item), None)
        if kind is None:
            raise qbo_faults.malformed_request('BatchItemRequest needs an entity or a Query')
        operation = (item.get('operation') or 'create').lower()
        if operation not in ('create', 'update', 'delete'):
            raise qbo_faults.invalid_value('operation', f'Invalid Enumeration : {operation}')
        payload = item[kind]
        if not isinstance(payload, dict):
            raise qbo_faults.malformed_request(kind)
        return {kind: self.write(kind, operation, payload)}

    # === change data capture === #

    def cdc(self, entities: str, changed_since) -> dict:
        """Changed and deleted entities since ``changed_since`` (at most 30 days back, 1000 per entity)."""
        if not changed_since:
            raise qbo_faults.required_param_missing('changedSince')
        try:
            since = parse_qbo_datetime(changed_since).timestamp()
        except ValueError:
            raise qbo_faults.QboFault('2070', 'Invalid Date', f'Invalid changedSince: {changed_since}', 'changedSince')
        if since < self.ctx.now() - CDC_LOOKBACK_SECONDS:
            raise qbo_faults.cdc_too_old(changed_since)
        names = [name.strip() for name in entities.split(',') if name.strip()]
        if not names:
            raise qbo_faults.required_param_missing('entities')
        responses = []
        for name in names:
            kind = URL_ENTITIES.get(name.lower())
            if kind is None:
                raise qbo_faults.QboFault('2000', 'Invalid or unsupported object name',
                                          f'Object Name: {name}', 'entities')
            # MetaData shows whole seconds: compare on the second a client can see.
            stored = self.ctx.store.list_entities(self.ctx.realm_id, kind, include_deleted=True,
                                                  updated_since=int(since))
            live = self.ctx.render_many([s for s in stored if not s.deleted])
            gone = [self.ctx.render_deleted(s) for s in stored if s.deleted]
            # Beyond the cap the rest is silently left out, as QuickBooks does: the client must notice.
            rows = sorted(live + gone, key=lambda row: int(row['Id']))[:CDC_MAX_OBJECTS]
            responses.append({kind: rows, 'startPosition': 1, 'maxResults': len(rows), 'totalCount': len(rows)}
                             if rows else {})
        return {'CDCResponse': [{'QueryResponse': responses}], 'time': self._time()}
