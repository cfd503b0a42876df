from odoo import fields, models


class QboPostingSkip(models.TransientModel):
    _name = "qbo.posting.skip"
    _description = "Skip QuickBooks Postings"

    posting_ids = fields.Many2many("qbo.posting", string="Postings", required=True)
    reason = fields.Char(required=True, help="Why these postings must never reach QuickBooks.")

    def action_skip(self):
        states = {posting: posting.state for posting in self.posting_ids}
        self.posting_ids._set_skipped(self.reason, self.env.user)
        self.env["stock.decision.log"]._log(
            "posting_skip", self.posting_ids, self.reason,
            lambda posting: self.env._("%(posting)s skipped: never sent to QuickBooks",
                                       posting=posting.display_label),
            lambda posting: {"doc_number": posting.doc_number, "event": posting.event_type, "date": posting.date,
                             "amount": posting.amount, "currency": posting.currency_id.name,
                             "state_before": states[posting], "state_after": posting.state})
        return {"type": "ir.actions.act_window_close"}
