"""Webhook deliveries: the signature is checked on the raw bytes in constant time; both formats parse alike."""
import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest

from qbo_engine import webhooks
from qbo_engine.webhooks import ChangeEvent, WebhookPayloadError, parse_delivery, sign, signature_is_valid

TOKEN = 'verifier-token-of-the-app'

CLOUD_EVENTS = [
    {"specversion": "1.0", "id": "8f1c1a52-0001", "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
     "type": "qbo.journalentry.deleted.v1", "datacontenttype": "application/json",
     "time": "2026-11-30T17:05:11.000Z", "intuitentityid": "148", "intuitaccountid": "9130357992221046",
     "data": {}},
    {"specversion": "1.0", "id": "8f1c1a52-0002", "source": "intuit.x", "type": "qbo.bill.created.v1",
     "time": "2026-11-30T17:06:00Z", "intuitentityid": "77", "intuitaccountid": "9130357992221046"},
]
LEGACY = {"eventNotifications": [{"realmId": "9130357992221046", "dataChangeEvent": {"entities": [
    {"name": "JournalEntry", "id": "148", "operation": "Delete", "lastUpdated": "2026-11-30T17:05:11.000Z"},
    {"name": "Preferences", "id": "1", "operation": "Update", "lastUpdated": "2026-11-30T17:07:00.000Z"},
]}}]}


def test_signature_matches_intuits_definition():
    body = json.dumps(CLOUD_EVENTS).encode()
    expected = base64.b64encode(hmac.new(TOKEN.encode(), body, hashlib.sha256).digest()).decode()
    assert sign(body, TOKEN) == expected
    assert signature_is_valid(body, expected, TOKEN)


@pytest.mark.parametrize('signature', [None, '', 'not base64 at all!', base64.b64encode(b'x' * 32).decode()])
def test_missing_or_wrong_signature_is_invalid(signature):
    assert not signature_is_valid(b'{"eventNotifications": []}', signature, TOKEN)


def test_signature_is_over_the_raw_bytes_not_a_reparsed_text():
    body = json.dumps(CLOUD_EVENTS).encode()
    respaced = json.dumps(CLOUD_EVENTS, indent=1).encode()  # same JSON, other bytes
    assert not signature_is_valid(respaced, sign(body, TOKEN), TOKEN)
    assert not signature_is_valid(body, sign(body, 'another-token'), TOKEN)
    assert not signature_is_valid(body, sign(body, TOKEN), '')


def test_comparison_is_constant_time(monkeypatch):
    seen = []
    real = hmac.compare_digest
    monkeypatch.setattr(webhooks.hmac, 'compare_digest', lambda a, b: seen.append((a, b)) or real(a, b))
    body = b'[]'
    assert signature_is_valid(body, sign(body, TOKEN), TOKEN)
    assert len(seen) == 1


def test_cloudevents_delivery():
    events = parse_delivery(json.dumps(CLOUD_EVENTS).encode())
    assert events == [
        ChangeEvent('8f1c1a52-0001', '9130357992221046', 'JournalEntry', '148', 'Delete',
                    datetime(2026, 11, 30, 17, 5, 11, tzinfo=timezone.utc), 'cloudevents'),
        ChangeEvent('8f1c1a52-0002', '9130357992221046', 'Bill', '77', 'Create',
                    datetime(2026, 11, 30, 17, 6, tzinfo=timezone.utc), 'cloudevents'),
    ]


def test_a_single_unbatched_cloud_event():
    [event] = parse_delivery(json.dumps(CLOUD_EVENTS[1]))
    assert (event.entity, event.entity_id, event.realm_id) == ('Bill', '77', '9130357992221046')


def test_legacy_delivery_gets_stable_event_ids():
    first = parse_delivery(json.dumps(LEGACY).encode())
    again = parse_delivery(json.dumps(LEGACY, indent=2).encode())
    assert [(e.entity, e.entity_id, e.operation, e.source_format) for e in first] == [
        ('JournalEntry', '148', 'Delete', 'legacy'), ('Preferences', '1', 'Update', 'legacy')]
    assert [e.event_id for e in first] == [e.event_id for e in again]  # a repeated delivery dedupes
    assert len({e.event_id for e in first}) == 2
    assert all(len(e.event_id) <= webhooks.MAX_EVENT_ID for e in first)


def test_an_unknown_entity_is_kept_as_given():
    event = dict(CLOUD_EVENTS[0], type='qbo.somethingnew.updated.v1')
    [parsed] = parse_delivery(json.dumps([event]))
    assert parsed.entity == 'somethingnew'


@pytest.mark.parametrize('body, reason', [
    (b'<xml/>', 'not_json'),
    (b'{"hello": 1}', 'unknown_format'),
    (json.dumps([{"specversion": "1.0", "id": "1", "type": "qbo.bill.created.v1"}]), 'bad_event'),
    (json.dumps([dict(CLOUD_EVENTS[0], type='payroll.employee')]), 'bad_event'),
    (json.dumps({"eventNotifications": [{"dataChangeEvent": {"entities": []}}]}), 'bad_event'),
    (json.dumps({"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [{"id": "3"}]}}]}),
     'bad_event'),
])
def test_unreadable_deliveries_say_why(body, reason):
    with pytest.raises(WebhookPayloadError) as caught:
        parse_delivery(body)
    assert caught.value.reason == reason
