"""Corrections of posted entries: a posted row never changes, so a repost or a correction is a new posting."""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..qbo_engine.builder import doc_number_for

# Line values copied from an original line to its repost or correction.
LINE_FIELDS = ("role", "cost_type", "product_id", "categ_id", "quantity", "unit_cost", "warehouse_id", "channel_id",
               "description")


class QboPosting(models.Model):
    _inherit = "qbo.posting"

    origin_posting_id = fields.Many2one(
        "qbo.posting", "Corrects", readonly=True, copy=False, index="btree_not_null",
        help="The posted entry this posting reposts (deleted in QuickBooks) or corrects (edited in QuickBooks).")
    correction_ids = fields.One2many("qbo.posting", "origin_posting_id", "Corrections", readonly=True)

    def _qbo_correction_key(self, kind):
        """``<original key>:<kind>:<n>``: the n-th repost or correction of this posting, never reused."""
        self.ensure_one()
        prefix = f"{self.posting_key}:{kind}:"
        taken = self.sudo().search_count([("company_id", "=", self.company_id.id), ("posting_key", "=like", prefix + "%")])
        return f"{prefix}{taken + 1}"

    @api.model
    def _qbo_line_vals(self, line, amount, description=None):
        vals = {name: line[name].id if isinstance(line[name], models.BaseModel) else line[name] for name in LINE_FIELDS}
        vals.update(amount=amount, sequence=line.sequence)
        if description:
            vals["description"] = description
        return vals

    def _qbo_create_correction(self, kind, lines_vals, note):
        """A new to-post posting linked to this one, on the same date, with ``lines_vals``."""
        self.ensure_one()
        if self.state != "posted":
            raise UserError(_("%(posting)s is not posted: only a posted entry gets a repost or a correction.",
                              posting=self.display_label))
        key = self._qbo_correction_key(kind)
        posting = self.sudo().with_context(mail_create_nolog=True).create({
            "company_id": self.company_id.id,
            "posting_key": key,
            "doc_number": doc_number_for(key),
            "event_type": self.event_type,
            "date": self.date,
            "original_date": self.original_date or self.date,
            "reference": self.reference,
            "picking_id": self.picking_id.id,
            "scrap_id": self.scrap_id.id,
            "landed_cost_id": self.landed_cost_id.id,
            "origin_posting_id": self.id,
            "private_note": note,
            "line_ids": [fields.Command.create(vals) for vals in lines_vals],
        })
        self.message_post(body=_("%(what)s created as %(posting)s.", what=note, posting=posting.display_label))
        return posting

    def _qbo_repost(self):
        """The same lines again under a new key and DocNumber (the entry was deleted in QuickBooks)."""
        self.ensure_one()
        return self._qbo_create_correction(
            "repost", [self._qbo_line_vals(line, line.amount) for line in self.line_ids],
            _("Repost of %(doc)s, deleted in QuickBooks", doc=self.doc_number))

    def _qbo_open_action(self):
        action = {"type": "ir.actions.act_window", "res_model": "qbo.posting", "name": _("Postings"),
                  "domain": [("id", "in", self.ids)], "view_mode": "list,form"}
        if len(self) == 1:
            action.update(res_id=self.id, view_mode="form")
        return action
