#!/usr/bin/env python3
"""Fault campaign: postings drained by the cron while the QBO emulator injects faults and workers get killed.

    python3 bench/faults.py                        # 10,000 postings (stock moves), ~1,000+ seeded faults
    python3 bench/faults.py --postings 500         # a quick run
    python3 bench/faults.py --fault 500=0.2 --fault drop=0.1 --seed 3 --crashes 5

Same setup as bench/posting.py (throwaway cluster, one database with the addon, the emulator in
its own process with QuickBooks' limits and a time scale, the company connected through the real
OAuth flow and every role mapped), except that the postings come from stock moves validated
``--chunk`` at a time without a transfer (each such move is its own posting), so creating 10,000
takes about two minutes instead of the better part of an hour of one-line transfers. Then the
emulator is told to inject faults with seeded probabilities (per API call: 401 expired token,
429 throttle, 500, 503, slow answer past the client's timeout; and, committed in QBO first:
drop, the connection closed without an answer, malformed, a 200 whose JSON is cut in half,
shape, a 200 without the expected content; per batch item: item, a SystemFault for that entry
alone), and the outbox is drained by worker processes running ``qbo.posting._cron_drain``:

- the first ``--crashes`` workers are killed with SIGKILL at a random moment of their drain: the
  real "crash between QBO's commit and Odoo's commit" (a batch QBO booked whose answer Odoo never
  recorded, a claimed lease never released);
- the next worker resumes and drains until every posting is posted or blocked.

Between cron runs a worker makes waiting rows due: it sets ``next_try`` of failed rows and clears
the ``lease_until`` of rows a killed worker held. In production those waits are the retry
back-off (1 minute to a day) and the 10-minute lease that protects a row another poster may still
be sending; here only one worker runs at a time, the dead one's leases protect nothing, and the
campaign must end in minutes. What the cron decides is unchanged: a row flagged ``needs_lookup``
is still looked up by DocNumber before any resend, the failure count still blocks a row after
12 attempts, and a 429 still pauses the worker's RateLimiter as QBO asks.

At the end, faults are switched off and every journal entry is read back from QBO by DocNumber:
lost = postings neither posted nor blocked with a reason (or posted but absent from QBO) — goal 0;
duplicates = DocNumbers with more than one entry — goal 0. Printed: faults injected per kind
(emulator counters), postings hit by a fault (attempts logged), adoptions after ambiguous
failures, crashes, cron runs, blocked postings grouped by reason.

With 30 entries per batch call, one injected call fault hits up to 30 postings and ~10,000
postings need only ~340 successful batch calls; with the default rates the campaign injects more
than 1,000 faults (counted by the emulator: per call, plus per batch item). Postings hit by a fault
(attempts logged as not posted) are printed too.

Then a race (``--race-postings``, 0 to skip): more postings drained by two workers at once, one of
them with its clock 11 minutes ahead, so every lease the other holds looks run out to it (the lease
expiring while a send is in flight); both start with an access token QuickBooks just expired (a
concurrent token refresh), into a run of 429 answers (a throttle that outlasts a poster's waits) and
slow answers past the timeout. Printed: token refresh calls of the race (goal 1), and, over the
whole campaign, reconnects by hand (goal 0): how often a worker found the connection "Reconnect
Needed" and had to sign in again as a person would.

Not a test: it prints a table. Needs Odoo 18 importable (or ODOO_PATH) and PostgreSQL server binaries.
"""
import argparse
import json
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _odoo_bench import (  # noqa: E402 - bench/ is not a package
    bench_fixtures, move_vals, print_rows, registry_cursor, validate_moves, worker_command)
from posting import WORKERS, Bench, connect_company, states, use_scaled_limiter, worker_main  # noqa: E402

