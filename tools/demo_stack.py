"""Building blocks of ``./demo``: a throwaway PostgreSQL, the QuickBooks emulator, the demo database, Odoo.

Standard library only (it runs before anything is installed). Typical use::

    with DemoStack(repo, odoo_info) as stack:      # stops everything on exit
        stack.start()                              # cluster + emulator
        stack.build("sqs_demo")                    # addon + demo data, connected, quarter posted
        summary = stack.connect_and_post("sqs_demo")
        stack.serve("sqs_demo", 8069).wait()

Odoo itself always runs in child processes (``odoo -c <work dir>/odoo.conf``).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import odoo_env
import pgcluster

MARKER = "@@demo "  # prefix of the line the odoo-shell script prints its result on
EMULATOR_READY = re.compile(r"QBO emulator listening on (http://\S+)")


class DemoError(RuntimeError):
    """A step of the demo failed; the message says which and where its log is."""


class DemoStack:
    """One work directory holding a PostgreSQL cluster, the emulator's SQLite file, Odoo's config and logs."""

    def __init__(self, repo, info, work_dir=None, say=print, keep=False):
        self.repo = repo
        self.info = info
        self.say = say
        self.keep = keep
        self.work_dir = work_dir or tempfile.mkdtemp(prefix="sqs-demo-")
        os.chmod(self.work_dir, 0o711)  # as root, PostgreSQL runs as 'postgres' and must reach its directory
        self.log_dir = os.path.join(self.work_dir, "logs")
        os.makedirs(self.log_dir, exist_ok=True)
        self.env = odoo_env.child_env(info["root"])
        self.cluster = None
        self.config = None
        self.emulator = None
        self.emulator_url = None
        self.app = None
        self.http_port = 8069
        self.processes = []

    # ------------------------------------------------------------------ context manager
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ start
    def start(self, http_port=8069):
        """Start the cluster and the emulator and write Odoo's config; returns self."""
        self.http_port = http_port
        bindir = pgcluster.find_bindir() or pgcluster.install_postgresql(self.say)
        self.cluster = pgcluster.Cluster(os.path.join(self.work_dir, "pg"), bindir)
        os.makedirs(self.cluster.base_dir)
        self.cluster.init()
        port = self.cluster.start()
        self.say("    PostgreSQL on 127.0.0.1:%d" % port)
        self.config = odoo_env.write_config(self.work_dir, self.repo, self.info, port, [
            ("http_port", str(http_port)), ("max_cron_threads", "1"), ("without_demo", "False")])
        self.start_emulator()
        return self

    def start_emulator(self):
        """``python -m qbo_engine.emulator`` on a free port, with the demo company and an OAuth app."""
        log_path = os.path.join(self.log_dir, "emulator.log")
        with open(log_path, "w") as log:
            self.emulator = subprocess.Popen(
                [sys.executable, "-m", "qbo_engine.emulator", "--port", "0",
                 "--db", os.path.join(self.work_dir, "qbo.sqlite")],
                cwd=self.repo, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(self.emulator)
        deadline = time.time() + 30
        while time.time() < deadline and self.emulator.poll() is None and not self.emulator_url:
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                match = EMULATOR_READY.search(fh.read())
            if match:
                self.emulator_url = match.group(1)
            else:
                time.sleep(0.2)
        if not self.emulator_url:
            raise DemoError("the QuickBooks emulator did not start (log: %s)" % log_path)
        self.app = self.emulator_admin("demo", {
            "redirect_uri": "http://localhost:%d/qbo/oauth/callback" % self.http_port})
        self.say("    QuickBooks emulator on %s (company %s, realm %s)" % (
            self.emulator_url, self.app["company_name"], self.app["realm_id"]))
        return self.app

    def emulator_admin(self, path, payload):
        """POST to the emulator's admin switches (``/_emulator/<path>``); returns its JSON answer."""
        request = urllib.request.Request("%s/_emulator/%s" % (self.emulator_url, path),
                                         data=json.dumps(payload).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode())

    # ------------------------------------------------------------------ odoo
    def odoo(self, args, log_name, stdin_text=None, timeout=1800):
        """Run Odoo to completion; returns (exit code, log path)."""
        log_path = os.path.join(self.log_dir, log_name)
        with open(log_path, "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "odoo"] + args, cwd=self.work_dir, env=self.env,
                                    stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
            self.processes.append(proc)
            try:
                proc.communicate(stdin_text, timeout=timeout)
            except subprocess.TimeoutExpired:
                _terminate(proc)
                raise DemoError("odoo %s timed out (log: %s)" % (" ".join(args[:4]), log_path))
            finally:
                self.processes.remove(proc)
        return proc.returncode, log_path

    def build(self, db):
        """Create ``db`` with the addon and its demo data; returns the seconds it took."""
        started = time.time()
        rc, log_path = self.odoo(["-c", self.config, "-d", db, "-i", odoo_env.ADDON, "--stop-after-init",
                                  "--no-http", "--log-level=info"], "odoo-install.log")
        problems = _log_problems(log_path)
        if rc or problems:
            raise DemoError("installing %s with demo data failed (exit %s): %s\n    log: %s" % (
                odoo_env.ADDON, rc, problems[0] if problems else "see the log", log_path))
        return time.time() - started

    def connect_and_post(self, db):
        """Connect the company to the emulator, post the quarter around a closed month; returns the summary."""
        script = CONNECT_SCRIPT % {"marker": MARKER, "args": json.dumps({
            "base_url": self.emulator_url, "client_id": self.app["client_id"],
            "client_secret": self.app["client_secret"], "redirect_uri": self.app["redirect_uri"],
            "web_url": "http://localhost:%d" % self.http_port})}
        rc, log_path = self.odoo(["shell", "-c", self.config, "-d", db, "--no-http"], "odoo-connect.log",
                                 stdin_text=script, timeout=900)
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(MARKER):
                    return json.loads(line[len(MARKER):])
        raise DemoError("connecting and posting failed (exit %s): %s\n    log: %s" % (
            rc, (_log_problems(log_path) or ["see the log"])[0], log_path))

    def serve(self, db, port=None):
        """Start Odoo's HTTP server on ``db`` (localhost:``port``); returns the process."""
        port = port or self.http_port
        log = open(os.path.join(self.log_dir, "odoo-server.log"), "w")
        proc = subprocess.Popen([sys.executable, "-m", "odoo", "-c", self.config, "-d", db, "--db-filter",
                                 "^%s$" % re.escape(db), "--http-port", str(port)],
                                cwd=self.work_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes.append(proc)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/web/login" % port, timeout=5):
                    return proc
            except OSError:
                time.sleep(1)
        raise DemoError("Odoo did not answer on port %d (log: %s)" % (port, log.name))

    # ------------------------------------------------------------------ stop
    def stop(self):
        """Stop Odoo, the emulator and PostgreSQL; remove the work directory unless ``keep``."""
        for proc in reversed(self.processes):
            _terminate(proc)
        self.processes = []
        if self.cluster:
            try:
                self.cluster.stop()
            except pgcluster.PgError as error:
                self.say("!!! %s" % error)
        if self.keep:
            self.say("    kept %s (PostgreSQL stopped); start it again with: %s" % (
                self.work_dir, self.cluster.start_command() if self.cluster else "-"))
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)


def _terminate(proc):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group: Odoo's workers and the emulator's threads
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
DEMO_FAILED = re.compile(r"demo data .*failed|Failed to load demo data", re.IGNORECASE)


def _log_problems(log_path):
    """The ERROR/CRITICAL records and demo-data failures of an Odoo log, first line of each."""
    problems = []
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if LOG_RECORD.match(line) or DEMO_FAILED.search(line):
                problems.append(line.strip()[:300])
    return problems


# Runs in `odoo shell` after the install: everything is committed as it goes.
CONNECT_SCRIPT = """
import json
args = json.loads(%(args)r)
env["ir.config_parameter"].sudo().set_param("web.base.url", args["web_url"])
quickbooks = env["stock.quickbooks.demo"]._demo_quickbooks()
quickbooks.connect(args["base_url"], args["client_id"], args["client_secret"], args["redirect_uri"])
start, close = quickbooks.quarter_bounds()
quickbooks.post_quarter(close)
summary = quickbooks.summary(start, close)
env.cr.commit()
print(%(marker)r + json.dumps(summary, default=str), flush=True)
"""
