"""The accountant's dashboard: one card per company connection with what waits, what failed, what is done."""
from datetime import datetime, time

import pytz

from odoo import api, fields, models

# Dashboard figure -> (posting states it counts, search filters the card's button opens the list with)
DASHBOARD_FIGURES = {
    "to_post": (("to_post",), ("to_post",)),
    "failed": (("failed",), ("failed",)),
    "blocked": (("blocked",), ("blocked",)),
    "posted_today": (("posted",), ("posted", "posted_today")),
}


class QboConnection(models.Model):
    _inherit = "qbo.connection"

    dashboard_to_post_count = fields.Integer("To Post", compute="_compute_dashboard")
    dashboard_to_post_amount = fields.Monetary("To Post Amount", compute="_compute_dashboard")
    dashboard_failed_count = fields.Integer("Failed", compute="_compute_dashboard")
    dashboard_failed_amount = fields.Monetary("Failed Amount", compute="_compute_dashboard")
    dashboard_blocked_count = fields.Integer("Blocked", compute="_compute_dashboard")
    dashboard_blocked_amount = fields.Monetary("Blocked Amount", compute="_compute_dashboard")
    dashboard_posted_today_count = fields.Integer("Posted Today", compute="_compute_dashboard")
    dashboard_posted_today_amount = fields.Monetary("Posted Today Amount", compute="_compute_dashboard")

    def _dashboard_today_start(self):
        """Midnight of the user's today, in UTC (posted_date is stored in UTC)."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = fields.Date.context_today(self)
        return tz.localize(datetime.combine(today, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    @api.depends_context("company", "uid", "tz")
    def _compute_dashboard(self):
        postings = self.env["qbo.posting"]
        companies = self.company_id
        figures = {}  # (company, figure) -> (count, amount)
        for company, state, count, amount in postings._read_group(
                [("company_id", "in", companies.ids), ("state", "in", ("to_post", "failed", "blocked"))],
                groupby=["company_id", "state"], aggregates=["__count", "amount:sum"]):
            figures[company, state] = (count, amount)
        for company, count, amount in postings._read_group(
                [("company_id", "in", companies.ids), ("state", "=", "posted"),
                 ("posted_date", ">=", self._dashboard_today_start())],
                groupby=["company_id"], aggregates=["__count", "amount:sum"]):
            figures[company, "posted_today"] = (count, amount)
        for connection in self:
            for figure in DASHBOARD_FIGURES:
                count, amount = figures.get((connection.company_id, figure), (0, 0.0))
                connection[f"dashboard_{figure}_count"] = count
                connection[f"dashboard_{figure}_amount"] = amount

    def action_dashboard_open_postings(self):
        """The postings list of this connection's company, filtered on the figure clicked (context key)."""
        self.ensure_one()
        figure = self.env.context.get("dashboard_figure")
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_qbo_posting")
        filters = DASHBOARD_FIGURES[figure][1] if figure in DASHBOARD_FIGURES else ()
        action["domain"] = [("company_id", "=", self.company_id.id)]
        action["context"] = {f"search_default_{name}": 1 for name in filters}
        return action