# Per API call, rolled in this order, about one call in three; then "item" per entry of a batch call
# that drew none. With 30 entries per batch call, 10,000 postings need only ~340 successful batch
# calls: per-call faults alone would have to fail most calls to reach 1,000, and a row already
# flagged for a look-up needs two calls in a row to succeed, so they would exhaust rows' 12
# attempts. A SystemFault on one batch item (which QuickBooks sends too) hits one posting and is
# resent in the same run. 429 stays rare: each one pauses the poster for QBO's minute, as asked.
DEFAULT_FAULTS = ("401=0.05", "429=0.01", "500=0.1", "503=0.08", "slow=0.02", "drop=0.08", "malformed=0.03",
                  "shape=0.03", "item=0.08")
FAULT_KINDS = ("401", "429", "500", "503", "slow", "drop", "malformed", "shape", "item")
CLIENT_TIMEOUT = 2  # seconds: the connection's timeout; the emulator's "slow" answers after SLOW_SECONDS
SLOW_SECONDS = 2.5
BLOCKED_REASONS_SHOWN = 8
CHUNK = 500  # stock moves validated per transaction while creating the postings
RACE_POSTINGS = 300
RACE_CLOCK_AHEAD = 660  # seconds: past the 10-minute lease, so the racing worker sees every lease run out
RACE_THROTTLE_CALLS = 30  # 429 answers in a row at the start of the race
RACE_FAULTS = ("500=0.05", "slow=0.08", "drop=0.05")
# Connection states only a person clears (signing in again); "error" is said on the dashboard but the cron
# keeps posting through it, so it needs no hand.
HAND_STATES = ("needs_reconnect", "not_connected")


# ----------------------------------------------------------------------------------------------- worker side
def campaign_setup_worker(db, port, paths, base_url, postings, chunk, timeout):
    """Connect the company, then ``postings`` valued stock moves without a transfer, ``chunk`` per transaction.

    Half receipts from the vendor location, half deliveries to the customer location, spread over a
    few AVCO products. A move without a transfer is its own source, so each makes one posting, and
    validating hundreds in one transaction takes a fraction of the time of one-line transfers: the
    campaign measures the drain, not the setup.
    """
    with registry_cursor(db, port, paths) as env:
        started = time.perf_counter()
        connection = connect_company(env, base_url, timeout)
        warehouse, products, _vendor, _customer = bench_fixtures(env, 5)
        stock = warehouse.lot_stock_id
        suppliers, customers = env.ref("stock.stock_location_suppliers"), env.ref("stock.stock_location_customers")
        receipts = (postings + 1) // 2
        for count, source, dest, quantity in ((receipts, suppliers, stock, 2),
                                              (postings - receipts, stock, customers, 1)):
            for start in range(0, count, chunk):
                validate_moves(env, [move_vals(products[number % len(products)], source, dest, quantity)
                                     for number in range(start, min(start + chunk, count))])
                env.cr.commit()  # the outbox rows are written right before this commit
        return {"realm_id": connection.sudo().realm_id,
                "postings": env["qbo.posting"].search_count([("state", "=", "to_post")]),
                "valued_moves": env["stock.valuation.layer"].search_count([]),
                "seconds": time.perf_counter() - started}


def make_due(env):
    """Failed rows due now, and leases of killed workers released (only one worker runs at a time)."""
    env.cr.execute("""UPDATE qbo_posting SET next_try = NULL, lease_until = NULL
                       WHERE state IN ('to_post', 'failed') AND (next_try IS NOT NULL OR lease_until IS NOT NULL)""")
    made_due = env.cr.rowcount
    env.cr.commit()
    return made_due


def reconnect(env, connection):
    """What the accountant does when the dashboard says "Reconnect Needed": connect again, retry what it blocked.

    An injected 401 on the call retried right after a token refresh reads as a lost authorization:
    the cron blocks the batch (reason: sign-in refused) and stops posting for the company.
    """
    from odoo.addons.stock_quickbooks_sync.tests.qbo_common import QboEmulatorMixin  # noqa: PLC0415

    QboEmulatorMixin._qbo_connect(connection)  # consent page, code, tokens; then the connection check
    env.cr.commit()
    print(json.dumps({"reconnect_by_hand": True}), flush=True)
    if connection.state != "connected":
        return 0  # the connection check itself drew a fault: again before the next run
    env["qbo.posting"]._qbo_requeue_blocked(env.company, ["reauth"])
    env.cr.commit()
    return 1


