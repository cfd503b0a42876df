#!/usr/bin/env python3
"""Reports benchmark: the finance and stock reports beside Odoo's own stock valuation report, same data.

    python3 bench/reports.py                       # > 100,000 ledger rows and valuation layers
    python3 bench/reports.py --rows 20000          # a quick run

Builds one database with the addon on a throwaway PostgreSQL cluster. A setup worker runs a few real
operations through the ORM, committed: ``--products`` AVCO products bought on one purchase order with a
freight estimate (receipt validated: ledger events, valuation layers, the estimate landed cost, outbox
rows), sold on three sale orders, one per sales channel (deliveries validated), part of one delivery
returned, a scrap, and a customer invoice. The ledger, the valuation layers and the outbox (postings and
their lines) then get copies of those rows, spread over the past year, with bulk ``INSERT … SELECT`` until
the ledger holds ``--rows`` rows: the shape is real (the states, values, channels and links the operations
wrote), only the volume is multiplied. Setup is not timed.

A timing worker then calls ``read_group`` — what the pivot, graph and grouped list views call — the way
each report's default view asks it, best of ``--rounds`` after one warm-up, caches cleared before each
call. The reference is Odoo's Inventory › Reporting › Valuation: ``stock.valuation.layer`` grouped by
product category and month with the remaining quantity and value (its action's default pivot). The table
prints each report's best time and its ratio to that reference.

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
from _odoo_bench import (  # noqa: E402 - bench/ is not a package
    ADDON, BASE_MODULES, addons_paths, bench_fixtures, install, odoo_source, print_rows, registry_cursor,
    run_worker, throwaway_cluster)

DB = "reports"
CHANNELS = ("Wholesale", "E-commerce", "Retail")


# ----------------------------------------------------------------------------------------------- worker side
def real_operations(env, products_count):
    """The few real operations whose rows are multiplied: receipt, three channel deliveries, return, scrap."""
    from odoo import Command  # noqa: PLC0415 - workers only
    from odoo.tests import Form  # noqa: PLC0415

    warehouse, products, vendor, customer = bench_fixtures(env, products_count)
    for index, template in enumerate(products.product_tmpl_id):
        template.season = ("SS26", "FW26")[index % 2]
    order = env["purchase.order"].create({
        "partner_id": vendor.id, "picking_type_id": warehouse.in_type_id.id,
        "order_line": [Command.create({"product_id": p.id, "product_qty": 300, "price_unit": p.standard_price})
                       for p in products]})
    env["purchase.landed.cost.estimate"].create({
        "order_id": order.id, "cost_type": "freight", "method": "fixed_quantity", "amount": 40.0 * products_count})
    order.button_confirm()
    receipt = order.picking_ids
    receipt.move_ids.picked = True
    receipt.button_validate()
    env.cr.commit()
    deliveries = env["stock.picking"]
    for name in CHANNELS:
        team = env["crm.team"].create({"name": name})
        sale = env["sale.order"].create({
            "partner_id": customer.id, "warehouse_id": warehouse.id, "team_id": team.id,
            "order_line": [Command.create({"product_id": p.id, "product_uom_qty": 40}) for p in products]})
        sale.action_confirm()
        delivery = sale.picking_ids
        delivery.move_ids.picked = True
        delivery.button_validate()
        deliveries |= delivery
        env.cr.commit()
    wizard = Form(env["stock.return.picking"].with_context(active_id=deliveries[0].id, active_model="stock.picking"))
    with wizard.product_return_moves.edit(0) as line:
        line.quantity = 5
    returned = wizard.save()._create_return()
    returned.move_ids.picked = True
    returned.button_validate()
    scrap = env["stock.scrap"].create({"product_id": products[0].id, "scrap_qty": 3,
                                       "location_id": warehouse.lot_stock_id.id})
    scrap.action_validate()
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": customer.id,
        "invoice_line_ids": [Command.create({"name": "Wholesale order", "quantity": 1, "price_unit": 1000.0,
                                             "tax_ids": [Command.clear()]})]})
    invoice.action_post()
    env.cr.commit()


def copy_rows(cr, table, copies, overrides, where="TRUE"):
    """Insert ``copies`` copies of the rows of ``table`` matching ``where``; ``overrides`` maps a column to an
    SQL expression over ``src`` (the copied row) and ``g`` (the copy number, 1..copies). Returns rows added."""
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'",
               [table])
    columns = [name for name, in cr.fetchall()]
    select = ", ".join(overrides.get(name, f"src.{name}") for name in columns)
    cr.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} "  # noqa: S608 - fixed names
               f"FROM {table} src, generate_series(1, %s) g WHERE {where}", [copies])
    return cr.rowcount


def setup_worker(db, port, paths, rows, products):
    with registry_cursor(db, port, paths) as env:
        started = time.perf_counter()
        real_operations(env, products)
        cr = env.cr
        cr.execute("SELECT (SELECT COUNT(*) FROM stock_inventory_event), (SELECT COUNT(*) FROM stock_valuation_layer)")
        base, base_layers = cr.fetchone()
        copies = max(0, math.ceil(rows / base) - 1)
        layer_copies = max(0, math.ceil(rows / base_layers) - 1)
        shift = "src.{col} - ((g %% 365) * INTERVAL '1 day')"
        copy_rows(cr, "stock_inventory_event", copies, {
            "date": shift.format(col="date"), "create_date": shift.format(col="create_date")})
        copy_rows(cr, "stock_valuation_layer", layer_copies, {"create_date": shift.format(col="create_date")})
        # postings: a new key per copy; a tenth wait, fail or are blocked, as in a real outbox
        copy_rows(cr, "qbo_posting", layer_copies, {
            "posting_key": "src.posting_key || '#' || g", "doc_number": "NULL", "request_id": "NULL",
            "date": "src.date - (g %% 365)",
            "state": "CASE g %% 20 WHEN 0 THEN 'failed' WHEN 1 THEN 'blocked' WHEN 2 THEN 'to_post' "
                     "ELSE 'posted' END",
            "qbo_id": "CASE WHEN g %% 20 > 2 THEN (100000 + g)::varchar END"}, where="src.posting_key NOT LIKE '%%#%%'")
        cr.execute("""
            INSERT INTO qbo_posting_line (posting_id, company_id, sequence, product_id, categ_id, warehouse_id,
                                          channel_id, role, cost_type, description, amount, quantity, unit_cost,
                                          create_uid, write_uid, create_date, write_date)
            SELECT copy.id, l.company_id, l.sequence, l.product_id, l.categ_id, l.warehouse_id, l.channel_id,
                   l.role, l.cost_type, l.description, l.amount, l.quantity, l.unit_cost, l.create_uid,
                   l.write_uid, copy.create_date, copy.write_date
              FROM qbo_posting_line l
              JOIN qbo_posting src ON src.id = l.posting_id
              JOIN qbo_posting copy ON copy.company_id = src.company_id
                                AND copy.posting_key LIKE '%#%'
                                AND split_part(copy.posting_key, '#', 1) = src.posting_key
        """)
        cr.execute("ANALYZE")
        counts = {}
        for table in ("stock_inventory_event", "stock_valuation_layer", "qbo_posting", "qbo_posting_line"):
            cr.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cr.fetchone()[0]
        cr.commit()
        return {"base_events": base, "base_layers": base_layers, "copies": copies, "layer_copies": layer_copies,
                "counts": counts, "seconds": time.perf_counter() - started}


def report_calls(env):
    """(label, model, domain, fields, groupby, context): each report as its default view reads it."""
    product = env["product.product"].search([("name", "=like", "Bench SKU%")], limit=1)
    return [
        ("Odoo: Inventory > Reporting > Valuation (reference)", "stock.valuation.layer",
         [("product_id.is_storable", "=", True)], ["remaining_qty:sum", "remaining_value:sum"],
         ["categ_id", "create_date:month"], {}),
        ("inventory value by state (finance screen)", "stock.inventory.value.report",
         [("is_owned", "=", True)], ["value:sum"], ["state", "warehouse_id"], {}),
        ("units and value by location and channel", "stock.inventory.value.report",
         [("is_owned", "=", True)], ["quantity:sum", "value:sum"], ["location_id", "channel_id"], {}),
        ("GRNI by vendor", "stock.grni.report", [("grni_qty", "!=", 0)], ["grni_value:sum"], ["partner_id"], {}),
        ("landed cost estimated vs actual", "stock.landed.cost.comparison.report", [],
         ["estimated_amount:sum", "actual_amount:sum", "variance_amount:sum"], ["purchase_id", "cost_type"], {}),
        ("sync status (postings by state)", "qbo.posting", [], ["amount:sum"], ["state", "event_type"], {}),
        ("inventory turnover, 365 days", "stock.inventory.turnover.report", [],
         ["cogs:sum", "average_value:sum", "turnover"], ["categ_id"], {"turnover_days": 365}),
        ("weeks of supply, 8 weeks", "stock.weeks.of.supply.report", [],
         ["on_hand_qty:sum", "weekly_sold_qty:sum", "weeks_of_supply"], ["product_tmpl_id"],
         {"weeks_of_supply_weeks": 8}),
        ("sell-through by season and style", "stock.sell.through.report", [],
         ["sold_qty:sum", "on_hand_qty:sum", "sell_through"], ["season", "product_tmpl_id"], {}),
        ("receivable aging by customer", "stock.ar.aging.report", [], ["amount_residual:sum"],
         ["partner_id", "bucket"], {}),
        ("margin by style and month", "stock.style.margin.report", [],
         ["revenue:sum", "factory_margin:sum", "landed_margin:sum"], ["product_tmpl_id", "date:month"], {}),
        ("SKU timeline of one variant (by kind)", "stock.sku.timeline.report", [("product_id", "=", product.id)],
         ["value:sum"], ["kind"], {}),
    ]


def time_worker(db, port, paths, rounds):
    with registry_cursor(db, port, paths) as env:
        results = []
        for label, model, domain, fields, groupby, context in report_calls(env):
            report = env[model].with_context(**context)
            times = []
            for attempt in range(rounds + 1):
                env.invalidate_all()
                env.registry.clear_cache()
                started = time.perf_counter()
                groups = report.read_group(domain, fields, groupby, lazy=False)
                if attempt:  # the first call warms PostgreSQL's and Odoo's caches
                    times.append(time.perf_counter() - started)
            results.append({"label": label, "groups": len(groups), "best": min(times)})
        return results


WORKERS = {"setup": setup_worker, "time": time_worker}


def worker_main(spec):
    spec = json.loads(spec)
    print(json.dumps(WORKERS[spec.pop("phase")](**spec), default=str), flush=True)
    return 0


# ----------------------------------------------------------------------------------------------- driver side
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=120_000, help="ledger rows to reach (120,000)")
    parser.add_argument("--products", type=int, default=60, help="products in the real operations (60)")
    parser.add_argument("--rounds", type=int, default=3, help="timed calls per report, best kept (3)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args.worker)

    source = odoo_source()
    with throwaway_cluster(prefix="sqs-reports-") as (addons_dir, port):
        install(source, addons_dir, port, DB, f"{BASE_MODULES},{ADDON}")
        paths = addons_paths(source, addons_dir)

        def run(phase, **kwargs):
            return run_worker(__file__, source, json.dumps(dict(kwargs, phase=phase, db=DB, port=port, paths=paths)))

        print(f"real operations on {args.products} products, then copies up to {args.rows:,} ledger rows ...",
              flush=True)
        setup = run("setup", rows=args.rows, products=args.products)
        print(f"  {setup['base_events']:,} ledger rows and {setup['base_layers']:,} valuation layers from the real "
              f"operations, x{setup['copies'] + 1} and x{setup['layer_copies'] + 1}; setup {setup['seconds']:.0f} s",
              flush=True)
        results = run("time", rounds=args.rounds)

    counts = setup["counts"]
    reference = results[0]["best"]
    print()
    print("Reports over the same data: read_group as each default view calls it, best of "
          f"{args.rounds} (caches cleared)")
    print("-" * 100)
    print_rows([
        ("ledger rows (stock.inventory.event)", f"{counts['stock_inventory_event']:,}"),
        ("valuation layers (stock.valuation.layer)", f"{counts['stock_valuation_layer']:,}"),
        ("postings / posting lines", f"{counts['qbo_posting']:,} / {counts['qbo_posting_line']:,}"),
    ], {})
    print(f"{'report':<56} {'groups':>8} {'best ms':>12} {'x Odoo valuation':>20}")
    for row in results:
        print(f"{row['label']:<56} {row['groups']:>8,} {row['best'] * 1000:>12.1f} "
              f"{row['best'] / reference if reference else 0:>20.2f}")
    print("-" * 100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
