"""One synced balance-sheet account of a reconciliation run: Odoo's books, what was posted, QuickBooks.

An account is a role plus whatever scope maps to its own account (each *Accrued Landed Cost – <type>*
is one row), so a sub-account is compared with its own postings, never with its role's total.
"""
from odoo import api, fields, models

from ..const import ACCOUNT_ROLES, LANDED_COST_TYPES


class QboReconciliationBalance(models.Model):
    _name = "qbo.reconciliation.balance"
    _description = "QuickBooks Reconciliation Balance"
    _order = "reconciliation_id desc, sequence, id"

    reconciliation_id = fields.Many2one("qbo.reconciliation", "Run", required=True, ondelete="cascade", index=True,
                                        readonly=True)
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    sequence = fields.Integer(readonly=True)
    account_id = fields.Many2one("qbo.account", "QuickBooks Account", readonly=True)
    account_ref = fields.Char("QuickBooks Account Id", readonly=True)
    role = fields.Selection(ACCOUNT_ROLES, readonly=True)
    cost_type = fields.Selection(LANDED_COST_TYPES, readonly=True)
    odoo_amount = fields.Monetary(
        "Odoo", readonly=True,
        help="What Odoo's books say this account holds as of the run's last day: every posting to date except "
             "skipped ones, posted or not (debit positive).")
    posted_amount = fields.Monetary("Posted", readonly=True,
                                    help="The lines QuickBooks accepted from Odoo on this account, to date.")
    qbo_amount = fields.Monetary("QuickBooks", readonly=True, help="TrialBalance as of the run's last day.")
    difference = fields.Monetary(readonly=True, help="QuickBooks minus Odoo.")
    explanation = fields.Char(readonly=True)

    @api.depends("account_id", "account_ref", "role")
    def _compute_display_name(self):
        for balance in self:
            balance.display_name = balance.account_id.display_name or balance.account_ref or ""
