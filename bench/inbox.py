#!/usr/bin/env python3
"""Inbox benchmark: changes made in QuickBooks reach Odoo and take effect, by webhook and by change data capture.

    python3 bench/inbox.py                          # 1,000 bills and 5,000 changes in all, each way
    python3 bench/inbox.py --bills 100 --events 500 # a quick run

One database with the addon on a throwaway PostgreSQL cluster, the QBO emulator in its own process
and Odoo's own HTTP server (``python -m odoo``, no cron threads) for the webhook route. A setup worker
connects the company through the real OAuth flow, maps every role and receives ``--orders`` purchase
orders with a freight estimate (committed, not timed). Then, once per channel, the bench enters in
QuickBooks (the emulator's API) ``--bills`` freight bills naming one of those orders in their memo and
enough hand-typed journal entries to make ``--events`` changes, and a worker does what the crons do
until every change has had its effect:

* **webhook**: the emulator POSTs each change, signed, to Odoo's ``/qbo/webhook``; the worker runs
  the inbox cron (``qbo.inbox.event._cron_process``) as soon as it finds new rows;
* **CDC only**: no webhook; the worker reads change data capture every ``--cdc-interval`` seconds
  (``qbo.connection._qbo_read_changes``, 10 minutes in production) and runs the inbox cron.

The table shows both side by side: changes made and processed, bills applied as landed-cost actuals
(each a true-up landed cost), bills waiting, actuals applied twice (must be 0), throughput from the
first change to the last effect, latency from a change to its effect (median, 95th percentile,
longest), and the QuickBooks calls Odoo made. The emulator's rate limits are lifted for the run: the
bench measures Odoo's inbox, not QuickBooks' ceiling (bench/drain.py measures that).

Not a test: it prints a table. Needs Odoo 18 importable (or ODOO_PATH) and PostgreSQL server binaries.
"""
import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from _odoo_bench import odoo_command, print_rows, registry_cursor, worker_command  # noqa: E402 - not a package
from posting import DB, Bench, connect_company  # noqa: E402

VERIFIER_TOKEN = "bench-verifier-token"
HTTP_TIMEOUT = 30
LIFTED_LIMITS = {"per_minute": 1_000_000, "per_second": 100_000, "concurrent": 1000, "batch_per_minute": 100_000}


# ----------------------------------------------------------------------------------------------- worker side
def setup_worker(db, port, paths, base_url, orders):
    from odoo import Command, fields  # noqa: PLC0415 - workers only

    with registry_cursor(db, port, paths) as env:
        connection = connect_company(env, base_url)
        connection.sudo().write({"webhook_verifier_token": VERIFIER_TOKEN, "cdc_cursor": fields.Datetime.now()})
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        category = env["product.category"].create({
            "name": "Bench", "property_cost_method": "average", "property_valuation": "manual_periodic"})
        product = env["product.product"].create({"name": "Bench tee", "is_storable": True,
                                                 "categ_id": category.id, "standard_price": 10.0})
        vendor = env["res.partner"].create({"name": "Bench factory"})
        names = []
        for _index in range(orders):
            order = env["purchase.order"].create({
                "partner_id": vendor.id, "picking_type_id": warehouse.in_type_id.id,
                "order_line": [Command.create({"product_id": product.id, "product_qty": 100, "price_unit": 10.0})]})
            env["purchase.landed.cost.estimate"].create({"order_id": order.id, "cost_type": "freight",
                                                         "method": "fixed_quantity", "amount": 100.0})
            order.button_confirm()
            receipt = order.picking_ids
            receipt.move_ids.quantity = 100
            receipt.move_ids.picked = True
            receipt.button_validate()
            names.append(order.name)
            env.cr.commit()
        return {"orders": names, "realm_id": connection.sudo().realm_id,
                "access_token": connection.sudo().access_token}