def note_connection_error(connection):
    """1 (and a line saying why) when a cron run left the connection in "error", else 0."""
    if connection.state != "error":
        return 0
    print(json.dumps({"connection_error": connection.state_message}), flush=True)
    return 1


def campaign_drain_worker(db, port, paths, time_scale, max_seconds):
    """Cron runs until no posting is left to post; prints one progress line per run (the driver may kill it)."""
    with registry_cursor(db, port, paths) as env:
        use_scaled_limiter(env, time_scale)
        posting = env["qbo.posting"]
        connection = env.company.sudo().qbo_connection_id
        # Rows a killed worker left leased: claimed, maybe sent, their outcome never committed.
        env.cr.execute("""SELECT count(*), count(*) FILTER (WHERE needs_lookup) FROM qbo_posting
                           WHERE state IN ('to_post', 'failed') AND lease_until IS NOT NULL""")
        left_leased, left_sent = env.cr.fetchone()
        print(json.dumps({"draining": True, "left_leased": left_leased, "left_sent": left_sent}), flush=True)
        started = time.perf_counter()
        runs = reconnects = errors = 0
        while time.perf_counter() - started < max_seconds:
            if connection.state in HAND_STATES:
                reconnects += reconnect(env, connection)
            made_due = make_due(env)
            runs += 1
            posting._cron_drain()
            env.cr.commit()
            env.invalidate_all()
            errors += note_connection_error(connection)
            # Rows blocked by a lost sign-in come back at the next reconnect: they are not done yet.
            left = posting.search_count(["|", ("state", "in", ("to_post", "failed")),
                                         "&", ("state", "=", "blocked"), ("error_kind", "=", "reauth")])
            print(json.dumps({"run": runs, "made_due": made_due, "left": left}), flush=True)
            if not left:
                break
        return {"runs": runs, "reconnects": reconnects, "connection_errors": errors, "left_leased": left_leased,
                "left_sent": left_sent, "elapsed": time.perf_counter() - started, "states": states(env)}


def race_setup_worker(db, port, paths, postings, chunk):
    """``postings`` more valued stock moves (receipts), committed ``chunk`` at a time."""
    with registry_cursor(db, port, paths) as env:
        warehouse, products, _vendor, _customer = bench_fixtures(env, 5)
        suppliers = env.ref("stock.stock_location_suppliers")
        for start in range(0, postings, chunk):
            validate_moves(env, [move_vals(products[number % len(products)], suppliers, warehouse.lot_stock_id, 1)
                                 for number in range(start, min(start + chunk, postings))])
            env.cr.commit()
        return {"postings": env["qbo.posting"].search_count([("state", "=", "to_post")])}


def race_drain_worker(db, port, paths, time_scale, max_seconds, clock_ahead):
    """Cron runs beside another worker; with ``clock_ahead`` this worker's Odoo clock runs that far ahead.

    Only failed rows are made due (their back-off), never a lease: the other worker may hold it.
    """
    if clock_ahead:
        from odoo import fields  # noqa: PLC0415 - workers only
        now = fields.Datetime.now
        fields.Datetime.now = staticmethod(lambda *args, **kwargs: now() + timedelta(seconds=clock_ahead))
    with registry_cursor(db, port, paths) as env:
        use_scaled_limiter(env, time_scale)
        posting = env["qbo.posting"]
        connection = env.company.sudo().qbo_connection_id
        started = time.perf_counter()
        runs = reconnects = errors = 0
        while time.perf_counter() - started < max_seconds:
            if connection.state in HAND_STATES:
                reconnects += reconnect(env, connection)
            env.cr.execute("""UPDATE qbo_posting SET next_try = NULL WHERE id IN (
                                  SELECT id FROM qbo_posting WHERE state = 'failed' AND next_try IS NOT NULL
                                  FOR UPDATE SKIP LOCKED)""")
            env.cr.commit()
            runs += 1
            posting._cron_drain()
            env.cr.commit()
            env.invalidate_all()
            errors += note_connection_error(connection)
            left = posting.search_count(["|", ("state", "in", ("to_post", "failed")),
                                         "&", ("state", "=", "blocked"), ("error_kind", "=", "reauth")])
            if not left:
                break
        return {"runs": runs, "reconnects": reconnects, "connection_errors": errors,
                "elapsed": time.perf_counter() - started}


