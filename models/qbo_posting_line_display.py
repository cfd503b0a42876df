"""What a posting line shows beside its role: the QuickBooks account and an amount per unit that agrees with it."""
from odoo import _, api, fields, models

from ..qbo_engine.builder import MappingMissing


class QboPostingLineDisplay(models.Model):
    _inherit = "qbo.posting.line"

    qbo_account_name = fields.Char(
        "QuickBooks Account", compute="_compute_qbo_account_name",
        help="The account of QuickBooks this line goes to: as sent, for a posted entry; as the account mapping "
        "gives it now, for an entry still to post.")
    unit_amount = fields.Float(
        "Amount per Unit", compute="_compute_unit_amount", digits=(16, 4),
        help="This line's amount ÷ its quantity: quantity × amount per unit is the amount (a landed cost line "
        "shows the landed cost per unit).")

    @api.depends("amount", "quantity")
    def _compute_unit_amount(self):
        for line in self:
            line.unit_amount = abs(line.amount) / line.quantity if line.quantity else 0.0

    @api.depends("posting_id.payload", "posting_id.state", "role", "cost_type", "warehouse_id", "categ_id",
                 "channel_id")
    def _compute_qbo_account_name(self):
        for posting, lines in self.grouped("posting_id").items():
            sent = posting.state == "posted" and (posting.payload or {}).get("Line") or []
            ordered = posting.line_ids.sorted(lambda line: (line.sequence, line.id))
            if sent and len(sent) == len(ordered):
                names = {line: detail.get("JournalEntryLineDetail", {}).get("AccountRef", {}).get("name")
                         for line, detail in zip(ordered, sent)}
                for line in lines:
                    line.qbo_account_name = names.get(line) or False
                continue
            mapping, _dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(posting.company_id)
            for line in lines:
                try:
                    account = mapping.resolve(
                        line.role, warehouse=_key(line.warehouse_id), category=_key(line.categ_id),
                        channel=_key(line.channel_id), cost_type=line.cost_type or None)
                    line.qbo_account_name = account.name or account.value
                except MappingMissing:
                    line.qbo_account_name = _("Not mapped")


def _key(record):
    return str(record.id) if record else None
