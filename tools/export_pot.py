#!/usr/bin/env python3
"""Write i18n/stock_quickbooks_sync.pot, the translation template, with Odoo's own export.

    python3 tools/export_pot.py [--keep]

Starts a throwaway PostgreSQL cluster (as ./run-tests and ./demo do), installs the addon without demo
data into a scratch database, runs `odoo --i18n-export=<file>.pot --modules=stock_quickbooks_sync`
(every `_()` / `_lt()` text, field string, help and selection, view and data text) and replaces the
template in the repository. The cluster is stopped and deleted afterwards, also on failure.
Needs what ./run-tests needs for its Odoo layer: Odoo 18 (`import odoo` or ODOO_PATH) and PostgreSQL's
server binaries.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import odoo_env  # noqa: E402
import pgcluster  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
DB = "sqs_pot"
TARGET = os.path.join(REPO, "i18n", "%s.pot" % odoo_env.ADDON)


def normalize_header(text):
    """The header names Odoo and its version, whatever name the Odoo build found calls itself."""
    text = re.sub(r"\A# Translation of [^\n]*\.\n", "# Translation of Odoo Server.\n", text, count=1)
    return re.sub(r'^"Project-Id-Version: [^\n]*? (\d+\.\S*)\\n"$', r'"Project-Id-Version: Odoo Server \1\\n"',
                  text, count=1, flags=re.MULTILINE)


def odoo(args, env, work_dir, log_path, timeout=1800):
    with open(log_path, "w") as log:
        proc = subprocess.run([sys.executable, "-m", "odoo"] + args, cwd=work_dir, env=env, stdout=log,
                              stderr=subprocess.STDOUT, timeout=timeout)
    return proc.returncode


def log_errors(log_path, limit=5):
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        return [line.rstrip() for line in fh if " ERROR " in line or " CRITICAL " in line][:limit]


def main(argv):
    parser = argparse.ArgumentParser(prog="export_pot.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the work directory (cluster stopped, logs)")
    args = parser.parse_args(argv)
    info, reason, _is_error = odoo_env.detect_odoo(REPO)
    if info is None:
        print("!!! export_pot.py needs Odoo %d.0: %s.\n    %s" % (odoo_env.ODOO_MAJOR, reason, odoo_env.HOW_TO_GET_ODOO))
        return 2
    work_dir = tempfile.mkdtemp(prefix="sqs-pot-")
    os.chmod(work_dir, 0o711)  # as root, PostgreSQL runs as 'postgres' and must reach its directory
    cluster = None
    try:
        bindir = pgcluster.find_bindir() or pgcluster.install_postgresql(print)
        cluster = pgcluster.Cluster(os.path.join(work_dir, "pg"), bindir)
        os.makedirs(cluster.base_dir)
        cluster.init()
        port = cluster.start()
        config = odoo_env.write_config(work_dir, REPO, info, port, [("without_demo", "all")])
        env = odoo_env.child_env(info["root"])
        print("==> installing %s in a scratch database" % odoo_env.ADDON, flush=True)
        install_log = os.path.join(work_dir, "odoo-install.log")
        rc = odoo(["-c", config, "-d", DB, "-i", odoo_env.ADDON, "--stop-after-init", "--no-http",
                   "--log-level=warn"], env, work_dir, install_log)
        errors = log_errors(install_log)
        if rc or errors:
            print("!!! installing failed (exit %d):\n    %s\n    log: %s" % (rc, "\n    ".join(errors), install_log))
            return 1
        print("==> exporting the translation template", flush=True)
        exported = os.path.join(work_dir, "%s.pot" % odoo_env.ADDON)
        export_log = os.path.join(work_dir, "odoo-export.log")
        rc = odoo(["-c", config, "-d", DB, "--i18n-export=%s" % exported, "--modules=%s" % odoo_env.ADDON,
                   "--no-http", "--log-level=warn"], env, work_dir, export_log)
        if rc or not os.path.exists(exported):
            print("!!! the export failed (exit %d): %s\n    log: %s" % (
                rc, "; ".join(log_errors(export_log)) or "no file written", export_log))
            return 1
        os.makedirs(os.path.dirname(TARGET), exist_ok=True)
        with open(exported, encoding="utf-8") as fh:
            template = normalize_header(fh.read())
        with open(TARGET, "w", encoding="utf-8") as fh:
            fh.write(template)
        count = sum(1 for line in template.splitlines() if line.startswith("msgid ")) - 1  # minus the header's
        print("==> %s: %d texts" % (os.path.relpath(TARGET, REPO), count))
        return 0
    finally:
        if cluster:
            cluster.stop()
        if args.keep:
            print("    work directory kept: %s" % work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
