from odoo import _, fields, models
from odoo.exceptions import UserError


class QboPostingRedate(models.TransientModel):
    """Approve posting an entry on the first open date after QuickBooks closed its period."""

    _name = "qbo.posting.redate"
    _description = "Re-date a QuickBooks Posting"

    posting_id = fields.Many2one("qbo.posting", required=True)
    closing_date = fields.Date(related="posting_id.closing_date")
    original_date = fields.Date(related="posting_id.original_date")
    new_date = fields.Date(required=True)
    reason = fields.Char(required=True, help="Why the entry may be booked in a later period.")

    def action_approve(self):
        posting = self.posting_id
        if posting.state != "blocked" or not posting.closing_date:
            raise UserError(_("%(posting)s is not blocked by a closed period.", posting=posting.display_label))
        if self.new_date <= posting.closing_date:
            raise UserError(_("QuickBooks is closed up to %(closed)s: choose a date after it for %(posting)s.",
                              closed=posting.closing_date, posting=posting.display_label))
        old_date = posting.date
        posting.write({"date": self.new_date, "decision_reason": self.reason, "decided_by_id": self.env.uid})
        self.env["stock.decision.log"]._log(
            "posting_redate", posting, self.reason,
            _("%(posting)s re-dated from %(old)s to %(new)s", posting=posting.display_label, old=old_date,
              new=self.new_date),
            {"doc_number": posting.doc_number, "amount": posting.amount, "currency": posting.currency_id.name,
             "original_date": posting.original_date, "closing_date": posting.closing_date,
             "proposed_date": posting.proposed_date, "before": {"date": old_date}, "after": {"date": self.new_date}})
        posting._set_to_post()
        posting.message_post(body=_(
            "Re-dated from %(old)s to %(new)s by %(user)s (QuickBooks closed up to %(closed)s): %(reason)s",
            old=posting.original_date, new=self.new_date, user=self.env.user.name,
            closed=posting.closing_date, reason=self.reason))
        return {"type": "ir.actions.act_window_close"}
