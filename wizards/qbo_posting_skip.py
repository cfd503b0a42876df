from odoo import fields, models


class QboPostingSkip(models.TransientModel):
    _name = "qbo.posting.skip"
    _description = "Skip QuickBooks Postings"

    posting_ids = fields.Many2many("qbo.posting", string="Postings", required=True)
    reason = fields.Char(required=True, help="Why these postings must never reach QuickBooks.")

    def action_skip(self):
        self.posting_ids._set_skipped(self.reason, self.env.user)
        return {"type": "ir.actions.act_window_close"}
