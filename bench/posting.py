#!/usr/bin/env python3
"""Posting benchmark: valued stock events through the posting cron into the QBO emulator, limits enforced.

    python3 bench/posting.py                       # 10,000 valued events (2,000 transfers x 5 lines)
    python3 bench/posting.py --events 500          # a quick run

Builds one database with the addon on a throwaway PostgreSQL cluster and starts the QBO emulator
(``python -m qbo_engine.emulator``) as a separate process on loopback, with QuickBooks' limits
(500 requests/min and 10/s per company, 10 concurrent, 40 batch calls/min) and a time scale. A
setup worker connects the company through the real OAuth flow (consent page, code, token
exchange), fetches the chart and maps every role, the same steps as tests/qbo_common.py but
committed, then creates the events as receipts and deliveries of ``--lines`` lines, validated in
chunks and committed (setup, not timed). A drain worker then runs ``qbo.posting._cron_drain`` —
one batch of at most 30 entries per QBO call, a commit per batch — until the outbox is empty,
and a last worker reads every journal entry back from QBO by DocNumber.

The printed table: postings, entries created in QBO (read back), throughput per QBO minute and
per real second, share of QuickBooks' batch ceiling (40 batch calls x 30 entries = 1,200 per QBO
minute), HTTP 429 answers (emulator counters), RSS growth of the Odoo worker, duplicates and lost
postings (both must be 0).

Time scale (default 10, as bench/drain.py): the emulator's throttle windows and the worker's
RateLimiter run on a clock 10 times faster than real time, so one QBO minute lasts six real
seconds. At scale 1, 10,000 events would mostly measure waiting for QBO's ceiling; at 60 the
ceiling means 1,200 entries per real second, beyond what one Odoo worker builds and records on
a small machine, and loopback jitter multiplied by 60 pushes calls over the per-second edge.
At 10 the ceiling (200 entries per real second) is within reach, so the share of it says how
close the cron comes to what QuickBooks allows. Odoo's own clock is not scaled: a posting
failed on a 429 gets its next try ``retry_after`` real seconds ahead, which the bench shortens
by the same factor (and says how often it had to).

The ratio of the picking hot path with and without the addon — outbox rows included, since the
addon writes them in the user's transaction — is bench/picking_overhead.py's (goal <= 1.05).

Not a test: it prints a table. Needs Odoo 18 importable (or ODOO_PATH) and PostgreSQL server binaries.
"""
import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import requests

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from _odoo_bench import (  # noqa: E402 - bench/ is not a package
    ADDON, BASE_MODULES, addons_paths, bench_fixtures, install, odoo_source, print_rows, registry_cursor,
    run_worker, throwaway_cluster, transfer_vals)

DB = "posting"
LINES = 5
CHUNK = 50  # transfers validated per transaction while creating the events
BATCH_CEILING = 40 * 30  # QBO: 40 batch calls a minute per company and app, 30 entries per call
HTTP_TIMEOUT = 30


# ----------------------------------------------------------------------------------------------- worker side
def _addon():
    """The addon's modules, imported the way Odoo loads them (never the repository as a top-level package)."""
    from odoo.addons.stock_quickbooks_sync.models import qbo_connection  # noqa: PLC0415
    from odoo.addons.stock_quickbooks_sync.qbo_engine.ratelimit import RateLimiter  # noqa: PLC0415
    from odoo.addons.stock_quickbooks_sync.tests import qbo_common  # noqa: PLC0415

    return SimpleNamespace(connection=qbo_connection, RateLimiter=RateLimiter, common=qbo_common)


def connect_company(env, base_url, timeout=None):
    """Connect the main company to the emulator's demo company and map every role, as the tests do; committed.

    Reuses tests/qbo_common.py's steps (connection fields, consent page with auto_approve, callback,
    chart fetch, mapping of each role) with this worker's environment, then commits.
    """
    common = _addon().common
    demo = requests.post(base_url + "/_emulator/demo", json={"redirect_uri": common.REDIRECT_URI},
                         timeout=HTTP_TIMEOUT).json()

    class Setup(common.QboEmulatorMixin):
        pass

    Setup.env, Setup.qbo_server, Setup.qbo_demo = env, SimpleNamespace(base_url=base_url), demo
    company = env.company
    connection = Setup._qbo_make_connection(company)
    if timeout:
        connection.timeout = timeout
    Setup._qbo_connect(connection)
    Setup._qbo_map_all_roles(connection)
    dimensions = {dimension.name: dimension for dimension in connection.dimension_ids}
    env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1).qbo_department_id = \
        dimensions["Main Warehouse"]
    env.cr.commit()
    assert connection.state == "connected", connection.state_message
    return connection