def attempts_worker(db, port, paths):
    with registry_cursor(db, port, paths) as env:
        rows = env["qbo.posting.attempt"]._read_group([], ["outcome", "error_kind"], ["__count"])
        adopted = env["qbo.posting"].search_count([("adopted", "=", True)])
        return {"attempts": [[outcome, kind or "", count] for outcome, kind, count in rows], "adopted": adopted}


WORKERS.update(campaign_setup=campaign_setup_worker, campaign_drain=campaign_drain_worker, attempts=attempts_worker,
               race_setup=race_setup_worker, race_drain=race_drain_worker)


# ----------------------------------------------------------------------------------------------- driver side
def crash_run(bench, rng, max_seconds):
    """Start a drain worker and SIGKILL it 0.5-4 s into its drain; returns (killed mid-run, cron runs seen)."""
    cmd, env = worker_command(bench.script, bench.source, bench.spec(
        "campaign_drain", time_scale=bench.args.time_scale, max_seconds=max_seconds))
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    runs = 0
    try:
        line = process.stdout.readline()  # {"draining": true} once the registry is loaded
        if not line:
            return False, runs
        found = json.loads(line)
        print(f"  worker found {found['left_leased']} rows leased by a killed worker, {found['left_sent']} of them "
              f"maybe in QBO (needs_lookup)", flush=True)
        time.sleep(rng.uniform(0.5, 4.0))
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
        for line in process.stdout:
            runs += '"run"' in line
            bench.reconnects_by_hand += '"reconnect_by_hand"' in line
            bench.connection_errors += '"connection_error"' in line
        return killed, runs
    finally:
        process.wait()


