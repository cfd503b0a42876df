from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

DEFAULT_DAYS = 365


class StockInventoryTurnoverReport(models.Model):
    """Inventory turnover per variant over a period: COGS ÷ average inventory value.

    Period: the context keys ``report_date_from`` and ``report_date_to`` (dates, both included), else the
    ``turnover_days`` days up to today (the search filters 30, 90 and 365 days set it; default 365).
    Days are UTC days, as the dates the valuation layers and postings are stored with.

    - COGS = the COGS lines of the QuickBooks postings dated in the period (shipments, customer returns
      negative, the sold share of landed cost true-ups), skipped postings excluded: what the books show.
    - Inventory value = Odoo's valuation (sum of the valuation layers) at the start of the first day
      (opening) and at the end of the last day (closing); average = (opening + closing) ÷ 2.
    - Turnover = COGS ÷ average value, for the period (not annualised); a group's turnover is its COGS sum
      ÷ its average value sum; empty when the average value is zero.
    """

    _name = "stock.inventory.turnover.report"
    _inherit = ["stock.report.variant.mixin", "stock.report.ratio.mixin"]
    _description = "Inventory Turnover"
    _auto = False
    _order = "cogs desc, product_id"
    _report_ratios = {"turnover": ("cogs", "average_value", 1.0)}

    currency_id = fields.Many2one("res.currency", readonly=True)
    date_from = fields.Date("From", readonly=True, aggregator="min")
    date_to = fields.Date("To", readonly=True, aggregator="max")
    cogs = fields.Monetary("COGS", readonly=True, currency_field="currency_id")
    opening_value = fields.Monetary("Opening Value", readonly=True, currency_field="currency_id")
    closing_value = fields.Monetary("Closing Value", readonly=True, currency_field="currency_id")
    average_value = fields.Monetary("Average Value", readonly=True, currency_field="currency_id")
    turnover = fields.Float("Turnover", readonly=True, aggregator="avg", digits=(16, 2))

    def _period(self):
        context = self.env.context
        date_to = fields.Date.to_date(context.get("report_date_to")) or fields.Date.context_today(self)
        date_from = fields.Date.to_date(context.get("report_date_from"))
        if not date_from:
            days = int(context.get("turnover_days") or DEFAULT_DAYS)
            date_from = date_to - timedelta(days=max(days, 1) - 1)
        return date_from, date_to

    @property
    def _table_query(self):
        date_from, date_to = self._period()
        return SQL("""
            WITH valuation AS (
                SELECT company_id, product_id,
                       SUM(CASE WHEN create_date < %(start)s THEN value ELSE 0 END) AS opening,
                       SUM(value) AS closing
                  FROM stock_valuation_layer
                 WHERE create_date < %(end)s
              GROUP BY company_id, product_id
            ), cogs AS (
                SELECT p.company_id, l.product_id, SUM(l.amount) AS cogs
                  FROM qbo_posting_line l
                  JOIN qbo_posting p ON p.id = l.posting_id
                 WHERE l.role = 'cogs' AND p.state <> 'skipped' AND l.product_id IS NOT NULL
                   AND p.date >= %(date_from)s AND p.date <= %(date_to)s
              GROUP BY p.company_id, l.product_id
            ), joined AS (
                SELECT COALESCE(v.company_id, c.company_id) AS company_id,
                       COALESCE(v.product_id, c.product_id) AS product_id,
                       COALESCE(c.cogs, 0) AS cogs, COALESCE(v.opening, 0) AS opening,
                       COALESCE(v.closing, 0) AS closing
                  FROM valuation v
             FULL JOIN cogs c ON c.company_id = v.company_id AND c.product_id = v.product_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY j.company_id, j.product_id) AS id, j.company_id, j.product_id,
                   p.product_tmpl_id, pt.categ_id, rc.currency_id,
                   %(date_from)s::date AS date_from, %(date_to)s::date AS date_to,
                   j.cogs, j.opening AS opening_value, j.closing AS closing_value,
                   (j.opening + j.closing) / 2 AS average_value,
                   CASE WHEN j.opening + j.closing <> 0 THEN j.cogs / ((j.opening + j.closing) / 2) END AS turnover
              FROM joined j
              JOIN product_product p ON p.id = j.product_id
              JOIN product_template pt ON pt.id = p.product_tmpl_id
              JOIN res_company rc ON rc.id = j.company_id
             WHERE j.cogs <> 0 OR j.opening <> 0 OR j.closing <> 0
        """, start=fields.Datetime.to_datetime(date_from), end=fields.Datetime.to_datetime(date_to + timedelta(days=1)),
                   date_from=date_from, date_to=date_to)
