#!/usr/bin/env python3
"""Save PNG screenshots of the main screens of a running Odoo with the addon (e.g. started by ./demo).

    python3 tools/screenshots.py [--url http://localhost:8069] [--db NAME] [--login admin --password admin]
                                 [--out docs/screenshots] [--only qbo-dashboard,postings]

It signs in over JSON-RPC, starts Debian's headless Chromium, hands it the session cookie and
drives it through the DevTools protocol (``websocket-client``, which Odoo's own browser tests
use too): each screen is opened with the web client's action service, awaited until the view
has rendered, and captured. A screen whose action or record does not exist in the database is
skipped with a note. Needs: chromium (or google-chrome) on PATH, requests, websocket-client.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import requests

try:
    import websocket  # websocket-client
except ImportError:  # pragma: no cover - said clearly at run time
    websocket = None

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1440, 900)
RENDER_TIMEOUT = 60
SETTLE_SECONDS = 1.2  # charts animate and badges load after the view is mounted


INVENTORY_APP = "stock.menu_stock_root"
QBO_APP = "stock_quickbooks_sync.menu_qbo_root"


@dataclass
class Screen:
    """One screenshot: an action (XML id or action dict), optionally on one record found by ``domain``."""

    name: str
    title: str
    action: object              # XML id, or an action dict
    model: str = None           # with domain: open this record in the action's form view
    domain: list = field(default_factory=list)
    fallback_domain: list = None  # tried when nothing matches ``domain``
    order: str = "id desc"
    context: dict = field(default_factory=dict)
    view_type: str = None       # e.g. "graph" or "pivot" for reports
    method: str = None          # with model: call it on the record and open the action it returns
    action_domain: list = field(default_factory=list)  # narrows the action ``method`` returns
    app: str = INVENTORY_APP    # the app whose menu bar the screenshot shows


SCREENS = [
    Screen("warehouse-board", "Warehouse board: goods by physical state, per warehouse and location",
           "stock_quickbooks_sync.action_server_stock_state_board"),
    Screen("receipt-states", "A receipt and the inventory state of each move",
           "stock.action_picking_tree_all", model="stock.picking",
           domain=[("picking_type_code", "=", "incoming"), ("state", "=", "done")], order="id"),
    Screen("product-atp", "Available to promise per warehouse and sales channel",
           "stock_quickbooks_sync.action_stock_available_to_promise_line", model="product.product",
           domain=[("qty_available", ">", 0), ("safety_stock_qty", ">", 0)],
           fallback_domain=[("is_storable", "=", True), ("qty_available", ">", 0)],
           order="id", method="action_open_atp_by_channel", action_domain=[("on_hand", ">", 0)]),
    Screen("qbo-dashboard", "QuickBooks dashboard", "stock_quickbooks_sync.action_qbo_dashboard", app=QBO_APP),
    # The menu's action filters on what needs attention; the picture shows every state.
    Screen("postings", "QuickBooks postings", {
        "type": "ir.actions.act_window", "name": "Postings", "res_model": "qbo.posting",
        "views": [[False, "list"], [False, "form"]], "context": {}}, app=QBO_APP),
    Screen("posting-blocked", "A posting refused for a closed period, waiting for an approved re-date",
           "stock_quickbooks_sync.action_qbo_posting", model="qbo.posting", domain=[("state", "=", "blocked")],
           app=QBO_APP),
    Screen("posting-form", "A posted journal entry and where each line comes from",
           "stock_quickbooks_sync.action_qbo_posting", model="qbo.posting", domain=[("state", "=", "posted")],
           order="amount desc", app=QBO_APP),
    Screen("reconciliation", "Three-way reconciliation with its findings",
           "stock_quickbooks_sync.action_qbo_reconciliation", model="qbo.reconciliation",
           domain=[("state", "=", "done")], order="finding_count desc, id desc", app=QBO_APP),
    Screen("close-readiness", "Month-end close readiness", "stock_quickbooks_sync.action_qbo_close_readiness",
           app=QBO_APP),
    Screen("finance-inventory-value", "Inventory value by state, location and channel",
           "stock_quickbooks_sync.action_stock_inventory_value_report", app=QBO_APP),
    Screen("finance-landed-cost", "Landed cost: estimated vs actual",
           "stock_quickbooks_sync.action_stock_landed_cost_comparison_report", view_type="pivot", app=QBO_APP),
    Screen("finance-style-margin", "Landed cost and gross margin by style",
           "stock_quickbooks_sync.action_stock_style_margin_report", view_type="graph"),
    Screen("sell-through", "Sell-through by style and season",
           "stock_quickbooks_sync.action_stock_sell_through_report"),
]


class SkipScreen(Exception):
    pass


# ----------------------------------------------------------------------------------------------------------
# Odoo over JSON-RPC

class Odoo:
    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.db = db or self._only_database()
        result = self._rpc("/web/session/authenticate", {"db": self.db, "login": login, "password": password})
        if not result or not result.get("uid"):
            raise SystemExit("Sign-in as %r on database %r failed: check --login/--password" % (login, self.db))
        self.session_id = self.http.cookies.get("session_id")

    def _rpc(self, path, params):
        answer = self.http.post(self.url + path, json={"jsonrpc": "2.0", "method": "call", "params": params},
                                timeout=60)
        answer.raise_for_status()
        body = answer.json()
        if body.get("error"):
            data = body["error"].get("data") or {}
            raise RuntimeError(data.get("message") or body["error"].get("message"))
        return body.get("result")

    def _only_database(self):
        try:
            names = self._rpc("/web/database/list", {})
        except (RuntimeError, requests.RequestException) as error:
            raise SystemExit("Cannot list the databases (%s): pass --db" % error)
        if len(names) != 1:
            raise SystemExit("The server has %d databases (%s): pass --db" % (len(names), ", ".join(names)))
        return names[0]

    def call(self, model, method, *args, **kwargs):
        return self._rpc("/web/dataset/call_kw/%s/%s" % (model, method),
                         {"model": model, "method": method, "args": list(args), "kwargs": kwargs})

    def xmlid_exists(self, xmlid):
        module, name = xmlid.split(".", 1)
        return bool(self.call("ir.model.data", "search_count", [("module", "=", module), ("name", "=", name)]))


# ----------------------------------------------------------------------------------------------------------
# headless Chromium through the DevTools protocol

class Browser:
    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="sqs-screenshots-")
        cmd = [executable, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
               "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
               "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
               "--user-data-dir=%s" % self.profile, "--window-size=%d,%d" % WINDOW, "about:blank"]
        if os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root inside its sandbox
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._devtools_port()
        targets = requests.get("http://127.0.0.1:%d/json/list" % port, timeout=10).json()
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=RENDER_TIMEOUT,
                                              suppress_origin=True)
        self._ids = iter(range(1, 1 << 30))
        self.send("Emulation.setDeviceMetricsOverride",
                  width=WINDOW[0], height=WINDOW[1], deviceScaleFactor=1, mobile=False)

    def _devtools_port(self):
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("Chromium exited at start (code %s)" % self.proc.returncode)
            if os.path.exists(path):
                with open(path) as fh:
                    first = fh.readline().strip()
                if first.isdigit():
                    return int(first)
            time.sleep(0.1)
        raise SystemExit("Chromium did not open its DevTools port within 20 s")

    def send(self, method, **params):
        request_id = next(self._ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"].get("message")))
                return message.get("result", {})

    def evaluate(self, expression):
        """Run JavaScript in the page (promises awaited); returns its value or raises its exception."""
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError((details.get("exception") or {}).get("description") or details.get("text"))
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=RENDER_TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return True
            time.sleep(0.2)
        return False

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


CLIENT_READY = "Boolean(window.odoo && odoo.__WOWL_DEBUG__ && document.querySelector('.o_main_navbar'))"
# The web client is ready when its action manager shows a view and nothing is loading.
VIEW_READY = """(() => {
    const view = document.querySelector('.o_action_manager .o_view_controller, .o_action_manager .o_action');
    const busy = document.querySelector('.o_loading_indicator, .o_blockUI, .o_view_sample_data_loading');
    return Boolean(view) && !busy && !document.querySelector('.o_login_auth, form.oe_login_form');
})()"""


def open_screen(browser, odoo, screen):
    """Open ``screen`` in the web client; raises SkipScreen when the database lacks its action or record."""
    if isinstance(screen.action, str) and not odoo.xmlid_exists(screen.action):
        raise SkipScreen("action %s is not in this database" % screen.action)
    options = {"clearBreadcrumbs": True, "additionalContext": screen.context}
    if screen.view_type:
        options["viewType"] = screen.view_type
    action = screen.action
    if screen.model:
        ids = odoo.call(screen.model, "search", screen.domain, limit=1, order=screen.order)
        if not ids and screen.fallback_domain is not None:
            ids = odoo.call(screen.model, "search", screen.fallback_domain, limit=1, order=screen.order)
        if not ids:
            raise SkipScreen("no %s matches %s" % (screen.model, screen.domain))
        if screen.method:
            action = odoo.call(screen.model, screen.method, ids)
            action["domain"] = list(action.get("domain") or []) + screen.action_domain
            action["context"] = {}  # a flat list: no folded groups in the picture
        else:
            options.update(viewType="form", props={"resId": ids[0]})
    browser.evaluate("""(async () => {
        const env = odoo.__WOWL_DEBUG__.root.env;
        await env.services.action.doAction(%s, %s);
        const app = env.services.menu.getAll().find((menu) => menu.xmlid === %s);
        if (app) {
            env.services.menu.setCurrentMenu(app);
        }
        return true;
    })()""" % (json.dumps(action), json.dumps(options), json.dumps(screen.app)))
    if not browser.wait_for(VIEW_READY):
        raise RuntimeError("the view did not render within %d s" % RENDER_TIMEOUT)
    time.sleep(SETTLE_SECONDS)


def capture(browser, path):
    data = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
    with open(path, "wb") as fh:
        fh.write(base64.b64decode(data))


def find_browser(explicit):
    if explicit:
        return explicit
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("No Chromium found (tried %s): install Debian's 'chromium' package or pass --chromium"
                     % ", ".join(BROWSERS))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8069", help="Odoo's address (default: %(default)s)")
    parser.add_argument("--db", help="database (default: the server's only database)")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "screenshots"),
                        help="directory of the PNG files (default: docs/screenshots)")
    parser.add_argument("--only", help="comma-separated screen names: %s" % ", ".join(s.name for s in SCREENS))
    parser.add_argument("--chromium", help="browser executable (default: chromium on PATH)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if websocket is None:
        raise SystemExit("websocket-client is not installed: pip install websocket-client")
    wanted = set(args.only.split(",")) if args.only else None
    screens = [s for s in SCREENS if wanted is None or s.name in wanted]
    if wanted and len(screens) != len(wanted):
        raise SystemExit("unknown screen(s): %s" % ", ".join(sorted(wanted - {s.name for s in screens})))
    odoo = Odoo(args.url, args.db, args.login, args.password)
    os.makedirs(args.out, exist_ok=True)
    browser = Browser(find_browser(args.chromium))
    saved, skipped, failed = [], [], []
    try:
        host = odoo.url.split("://", 1)[1].split("/", 1)[0].split(":")[0]
        browser.send("Network.enable")
        browser.send("Network.setCookie", name="session_id", value=odoo.session_id, domain=host, path="/",
                     httpOnly=True)
        browser.send("Page.enable")
        browser.send("Page.navigate", url=odoo.url + "/web")
        if not browser.wait_for(CLIENT_READY):
            raise SystemExit("The web client did not load at %s/web (signed in as %s?)" % (odoo.url, args.login))
        for screen in screens:
            path = os.path.join(args.out, screen.name + ".png")
            try:
                open_screen(browser, odoo, screen)
                capture(browser, path)
                saved.append(screen.name)
                print("saved   %s  (%s)" % (os.path.relpath(path), screen.title))
            except SkipScreen as why:
                skipped.append(screen.name)
                print("skipped %s: %s" % (screen.name, why))
            except (RuntimeError, websocket.WebSocketException) as error:
                failed.append(screen.name)
                print("FAILED  %s: %s" % (screen.name, str(error).splitlines()[0]))
    finally:
        browser.close()
    print("%d saved, %d skipped, %d failed" % (len(saved), len(skipped), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
