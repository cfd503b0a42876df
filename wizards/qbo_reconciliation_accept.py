from odoo import fields, models


class QboReconciliationAccept(models.TransientModel):
    _name = "qbo.reconciliation.accept"
    _description = "Accept QuickBooks Reconciliation Findings"

    line_ids = fields.Many2many("qbo.reconciliation.line", string="Findings", required=True)
    reason = fields.Char(required=True, help="Why the difference is right as it is; kept with the finding for audit.")

    def action_accept(self):
        # A finding about an entry being sent right now may be settled by that send: never decided blind.
        self.line_ids.posting_id.sudo()._check_not_in_flight(self.env._("accepted"))
        self.line_ids._accept(self.reason, self.env.user)
        self.env["stock.decision.log"]._log(
            "reconciliation_accept", self.line_ids, self.reason,
            lambda line: self.env._("Finding %(finding)s accepted (difference %(difference).2f)",
                                    finding=line.display_name, difference=line.difference),
            lambda line: {"run": line.reconciliation_id, "kind": line.kind, "role": line.role, "day": line.day,
                          "doc_number": line.doc_number or False, "odoo_amount": line.odoo_amount,
                          "posted_amount": line.posting_amount, "qbo_amount": line.qbo_amount,
                          "difference": line.difference, "currency": line.currency_id.name})
        return {"type": "ir.actions.act_window_close"}