def create_events(env, events, lines):
    """``events`` valued stock moves as receipts then deliveries of ``lines`` lines; one posting per transfer."""
    transfers = max(1, events // lines)
    warehouse, products, vendor, customer = bench_fixtures(env, lines)
    receipts = (transfers + 1) // 2
    suppliers, customers = env.ref("stock.stock_location_suppliers"), env.ref("stock.stock_location_customers")
    for count, picking_type, source, dest, partner, quantity in (
        (receipts, warehouse.in_type_id, suppliers, warehouse.lot_stock_id, vendor, 2),
        (transfers - receipts, warehouse.out_type_id, warehouse.lot_stock_id, customers, customer, 1),
    ):
        for start in range(0, count, CHUNK):
            pickings = env["stock.picking"].create([
                transfer_vals(picking_type, partner, source, dest, products, quantity)
                for _ in range(min(CHUNK, count - start))])
            pickings.action_confirm()
            pickings.action_assign()
            pickings.move_ids.picked = True
            pickings.button_validate()
            env.cr.commit()  # the outbox rows are written right before this commit
    return transfers


def setup_worker(db, port, paths, base_url, events, lines, timeout=None):
    with registry_cursor(db, port, paths) as env:
        started = time.perf_counter()
        connection = connect_company(env, base_url, timeout)
        transfers = create_events(env, events, lines)
        postings = env["qbo.posting"].search_count([("state", "=", "to_post")])
        return {"realm_id": connection.sudo().realm_id, "transfers": transfers, "postings": postings,
                "valued_moves": env["stock.valuation.layer"].search_count([]),
                "seconds": time.perf_counter() - started}


def use_scaled_limiter(env, time_scale):
    """The process-wide RateLimiter of the company's realm, on the emulator's scaled clock.

    ``qbo.connection._qbo_client`` takes the limiter this process shares per realm; registering it
    first is how the bench makes the cron count QBO seconds as the emulator does.
    """
    addon = _addon()
    realm_id = env.company.sudo().qbo_connection_id.realm_id
    addon.connection._RATE_LIMITERS[realm_id] = addon.RateLimiter(
        clock=lambda: time.monotonic() * time_scale, sleep=lambda seconds: time.sleep(seconds / time_scale))


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def states(env):
    return dict(env["qbo.posting"]._read_group([], ["state"], ["__count"]))


def drain_worker(db, port, paths, time_scale, max_seconds):
    """Times ``_cron_drain`` until no posting is left to post; failed rows wait their (scaled) next try."""
    from odoo import fields  # noqa: PLC0415 - workers only

    with registry_cursor(db, port, paths) as env:
        use_scaled_limiter(env, time_scale)
        posting = env["qbo.posting"]
        posting.search([], limit=1)  # registry and caches warm before the clock starts
        rss_before = rss_kib()
        started = time.perf_counter()
        runs = waits = 0
        while time.perf_counter() - started < max_seconds:
            run_started = fields.Datetime.now()
            runs += 1
            posting._cron_drain()
            env.cr.commit()
            env.invalidate_all()
            if not posting.search_count([("state", "in", ("to_post", "failed"))]):
                break
            # What is left failed in this run and waits for its next try, set in real (unscaled) seconds
            # from QBO's retry_after: shorten the wait by the time scale, as the emulator shortens QBO's.
            now = fields.Datetime.now()
            env.cr.execute("""UPDATE qbo_posting SET next_try = %s + (next_try - %s) / %s
                               WHERE state = 'failed' AND next_try > %s AND write_date >= %s""",
                           (now, now, time_scale, now, run_started))
            env.cr.execute("SELECT min(next_try) FROM qbo_posting WHERE state IN ('to_post', 'failed')")
            due = env.cr.fetchone()[0]
            env.cr.commit()
            waits += 1
            if due and due > now:
                time.sleep(min((due - now).total_seconds(), 5))
        elapsed = time.perf_counter() - started
        outcomes = dict(env["qbo.posting.attempt"]._read_group([], ["outcome"], ["__count"]))
        return {"elapsed": elapsed, "runs": runs, "waits": waits, "states": states(env), "attempts": outcomes,
                "rss_before": rss_before, "rss_after": rss_kib(),
                "rss_peak": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rss_kib())}


