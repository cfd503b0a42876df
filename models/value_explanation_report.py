"""The "Why?" screen: one explanation, its drivers with their amounts and sources, and a waterfall."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import EXPLANATION_DRIVERS, EXPLANATION_MEASURES, EXPLANATION_SCOPES
from .value_explanation_svg import waterfall_svg

SCOPE_FIELDS = {"product": "product_id", "style": "product_tmpl_id", "warehouse": "warehouse_id",
                "channel": "channel_id"}


class StockValueExplanationReport(models.TransientModel):
    _name = "stock.value.explanation.report"
    _description = "Why? – Explanation of a Figure"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    measure = fields.Selection(EXPLANATION_MEASURES, required=True, default="inventory_value")
    scope = fields.Selection(EXPLANATION_SCOPES, required=True, default="company")
    product_id = fields.Many2one("product.product", "Product Variant")
    product_tmpl_id = fields.Many2one("product.template", "Style")
    warehouse_id = fields.Many2one("stock.warehouse")
    channel_id = fields.Many2one("crm.team", "Sales Channel")
    date_from = fields.Date("From", required=True, default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date("To", required=True, default=fields.Date.context_today)
    compare_from = fields.Date("Compared From", help="Cost of goods sold and margin compare with this period "
                                                    "(empty: the period just before).")
    compare_to = fields.Date("Compared To")
    opening = fields.Float("Opening", digits=(16, 2), readonly=True,
                           help="Stock measures: the figure at the start. COGS and margin: the comparison period.")
    closing = fields.Float("Closing", digits=(16, 2), readonly=True)
    change = fields.Float(digits=(16, 2), compute="_compute_change")
    note = fields.Char(readonly=True)
    line_ids = fields.One2many("stock.value.explanation.report.line", "report_id", "Drivers", readonly=True)
    chart = fields.Html("Waterfall", sanitize=False, readonly=True)

    @api.depends("opening", "closing")
    def _compute_change(self):
        for report in self:
            report.change = report.closing - report.opening

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        reports._refresh()
        return reports

    def _scope_id(self):
        field = SCOPE_FIELDS.get(self.scope)
        if field and not self[field]:
            raise UserError(_("Choose the %(what)s to explain, or explain the whole company.",
                              what=self._fields[field].string))
        return self[field].id if field else None

    def _refresh(self):
        drivers = dict(EXPLANATION_DRIVERS)
        for report in self:
            report._check_company_allowed()
            result = self.env["stock.value.explanation"]._explain(
                report.measure, report.date_from, report.date_to, report.scope, report._scope_id(),
                company=report.company_id, compare_from=report.compare_from, compare_to=report.compare_to)
            report.line_ids.unlink()
            report.write({
                "opening": result["opening"], "closing": result["closing"],
                "compare_from": result["compare_from"], "compare_to": result["compare_to"],
                "note": result.get("note") or False,
                "line_ids": [fields.Command.create({
                    "sequence": index, "driver": line["driver"], "amount": line["amount"],
                    "quantity": line["quantity"], "note": line["note"] or False,
                    "layer_ids": [fields.Command.set(line["layer_ids"])],
                    "adjustment_line_ids": [fields.Command.set(line["adjustment_line_ids"])],
                    "landed_cost_ids": [fields.Command.set(line["landed_cost_ids"])],
                }) for index, line in enumerate(result["drivers"])],
            })
            opening_label, closing_label = _("Opening"), _("Closing")
            if report.measure in ("cogs", "margin"):
                opening_label, closing_label = _("Compared period"), _("Period")
            report.chart = waterfall_svg(
                [(opening_label, result["opening"], True)]
                + [(drivers[line["driver"]], line["amount"], False) for line in result["drivers"]]
                + [(closing_label, result["closing"], True)],
                currency_format=lambda amount: report.currency_id.format(amount))

    def action_refresh(self):
        self._refresh()
        return self._action_open()

    def action_open_graph(self):
        """The drivers of this explanation as a bar chart, to compare them or group them otherwise."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Why? Drivers"),
            "res_model": "stock.value.explanation.report.line",
            "view_mode": "graph",
            "views": [(self.env.ref("stock_quickbooks_sync.stock_value_explanation_report_line_view_graph").id,
                       "graph")],
            "domain": [("report_id", "=", self.id)],
        }

    def _check_company_allowed(self):
        # the engine reads with SQL: the company must be one the user works in
        if self.company_id not in self.env.companies:
            raise AccessError(_("You cannot see the figures of %(company)s: switch to it first.",
                                company=self.company_id.name))

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Why?"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _action_explain(self, measure, scope, record=None, date_from=None, date_to=None, company=None):
        """Open the explanation of ``measure`` for ``record`` (its scope), this month unless told."""
        today = fields.Date.context_today(self)
        vals = {"measure": measure, "scope": scope, "company_id": (company or self.env.company).id,
                "date_from": date_from or today.replace(day=1), "date_to": date_to or today}
        if record and scope in SCOPE_FIELDS:
            vals[SCOPE_FIELDS[scope]] = record.id
        return self.create(vals)._action_open()

    @api.model
    def _month_of(self, day):
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return start, end


