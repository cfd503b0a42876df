"""Margin bridge per style: factory-cost margin, each landed cost type, landed margin; and period over period.

Revenue and landed COGS are those of the explanation engine (stock.value.explanation._sales): revenue is
the delivered quantity net of customer returns at the sale order line's price (excluding tax, after
discount); landed COGS is the delivery layers' value net of returns plus the landed cost shares booked
straight to COGS in the period.

Landed cost components of that COGS, per landed cost type t and product p:

    component(p, t) = net quantity shipped(p) × carried rate(p, t) + share of t booked straight to COGS(p)
    carried rate(p, t) = Σ on-hand share of t that landed costs validated up to the period's end put on p's
                         receipt layers (adjustment lines per receipt move, qbo_onhand_amount)
                         ÷ quantity of p received up to the period's end

so a unit shipped carries the average landed cost per unit received. Factory COGS is landed COGS minus
the components; factory margin = revenue − factory COGS; landed margin = factory margin − Σ components
= revenue − landed COGS, exactly, to the cent (each component is rounded, factory COGS takes the rest).
"""
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..const import LANDED_COST_TYPES
from .value_explanation import Cents, period_bounds, previous_period
from .value_explanation_svg import waterfall_svg

BRIDGE_STEPS = [
    ("revenue", "Revenue"),
    ("factory_cogs", "Factory cost of goods sold"),
    ("factory_margin", "Factory-cost margin"),
    ("landed", "Landed cost"),
    ("landed_margin", "Landed margin"),
    ("previous_margin", "Landed margin, compared period"),
    ("volume", "Volume effect"),
    ("mix", "Mix effect (variant and channel)"),
    ("price", "Price effect"),
    ("cost", "Cost effect"),
    ("other", "Landed cost with no sales"),
    ("rounding", "Rounding (cents)"),
]


