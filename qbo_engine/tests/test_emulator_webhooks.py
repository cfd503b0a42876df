"""The emulator's webhook deliveries: signed CloudEvents for each change, retried, and the faults a receiver meets."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qbo_engine.webhooks import parse_delivery, signature_is_valid

TOKEN = 'receiver-verifier-token'
TIMEOUT = 10


class Receiver:
    """A loopback endpoint that records deliveries and answers with the statuses it is told."""

    def __init__(self):
        self.deliveries = []
        self.statuses = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                receiver.deliveries.append((body, self.headers.get('intuit-signature')))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = 'http://127.0.0.1:%d/qbo/webhook' % self.httpd.server_address[1]

    def events(self):
        return [event for body, _signature in self.deliveries for event in parse_delivery(body)]

    def wait_for(self, count, seconds=5.0):
        deadline = time.monotonic() + seconds
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.deliveries) >= count

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for_count(emulator, name, value, seconds=5.0):
    """The emulator counts a delivery after the receiver has answered: wait for the count, not the request."""
    deadline = time.monotonic() + seconds
    while emulator.server.webhook_counts()[name] < value and time.monotonic() < deadline:
        time.sleep(0.02)
    return emulator.server.webhook_counts()[name]


@pytest.fixture
def receiver(emulator):
    endpoint = Receiver()
    emulator.server.register_webhook(emulator.realm_id, endpoint.url, TOKEN)
    yield endpoint
    endpoint.close()


def create_entry(api, emulator, make_entry, doc_number):
    answer = api.post(emulator.api_base + '/journalentry', json=make_entry(doc_number=doc_number), timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()['JournalEntry']


def test_each_change_is_delivered_signed(api, emulator, make_entry, receiver):
    entry = create_entry(api, emulator, make_entry, 'WH-1')
    assert receiver.wait_for(1)
    api.post(emulator.api_base + '/journalentry', params={'operation': 'delete'}, timeout=TIMEOUT,
             json={'Id': entry['Id'], 'SyncToken': entry['SyncToken']}).raise_for_status()
    assert receiver.wait_for(2)
    for body, signature in receiver.deliveries:
        assert signature_is_valid(body, signature, TOKEN)
        assert json.loads(body)[0]['specversion'] == '1.0'
    assert [(e.entity, e.entity_id, e.operation, e.realm_id) for e in receiver.events()] == [
        ('JournalEntry', entry['Id'], 'Create', emulator.realm_id),
        ('JournalEntry', entry['Id'], 'Delete', emulator.realm_id)]


def test_a_refused_delivery_is_retried_with_the_same_event(api, emulator, make_entry, receiver):
    emulator.server.webhooks.retry_delays = (0.05, 0.05)
    receiver.statuses = [500, 503]
    create_entry(api, emulator, make_entry, 'WH-RETRY')
    assert receiver.wait_for(3)
    first, _second, third = receiver.deliveries
    assert first[0] == third[0]
    assert wait_for_count(emulator, 'webhooks_delivered', 1) == 1
    assert emulator.server.webhook_counts()['webhook_retries'] == 2


def test_faults_drop_duplicate_and_bad_signature(api, emulator, make_entry, receiver):
    emulator.server.set_webhook_faults(drop=1.0)
    create_entry(api, emulator, make_entry, 'WH-DROPPED')
    time.sleep(0.5)
    assert receiver.deliveries == [] and emulator.server.webhook_counts()['webhooks_dropped'] == 1
    emulator.server.set_webhook_faults(drop=0.0, duplicate=1.0)
    create_entry(api, emulator, make_entry, 'WH-TWICE')
    assert receiver.wait_for(2)
    assert receiver.deliveries[0][0] == receiver.deliveries[1][0]
    emulator.server.set_webhook_faults(duplicate=0.0, bad_signatures=1)
    create_entry(api, emulator, make_entry, 'WH-FORGED')
    assert receiver.wait_for(3)
    body, signature = receiver.deliveries[2]
    assert not signature_is_valid(body, signature, TOKEN)
    with pytest.raises(Exception, match='unknown webhook faults'):
        emulator.server.set_webhook_faults(explode=1)


def test_webhooks_are_configured_over_the_admin_api(api, emulator, make_entry):
    endpoint = Receiver()
    try:
        admin = emulator.server.base_url + '/_emulator'
        api.post('%s/companies/%s/webhook' % (admin, emulator.realm_id), timeout=TIMEOUT,
                 json={'url': endpoint.url, 'verifier_token': TOKEN}).raise_for_status()
        assert api.post(admin + '/webhook-faults', json={'duplicate': 1.0}, timeout=TIMEOUT).json()['duplicate'] == 1.0
        create_entry(api, emulator, make_entry, 'WH-ADMIN')
        assert endpoint.wait_for(2)
        assert wait_for_count(emulator, 'webhooks_delivered', 2) == 2
        assert api.get(admin + '/webhook-counters', timeout=TIMEOUT).json()['webhooks_delivered'] == 2
    finally:
        endpoint.close()