def verify_worker(db, port, paths):
    """Every journal entry QBO holds, by DocNumber, against the postings: duplicates, lost, blocked and why."""
    with registry_cursor(db, port, paths) as env:
        connection = env.company.sudo().qbo_connection_id
        with connection._qbo_client() as client:
            entries = client.query("SELECT * FROM JournalEntry")
        in_qbo = Counter(entry.get("DocNumber") for entry in entries)
        ids = {entry.get("DocNumber"): entry.get("Id") for entry in entries}
        postings = env["qbo.posting"].search_read([], ["doc_number", "state", "qbo_id", "error_message"])
        by_state = Counter(p["state"] for p in postings)
        ours = {p["doc_number"] for p in postings}
        posted = [p for p in postings if p["state"] == "posted"]
        return {
            "postings": len(postings),
            "states": dict(by_state),
            "entries": len(entries),
            "duplicates": sum(1 for count in in_qbo.values() if count > 1),
            "extra_entries": sum(count - 1 for count in in_qbo.values() if count > 1),
            "not_ours": sum(1 for number in in_qbo if number not in ours),
            # lost: neither posted nor blocked (with its reason), or said posted while QBO has no such entry
            "lost": sum(1 for p in postings if p["state"] not in ("posted", "blocked", "skipped"))
            + sum(1 for p in posted if p["doc_number"] not in in_qbo),
            "blocked_without_reason": sum(1 for p in postings if p["state"] == "blocked" and not p["error_message"]),
            "wrong_qbo_id": sum(1 for p in posted if ids.get(p["doc_number"]) != p["qbo_id"]),
            "in_qbo_not_posted": sum(1 for p in postings if p["state"] != "posted" and p["doc_number"] in in_qbo),
            "blocked_reasons": dict(Counter(p["error_message"] for p in postings if p["state"] == "blocked")),
        }


WORKERS = {"setup": setup_worker, "drain": drain_worker, "verify": verify_worker}


def worker_main(spec):
    spec = json.loads(spec)
    print(json.dumps(WORKERS[spec.pop("phase")](**spec), default=str), flush=True)
    return 0


# ----------------------------------------------------------------------------------------------- driver side
class Bench:
    """A throwaway cluster with the addon installed in one database, and the emulator in its own process."""

    def __init__(self, args, prefix, script=__file__):
        self.args = args
        self.prefix = prefix
        self.script = script  # the benchmark whose --worker phases run
        self.source = odoo_source()

    def __enter__(self):
        from drain import Emulator  # noqa: PLC0415 - bench/drain.py's emulator process (driver side only)

        self._cluster = throwaway_cluster(prefix=self.prefix)
        self.addons_dir, self.port = self._cluster.__enter__()
        self._tmp = tempfile.TemporaryDirectory(prefix=self.prefix)
        try:
            install(self.source, self.addons_dir, self.port, DB, f"{BASE_MODULES},{ADDON}")
            self.paths = addons_paths(self.source, self.addons_dir)
            self.emulator = Emulator(self.args.time_scale, self._tmp.name)
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc_info):
        if getattr(self, "emulator", None):
            self.emulator.stop()
        self._tmp.cleanup()
        self._cluster.__exit__(*exc_info)

    def spec(self, phase, **kwargs):
        return json.dumps(dict(kwargs, phase=phase, db=DB, port=self.port, paths=self.paths))

    def run(self, phase, **kwargs):
        return run_worker(self.script, self.source, self.spec(phase, **kwargs))

    def setup(self, timeout=None):
        print(f"creating {self.args.events:,} valued events ({self.args.events // self.args.lines:,} transfers of "
              f"{self.args.lines} lines), connecting the company to the emulator ...", flush=True)
        result = self.run("setup", base_url=self.emulator.base_url, events=self.args.events, lines=self.args.lines,
                          timeout=timeout)
        print(f"  {result['postings']:,} postings to post, {result['valued_moves']:,} valuation layers, "
              f"setup {result['seconds']:.0f} s", flush=True)
        return result


