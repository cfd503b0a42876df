"""Webhook deliveries, as Intuit sends them: signed CloudEvents POSTs for every change, retried.

A background thread watches the store for changed entities of the companies that have a
registered endpoint (``register_webhook``) and POSTs them, a JSON array of CloudEvents per
delivery, with ``intuit-signature`` (base64 HMAC-SHA256 of the body with the verifier token).
A delivery that is not answered 2xx is retried with growing waits (Intuit retries over an
hour; the emulator compresses that into ``retry_delays`` seconds), then given up.

Admin switches reproduce what a receiver must survive: deliveries dropped (never sent), delayed,
sent twice, or signed with the wrong token.
"""
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field

from ..webhooks import SIGNATURE_HEADER, sign
from .clock import qbo_datetime

_logger = logging.getLogger(__name__)

WATCHED_KINDS = ('JournalEntry', 'Account', 'Bill', 'VendorCredit', 'Vendor', 'Customer', 'Invoice', 'Payment')
DEFAULT_RETRY_DELAYS = (1.0, 2.0, 4.0)
POLL_SECONDS = 0.1
POST_TIMEOUT = 10
EVENT_NAMESPACE = uuid.UUID('6b0f1c1e-2a4c-4a59-9d9e-4d1c2b8b7a10')


@dataclass
class WebhookFaults:
    """Probabilities (0..1) and settings of what goes wrong with deliveries."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay_seconds: float = 0.0
    bad_signatures: int = 0  # the next N deliveries are signed with a wrong token


@dataclass
class Endpoint:
    url: str
    verifier_token: str
    watermark: float = 0.0
    seen: set = field(default_factory=set)


class WebhookNotifier:
    """Delivers the changes of ``store`` to registered endpoints from its own thread."""

    def __init__(self, store, clock, seed=None, retry_delays=DEFAULT_RETRY_DELAYS):
        self.store = store
        self.clock = clock
        self._counts = Counter()
        self.retry_delays = tuple(retry_delays)
        self.faults = WebhookFaults()
        self._random = random.Random(seed)
        self._endpoints = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    # === admin === #

    def register(self, realm_id, url, verifier_token):
        """Deliver the changes of ``realm_id`` made from now on to ``url``."""
        with self._lock:
            self._endpoints[str(realm_id)] = Endpoint(url, verifier_token, watermark=self.clock.time())
        self._ensure_thread()

    def unregister(self, realm_id):
        with self._lock:
            self._endpoints.pop(str(realm_id), None)

    def set_faults(self, **changes):
        unknown = set(changes) - set(WebhookFaults.__dataclass_fields__)
        if unknown:
            raise ValueError('unknown webhook faults: %s' % ', '.join(sorted(unknown)))
        with self._lock:
            for name, value in changes.items():
                setattr(self.faults, name, value)
        return dict(self.faults.__dict__)

    def counts(self):
        """webhook_posts, webhooks_delivered, webhook_retries, webhooks_given_up, webhooks_dropped."""
        with self._lock:
            return {name: self._counts.get(name, 0) for name in (
                'webhook_posts', 'webhooks_delivered', 'webhook_retries', 'webhooks_given_up', 'webhooks_dropped')}

    def _count(self, name):
        with self._lock:
            self._counts[name] += 1

    def clear_faults(self):
        with self._lock:
            self.faults = WebhookFaults()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # === delivering === #

    def _ensure_thread(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name='qbo-emulator-webhooks', daemon=True)
            self._thread.start()

    def _run(self):
        while not self._stop.wait(POLL_SECONDS):
            with self._lock:
                endpoints = list(self._endpoints.items())
            for realm_id, endpoint in endpoints:
                events = self._changes(realm_id, endpoint)
                if events:
                    self._deliver(endpoint, events)

    def _changes(self, realm_id, endpoint):
        """CloudEvents for what changed since the endpoint's watermark (each change once)."""
        events, newest = [], endpoint.watermark
        with self.store.transaction():
            changed = [entity for kind in WATCHED_KINDS for entity in self.store.list_entities(
                realm_id, kind, include_deleted=True, updated_since=endpoint.watermark)]
        for entity in changed:
            key = (entity.kind, entity.id, entity.updated_ts, entity.deleted)
            newest = max(newest, entity.updated_ts)
            if key in endpoint.seen:
                continue
            endpoint.seen.add(key)
            operation = 'deleted' if entity.deleted else (
                'created' if entity.create_ts == entity.updated_ts else 'updated')
            events.append({
                'specversion': '1.0', 'id': str(uuid.uuid5(EVENT_NAMESPACE, repr((realm_id,) + key))),
                'source': 'intuit.emulator', 'type': 'qbo.%s.%s.v1' % (entity.kind.lower(), operation),
                'datacontenttype': 'application/json', 'time': qbo_datetime(entity.updated_ts),
                'intuitentityid': str(entity.id), 'intuitaccountid': str(realm_id), 'data': {},
            })
        endpoint.watermark = newest
        return events

    def _deliver(self, endpoint, events):
        with self._lock:
            faults = WebhookFaults(**self.faults.__dict__)
            bad_signature = self.faults.bad_signatures > 0
            if bad_signature:
                self.faults.bad_signatures -= 1
        if faults.drop and self._random.random() < faults.drop:
            self._count('webhooks_dropped')
            return
        if faults.delay_seconds:
            time.sleep(faults.delay_seconds)
        body = json.dumps(events).encode()
        token = 'not-the-verifier-token' if bad_signature else endpoint.verifier_token
        copies = 2 if faults.duplicate and self._random.random() < faults.duplicate else 1
        for _copy in range(copies):
            self._post(endpoint.url, body, sign(body, token))

    def _post(self, url, body, signature):
        for attempt, wait in enumerate((0.0,) + self.retry_delays):
            if wait and self._stop.wait(wait):
                return
            request = urllib.request.Request(url, data=body, method='POST', headers={
                'Content-Type': 'application/json', SIGNATURE_HEADER: signature})
            try:
                with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as answer:  # noqa: S310 (loopback)
                    status = answer.status
            except urllib.error.HTTPError as refused:
                status = refused.code
            except (urllib.error.URLError, OSError) as exc:
                status = None
                _logger.info('webhook delivery to %s failed: %s', url, exc)
            self._count('webhook_posts')
            if status is not None and 200 <= status < 300:
                self._count('webhooks_delivered')
                return
            if attempt < len(self.retry_delays):
                self._count('webhook_retries')
        self._count('webhooks_given_up')
