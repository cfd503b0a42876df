"""QuickBooks webhook deliveries: signature check and the change events they carry.

Intuit signs each POST with ``intuit-signature``: base64 of HMAC-SHA256 of the
raw body, keyed with the app's verifier token. python-quickbooks has
``QuickBooks.validate_webhook_signature``, but it compares with ``==`` (not in
constant time), re-encodes the body from text (the raw bytes are what was
signed) and raises on a header that is not base64; :func:`signature_is_valid`
does neither.

Two body formats arrive (Intuit moved to CloudEvents in 2025 and still sends
the older one to some apps); :func:`parse_delivery` reads both into the same
:class:`ChangeEvent` rows:

* CloudEvents: a JSON array of events ``{"specversion": "1.0", "id", "type":
  "qbo.<entity>.<operation>.v1", "time", "intuitaccountid" (realm),
  "intuitentityid" (entity id), "data"}``;
* legacy: ``{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities":
  [{"name", "id", "operation", "lastUpdated"}]}}]}``. These carry no event id,
  so one is derived from what identifies the change (realm, entity, id,
  operation, time): a repeated delivery yields the same id and is stored once.
"""
import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone

SIGNATURE_HEADER = 'intuit-signature'
CLOUDEVENTS_TYPE_PREFIX = 'qbo.'
MAX_EVENT_ID = 64


class WebhookPayloadError(ValueError):
    """The body is not a webhook delivery this module can read; ``reason`` says why (for a log line)."""

    def __init__(self, reason, detail=''):
        super().__init__('%s%s' % (reason, ': %s' % detail if detail else ''))
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ChangeEvent:
    """One entity change told by a webhook delivery.

    :param event_id: unique per change (CloudEvents ``id``, or derived for the legacy format)
    :param realm_id: the QuickBooks company
    :param entity: QuickBooks entity name as QuickBooks spells it (``JournalEntry``, ``Bill`` ...)
    :param entity_id: the entity's QuickBooks Id
    :param operation: ``Create``, ``Update``, ``Delete``, ``Merge``, ``Void`` or ``Emailed``
    :param occurred_at: aware UTC datetime of the change, or None when the delivery did not say
    :param source_format: ``cloudevents`` or ``legacy``
    """

    event_id: str
    realm_id: str
    entity: str
    entity_id: str
    operation: str
    occurred_at: datetime | None
    source_format: str


def sign(body, verifier_token):
    """The ``intuit-signature`` value Intuit sends for ``body`` (bytes): used by the emulator and tests."""
    digest = hmac.new(_bytes(verifier_token), _bytes(body), hashlib.sha256).digest()
    return base64.b64encode(digest).decode('ascii')


def signature_is_valid(body, signature, verifier_token):
    """Whether ``signature`` (the header's value) signs the raw ``body`` with ``verifier_token``.

    A missing header, a missing token or a value that is not base64 is simply invalid.
    """
    if not signature or not verifier_token:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(_bytes(verifier_token), _bytes(body), hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def parse_delivery(body):
    """The change events of one delivery (bytes or text), in the order given.

    :raises WebhookPayloadError: not JSON, or neither format
    """
    try:
        payload = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise WebhookPayloadError('not_json', str(exc)) from exc
    if isinstance(payload, dict) and 'specversion' in payload:
        payload = [payload]  # a single event, unbatched
    if isinstance(payload, list):
        return [_cloud_event(item) for item in payload]
    if isinstance(payload, dict) and isinstance(payload.get('eventNotifications'), list):
        return [event for notification in payload['eventNotifications'] for event in _legacy_events(notification)]
    raise WebhookPayloadError('unknown_format', 'neither CloudEvents nor eventNotifications')


def _cloud_event(item):
    if not isinstance(item, dict):
        raise WebhookPayloadError('bad_event', 'an event is not an object')
    missing = [key for key in ('id', 'type', 'intuitaccountid', 'intuitentityid') if not item.get(key)]
    if missing:
        raise WebhookPayloadError('bad_event', 'missing %s' % ', '.join(missing))
    parts = str(item['type']).split('.')
    # qbo.<entity>.<operation>.v<version>; the entity is lower case there ("journalentry").
    if len(parts) < 3 or not str(item['type']).startswith(CLOUDEVENTS_TYPE_PREFIX):
        raise WebhookPayloadError('bad_event', 'type %r' % item['type'])
    return ChangeEvent(
        event_id=str(item['id'])[:MAX_EVENT_ID], realm_id=str(item['intuitaccountid']),
        entity=entity_name(parts[1]), entity_id=str(item['intuitentityid']),
        operation=_operation(parts[2]), occurred_at=parse_moment(item.get('time')), source_format='cloudevents')


def _legacy_events(notification):
    if not isinstance(notification, dict) or not notification.get('realmId'):
        raise WebhookPayloadError('bad_event', 'a notification without realmId')
    realm = str(notification['realmId'])
    entities = (notification.get('dataChangeEvent') or {}).get('entities')
    if not isinstance(entities, list):
        raise WebhookPayloadError('bad_event', 'a notification without dataChangeEvent.entities')
    events = []
    for entity in entities:
        if not isinstance(entity, dict) or not entity.get('name') or not entity.get('id'):
            raise WebhookPayloadError('bad_event', 'an entity without name or id')
        name, entity_id = entity_name(entity['name']), str(entity['id'])
        operation = _operation(entity.get('operation') or '')
        last_updated = str(entity.get('lastUpdated') or '')
        key = '\n'.join((realm, name, entity_id, operation, last_updated))
        events.append(ChangeEvent(
            event_id='legacy-' + hashlib.sha256(key.encode()).hexdigest()[:MAX_EVENT_ID - 7], realm_id=realm,
            entity=name, entity_id=entity_id, operation=operation, occurred_at=parse_moment(last_updated),
            source_format='legacy'))
    return events


# QuickBooks' own spelling of the entities webhooks report, keyed by their lower-case form.
ENTITY_NAMES = {name.lower(): name for name in (
    'Account', 'Bill', 'BillPayment', 'Budget', 'Class', 'CreditMemo', 'Currency', 'Customer', 'Department',
    'Deposit', 'Employee', 'Estimate', 'Invoice', 'Item', 'JournalCode', 'JournalEntry', 'Payment',
    'PaymentMethod', 'Preferences', 'Purchase', 'PurchaseOrder', 'RefundReceipt', 'SalesReceipt', 'TaxAgency',
    'Term', 'TimeActivity', 'Transfer', 'Vendor', 'VendorCredit')}


def entity_name(raw):
    """QuickBooks' spelling of an entity name; an unknown one is returned as given (the caller decides)."""
    text = str(raw)
    return ENTITY_NAMES.get(text.lower(), text)


# CloudEvents types name the operation in the past tense ("qbo.bill.created.v1"); the legacy
# format and QuickBooks' own documentation use the verb: one vocabulary for both.
OPERATIONS = {'create': 'Create', 'created': 'Create', 'update': 'Update', 'updated': 'Update',
              'delete': 'Delete', 'deleted': 'Delete', 'merge': 'Merge', 'merged': 'Merge',
              'void': 'Void', 'voided': 'Void', 'emailed': 'Emailed'}


def _operation(raw):
    text = str(raw).strip()
    return OPERATIONS.get(text.lower(), text[:1].upper() + text[1:].lower())


def parse_moment(value):
    """An ISO 8601 time as QuickBooks writes it, as an aware UTC datetime (None when absent or unreadable)."""
    if not value:
        return None
    text = str(value).strip().replace('Z', '+00:00')
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode('utf-8')
