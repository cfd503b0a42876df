#!/usr/bin/env python3
"""Reconciliation benchmark: one run over N posted entries, its QuickBooks calls and its time.

    python3 bench/reconciliation.py                 # 1,000 postings (1,000 transfers x 1 line)
    python3 bench/reconciliation.py --postings 200  # a quick run

Builds the database of bench/posting.py (addon installed, company connected to the emulator through
the real OAuth flow, every role mapped), creates ``--postings`` transfers of one line each, drains
them into the emulator with the posting cron, then runs ``qbo.reconciliation._qbo_run`` over the
month in a worker of its own, with the process-wide rate limiter the cron uses. Printed side by
side: the calls the run made (emulator counters) beside the goal ceil(N / 1000) + 5, the HTTP 429
answers (goal 0: the client's own limiter keeps a margin below QuickBooks' windows), the run's
findings and its duration.

Not a test: it prints a table. Needs Odoo 18 importable (or ODOO_PATH) and PostgreSQL server binaries.
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from _odoo_bench import print_rows, registry_cursor  # noqa: E402 - bench/ is not a package
from posting import WORKERS, Bench, use_scaled_limiter  # noqa: E402


def reconcile_worker(db, port, paths, time_scale):
    """One reconciliation of this month for the bench company, timed; its findings by kind."""
    from odoo import fields  # noqa: PLC0415 - workers only

    with registry_cursor(db, port, paths) as env:
        use_scaled_limiter(env, time_scale)
        today = fields.Date.context_today(env["qbo.posting"])
        run = env["qbo.reconciliation"].create({"company_id": env.company.id, "date_from": today.replace(day=1),
                                                "date_to": today})
        env.cr.commit()
        started = time.perf_counter()
        done = run._qbo_run()
        env.cr.commit()
        elapsed = time.perf_counter() - started
        kinds = dict(env["qbo.reconciliation.line"]._read_group([("reconciliation_id", "=", run.id)], ["kind"],
                                                                 ["__count"]))
        return {"done": done, "elapsed": elapsed, "error": run.error_message or "", "open": run.open_count,
                "entries_read": run.entries_read, "kinds": kinds, "balances": len(run.balance_ids),
                "balance_difference": run.balance_difference}


WORKERS["reconcile"] = reconcile_worker


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=1000, help="posted entries to reconcile (1,000)")
    parser.add_argument("--time-scale", type=float, default=10.0,
                        help="QBO seconds per real second in the emulator and the workers' limiter (10)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(WORKERS[spec.pop("phase")](**spec), default=str), flush=True)
        return 0

    args.events, args.lines = args.postings, 1
    with Bench(args, "sqs-reconcile-", script=__file__) as bench:
        bench.setup()
        drained = bench.run("drain", time_scale=args.time_scale, max_seconds=1800)
        before = bench.emulator.counters()
        result = bench.run("reconcile", time_scale=args.time_scale)
        after = bench.emulator.counters()
    posted = drained["states"].get("posted", 0)
    calls = after["requests"] - before["requests"]
    goal = math.ceil(posted / 1000) + 5
    rows = [
        ("postings posted, then reconciled", f"{posted:,}"),
        ("run finished", "yes" if result["done"] else "no: " + result["error"]),
        ("QuickBooks calls of the run | goal ceil(N/1000)+5", f"{calls} | {goal} (ratio {calls / goal:.2f})"),
        ("HTTP 429 answers during the run | goal", f"{after['http_429'] - before['http_429']} | 0"),
        ("entries read back", f"{result['entries_read']:,}"),
        ("findings by kind", ", ".join(f"{k} {v:,}" for k, v in sorted(result["kinds"].items()))),
        ("open findings | balance accounts, net difference",
         f"{result['open']} | {result['balances']}, {result['balance_difference']:.2f}"),
        ("duration, real seconds (QBO seconds at this scale)",
         f"{result['elapsed']:.2f} ({result['elapsed'] * args.time_scale:.1f})"),
    ]
    print()
    print(f"Reconciliation of {posted:,} posted entries against the QBO emulator, time scale {args.time_scale:g}")
    print("-" * 100)
    print_rows(rows, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
