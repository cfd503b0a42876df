#!/usr/bin/env python3
"""Drain benchmark: batched posting vs one entry per request, side by side, into the QBO emulator.

    python bench/drain.py                      # 10,000 entries per poster, time scale 10
    python bench/drain.py --entries 1000       # a quick run

The emulator runs as a separate process on loopback with QuickBooks' limits
(500 requests/min and 10/s per company, 10 concurrent, 40 batch calls/min),
its windows shrunk by ``--time-scale`` (10: one QBO minute lasts six real
seconds). Each poster drains the same number of entries into its own fresh
company through the real client (intuit-oauth tokens, python-quickbooks, the
engine's RateLimiter on the same scaled clock), re-posting 'retry' outcomes as
the cron would. Throughput is stated in entries per QBO (scaled) minute and
per real second, against the ceiling QuickBooks allows for that way of
posting: 40 batch calls x 30 entries = 1,200 entries/min batched, 500
requests = 500 entries/min one per request.

Why time scale 10 by default: at 60, posting one entry per request at QBO's
ceiling takes 500 requests per real second, more than a Python client and the
emulator process sustain on a small machine, so the figure would measure the
machine instead of the poster; and a time scale multiplies loopback jitter,
which at 60 pushes evenly spaced requests over the 10-per-second edge.

Not a test: it prints a table.
"""
import argparse
import re
import signal
import subprocess
import sys
import tempfile
import time
import threading
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import requests

# The repository root is an Odoo addon whose __init__ imports odoo: put the root itself on sys.path so that
# ``qbo_engine`` is imported as a top-level package, never ``stock_quickbooks_sync``.
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from qbo_engine.auth import OAuth  # noqa: E402
from qbo_engine.builder import AccountMapping, DimensionMap, build_entry, doc_number_for  # noqa: E402
from qbo_engine.client import QboClient  # noqa: E402
from qbo_engine.poster import BLOCKED, POSTED, REAUTH, RETRY, PostRequest, Poster  # noqa: E402
from qbo_engine.ratelimit import RateLimiter  # noqa: E402

QBO_PER_MINUTE = 500
QBO_BATCH_PER_MINUTE = 40
BATCH_SIZE = 30
HTTP_TIMEOUT = 30
REQUEST_NAMESPACE = uuid.UUID('8f1e6f0e-5a7c-4b8e-9d56-2f5b1f6c0a11')


# === emulator === #

class Emulator:
    """``python -m qbo_engine.emulator`` in a child process (its own interpreter, so its own GIL)."""

    def __init__(self, time_scale, workdir):
        self.db = Path(workdir) / 'drain.sqlite'
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'qbo_engine.emulator', '--port', '0', '--db', str(self.db),
             '--time-scale', str(time_scale)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        match = re.search(r'(http://[\d.]+:\d+)', line)
        if not match:
            self.stop()
            raise RuntimeError('the emulator did not start: %r' % line)
        self.base_url = match.group(1)

    def admin(self, method, path, payload=None):
        answer = requests.request(method, self.base_url + path, json=payload, timeout=HTTP_TIMEOUT)
        answer.raise_for_status()
        return answer.json()

    def counters(self):
        return self.admin('GET', '/_emulator/counters')

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


# === workload === #

def connect_company(emulator):
    """A fresh demo company and app, connected through the consent and token endpoints."""
    demo = emulator.admin('POST', '/_emulator/demo', {})
    code = emulator.admin('POST', '/_emulator/companies/%s/authorize' % demo['realm_id'],
                          {'client_id': demo['client_id']})['code']
    oauth = OAuth(demo['client_id'], demo['client_secret'], demo['redirect_uri'], emulator.base_url,
                  timeout=HTTP_TIMEOUT)
    return demo, oauth, oauth.exchange_code(code, demo['realm_id'])


