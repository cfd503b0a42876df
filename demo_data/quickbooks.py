"""The demo's QuickBooks side, against the local emulator: connect, map, post the quarter, summarize.

Used by ``./demo`` (through ``stock.quickbooks.demo._demo_quickbooks()`` in an Odoo shell) after the
demo data is installed; never at install, when no QuickBooks is connected and every posting waits
in the outbox.
"""
import time as time_module
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import requests
from dateutil.relativedelta import relativedelta

from odoo import fields

from ..qbo_engine.emulator.demo import demo_mapping

HTTP_TIMEOUT = 15
# Seconds to wait before running a throttled reconciliation again (QuickBooks' windows: one second, one minute).
RECONCILE_WAITS = (2, 61)
# The demo's warehouses -> departments of the emulator's demo company; channels keep their names as classes.
WAREHOUSE_DEPARTMENTS = {"LADC": "Main Warehouse", "NYST": "East Warehouse"}


class DemoQuickBooks:
    """Works on ``env.company``; every step commits, as the cron and the OAuth callback do."""

    def __init__(self, env):
        self.env = env
        self.company = env.company
        self.connection = self.company._qbo_ensure_connection()

    # ------------------------------------------------------------------ connect
    def connect(self, base_url, client_id, client_secret, redirect_uri):
        """Connect through the real OAuth flow (consent approved automatically by the emulator)."""
        connection = self.connection.sudo()
        connection.write({"environment": "custom", "base_url": base_url, "client_id": client_id,
                          "client_secret": client_secret, "redirect_uri": redirect_uri})
        self.env.cr.commit()  # the tokens are saved through their own cursor, which must see the connection
        answer = requests.get(connection._qbo_authorization_url(), params={"auto_approve": "1"},
                              allow_redirects=False, timeout=HTTP_TIMEOUT)
        answer.raise_for_status()
        redirect = {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
        connection.env["qbo.connection"]._qbo_oauth_callback(
            redirect["state"], redirect.get("code"), redirect.get("realmId"), error=redirect.get("error"))
        connection._qbo_fetch_chart()
        self.map_chart()
        self.env.cr.commit()
        return connection

    def map_chart(self):
        """Map every role to the emulator's demo chart, warehouses to departments and channels to classes."""
        connection = self.connection.sudo()
        accounts = {account.name: account for account in connection.account_ids}
        dimensions = {(dimension.kind, dimension.name): dimension for dimension in connection.dimension_ids}
        Mapping = self.env["qbo.account.mapping"].sudo()
        Mapping.search([("company_id", "=", self.company.id)]).unlink()
        Mapping.create([{"company_id": self.company.id, "role": role, "cost_type": cost_type,
                         "account_id": accounts[name].id} for role, cost_type, name in demo_mapping()])
        for warehouse in self.env["stock.warehouse"].search([("company_id", "=", self.company.id)]):
            department = dimensions.get(("department", WAREHOUSE_DEPARTMENTS.get(warehouse.code)))
            if department:
                warehouse.qbo_department_id = department
        for team in self.env["crm.team"].search([("company_id", "in", (self.company.id, False))]):
            qbo_class = dimensions.get(("class", team.name))
            if qbo_class:
                team.qbo_class_id = qbo_class

    # ------------------------------------------------------------------ post
    def post_quarter(self, close_date):
        """Replay the quarter's posting around a month-end close.

        The cron posted what reached the outbox up to ``close_date``; then the accountant closed the
        books in QuickBooks through ``close_date``; then the rest was posted, among which the late
        freight bill dated inside the closed month: QuickBooks refuses it and the posting is blocked
        with a proposed re-date.

        :returns: number of postings handled
        """
        Posting = self.env["qbo.posting"].sudo()
        cutoff = datetime.combine(close_date + timedelta(days=1), time.min)
        before_close = Posting.search([("company_id", "=", self.company.id), ("state", "=", "to_post"),
                                       ("create_date", "<", cutoff)])
        handled = Posting._qbo_drain(self.company, posting_ids=before_close.ids)
        self.close_books(close_date)
        handled += Posting._qbo_drain(self.company)
        return handled

    def close_books(self, close_date):
        """QuickBooks' closing date, set through the emulator's admin switch (what the accountant does in QBO)."""
        connection = self.connection.sudo()
        answer = requests.post(
            "%s/_emulator/companies/%s/book-close-date" % (connection.base_url.rstrip("/"), connection.realm_id),
            json={"date": close_date.isoformat()}, timeout=HTTP_TIMEOUT)
        answer.raise_for_status()

    # ------------------------------------------------------------------ summarize
    def summary(self, date_from, close_date):
        """Figures of the quarter: postings per state, the blocked ones, reconciliation and close readiness.

        Runs a reconciliation over ``date_from``..today (committed, like the daily cron does).
        """
        Posting = self.env["qbo.posting"].sudo()
        domain = [("company_id", "=", self.company.id)]
        states = {state: count for state, count in Posting._read_group(domain, ["state"], ["__count"])}
        blocked = Posting.search(domain + [("state", "=", "blocked")], order="date, id")
        run = self._reconcile(date_from, fields.Date.context_today(Posting))
        month = close_date.replace(day=1)
        readiness = self.env["qbo.close.readiness"].sudo().create({"company_id": self.company.id, "month": month})
        items = ("unposted", "failed", "blocked", "estimated", "hand_typed", "difference")
        return {
            "company": self.company.name,
            "postings": states,
            "blocked": [{"name": p.display_name, "event": p.event_type, "date": str(p.date),
                         "proposed_date": str(p.proposed_date or ""), "message": (p.error_message or "")[:200]}
                        for p in blocked],
            "reconciliation": {"name": run.name, "state": run.state, "difference": run.difference,
                               "open_findings": run.open_count, "error": run.error_message or ""},
            "close": {"month": month.strftime("%B %Y"), "ready": readiness.ready,
                      "not_ok": [item for item in items if not readiness["%s_ok" % item]],
                      "blocked": readiness.blocked_count, "estimated": readiness.estimated_count,
                      "difference": readiness.difference},
            "quarter_start": str(date_from),
            "books_closed_through": str(close_date),
        }

    def _reconcile(self, date_from, date_to, waits=RECONCILE_WAITS):
        """A reconciliation run; a run QuickBooks throttled is run again after a pause (a new run each time)."""
        Reconciliation = self.env["qbo.reconciliation"].sudo()
        for wait in (0,) + tuple(waits):
            time_module.sleep(wait)
            run = Reconciliation.create({"company_id": self.company.id, "date_from": date_from, "date_to": date_to})
            run._qbo_run()
            self.env.cr.commit()
            if run.state == "done":
                break
        return run

    @staticmethod
    def quarter_bounds(today=None):
        """(first day of the quarter's first month, last day of last month): the demo story's calendar."""
        today = today or fields.Date.today()
        start = (today - relativedelta(months=2)).replace(day=1)
        close = today.replace(day=1) - timedelta(days=1)
        return start, close
