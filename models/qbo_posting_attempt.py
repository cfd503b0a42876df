from odoo import _, fields, models
from odoo.exceptions import UserError

from ..const import ERROR_KINDS


class QboPostingAttempt(models.Model):
    """Append-only log of every call made for a posting: what was asked, what QuickBooks answered."""

    _name = "qbo.posting.attempt"
    _description = "QuickBooks Posting Attempt"
    _order = "id desc"

    posting_id = fields.Many2one("qbo.posting", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="posting_id.company_id", store=True, index=True)
    request_id = fields.Char(readonly=True)
    outcome = fields.Selection([
        ("posted", "Posted"), ("adopted", "Found and adopted"), ("retry", "Will retry"),
        ("blocked", "Blocked"), ("reauth", "Reconnect needed")], readonly=True)
    http_status = fields.Integer("HTTP Status", readonly=True)
    fault_code = fields.Char(readonly=True)
    error_kind = fields.Selection(ERROR_KINDS, readonly=True)
    message = fields.Text(readonly=True)
    duration_ms = fields.Integer("Duration (ms)", readonly=True)
    batch_size = fields.Integer(readonly=True, help="Entries sent in the same QuickBooks call.")

    def write(self, vals):
        raise UserError(_("Posting attempts are a log: they cannot be changed."))

    def unlink(self):
        raise UserError(_("Posting attempts are a log: they cannot be deleted."))