def process_worker(db, port, paths, channel, expected, cdc_interval, max_seconds):
    """Run the inbox (and for CDC, the change reader) until ``expected`` new changes had their effect.

    Prints "ready" once warm, before the driver makes the changes.
    :returns: {"entity:id": wall time its effect was committed}, plus counts
    """
    from odoo import fields  # noqa: PLC0415 - workers only

    with registry_cursor(db, port, paths) as env:
        from odoo.addons.stock_quickbooks_sync.models.qbo_connection_inbox import CDC_OVERLAP  # noqa: PLC0415

        Inbox = env["qbo.inbox.event"]
        connection = env.company.sudo().qbo_connection_id
        # Only what changes from now on: the first read starts here, not CDC_OVERLAP before it.
        connection.cdc_cursor = fields.Datetime.now() + CDC_OVERLAP
        env.cr.execute("SELECT coalesce(max(id), 0) FROM qbo_inbox_event")
        first_id = env.cr.fetchone()[0]
        env.cr.commit()
        print("ready", flush=True)
        done, started, last_read = {}, time.time(), time.time()
        while len(done) < expected and time.time() - started < max_seconds:
            if channel == "cdc" and time.time() - last_read >= cdc_interval:
                last_read = time.time()
                connection._qbo_read_changes(with_commit=True, now=fields.Datetime.now())
                env.cr.commit()
            Inbox._cron_process(with_commit=True, max_batches=1)  # stamp each batch's effects as they commit
            env.cr.commit()
            env.invalidate_all()
            moment = time.time()
            env.cr.execute("SELECT entity, entity_id FROM qbo_inbox_event WHERE state <> 'new' AND channel = %s "
                           "AND id > %s", (channel, first_id))
            fresh = ["%s:%s" % row for row in env.cr.fetchall() if "%s:%s" % row not in done]
            done.update((key, moment) for key in fresh)
            if not fresh:
                time.sleep(0.2)
        env.cr.execute("SELECT entity || ':' || entity_id, extract(epoch FROM received_at) FROM qbo_inbox_event "
                       "WHERE channel = %s AND id > %s", (channel, first_id))
        received = dict(env.cr.fetchall())
        env.cr.execute("SELECT state, count(*) FROM qbo_vendor_bill GROUP BY state")
        bills = dict(env.cr.fetchall())
        env.cr.execute("SELECT count(*) FROM qbo_inbox_event WHERE state = 'error' AND id > %s", (first_id,))
        errors = env.cr.fetchone()[0]
        # An actual applied twice would be two actuals for one QuickBooks bill.
        env.cr.execute("""SELECT count(*) FROM (SELECT qbo_vendor_bill_id FROM landed_cost_actual_qbo_vendor_bill_rel
                           GROUP BY qbo_vendor_bill_id HAVING count(*) > 1) twice""")
        twice = env.cr.fetchone()[0]
        return {"done": done, "received": received, "bills": bills, "errors": errors, "twice": twice}


WORKERS = {"setup": setup_worker, "process": process_worker}


def worker_main(spec):
    spec = json.loads(spec)
    print(json.dumps(WORKERS[spec.pop("phase")](**spec), default=str), flush=True)
    return 0


