"""What the Odoo benchmarks share: Odoo's source, a throwaway PostgreSQL cluster, installing, worker processes.

The benchmark drivers never import odoo themselves: they install databases with ``python -m odoo``
and run the measured work in worker subprocesses (``python bench/<bench>.py --worker ...``), each
with its own interpreter, registry and memory, as an Odoo worker process would have.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_MODULES = "stock_landed_costs,purchase_stock,sale_stock"
ADDON = "stock_quickbooks_sync"


def odoo_source():
    """Directory holding Odoo's `odoo` package: ODOO_PATH, else wherever `import odoo` finds it."""
    if os.environ.get("ODOO_PATH"):
        return Path(os.environ["ODOO_PATH"]).resolve()
    import odoo  # noqa: PLC0415 - only needed to locate the source

    return Path(odoo.__path__[0]).parent


def addons_paths(source, addons_dir):
    """The --addons-path value: Odoo's addons, its base addons, and the directory holding this addon."""
    return ",".join(str(p) for p in (source / "addons", source / "odoo" / "addons", addons_dir))


def odoo_env(source):
    """Environment of a child process that imports odoo from ``source``."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])))


def odoo_command(source, addons_dir, port, *args):
    cmd = [sys.executable, "-m", "odoo", "--db_host", "127.0.0.1", "--db_port", str(port), "--db_user", "odoo",
           "--addons-path", addons_paths(source, addons_dir), "--log-level", "warn", *args]
    return cmd, odoo_env(source)


@contextmanager
def throwaway_cluster(prefix="sqs-bench-"):
    """A temporary directory with a copy of this addon in ``addons/`` and a PostgreSQL cluster started in it.

    Yields ``(addons_dir, port)``; the cluster is stopped and everything removed on exit.
    """
    sys.path.insert(0, str(ROOT / "tools"))
    import pgcluster  # noqa: PLC0415 - the harness's throwaway cluster

    bindir = pgcluster.find_bindir()
    if not bindir:
        sys.exit("PostgreSQL server binaries are missing: install Debian's postgresql package (./run-tests does).")
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        os.chmod(tmp, 0o755)  # the server runs as the postgres account when we are root
        addons_dir = Path(tmp) / "addons"
        addons_dir.mkdir()
        # A snapshot, not a link: edits to the working tree during a long run must not meet a database
        # installed from the code as it was before them.
        shutil.copytree(ROOT, addons_dir / ADDON, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc"))
        cluster = pgcluster.Cluster(os.path.join(tmp, "pg"), bindir)
        os.makedirs(cluster.base_dir)
        cluster.init()
        port = cluster.start()
        try:
            yield addons_dir, port
        finally:
            cluster.stop()


def install(source, addons_dir, port, db, modules):
    """Create ``db`` with ``modules`` installed, without demo data."""
    print(f"installing {modules} into '{db}' ...", flush=True)
    cmd, env = odoo_command(source, addons_dir, port, "-d", db, "-i", modules, "--without-demo=all",
                            "--stop-after-init")
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


def worker_command(script, source, *args):
    """(argv, env) running ``script --worker args...`` in a fresh interpreter that can import odoo."""
    return [sys.executable, str(script), "--worker", *map(str, args)], odoo_env(source)


def run_worker(script, source, *args):
    """Run a worker to its end; its last stdout line is JSON, returned decoded."""
    cmd, env = worker_command(script, source, *args)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-5000:])  # the worker's traceback
        proc.check_returncode()
    return json.loads(proc.stdout.strip().splitlines()[-1])


@contextmanager
def registry_cursor(db, port, paths):
    """Inside a worker: Odoo configured for the throwaway cluster; yields a superuser environment.

    The caller commits; leaving the block closes the cursor (what was not committed is rolled back).
    """
    import odoo  # noqa: PLC0415 - workers only
    from odoo import api  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["--db_host", "127.0.0.1", "--db_port", str(port), "--db_user", "odoo",
                         "--addons-path", paths, "--log-level", "warn"])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        yield api.Environment(cr, odoo.SUPERUSER_ID, {})


def print_rows(rows, blocked_reasons):
    """The benchmarks' table body: one labelled figure a line, then blocked postings by reason."""
    for label, value in rows:
        print(f"{label:<56} {value:>43}")
    print("-" * 100)
    if blocked_reasons:
        print("blocked, by reason:")
        for reason, count in sorted(blocked_reasons.items(), key=lambda item: -item[1]):
            print(f"  {count:>6}  {reason}")


def bench_fixtures(env, lines):
    """The stock a benchmark moves: the company's warehouse, ``lines`` AVCO products, a vendor, a customer.

    :returns: (warehouse, products, vendor, customer)
    """
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    category = env["product.category"].create({
        "name": "Bench", "property_cost_method": "average", "property_valuation": "manual_periodic"})
    products = env["product.product"].create([
        {"name": f"Bench SKU {i}", "is_storable": True, "categ_id": category.id, "standard_price": 10 + i}
        for i in range(lines)])
    vendor = env["res.partner"].create({"name": "Bench vendor"})
    customer = env["res.partner"].create({"name": "Bench customer"})
    return warehouse, products, vendor, customer


def transfer_vals(picking_type, partner, source, dest, products, quantity):
    """Values of one transfer moving ``quantity`` of each product from ``source`` to ``dest``."""
    from odoo import Command  # noqa: PLC0415 - workers only

    return {
        "picking_type_id": picking_type.id, "partner_id": partner.id,
        "location_id": source.id, "location_dest_id": dest.id,
        "move_ids": [Command.create({
            "name": product.name, "product_id": product.id, "product_uom_qty": quantity,
            "product_uom": product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id,
            "price_unit": product.standard_price,
        }) for product in products],
    }


def move_vals(product, source, dest, quantity):
    """Values of one stock move without a transfer: the addon makes one posting per such move."""
    return {
        "name": product.name, "product_id": product.id, "product_uom_qty": quantity,
        "product_uom": product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id,
        "price_unit": product.standard_price,
    }


def validate_moves(env, vals_list):
    """Create, reserve and validate stock moves as one operation (one transaction, many valued moves)."""
    moves = env["stock.move"].create(vals_list)
    moves._action_confirm()
    moves._action_assign()
    moves.picked = True
    moves._action_done()
    return moves