def race(bench, args):
    """Two drain workers at once over ``--race-postings`` new postings (see the module docstring)."""
    emulator = bench.emulator
    setup = bench.run("race_setup", postings=args.race_postings, chunk=args.chunk)
    realm_id = bench.realm_id
    emulator.admin("POST", f"/_emulator/companies/{realm_id}/expire-tokens", {"access": True})
    emulator.admin("POST", "/_emulator/faults", {
        "script": ["429"] * RACE_THROTTLE_CALLS, "seed": args.seed, "slow_seconds": SLOW_SECONDS,
        "probabilities": dict(fault.split("=", 1) for fault in RACE_FAULTS)})
    before = emulator.counters()
    processes = []
    for ahead in (0, RACE_CLOCK_AHEAD):
        cmd, env = worker_command(bench.script, bench.source, bench.spec(
            "race_drain", time_scale=args.time_scale, max_seconds=args.max_seconds, clock_ahead=ahead))
        processes.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results, reconnects, connection_errors = [], 0, []
    for process in processes:
        output, errors = process.communicate()
        if process.returncode:
            sys.stderr.write(errors[-3000:])
        reconnects += output.count('"reconnect_by_hand"')
        connection_errors += [json.loads(line)["connection_error"] for line in output.splitlines()
                              if line.startswith('{"connection_error"')]
        lines = [line for line in output.splitlines() if line.startswith("{") and '"runs"' in line]
        results.append(json.loads(lines[-1]) if lines else {"runs": 0, "reconnects": 0, "elapsed": 0})
    bench.reconnects_by_hand += reconnects
    bench.connection_errors += len(connection_errors)
    after = emulator.counters()
    emulator.admin("POST", "/_emulator/faults/clear")
    return {
        "postings": setup["postings"],
        "token_requests": after.get("token_requests", 0) - before.get("token_requests", 0),
        "http_429": after["http_429"] - before["http_429"],
        "runs": [result["runs"] for result in results],
        "reconnects": reconnects,
        "connection_errors": connection_errors,
        "elapsed": max(result["elapsed"] for result in results),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=10_000, help="postings to drain (10,000)")
    parser.add_argument("--chunk", type=int, default=CHUNK,
                        help=f"stock moves validated per transaction while creating them ({CHUNK})")
    parser.add_argument("--time-scale", type=float, default=10.0,
                        help="QBO seconds per real second in the emulator and the worker's limiter (10)")
    parser.add_argument("--fault", action="append", metavar="KIND=PROB",
                        help="fault probability per API call (kinds 401, 429, 500, 503, slow, drop, malformed, "
                             "shape) or per batch item (item) "
                             f"(default {' '.join(DEFAULT_FAULTS)})")
    parser.add_argument("--seed", type=int, default=7, help="seed of the emulator's faults and of the kill times (7)")
    parser.add_argument("--crashes", type=int, default=3, help="drain workers killed with SIGKILL mid-run (3)")
    parser.add_argument("--max-seconds", type=float, default=3600, help="give up a drain after this (3600)")
    parser.add_argument("--race-postings", type=int, default=RACE_POSTINGS,
                        help=f"postings of the two-worker race after the campaign, 0 to skip ({RACE_POSTINGS})")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args.worker)
    faults = args.fault or list(DEFAULT_FAULTS)
    rng = random.Random(args.seed)

    with Bench(args, "sqs-faults-", __file__) as bench:
        print(f"creating {args.postings:,} valued stock moves ({args.chunk} per transaction), connecting the company "
              "to the emulator ...", flush=True)
        setup = bench.run("campaign_setup", base_url=bench.emulator.base_url, postings=args.postings,
                          chunk=args.chunk, timeout=CLIENT_TIMEOUT)
        print(f"  {setup['postings']:,} postings to post, {setup['valued_moves']:,} valuation layers, "
              f"setup {setup['seconds']:.0f} s", flush=True)
        bench.realm_id = setup["realm_id"]
        bench.reconnects_by_hand = bench.connection_errors = 0
        emulator = bench.emulator
        before = emulator.counters()
        emulator.admin("POST", "/_emulator/faults", {
            "probabilities": dict(fault.split("=", 1) for fault in faults), "seed": args.seed,
            "slow_seconds": SLOW_SECONDS})
        print(f"fault campaign: {' '.join(faults)}, seed {args.seed}, {args.crashes} killed workers ...", flush=True)
        started = time.perf_counter()
        kills, crash_runs = 0, 0
        for number in range(args.crashes):
            killed, runs = crash_run(bench, rng, args.max_seconds)
            kills += killed
            crash_runs += runs
            print(f"  worker {number + 1}: {'killed with SIGKILL' if killed else 'finished before the kill'} "
                  f"after {runs} cron run(s)", flush=True)
        final = bench.run("campaign_drain", time_scale=args.time_scale, max_seconds=args.max_seconds)
        bench.reconnects_by_hand += final["reconnects"]
        bench.connection_errors += final["connection_errors"]
        elapsed = time.perf_counter() - started
        after = emulator.counters()
        emulator.admin("POST", "/_emulator/faults/clear")
        raced = None
        if args.race_postings:
            print(f"race: {args.race_postings} postings, two workers (one {RACE_CLOCK_AHEAD} s ahead), token expired, "
                  f"{RACE_THROTTLE_CALLS} answers 429 in a row, {' '.join(RACE_FAULTS)} ...", flush=True)
            raced = race(bench, args)
            leftover = bench.run("campaign_drain", time_scale=args.time_scale, max_seconds=args.max_seconds)
            bench.reconnects_by_hand += leftover["reconnects"]
            bench.connection_errors += leftover["connection_errors"]
        verify = bench.run("verify")
        attempts = bench.run("attempts")

    injected = {kind: after["faults_injected"].get(kind, 0) - before["faults_injected"].get(kind, 0)
                for kind in FAULT_KINDS}
    hit = sum(count for outcome, _kind, count in attempts["attempts"] if outcome != "posted" and outcome != "adopted")
    posted = verify["states"].get("posted", 0)
    blocked = verify["states"].get("blocked", 0)
    print()
    print(f"Fault campaign over {verify['postings']:,} postings, time scale {args.time_scale:g}, seed {args.seed}")
    print("-" * 100)
    rows = [
        ("faults injected by the emulator (calls + batch items), total", f"{sum(injected.values()):,}"),
        ("  by kind", ", ".join(f"{kind} {count}" for kind, count in injected.items())),
        ("HTTP 429 answers (injected and real)", str(after["http_429"] - before["http_429"])),
        ("API calls served (batch calls)", "%s (%s)" % (format(after["requests"] - before["requests"], ","),
                                                        format(after["batch_requests"] - before["batch_requests"],
                                                               ","))),
        ("postings hit by a fault (attempts not posted)", f"{hit:,}"),
        ("attempts by outcome / error kind", "; ".join(f"{o} {k or '-'} {c:,}" for o, k, c in attempts["attempts"])),
        ("adopted (found in QBO after an ambiguous failure)", f"{attempts['adopted']:,}"),
        ("workers killed with SIGKILL mid-drain", f"{kills} of {args.crashes}"),
        ("cron runs (killed workers + last worker)", f"{crash_runs} + {final['runs']}"),
        ("reconnects by hand after 'Reconnect Needed', all workers (goal 0)", str(bench.reconnects_by_hand)),
        ("cron runs that left the connection in 'Error' (goal 0)", str(bench.connection_errors)),
        ("last worker found leased by the killed one (maybe in QBO)", f"{final['left_leased']} ({final['left_sent']})"),
        ("campaign elapsed, real seconds", f"{elapsed:.1f}"),
        ("postings", f"{verify['postings']:,}"),
        ("posted", f"{posted:,}"),
        ("blocked, with a reason", f"{blocked - verify['blocked_without_reason']:,}"),
        ("entries in QBO (read back by DocNumber)", f"{verify['entries']:,}"),
        ("lost (goal 0)", str(verify["lost"])),
        ("duplicates in QBO: DocNumbers with > 1 entry (goal 0)", str(verify["duplicates"])),
        ("posted with a QBO Id other than QBO's", str(verify["wrong_qbo_id"])),
        ("in QBO but not posted in Odoo", str(verify["in_qbo_not_posted"])),
        ("entries in QBO with a DocNumber of no posting", str(verify["not_ours"])),
    ]
    if raced:
        at = next(index for index, row in enumerate(rows) if row[0].startswith("campaign elapsed")) + 1
        rows[at:at] = [
            ("race: postings drained by two workers at once (cron runs each)",
             f"{raced['postings']:,} ({' + '.join(map(str, raced['runs']))}), {raced['elapsed']:.1f} s"),
            ("race: token refresh calls, both workers starting with an expired token (goal 1)",
             str(raced["token_requests"])),
            ("race: reconnects by hand (goal 0)", str(raced["reconnects"])),
            ("race: cron runs that left the connection in 'Error' (goal 0)", str(len(raced["connection_errors"]))),
            ("race: HTTP 429 answers", str(raced["http_429"])),
        ]
    reasons = sorted(verify["blocked_reasons"].items(), key=lambda item: -item[1])
    shown = dict(reasons[:BLOCKED_REASONS_SHOWN])
    if len(reasons) > BLOCKED_REASONS_SHOWN:
        others = reasons[BLOCKED_REASONS_SHOWN:]
        shown[f"... {len(others)} other reasons"] = sum(count for _reason, count in others)
    print_rows(rows, shown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
