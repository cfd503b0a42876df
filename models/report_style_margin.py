"""Report: landed cost and gross margin by style, factory-cost margin beside landed margin."""
from odoo import fields, models
from odoo.tools import SQL

from ..const import SALE_EVENTS
from .report_sql import LAYER_REVENUE


class StockStyleMarginReport(models.Model):
    """One row per month, variant and sales channel; the same figures as the margin bridge.

    Revenue, landed COGS and landed cost are defined in ``margin_bridge`` (module docstring): goods
    shipped carry the product's landed cost per unit received up to the month's end, and landed cost
    shares booked straight to COGS are rows of their own (no channel, no quantity, all landed cost).
    Amounts are unrounded sums: a month's total may differ from the bridge by the bridge's cent rounding.
    """

    _name = "stock.style.margin.report"
    _description = "Landed Cost and Gross Margin by Style"
    _auto = False
    _order = "date desc, product_tmpl_id"
    # what the view reads: flushed before it is searched
    _depends = {
        "stock.valuation.layer": ["create_date", "company_id", "product_id", "quantity", "value", "stock_move_id",
                                  "accounting_event"],
        "stock.move": ["sale_line_id"],
        "sale.order.line": ["price_reduce_taxexcl", "order_id"],
        "sale.order": ["team_id", "currency_rate"],
        "stock.landed.cost": ["state", "date", "company_id"],
        "stock.valuation.adjustment.lines": ["cost_id", "product_id", "qbo_onhand_amount", "qbo_sold_amount"],
    }

    date = fields.Date("Month", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", "Style", readonly=True)
    product_id = fields.Many2one("product.product", "Variant", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    channel_id = fields.Many2one("crm.team", "Sales Channel", readonly=True)
    quantity = fields.Float("Net Quantity Sold", readonly=True, digits="Product Unit of Measure")
    revenue = fields.Monetary(readonly=True)
    factory_cogs = fields.Monetary("Factory COGS", readonly=True)
    landed_cost = fields.Monetary("Landed Cost in COGS", readonly=True)
    landed_cogs = fields.Monetary("Landed COGS", readonly=True)
    factory_margin = fields.Monetary("Factory-Cost Margin", readonly=True)
    landed_margin = fields.Monetary("Landed Margin", readonly=True)

    @property
    def _table_query(self):
        # The landed cost carried per unit is "landed cost on hand booked so far / units received so far" at
        # each month's end. Rather than two subqueries per sales row (each re-reading the valuation layers),
        # receipts and landed costs are summed once per product and month, and window sums over the months
        # give the running totals each sales month reads: one pass over the layers instead of one per row.
        return SQL("""
WITH sales AS (
    SELECT date_trunc('month', l.create_date)::date AS month, l.company_id, l.product_id, so.team_id AS channel_id,
           SUM(-l.quantity) AS quantity,
           SUM(%(revenue)s) AS revenue,
           SUM(-l.value) AS landed_cogs
      FROM stock_valuation_layer l
      JOIN stock_move m ON m.id = l.stock_move_id
 LEFT JOIN sale_order_line sol ON sol.id = m.sale_line_id
 LEFT JOIN sale_order so ON so.id = sol.order_id
     WHERE l.accounting_event IN %(sale_events)s
  GROUP BY 1, 2, 3, 4
), monthly AS (
    -- per product and month: landed cost on hand booked, units received from vendors, and a zero row for
    -- each month with sales so that the running totals below have a row to read for it
    SELECT month, company_id, product_id, SUM(carried) AS carried, SUM(received) AS received
      FROM (SELECT date_trunc('month', c.date)::date AS month, c.company_id, a.product_id,
                   a.qbo_onhand_amount AS carried, 0 AS received
              FROM stock_valuation_adjustment_lines a
              JOIN stock_landed_cost c ON c.id = a.cost_id
             WHERE c.state = 'done'
         UNION ALL
            SELECT date_trunc('month', r.create_date)::date, r.company_id, r.product_id, 0, r.quantity
              FROM stock_valuation_layer r
             WHERE r.accounting_event = 'receipt'
         UNION ALL
            SELECT DISTINCT month, company_id, product_id, 0, 0 FROM sales) events
  GROUP BY 1, 2, 3
), to_date AS (
    -- running totals up to each month's end: one row per product and month, so the frame stops at that month
    SELECT month, company_id, product_id,
           SUM(carried) OVER running AS carried, SUM(received) OVER running AS received
      FROM monthly
    WINDOW running AS (PARTITION BY company_id, product_id ORDER BY month)
), rows AS (
    SELECT s.month, s.company_id, s.product_id, s.channel_id, s.quantity, s.revenue, s.landed_cogs,
           COALESCE(s.quantity * t.carried / NULLIF(t.received, 0), 0) AS landed_cost
      FROM sales s
      JOIN to_date t ON t.month = s.month AND t.company_id = s.company_id AND t.product_id = s.product_id
    UNION ALL
    SELECT date_trunc('month', c.date)::date, c.company_id, a.product_id, NULL, 0, 0,
           SUM(a.qbo_sold_amount), SUM(a.qbo_sold_amount)
      FROM stock_valuation_adjustment_lines a
      JOIN stock_landed_cost c ON c.id = a.cost_id
     WHERE c.state = 'done' AND a.qbo_sold_amount != 0
  GROUP BY 1, 2, 3
)
SELECT row_number() OVER (ORDER BY r.month, r.product_id, r.channel_id) AS id,
       r.month AS date, r.company_id, rc.currency_id, pp.product_tmpl_id, r.product_id, pt.categ_id, r.channel_id,
       r.quantity, r.revenue, r.landed_cogs - r.landed_cost AS factory_cogs, r.landed_cost, r.landed_cogs,
       r.revenue - (r.landed_cogs - r.landed_cost) AS factory_margin, r.revenue - r.landed_cogs AS landed_margin
  FROM rows r
  JOIN res_company rc ON rc.id = r.company_id
  JOIN product_product pp ON pp.id = r.product_id
  JOIN product_template pt ON pt.id = pp.product_tmpl_id""", sale_events=SALE_EVENTS, revenue=LAYER_REVENUE)
