"""Daily summary mode: a finished day's events become one entry per warehouse and sales channel.

Each event keeps its own row (its lines, layers and source), skipped with a link to the
summary that carries it; the summary's lines are the events' lines, merged by account,
class and department when the entry is built, their details kept in the descriptions.
"""
from collections import defaultdict

from odoo import _, api, fields, models


class QboPosting(models.Model):
    _inherit = "qbo.posting"

    summary_id = fields.Many2one("qbo.posting", "Posted In", readonly=True, copy=False, index="btree_not_null",
                                 help="The daily summary entry that carries this event to QuickBooks.")
    summarized_ids = fields.One2many("qbo.posting", "summary_id", "Summarized Events", readonly=True)

    @api.model
    def _cron_summarize(self, before=None):
        """Summarize the waiting events of every day before ``before`` (default: today)."""
        before = before or fields.Date.context_today(self)
        waiting = self.sudo().search([("state", "=", "draft"), ("event_type", "!=", "daily_summary"),
                                      ("date", "<", before)], order="date, id")
        groups = defaultdict(lambda: self.browse())
        for posting in waiting:
            if posting.company_id.qbo_connection_id.posting_mode != "daily_summary":
                continue  # a preview, not an event waiting for its summary
            first = posting.line_ids[:1]
            groups[(posting.company_id, posting.date, first.warehouse_id, first.channel_id)] |= posting
        summaries = self.browse()
        for (company, day, warehouse, channel), events in groups.items():
            source = warehouse or company
            lines = [{
                "role": line.role, "cost_type": line.cost_type or False, "amount": line.amount,
                "product_id": line.product_id.id, "categ_id": line.categ_id.id, "quantity": line.quantity,
                "unit_cost": line.unit_cost, "warehouse_id": line.warehouse_id.id, "channel_id": line.channel_id.id,
                "description": f"{line.posting_id.reference}: {line.description or ''}",
            } for line in events.line_ids]
            summary = self._enqueue([(company, "daily_summary", source, min(events.ids), lines, day)])
            summary.reference = _("Daily summary %(day)s %(scope)s", day=day, scope=" / ".join(
                filter(None, [warehouse.name, channel.name])) or company.name)
            events._set_skipped(_("Posted in the daily summary %(summary)s", summary=summary.doc_number),
                                self.env.ref("base.user_root"))
            events.summary_id = summary
            summaries |= summary
        return summaries
