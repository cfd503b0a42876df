#!/usr/bin/env python3
"""Cost of the inventory ledger on the hot path: receipts and deliveries with and without the addon.

Builds two databases on a throwaway PostgreSQL cluster — plain Odoo (stock_landed_costs, purchase_stock,
sale_stock) and the same with stock_quickbooks_sync — then validates N receipts and N deliveries of
5 lines each in both, committing after every transfer as a user's click would, and prints the times
side by side with their ratio (goal: at most 1.05). Rounds alternate plain/addon; the best round of
each counts, so a busy moment on the machine does not decide the figure.

    python3 bench/picking_overhead.py [--pickings 200] [--rounds 2]

Needs Odoo 18 importable (or ODOO_PATH) and PostgreSQL server binaries, as ./run-tests does.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _odoo_bench import (  # noqa: E402 - bench/ is not a package
    ADDON, BASE_MODULES, addons_paths, bench_fixtures, install, odoo_command, odoo_source, registry_cursor,
    run_worker, throwaway_cluster, transfer_vals)

__all__ = ["odoo_command", "odoo_source"]  # kept importable from here for other benchmarks
LINES = 5


# ----------------------------------------------------------------------------------------------- worker
def run_workload(db, port, addons_paths, pickings):
    """Runs inside a fresh process: times `pickings` receipts then `pickings` deliveries."""
    with registry_cursor(db, port, addons_paths) as env:
        cr = env.cr
        warehouse, products, vendor, customer = bench_fixtures(env, LINES)
        cr.commit()
        timings = {}
        for phase, picking_type, source, dest, partner in (
            ("receipts", warehouse.in_type_id, env.ref("stock.stock_location_suppliers"), warehouse.lot_stock_id,
             vendor),
            ("deliveries", warehouse.out_type_id, warehouse.lot_stock_id, env.ref("stock.stock_location_customers"),
             customer),
        ):
            started = time.perf_counter()
            for _ in range(pickings):
                picking = env["stock.picking"].create(
                    transfer_vals(picking_type, partner, source, dest, products, 2))
                picking.action_confirm()
                picking.action_assign()
                picking.move_ids.picked = True
                picking.button_validate()
                cr.commit()
            timings[phase] = time.perf_counter() - started
        return timings


# ----------------------------------------------------------------------------------------------- driver
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickings", type=int, default=200, help="receipts and deliveries per round (200)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per database (2)")
    parser.add_argument("--worker", nargs=4, metavar=("DB", "PORT", "ADDONS_PATHS", "PICKINGS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        db, port, paths, pickings = args.worker
        print(json.dumps(run_workload(db, int(port), paths, int(pickings))))
        return 0

    source = odoo_source()
    with throwaway_cluster() as (addons_dir, port):
        databases = {"plain": BASE_MODULES, "addon": f"{BASE_MODULES},{ADDON}"}
        for db, modules in databases.items():
            install(source, addons_dir, port, db, modules)
        paths = addons_paths(source, addons_dir)
        best = {db: {} for db in databases}
        for round_no in range(1, args.rounds + 1):
            for db in databases:
                timings = run_worker(__file__, source, db, port, paths, args.pickings)
                print(f"round {round_no} {db:>5}: " + ", ".join(
                    f"{phase} {secs:7.2f} s" for phase, secs in timings.items()), flush=True)
                for phase, secs in timings.items():
                    best[db][phase] = min(secs, best[db].get(phase, secs))
    print()
    print(f"{args.pickings} receipts and {args.pickings} deliveries of {LINES} lines, best of {args.rounds} rounds")
    print(f"{'phase':<12}{'plain Odoo':>12}{'with addon':>12}{'ratio':>8}")
    totals = {db: sum(best[db].values()) for db in best}
    for phase in ("receipts", "deliveries"):
        print(f"{phase:<12}{best['plain'][phase]:>11.2f}s{best['addon'][phase]:>11.2f}s"
              f"{best['addon'][phase] / best['plain'][phase]:>8.3f}")
    ratio = totals["addon"] / totals["plain"]
    print(f"{'total':<12}{totals['plain']:>11.2f}s{totals['addon']:>11.2f}s{ratio:>8.3f}   (goal <= 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