class StockMarginBridge(models.TransientModel):
    _name = "stock.margin.bridge"
    _description = "Margin Bridge"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_tmpl_id = fields.Many2one("product.template", "Style", help="Empty: every style of the company.")
    date_from = fields.Date("From", required=True, default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date("To", required=True, default=fields.Date.context_today)
    compare_from = fields.Date("Compared From", help="Empty: the period just before.")
    compare_to = fields.Date("Compared To")
    note = fields.Char(readonly=True)
    line_ids = fields.One2many("stock.margin.bridge.line", "bridge_id", "Bridge", readonly=True)
    chart = fields.Html("Waterfall", sanitize=False, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        bridges = super().create(vals_list)
        bridges._refresh()
        return bridges

    def action_refresh(self):
        self._refresh()
        return {"type": "ir.actions.act_window", "name": _("Margin Bridge"), "res_model": self._name,
                "res_id": self.id, "view_mode": "form", "target": "current"}

    def action_explain_margin(self):
        """The same change as drivers, with their sources ("Why?")."""
        self.ensure_one()
        report = self.env["stock.value.explanation.report"].create({
            "measure": "margin", "scope": "style" if self.product_tmpl_id else "company",
            "product_tmpl_id": self.product_tmpl_id.id, "company_id": self.company_id.id,
            "date_from": self.date_from, "date_to": self.date_to,
            "compare_from": self.compare_from, "compare_to": self.compare_to})
        return report._action_open()

    # ------------------------------------------------------------ computing
    @api.model
    def _carried_rates(self, company, style_id, date_to):
        """{(product_id, cost_type): landed cost per unit received} as of ``date_to`` (see the module doc)."""
        _start, end = period_bounds(date_to, date_to)
        style = SQL("pp.product_tmpl_id = %s", style_id) if style_id else SQL("TRUE")
        self.env.cr.execute(SQL("""
            SELECT l.product_id, SUM(l.quantity)
              FROM stock_valuation_layer l
              JOIN product_product pp ON pp.id = l.product_id
             WHERE l.company_id = %s AND l.accounting_event = 'receipt' AND l.create_date < %s AND %s
          GROUP BY l.product_id""", company.id, end, style))
        received = dict(self.env.cr.fetchall())
        self.env.cr.execute(SQL("""
            SELECT a.product_id, COALESCE(a.cost_type, 'other'), COALESCE(SUM(a.qbo_onhand_amount), 0.0)
              FROM stock_valuation_adjustment_lines a
              JOIN stock_landed_cost c ON c.id = a.cost_id
              JOIN product_product pp ON pp.id = a.product_id
             WHERE c.state = 'done' AND c.company_id = %s AND c.date <= %s AND %s
          GROUP BY 1, 2""", company.id, date_to, style))
        # a line with no on-hand share (goods sold out before the cost landed, or a landed cost validated
        # before the split was stored) carries nothing per unit: its cost is all in COGS already
        return {(product_id, cost_type): amount / received[product_id]
                for product_id, cost_type, amount in self.env.cr.fetchall() if amount and received.get(product_id)}

    @api.model
    def _period_figures(self, company, style_id, date_from, date_to):
        """Revenue, landed COGS and its components for one period.

        :returns: (figures in cents {revenue, landed_cogs, factory_cogs, factory_margin, landed_margin,
            quantity (float), components {cost_type: cents}}, items for the decomposition)
        """
        engine = self.env["stock.value.explanation"]
        scope = "style" if style_id else "company"
        items, landed = engine._sales(company, scope, style_id, date_from, date_to)
        rates = self._carried_rates(company, style_id, date_to)
        quantity = defaultdict(float)
        for (product_id, _channel), item in items.items():
            quantity[product_id] += item["qty"]
        components = defaultdict(float)
        for (product_id, cost_type), rate in rates.items():
            components[cost_type] += quantity.get(product_id, 0.0) * rate
        for row in landed:
            components[row["cost_type"]] += row["amount"]
        cents = Cents(company.currency_id)
        revenue = cents(sum(item["revenue"] for item in items.values()))
        landed_cogs = cents(sum(item["cost"] for item in items.values()))
        components_c = {cost_type: cents(amount) for cost_type, amount in components.items() if cents(amount)}
        factory_cogs = landed_cogs - sum(components_c.values())
        figures = {
            "revenue": revenue, "landed_cogs": landed_cogs, "factory_cogs": factory_cogs,
            "factory_margin": revenue - factory_cogs, "landed_margin": revenue - landed_cogs,
            "components": components_c, "quantity": sum(quantity.values()),
        }
        return figures, items

    @api.model
    def _bridge(self, company, style_id, date_from, date_to, compare_from=None, compare_to=None):
        """The bridge of one style (or the company) as a list of steps, amounts in cents.

        :returns: dict period, compared (figures, see _period_figures), effects {volume, mix, price, cost,
            other, rounding} in cents with previous landed margin + Σ effects == landed margin, note
        """
        self.env.flush_all()  # the figures are read with SQL
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        compare_from, compare_to = fields.Date.to_date(compare_from), fields.Date.to_date(compare_to)
        if date_from > date_to:
            raise UserError(_("Choose a period whose start (%(start)s) is on or before its end (%(end)s).",
                              start=date_from, end=date_to))
        if not (compare_from and compare_to):
            compare_from, compare_to = previous_period(date_from, date_to)
        period, items = self._period_figures(company, style_id, date_from, date_to)
        compared, items0 = self._period_figures(company, style_id, compare_from, compare_to)
        cents = Cents(company.currency_id)
        raw = self.env["stock.value.explanation"]._decompose(items0, items)
        effects = {key: cents(raw[key]) for key in ("volume", "mix", "price", "cost", "other")}
        effects["rounding"] = period["landed_margin"] - compared["landed_margin"] - sum(effects.values())
        note = False
        if not period["quantity"]:
            note = _("No sales in the period.")
        elif not compared["quantity"]:
            note = _("No sales in the compared period: the whole change is volume.")
        return {"period": period, "compared": compared, "effects": effects, "note": note,
                "compare_from": compare_from, "compare_to": compare_to}

    def _refresh(self):
        labels = dict(BRIDGE_STEPS)
        types = dict(LANDED_COST_TYPES)
        for bridge in self:
            company = bridge.company_id
            if company not in self.env.companies:
                raise AccessError(_("You cannot see the figures of %(company)s: switch to it first.",
                                    company=company.name))
            cents = Cents(company.currency_id)
            result = self._bridge(company, bridge.product_tmpl_id.id, bridge.date_from, bridge.date_to,
                                  bridge.compare_from, bridge.compare_to)
            period, compared, effects = result["period"], result["compared"], result["effects"]
            steps = [("revenue", labels["revenue"], period["revenue"], compared["revenue"], True),
                     ("factory_cogs", labels["factory_cogs"], -period["factory_cogs"], -compared["factory_cogs"], False),
                     ("factory_margin", labels["factory_margin"], period["factory_margin"],
                      compared["factory_margin"], True)]
            for cost_type, label in LANDED_COST_TYPES:
                now, before = period["components"].get(cost_type, 0), compared["components"].get(cost_type, 0)
                if now or before:
                    steps.append(("landed", _("Landed cost: %(type)s", type=types[cost_type]), -now, -before, False))
            steps.append(("landed_margin", labels["landed_margin"], period["landed_margin"],
                          compared["landed_margin"], True))
            change = [("previous_margin", labels["previous_margin"], compared["landed_margin"], True)]
            change += [(key, labels[key], effects[key], False) for key in
                       ("volume", "mix", "price", "cost", "other", "rounding") if effects[key]]
            change.append(("landed_margin", labels["landed_margin"], period["landed_margin"], True))
            bridge.line_ids.unlink()
            lines = [{"sequence": index, "section": "period", "step": step, "name": name,
                      "amount": cents.amount(now), "compared_amount": cents.amount(before), "is_total": total}
                     for index, (step, name, now, before, total) in enumerate(steps)]
            lines += [{"sequence": 100 + index, "section": "change", "step": step, "name": name,
                       "amount": cents.amount(amount), "is_total": total}
                      for index, (step, name, amount, total) in enumerate(change)]
            bridge.write({"line_ids": [fields.Command.create(vals) for vals in lines],
                          "compare_from": result["compare_from"], "compare_to": result["compare_to"],
                          "note": result["note"]})
            fmt = company.currency_id.format
            bridge.chart = (
                waterfall_svg([(name, cents.amount(now), total) for _step, name, now, _before, total in steps], fmt)
                + waterfall_svg([(name, cents.amount(amount), total) for _step, name, amount, total in change], fmt))


class StockMarginBridgeLine(models.TransientModel):
    _name = "stock.margin.bridge.line"
    _description = "Margin Bridge Step"
    _order = "bridge_id, sequence, id"

    bridge_id = fields.Many2one("stock.margin.bridge", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="bridge_id.currency_id")
    sequence = fields.Integer()
    section = fields.Selection([("period", "Period"), ("change", "Change from the compared period")], readonly=True)
    step = fields.Selection(BRIDGE_STEPS, "Kind of Step", readonly=True)
    name = fields.Char("Step", readonly=True)
    amount = fields.Monetary(readonly=True)
    compared_amount = fields.Monetary("Compared Period", readonly=True)
    is_total = fields.Boolean(readonly=True)