class StockValueExplanationReportLine(models.TransientModel):
    _name = "stock.value.explanation.report.line"
    _description = "Why? – Driver"
    _order = "report_id, sequence, id"

    report_id = fields.Many2one("stock.value.explanation.report", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="report_id.currency_id")
    sequence = fields.Integer()
    driver = fields.Selection(EXPLANATION_DRIVERS, required=True, readonly=True)
    amount = fields.Float(digits=(16, 2), readonly=True)
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    note = fields.Char(readonly=True)
    layer_ids = fields.Many2many("stock.valuation.layer", "stock_explanation_line_layer_rel", "line_id", "layer_id",
                                 string="Valuation Layers", readonly=True)
    adjustment_line_ids = fields.Many2many("stock.valuation.adjustment.lines", "stock_explanation_line_adjustment_rel",
                                           "line_id", "adjustment_id", string="Landed Cost Lines", readonly=True)
    landed_cost_ids = fields.Many2many("stock.landed.cost", "stock_explanation_line_landed_cost_rel", "line_id",
                                       "cost_id", string="Landed Costs", readonly=True)
    posting_ids = fields.Many2many("qbo.posting", "stock_explanation_line_posting_rel", "line_id", "posting_id",
                                   string="QuickBooks Postings", compute="_compute_posting_ids")
    source_count = fields.Integer("Sources", compute="_compute_posting_ids")

    @api.depends("layer_ids", "landed_cost_ids")
    def _compute_posting_ids(self):
        for line in self:
            landed = self.env["qbo.posting"].sudo().search([("landed_cost_id", "in", line.landed_cost_ids.ids)]) \
                if line.landed_cost_ids else self.env["qbo.posting"]
            line.posting_ids = (line.layer_ids.sudo().qbo_posting_id | landed).sudo(False)
            line.source_count = len(line.layer_ids) + len(line.adjustment_line_ids)

    def action_open_sources(self):
        """Drill down to the records behind the driver: its valuation layers, else its landed cost lines."""
        self.ensure_one()
        label = dict(self._fields["driver"]._description_selection(self.env)).get(self.driver, self.driver)
        if self.layer_ids:
            return {"type": "ir.actions.act_window", "name": _("Valuation layers: %(driver)s", driver=label),
                    "res_model": "stock.valuation.layer", "view_mode": "list,form",
                    "domain": [("id", "in", self.layer_ids.ids)]}
        return {"type": "ir.actions.act_window", "name": _("Landed cost lines: %(driver)s", driver=label),
                "res_model": "stock.valuation.adjustment.lines", "view_mode": "list,form",
                "domain": [("id", "in", self.adjustment_line_ids.ids)]}

    def action_open_postings(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "name": _("QuickBooks postings"), "res_model": "qbo.posting",
                "view_mode": "list,form", "domain": [("id", "in", self.posting_ids.ids)]}
