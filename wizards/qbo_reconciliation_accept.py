from odoo import fields, models


class QboReconciliationAccept(models.TransientModel):
    _name = "qbo.reconciliation.accept"
    _description = "Accept QuickBooks Reconciliation Findings"

    line_ids = fields.Many2many("qbo.reconciliation.line", string="Findings", required=True)
    reason = fields.Char(required=True, help="Why the difference is right as it is; kept with the finding for audit.")

    def action_accept(self):
        self.line_ids._accept(self.reason, self.env.user)
        return {"type": "ir.actions.act_window_close"}
