from odoo import fields, models
from odoo.tools import SQL

from ..const import ON_HAND_STATES
from .report_sql import ledger_balance


class StockSellThroughReport(models.Model):
    """Sell-through by style and season: sold ÷ (sold + on hand), in units, from the ledger.

    Sold = units that reached *shipped* minus units that left it (customer returns), since the first
    event; on hand = the balance of the on-hand states (received … inspected). One row per variant; the
    ratio of a group (a style, a season) is computed from the group's sums (see the ratio mixin), so a
    style's sell-through weighs its variants by their units.
    """

    _name = "stock.sell.through.report"
    _inherit = ["stock.report.variant.mixin", "stock.report.ratio.mixin"]
    _description = "Sell-Through by Style and Season"
    _auto = False
    _order = "product_tmpl_id, product_id"
    _report_ratios = {"sell_through": ("sold_qty", "offered_qty", 100.0)}

    season = fields.Char(readonly=True)
    sold_qty = fields.Float("Sold", readonly=True, digits="Product Unit of Measure")
    on_hand_qty = fields.Float("On Hand", readonly=True, digits="Product Unit of Measure")
    offered_qty = fields.Float("Sold + On Hand", readonly=True, digits="Product Unit of Measure")
    sell_through = fields.Float("Sell-Through (%)", readonly=True, aggregator="avg", digits=(16, 1),
                                help="Sold ÷ (sold + on hand), in percent; empty when there is nothing of it.")

    @property
    def _table_query(self):
        return SQL("""
            WITH balance AS (
                SELECT e.company_id, e.product_id, %(sold)s AS sold, %(on_hand)s AS on_hand
                  FROM stock_inventory_event e
                 WHERE e.from_state IS DISTINCT FROM e.to_state
              GROUP BY e.company_id, e.product_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY b.company_id, b.product_id) AS id, b.company_id, b.product_id,
                   p.product_tmpl_id, pt.categ_id, pt.season, b.sold AS sold_qty, b.on_hand AS on_hand_qty,
                   b.sold + b.on_hand AS offered_qty,
                   CASE WHEN b.sold + b.on_hand <> 0 THEN 100.0 * b.sold / (b.sold + b.on_hand) END AS sell_through
              FROM balance b
              JOIN product_product p ON p.id = b.product_id
              JOIN product_template pt ON pt.id = p.product_tmpl_id
        """, sold=ledger_balance(["shipped"]), on_hand=ledger_balance(ON_HAND_STATES))