def print_posting_table(args, setup, drained, counters, verify):
    scale = args.time_scale
    posted = verify["states"].get("posted", 0)
    qbo_minutes = drained["elapsed"] * scale / 60
    per_minute = posted / qbo_minutes if qbo_minutes else 0.0
    rows = [
        ("valued events (stock moves with a valuation layer)", f"{setup['valued_moves']:,}"),
        ("postings (one journal entry per transfer)", f"{verify['postings']:,}"),
        ("posted", f"{posted:,}"),
        ("blocked / failed / to post", "%d / %d / %d" % tuple(verify["states"].get(s, 0)
                                                             for s in ("blocked", "failed", "to_post"))),
        ("entries in QBO (read back by DocNumber)", f"{verify['entries']:,}"),
        ("duplicates in QBO (DocNumbers with > 1 entry)", str(verify["duplicates"])),
        ("lost (neither posted nor blocked, or absent from QBO)", str(verify["lost"])),
        ("posted with a QBO Id other than QBO's", str(verify["wrong_qbo_id"])),
        ("elapsed, real seconds", f"{drained['elapsed']:.2f}"),
        ("elapsed, QBO minutes", f"{qbo_minutes:.2f}"),
        ("throughput, entries per QBO minute", f"{per_minute:.1f}"),
        ("throughput, entries per real second", f"{posted / drained['elapsed']:.1f}"),
        ("QBO ceiling, entries per QBO minute", f"{BATCH_CEILING:,} (40 batch calls x 30)"),
        ("share of that ceiling", f"{100 * per_minute / BATCH_CEILING:.1f} %"),
        ("API calls served (batch calls)", f"{counters['requests']:,} ({counters['batch_requests']:,})"),
        ("HTTP 429 answers", str(counters["http_429"])),
        ("cron runs (re-runs after a wait for next try)", f"{drained['runs']} ({drained['waits']})"),
        ("attempts logged by outcome", ", ".join(f"{k} {v:,}" for k, v in sorted(drained["attempts"].items()))),
        ("Odoo worker RSS before -> after drain", "%.1f -> %.1f MiB (+%.1f MiB)" % (
            drained["rss_before"] / 1024, drained["rss_after"] / 1024,
            (drained["rss_after"] - drained["rss_before"]) / 1024)),
        ("Odoo worker peak RSS (ru_maxrss)", "%.1f MiB" % (drained["rss_peak"] / 1024)),
    ]
    print()
    print(f"Posting cron drain into the QBO emulator, time scale {scale:g} (1 real second = {scale:g} QBO seconds)")
    print("-" * 100)
    print_rows(rows, verify["blocked_reasons"])
    print("picking hot path with the addon (outbox rows included) vs plain Odoo: run "
          "python3 bench/picking_overhead.py (goal <= 1.05)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="valued stock moves to post (10,000)")
    parser.add_argument("--lines", type=int, default=LINES, help="lines per transfer (5): one posting per transfer")
    parser.add_argument("--time-scale", type=float, default=10.0,
                        help="QBO seconds per real second in the emulator and the worker's limiter (10)")
    parser.add_argument("--max-seconds", type=float, default=1800, help="give up the drain after this (1800)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args.worker)

    with Bench(args, "sqs-posting-") as bench:
        setup = bench.setup()
        before = bench.emulator.counters()
        print("draining the outbox with qbo.posting._cron_drain ...", flush=True)
        drained = bench.run("drain", time_scale=args.time_scale, max_seconds=args.max_seconds)
        after = bench.emulator.counters()
        verify = bench.run("verify")
    counters = {key: after[key] - before[key] for key in ("requests", "batch_requests", "http_429")}
    print_posting_table(args, setup, drained, counters, verify)
    return 0


if __name__ == "__main__":
    sys.exit(main())