# ----------------------------------------------------------------------------------------------- driver side
class OdooHttp:
    """Odoo's own HTTP server on the bench database, for the webhook route (no cron threads)."""

    def __init__(self, bench):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        cmd, env = odoo_command(bench.source, bench.addons_dir, bench.port, "-d", DB, "--db-filter", DB,
                                "--http-interface", "127.0.0.1", "--http-port", str(self.port),
                                "--max-cron-threads", "0")
        self.process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/web/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("Odoo's HTTP server did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class QuickBooksUser:
    """The accountant typing in QuickBooks: bills naming an order, and journal entries by hand."""

    def __init__(self, base_url, realm_id, access_token):
        self.api = "%s/v3/company/%s" % (base_url, realm_id)
        self.session = requests.Session()
        self.session.headers.update({"Authorization": "Bearer " + access_token, "Accept": "application/json"})
        accounts = self.get("query", query="SELECT * FROM Account MAXRESULTS 1000")["QueryResponse"]["Account"]
        self.accounts = {account["Name"]: account["Id"] for account in accounts}
        self.vendor = None

    def get(self, path, **params):
        answer = self.session.get("%s/%s" % (self.api, path), params=params, timeout=HTTP_TIMEOUT)
        answer.raise_for_status()
        return answer.json()

    def create(self, entity, payload):
        answer = self.session.post("%s/%s" % (self.api, entity.lower()), json=payload, timeout=HTTP_TIMEOUT)
        answer.raise_for_status()
        return answer.json()[entity]

    def enter(self, tag, bills, others, orders):
        """Make the changes; returns {"entity:id": wall time of the change}."""
        made = {}
        if self.vendor is None:
            self.vendor = self.create("Vendor", {"DisplayName": "Bench Forwarding"})
            made["Vendor:%s" % self.vendor["Id"]] = time.time()
        freight = self.accounts["Accrued Landed Cost – Freight"]
        for index in range(bills):
            bill = self.create("Bill", {
                "VendorRef": {"value": self.vendor["Id"]}, "DocNumber": "%s-%d" % (tag, index),
                "PrivateNote": "Ocean freight for %s" % orders[index % len(orders)],
                "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": 90 + index % 21,
                          "AccountBasedExpenseLineDetail": {"AccountRef": {"value": freight}}}]})
            made["Bill:%s" % bill["Id"]] = time.time()
        for index in range(others):
            entry = self.create("JournalEntry", {"DocNumber": "%s-JE-%d" % (tag, index), "Line": [
                {"DetailType": "JournalEntryLineDetail", "Amount": 1 + index % 50, "JournalEntryLineDetail": {
                    "PostingType": "Debit", "AccountRef": {"value": self.accounts["Shrinkage"]}}},
                {"DetailType": "JournalEntryLineDetail", "Amount": 1 + index % 50, "JournalEntryLineDetail": {
                    "PostingType": "Credit", "AccountRef": {"value": self.accounts["Inventory Adjustment"]}}}]})
            made["JournalEntry:%s" % entry["Id"]] = time.time()
        return made


def measure(bench, quickbooks, orders, channel, odoo_url=None):
    args = bench.args
    if odoo_url:
        bench.emulator.admin("POST", "/_emulator/companies/%s/webhook" % quickbooks.realm_id, {
            "url": odoo_url + "/qbo/webhook", "verifier_token": VERIFIER_TOKEN})
    expected = args.events + (quickbooks.vendor is None)  # the forwarder is created once, a change too
    cmd, env = worker_command(bench.script, bench.source, bench.spec(
        "process", channel=channel, expected=expected, cdc_interval=args.cdc_interval, max_seconds=args.max_seconds))
    worker = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if worker.stdout.readline().strip() != "ready":
        worker.kill()
        raise RuntimeError("the %s worker did not start" % channel)
    calls_before = bench.emulator.counters()["requests"]
    started = time.time()
    made = quickbooks.enter(channel, args.bills, args.events - args.bills, orders)
    output, _errors = worker.communicate()
    if worker.returncode:
        raise RuntimeError("the %s worker failed (exit %s)" % (channel, worker.returncode))
    result = json.loads(output.strip().splitlines()[-1])
    finished = max(result["done"].values(), default=time.time())
    latencies = sorted(result["done"][key] - moment for key, moment in made.items() if key in result["done"])
    # received_at is whole seconds (an Odoo Datetime): the delivery's share of the latency, to the second.
    arrivals = sorted(float(result["received"][key]) - moment for key, moment in made.items()
                      if key in result["received"])
    calls = bench.emulator.counters()["requests"] - calls_before - len(made)
    if odoo_url:  # the next channel hears nothing by webhook
        bench.emulator.admin("POST", "/_emulator/companies/%s/webhook" % quickbooks.realm_id, {
            "url": "http://127.0.0.1:9/closed", "verifier_token": "none"})
    return {"made": len(made), "processed": len(latencies), "bills": result["bills"], "errors": result["errors"],
            "twice": result["twice"], "seconds": finished - started, "latencies": latencies, "calls": calls,
            "arrivals": arrivals,
            "webhooks": bench.emulator.admin("GET", "/_emulator/webhook-counters") if odoo_url else None}


