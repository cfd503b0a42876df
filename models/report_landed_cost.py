from odoo import fields, models
from odoo.tools import SQL

from ..const import LANDED_COST_TYPES


class StockLandedCostComparisonReport(models.Model):
    """Landed cost estimated vs actual, per purchase order and cost type.

    *Estimated* is what the goods carried from the receipt: the lines of the validated estimate landed
    costs (``is_estimate``) the receipt created from the order's estimates. *Actual* is the applied actual
    costs (``landed.cost.actual``: bills positive, credit notes negative, in company currency at the bill's
    date). *True-up booked* is what the true-up landed costs added (on hand to inventory, sold to COGS).
    Variance = actual - estimated. An order and cost type without an actual yet is *still estimated*
    (month-end readiness lists it).
    """

    _name = "stock.landed.cost.comparison.report"
    _description = "Landed Cost: Estimated vs Actual"
    _auto = False
    _order = "purchase_id desc, cost_type"
    _rec_name = "purchase_id"

    company_id = fields.Many2one("res.company", readonly=True)
    purchase_id = fields.Many2one("purchase.order", "Purchase Order", readonly=True)
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True)
    date_order = fields.Datetime("Order Date", readonly=True)
    cost_type = fields.Selection(LANDED_COST_TYPES, "Cost Type", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    estimated_amount = fields.Monetary("Estimated", readonly=True, currency_field="currency_id")
    actual_amount = fields.Monetary("Actual", readonly=True, currency_field="currency_id")
    true_up_amount = fields.Monetary("True-up Booked", readonly=True, currency_field="currency_id")
    variance_amount = fields.Monetary("Variance", readonly=True, currency_field="currency_id",
                                      help="Actual - estimated; empty actuals count as zero.")
    is_still_estimated = fields.Boolean("Still Estimated", readonly=True, help="No actual cost applied yet.")

    @property
    def _table_query(self):
        return SQL("""
            WITH amounts AS (
                SELECT lc.purchase_id, cl.cost_type,
                       SUM(CASE WHEN lc.is_estimate THEN cl.price_unit ELSE 0 END) AS estimated,
                       0 AS actual,
                       SUM(CASE WHEN lc.is_true_up THEN cl.price_unit ELSE 0 END) AS true_up,
                       0 AS actual_count
                  FROM stock_landed_cost lc
                  JOIN stock_landed_cost_lines cl ON cl.cost_id = lc.id
                 WHERE lc.state = 'done' AND lc.purchase_id IS NOT NULL AND (lc.is_estimate OR lc.is_true_up)
              GROUP BY lc.purchase_id, cl.cost_type
             UNION ALL
                SELECT a.purchase_id, a.cost_type, 0, SUM(a.amount_company), 0, COUNT(*)
                  FROM landed_cost_actual a
                 WHERE a.state = 'applied'
              GROUP BY a.purchase_id, a.cost_type
            )
            SELECT MIN(o.id) * 10 + COALESCE(ARRAY_POSITION(%(types)s, amounts.cost_type::text), 0) AS id,
                   o.company_id, amounts.purchase_id, o.partner_id, o.date_order, amounts.cost_type, c.currency_id,
                   SUM(estimated) AS estimated_amount, SUM(actual) AS actual_amount, SUM(true_up) AS true_up_amount,
                   SUM(actual) - SUM(estimated) AS variance_amount, SUM(actual_count) = 0 AS is_still_estimated
              FROM amounts
              JOIN purchase_order o ON o.id = amounts.purchase_id
              JOIN res_company c ON c.id = o.company_id
          GROUP BY o.company_id, amounts.purchase_id, o.partner_id, o.date_order, amounts.cost_type, c.currency_id
        """, types=[key for key, _label in LANDED_COST_TYPES])
