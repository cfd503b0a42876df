from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..const import DECISION_KINDS


class StockDecisionLog(models.Model):
    """Append-only log of the decisions people take in the flow: who, when, why, and the figures then.

    Rows are written only by ``_log`` (as superuser: a buyer who overrides an estimate may not
    create log rows, yet the decision must be kept); nobody may change or delete one. The record
    decided on is kept as model + id, so the row survives the record and needs no foreign key.
    """

    _name = "stock.decision.log"
    _description = "Decision Log"
    _order = "date desc, id desc"
    _rec_name = "summary"

    kind = fields.Selection(DECISION_KINDS, required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", "Decided By", required=True, readonly=True, index=True)
    date = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    reason = fields.Char(required=True, readonly=True)
    summary = fields.Char(required=True, readonly=True, help="What was decided, in one line.")
    res_model = fields.Char("Record Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference("Record Id", model_field="res_model", required=True, readonly=True, index=True)
    record_name = fields.Char("Record", readonly=True, help="The record's name when the decision was taken.")
    record_ref = fields.Reference(selection="_selection_record_models", string="Open Record",
                                  compute="_compute_record_ref")
    snapshot = fields.Json(readonly=True, help="The figures at the moment of the decision (before and after).")
    snapshot_text = fields.Text("Figures", compute="_compute_snapshot_text")

    @api.model
    def _selection_record_models(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for log in self:
            record = log.res_model in self.env and self.env[log.res_model].browse(log.res_id).exists()
            log.record_ref = f"{log.res_model},{log.res_id}" if record else False

    @api.depends("snapshot")
    def _compute_snapshot_text(self):
        for log in self:
            log.snapshot_text = "\n".join(_flatten(log.snapshot or {}))

    # ------------------------------------------------------------ append only
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_("Decision log rows are recorded by the decisions themselves; they cannot be "
                              "created by hand."))
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(_(
            "Decision %(decision)s cannot be changed: the decision log is append-only. Take a new decision "
            "(it is logged with its own reason) instead.", decision=self[:1].summary))

    def unlink(self):
        raise UserError(_(
            "Decision %(decision)s cannot be deleted: the decision log is append-only.",
            decision=self[:1].summary))

    @api.model
    def _log(self, kind, records, reason, summary, snapshot=None, decided_by=None):
        """Record one decision per record of ``records``.

        :param summary: one line, or a callable record -> line
        :param snapshot: dict of figures, or a callable record -> dict
        :returns: the new log rows
        """
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("A decision needs a reason: say why, then confirm again."))
        decider = decided_by or self.env.user
        vals_list = []
        for record in records:
            company = record._fields.get("company_id") and record.company_id or self.env.company
            vals_list.append({
                "kind": kind,
                "company_id": company.id,
                "user_id": decider.id,
                "reason": reason,
                "summary": summary(record) if callable(summary) else summary,
                "res_model": record._name,
                "res_id": record.id,
                "record_name": record.display_name,
                "snapshot": _jsonable(snapshot(record) if callable(snapshot) else (snapshot or {})),
            })
        return self.sudo().create(vals_list).sudo(False)

    @api.model
    def _action_for(self, domain, title):
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_stock_decision_log")
        action.update({"name": _("Decisions: %(record)s", record=title), "domain": domain, "context": {}})
        return action


def _jsonable(value):
    """Dates, records and other values as plain JSON (the snapshot must read the same forever)."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, models.BaseModel):
        return value.display_name if len(value) <= 1 else value.mapped("display_name")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}{key}." if isinstance(item, dict) else f"{prefix}{key}")
    else:
        yield f"{prefix}: {value}"
