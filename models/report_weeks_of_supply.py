from odoo import fields, models
from odoo.tools import SQL

from ..const import ON_HAND_STATES
from .report_sql import ledger_balance

DEFAULT_WEEKS = 8
SALES_STATUS = [("selling", "Selling"), ("no_sales", "No Sales")]


class StockWeeksOfSupplyReport(models.Model):
    """Weeks of supply per variant: units on hand ÷ average weekly units sold over the last N weeks.

    N comes from the context key ``weeks_of_supply_weeks`` (the search filters 4, 8, 13 and 26 weeks set
    it; default 8). Units sold = units shipped minus customer returns in the ledger during the last N x 7
    days up to now; on hand = the balance of the on-hand states (received … inspected). A variant that sold
    nothing (or more came back than left) in those weeks has the status *No Sales* and no weeks of supply —
    never a division by zero. A group's weeks of supply is its on-hand sum ÷ its weekly sales sum.
    """

    _name = "stock.weeks.of.supply.report"
    _inherit = ["stock.report.variant.mixin", "stock.report.ratio.mixin"]
    _description = "Weeks of Supply"
    _auto = False
    _order = "weeks_of_supply, product_id"
    _report_ratios = {"weeks_of_supply": ("on_hand_qty", "weekly_sold_qty", 1.0)}

    season = fields.Char(readonly=True)
    weeks = fields.Integer("Weeks of History", readonly=True, aggregator="max")
    on_hand_qty = fields.Float("On Hand", readonly=True, digits="Product Unit of Measure")
    sold_qty = fields.Float("Sold in Period", readonly=True, digits="Product Unit of Measure")
    weekly_sold_qty = fields.Float("Average Sold per Week", readonly=True, digits="Product Unit of Measure")
    weeks_of_supply = fields.Float("Weeks of Supply", readonly=True, aggregator="avg", digits=(16, 1))
    sales_status = fields.Selection(SALES_STATUS, "Sales", readonly=True)

    def _weeks(self):
        try:
            weeks = int(self.env.context.get("weeks_of_supply_weeks") or DEFAULT_WEEKS)
        except (TypeError, ValueError):
            weeks = DEFAULT_WEEKS
        return max(weeks, 1)

    @property
    def _table_query(self):
        weeks = self._weeks()
        since = fields.Datetime.subtract(fields.Datetime.now(), weeks=weeks)
        return SQL("""
            WITH balance AS (
                SELECT e.company_id, e.product_id, %(on_hand)s AS on_hand, %(sold)s AS sold
                  FROM stock_inventory_event e
                 WHERE e.from_state IS DISTINCT FROM e.to_state
              GROUP BY e.company_id, e.product_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY b.company_id, b.product_id) AS id, b.company_id, b.product_id,
                   p.product_tmpl_id, pt.categ_id, pt.season, %(weeks)s AS weeks, b.on_hand AS on_hand_qty,
                   b.sold AS sold_qty, GREATEST(b.sold, 0) / %(weeks)s::numeric AS weekly_sold_qty,
                   CASE WHEN b.sold > 0 THEN b.on_hand / (b.sold / %(weeks)s::numeric) END AS weeks_of_supply,
                   CASE WHEN b.sold > 0 THEN 'selling' ELSE 'no_sales' END AS sales_status
              FROM balance b
              JOIN product_product p ON p.id = b.product_id
              JOIN product_template pt ON pt.id = p.product_tmpl_id
        """, on_hand=ledger_balance(ON_HAND_STATES), sold=ledger_balance(["shipped"], since=since), weeks=weeks)