def make_requests(demo, count):
    """``count`` postings as the addon builds them: receipts and shipments, detail lines, class and location."""
    accounts, classes, departments = demo['accounts'], demo['classes'], demo['departments']
    mapping = AccountMapping([
        ('inventory', {'value': accounts['Inventory Asset'], 'name': 'Inventory Asset'}, None, None, None),
        ('grni', {'value': accounts['Inventory Received Not Billed'], 'name': 'Inventory Received Not Billed'},
         None, None, None),
        ('cogs', {'value': accounts['Cost of Goods Sold'], 'name': 'Cost of Goods Sold'}, None, None, None),
    ])
    dimensions = DimensionMap(classes={'web': classes['E-commerce'], 'b2b': classes['Wholesale']},
                              departments={'WH': departments['Main Warehouse'], 'EAST': departments['East Warehouse']})
    start = date(2024, 5, 1)
    result = []
    for number in range(count):
        key = 'stock.move,%d' % (number + 1)
        quantity = 1 + number % 17
        unit_cost = '%d.%02d' % (3 + number % 40, number % 100)
        value = (quantity * (100 * (3 + number % 40) + number % 100)) / 100
        warehouse = ('WH', 'EAST')[number % 2]
        if number % 3:
            lines = [
                {'role': 'cogs', 'amount': value, 'product': 'Widget %d' % (number % 50), 'quantity': quantity,
                 'unit_cost': unit_cost, 'document': 'WH/OUT/%05d' % number, 'channel': ('web', 'b2b')[number % 2],
                 'warehouse': warehouse},
                {'role': 'inventory', 'amount': -value, 'product': 'Widget %d' % (number % 50),
                 'quantity': quantity, 'unit_cost': unit_cost, 'document': 'WH/OUT/%05d' % number,
                 'warehouse': warehouse},
            ]
        else:
            lines = [
                {'role': 'inventory', 'amount': value, 'product': 'Widget %d' % (number % 50), 'quantity': quantity,
                 'unit_cost': unit_cost, 'document': 'WH/IN/%05d' % number, 'warehouse': warehouse},
                {'role': 'grni', 'amount': -value, 'document': 'WH/IN/%05d' % number, 'warehouse': warehouse},
            ]
        draft = build_entry(key, lines, mapping, start + timedelta(days=number % 28), 'USD', dimensions,
                            home_currency='USD')
        assert draft.doc_number == doc_number_for(key)
        result.append(PostRequest(key, str(uuid.uuid5(REQUEST_NAMESPACE, key)), draft))
    return result


# === pacing === #

class PacedLimiter:
    """The engine's RateLimiter (QBO's windows) plus even spacing of calls at ``1 - margin`` of QBO's rate.

    The sliding windows alone let a client send a burst and then wait at each window edge. Under a time scale,
    loopback and scheduling jitter is multiplied by the scale, and a burst meeting a window edge draws a 429
    (and a 60 s pause). Spacing the calls evenly keeps every window below its limit with room for jitter.
    """

    def __init__(self, limiter, clock, sleep, interval, batch_interval):
        self.limiter = limiter
        self._clock = clock
        self._sleep = sleep
        self._interval = interval
        self._batch_interval = batch_interval
        self._next_start = float('-inf')
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, realm_id, batch=False, timeout=None):
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + (self._batch_interval if batch else self._interval)
        if start > now:
            self._sleep(start - now)
        with self.limiter.slot(realm_id, batch=batch, timeout=timeout):
            yield

    def pause(self, realm_id, seconds):
        self.limiter.pause(realm_id, seconds)

    def usage(self, realm_id):
        return self.limiter.usage(realm_id)


# === one drain === #

def drain(emulator, count, batch, args):
    """Post ``count`` entries into a fresh company until none is left to retry; returns the figures."""
    demo, oauth, tokens = connect_company(emulator)
    pending = make_requests(demo, count)
    scale = args.time_scale
    # The limiter counts QBO seconds as the emulator does: its clock is real time multiplied by the scale.
    clock = lambda: time.monotonic() * scale  # noqa: E731
    sleep = lambda seconds: time.sleep(seconds / scale)  # noqa: E731
    limiter = RateLimiter(clock=clock, sleep=sleep, concurrent=args.workers)
    if args.pace_margin is not None:
        limiter = PacedLimiter(limiter, clock, sleep, interval=60.0 / QBO_PER_MINUTE / (1 - args.pace_margin),
                               batch_interval=60.0 / QBO_BATCH_PER_MINUTE / (1 - args.pace_margin))
    saved = []
    client = QboClient(demo['realm_id'], tokens, oauth, saved.append, emulator.base_url, timeout=HTTP_TIMEOUT,
                       limiter=limiter)
    poster = Poster(client, batch_size=BATCH_SIZE, workers=1 if batch else args.workers)
    before = emulator.counters()
    statuses = {POSTED: 0, BLOCKED: 0, REAUTH: 0}
    rounds, look_up = 0, set()

    if args.memory:
        tracemalloc.start()
    started = time.perf_counter()
    while pending:
        rounds += 1
        outcomes = poster.post(pending, batch=batch, look_up_first=look_up)
        retry = []
        for request, outcome in zip(pending, outcomes):
            if outcome.status == RETRY:
                retry.append(request)
            else:
                statuses[outcome.status] += 1
        if statuses[REAUTH]:
            break
        look_up = {o.key for o in outcomes if o.needs_lookup}
        pending = retry
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if args.memory else None
    if args.memory:
        tracemalloc.stop()
    after = emulator.counters()
    client.close()

    qbo_minutes = elapsed * scale / 60
    ceiling = QBO_BATCH_PER_MINUTE * BATCH_SIZE if batch else QBO_PER_MINUTE
    posted = statuses[POSTED]
    return {
        'posted': posted,
        'blocked': statuses[BLOCKED] + statuses[REAUTH],
        'created': after['entries_created'] - before['entries_created'],
        'calls': after['requests'] - before['requests'],
        'http_429': after['http_429'] - before['http_429'],
        'rounds': rounds,
        'elapsed': elapsed,
        'qbo_minutes': qbo_minutes,
        'per_qbo_minute': posted / qbo_minutes,
        'per_real_second': posted / elapsed,
        'ceiling': ceiling,
        'share': posted / qbo_minutes / ceiling,
        'peak': peak,
    }


