from odoo import fields, models
from odoo.tools import SQL

AGING_BUCKETS = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("over_90", "Over 90 Days"),
]


class StockArAgingReport(models.Model):
    """Accounts receivable aging, from Odoo's customer invoices (when invoicing runs in Odoo).

    One row per open receivable journal item of a posted entry (account type *Receivable*, residual not
    zero): the amount still due in company currency, put in one bucket by days past its due date
    (the item's due date, else its date) as of today: not due, 1-30, 31-60, 61-90, over 90 days. The
    sales channel is the invoice's sales team, so the wholesale customers are the *Wholesale* channel's
    (filter or group by channel). Payments not yet matched to an invoice are open items with a negative
    amount, as in Odoo's own aged receivable.
    """

    _name = "stock.ar.aging.report"
    _description = "Accounts Receivable Aging"
    _auto = False
    _order = "date_maturity, id"
    _rec_name = "move_id"

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    channel_id = fields.Many2one("crm.team", "Sales Channel", readonly=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    date = fields.Date("Invoice Date", readonly=True)
    date_maturity = fields.Date("Due Date", readonly=True)
    days_overdue = fields.Integer("Days Overdue", readonly=True, aggregator="max")
    bucket = fields.Selection(AGING_BUCKETS, "Aging", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_residual = fields.Monetary("Due", readonly=True, currency_field="currency_id")
    amount_not_due = fields.Monetary("Not Due", readonly=True, currency_field="currency_id")
    amount_1_30 = fields.Monetary("1-30", readonly=True, currency_field="currency_id")
    amount_31_60 = fields.Monetary("31-60", readonly=True, currency_field="currency_id")
    amount_61_90 = fields.Monetary("61-90", readonly=True, currency_field="currency_id")
    amount_over_90 = fields.Monetary("Over 90", readonly=True, currency_field="currency_id")

    @property
    def _table_query(self):
        return SQL("""
            SELECT aml.id, aml.company_id, aml.partner_id, am.team_id AS channel_id, aml.move_id, aml.date,
                   due.date_maturity, due.days AS days_overdue, aml.company_currency_id AS currency_id,
                   aml.amount_residual,
                   CASE WHEN due.days <= 0 THEN 'not_due' WHEN due.days <= 30 THEN '1_30'
                        WHEN due.days <= 60 THEN '31_60' WHEN due.days <= 90 THEN '61_90'
                        ELSE 'over_90' END AS bucket,
                   CASE WHEN due.days <= 0 THEN aml.amount_residual ELSE 0 END AS amount_not_due,
                   CASE WHEN due.days BETWEEN 1 AND 30 THEN aml.amount_residual ELSE 0 END AS amount_1_30,
                   CASE WHEN due.days BETWEEN 31 AND 60 THEN aml.amount_residual ELSE 0 END AS amount_31_60,
                   CASE WHEN due.days BETWEEN 61 AND 90 THEN aml.amount_residual ELSE 0 END AS amount_61_90,
                   CASE WHEN due.days > 90 THEN aml.amount_residual ELSE 0 END AS amount_over_90
              FROM account_move_line aml
              JOIN account_account aa ON aa.id = aml.account_id
              JOIN account_move am ON am.id = aml.move_id
             CROSS JOIN LATERAL (
                 SELECT COALESCE(aml.date_maturity, aml.date) AS date_maturity,
                        CURRENT_DATE - COALESCE(aml.date_maturity, aml.date) AS days) due
             WHERE aa.account_type = 'asset_receivable' AND aml.parent_state = 'posted'
               AND aml.amount_residual <> 0
        """)