def quantile(values, share):
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def print_table(args, webhook, cdc):
    def row(label, fmt):
        return label, "%22s %22s" % (fmt(webhook), fmt(cdc))

    def bills(result, state):
        return f"{result['bills'].get(state, 0):,}"

    rows = [
        ("", "%22s %22s" % ("webhook", "CDC only (%gs)" % args.cdc_interval)),
        row("changes made in QuickBooks (bills + journal entries)", lambda r: f"{r['made']:,}"),
        row("changes that had their effect in Odoo", lambda r: f"{r['processed']:,}"),
        row("bills applied as landed-cost actuals (cumulative)", lambda r: bills(r, "applied")),
        row("bills waiting for a review (cumulative)", lambda r: bills(r, "to_review")),
        row("inbox rows in error", lambda r: str(r["errors"])),
        row("QuickBooks bills applied twice (must be 0)", lambda r: str(r["twice"])),
        row("first change to last effect, seconds", lambda r: f"{r['seconds']:.1f}"),
        row("throughput, changes per second", lambda r: f"{r['processed'] / r['seconds']:.1f}"),
        row("latency change -> effect, median s", lambda r: f"{statistics.median(r['latencies']):.2f}"),
        row("latency change -> effect, 95th percentile s", lambda r: f"{quantile(r['latencies'], 0.95):.2f}"),
        row("latency change -> effect, longest s", lambda r: f"{r['latencies'][-1]:.2f}"),
        row("change -> stored in the inbox, median s (whole seconds)",
            lambda r: f"{statistics.median(r['arrivals']):.1f}"),
        row("QuickBooks calls made by Odoo", lambda r: f"{r['calls']:,}"),
        ("webhook deliveries (posts, retries, given up)", "%22s %22s" % (
            "%(webhook_posts)d, %(webhook_retries)d, %(webhooks_given_up)d" % webhook["webhooks"], "-")),
    ]
    print()
    print("QuickBooks changes into Odoo: webhook vs change data capture only")
    print("-" * 100)
    print_rows(rows, {})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bills", type=int, default=1000, help="freight bills entered in QuickBooks, each way")
    parser.add_argument("--events", type=int, default=5000, help="changes in all (bills + journal entries)")
    parser.add_argument("--orders", type=int, default=50, help="received purchase orders the bills name (50)")
    parser.add_argument("--cdc-interval", type=float, default=10.0, help="seconds between CDC reads (10)")
    parser.add_argument("--max-seconds", type=float, default=3600, help="give up a channel after this (3600)")
    parser.add_argument("--time-scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args.worker)
    if not 0 <= args.bills <= args.events:
        parser.error("--bills must be between 0 and --events")

    with Bench(args, "sqs-inbox-", script=__file__) as bench:
        bench.emulator.admin("POST", "/_emulator/limits", LIFTED_LIMITS)
        print(f"receiving {args.orders} purchase orders, connecting the company to the emulator ...", flush=True)
        setup = bench.run("setup", base_url=bench.emulator.base_url, orders=args.orders)
        quickbooks = QuickBooksUser(bench.emulator.base_url, setup["realm_id"], setup["access_token"])
        quickbooks.realm_id = setup["realm_id"]
        odoo = OdooHttp(bench)
        try:
            print("webhook: entering the changes in QuickBooks, Odoo's inbox cron acting on them ...", flush=True)
            webhook = measure(bench, quickbooks, setup["orders"], "webhook", odoo_url=odoo.url)
        finally:
            odoo.stop()
        print("CDC only: entering the changes in QuickBooks, Odoo reading them back ...", flush=True)
        cdc = measure(bench, quickbooks, setup["orders"], "cdc")
    print_table(args, webhook, cdc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