# === report === #

def print_table(args, batched, single):
    def row(label, key, fmt):
        values = [fmt(figures[key]) if figures[key] is not None else 'n/a' for figures in (batched, single)]
        print('%-44s %22s %22s' % (label, values[0], values[1]))

    print()
    print('Drain of %s journal entries into the QBO emulator, time scale %g (1 real second = %g QBO seconds)'
          % (format(args.entries, ','), args.time_scale, args.time_scale))
    print('%-44s %22s %22s' % ('', 'batched (30 per call)', 'one per request'))
    print('-' * 90)
    row('entries posted', 'posted', lambda v: format(v, ','))
    row('entries created in QuickBooks (exactly once)', 'created', lambda v: format(v, ','))
    row('blocked / reauth', 'blocked', str)
    row('API calls served', 'calls', lambda v: format(v, ','))
    row('drain rounds (re-posting retries)', 'rounds', str)
    row('elapsed, real seconds', 'elapsed', lambda v: '%.2f' % v)
    row('elapsed, QBO minutes', 'qbo_minutes', lambda v: '%.2f' % v)
    row('throughput, entries per QBO minute', 'per_qbo_minute', lambda v: '%.1f' % v)
    row('throughput, entries per real second', 'per_real_second', lambda v: '%.1f' % v)
    print('%-44s %22s %22s' % ('QBO ceiling, entries per QBO minute', '1,200 (40 calls x 30)', '500 (500 requests)'))
    row('share of that ceiling', 'share', lambda v: '%.1f %%' % (100 * v))
    row('HTTP 429 answers', 'http_429', str)
    row('peak traced memory (tracemalloc)', 'peak', lambda v: '%.1f MiB' % (v / 2 ** 20))
    print('-' * 90)
    ratio = batched['per_qbo_minute'] / single['per_qbo_minute']
    print('throughput ratio batched / one per request: %.2f (goal >= 2.0)' % ratio)
    print('share of ceiling: batched %.1f %% of 1,200/min, one per request %.1f %% of 500/min (goal >= 90 %%)'
          % (100 * batched['share'], 100 * single['share']))
    pacing = ('calls spaced at %.1f %% of QBO\'s per-minute rates' % (100 * (1 - args.pace_margin))
              if args.pace_margin is not None else 'no pacing')
    print('client: %d worker(s) for one per request; RateLimiter with QBO\'s limits; %s' % (args.workers, pacing))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--entries', type=int, default=10000, help='entries per poster (default 10,000)')
    parser.add_argument('--time-scale', type=float, default=10.0,
                        help='QBO seconds per real second in the emulator and the client limiter (default 10)')
    parser.add_argument('--workers', type=int, default=4,
                        help='requests in flight for one-per-request posting (QBO allows 10; default 4)')
    parser.add_argument('--pace-margin', type=float, default=0.02,
                        help="space calls evenly at (1 - margin) of QBO's per-minute rates (default 0.02)")
    parser.add_argument('--no-pacing', dest='pace_margin', action='store_const', const=None,
                        help='bursts limited by the sliding windows only')
    parser.add_argument('--no-memory', dest='memory', action='store_false', help='skip tracemalloc')
    args = parser.parse_args(argv)
    # A terminated benchmark still stops its emulator (the finally below runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    with tempfile.TemporaryDirectory(prefix='qbo-drain-') as workdir:
        emulator = Emulator(args.time_scale, workdir)
        try:
            batched = drain(emulator, args.entries, True, args)
            single = drain(emulator, args.entries, False, args)
        finally:
            emulator.stop()
    print_table(args, batched, single)
    return 0


if __name__ == '__main__':
    sys.exit(main())
