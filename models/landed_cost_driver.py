from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import float_round

from ..const import DRIFT_CLASSES, LANDED_COST_TYPES
from .purchase_landed_cost_estimate import BASIS
from .purchase_landed_cost_rule import FIXED_METHODS

# What each rate method multiplies its rate by (fixed methods split their amount by BASIS).
RATE_BASIS = {"percent_value": "value", "per_unit": "quantity", "per_weight": "weight", "per_volume": "volume"}


class LandedCostDriver(models.Model):
    """One cost driver: a cost type on the receipts of a vendor and lane, for a product category, under one rule.

    The drift check (``_qbo_refresh``) reads the receipts whose actual cost of that type is known
    (an applied bill or credit note), compares the cost the goods carry after the true-ups with
    what the rule gives for the same goods today, and classifies the last N of them:

    * **structural** – the last K receipts or more (K consecutive) are all beyond the threshold in
      the same direction: the change persists (a new freight contract, a new duty rate);
    * **temporary** – some receipts are beyond it but not K in a row up to the latest one (an
      expedited shipment, a single late bill);
    * **within threshold** – none is.

    The receipts a classification rests on are kept in ``picking_ids``.
    """

    _name = "landed.cost.driver"
    _description = "Landed Cost Driver"
    _order = "classification desc, cost_type, lane, id"

    name = fields.Char(required=True, readonly=True)
    key = fields.Char(required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    cost_type = fields.Selection(LANDED_COST_TYPES, required=True, readonly=True)
    rule_id = fields.Many2one("purchase.landed.cost.rule", "Rule", readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True)
    lane = fields.Char(readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    classification = fields.Selection(DRIFT_CLASSES, required=True, readonly=True, default="none", index=True)
    drift_percent = fields.Float(
        "Drift (%)", readonly=True, digits=(16, 1),
        help="Actual against the rule over the receipts the classification rests on: total actual / total "
        "expected - 1.")
    expected_unit_cost = fields.Float(
        "Rule per Unit", readonly=True, digits="Product Price",
        help="What the rule gives per unit received, over the receipts the classification rests on.")
    actual_unit_cost = fields.Float(
        "Actual per Unit", readonly=True, digits="Product Price",
        help="What the goods carry per unit after the true-ups, over the same receipts.")
    observed_count = fields.Integer("Number of Receipts", readonly=True)
    picking_ids = fields.Many2many(
        "stock.picking", "landed_cost_driver_picking_rel", "driver_id", "picking_id", "Rests On", readonly=True,
        help="The receipts the classification rests on.")
    window_picking_ids = fields.Many2many(
        "stock.picking", "landed_cost_driver_window_rel", "driver_id", "picking_id", "Receipts Looked At",
        readonly=True)
    explanation = fields.Text(readonly=True)
    checked_date = fields.Datetime("Last Check", readonly=True)
    alert_ids = fields.One2many("landed.cost.drift.alert", "driver_id", "Alerts", readonly=True)

    _sql_constraints = [
        ("key_unique", "UNIQUE(company_id, key)", "One driver per cost type, rule, vendor, lane and category."),
    ]

    # ------------------------------------------------------------- classify
    @api.model
    def _classify(self, drifts, threshold, consecutive):
        """Classify a driver from its drifts (fractions, oldest first) against ``threshold`` (a fraction).

        :returns: (classification, indexes of the drifts it rests on)
        """
        beyond = [index for index, drift in enumerate(drifts) if abs(drift) > threshold]
        if not beyond:
            return "none", []
        run = []
        for index in range(len(drifts) - 1, -1, -1):
            drift = drifts[index]
            if abs(drift) <= threshold or (run and (drift > 0) != (drifts[run[0]] > 0)):
                break
            run.append(index)
        if len(run) >= consecutive:
            return "structural", sorted(run)
        return "temporary", beyond

    # ---------------------------------------------------------- observations
    @api.model
    def _rule_line_amounts(self, rule, order):
        """What ``rule`` gives per storable order line for the ordered quantities, in company currency."""
        Estimate = self.env["purchase.landed.cost.estimate"]
        company = order.company_id
        lines = order.order_line.filtered(lambda l: not l.display_type and l.product_id.is_storable)
        currency = rule.currency_id
        if rule.method in FIXED_METHODS:
            bases = {line: Estimate._line_basis(line, BASIS[rule.method], currency) for line in lines}
            total = sum(bases.values())
            amounts = {line: rule.amount * bases[line] / total if total else 0.0 for line in lines}
        else:
            factor = rule.rate / 100.0 if rule.method == "percent_value" else rule.rate
            amounts = {line: Estimate._line_basis(line, RATE_BASIS[rule.method], currency) * factor
                       for line in lines}
        date = order.date_order or fields.Date.context_today(self)
        return {line: currency._convert(amount, company.currency_id, company, date, round=False)
                for line, amount in amounts.items()}

    @api.model
    def _observations(self, company):
        """One observation per receipt, cost type and product category whose actual cost is known.

        :returns: dict {driver key values (tuple): [observation dicts, oldest receipt first]}
        """
        LandedCost = self.env["stock.landed.cost"]
        actuals = self.env["landed.cost.actual"].search([("company_id", "=", company.id), ("state", "=", "applied")])
        grouped = defaultdict(list)
        for order in actuals.purchase_id:
            order_actuals = actuals.filtered(lambda a: a.purchase_id == order)
            costs = order.landed_cost_ids.filtered(lambda c: c.state == "done")
            receipts = order.picking_ids.filtered(lambda p: p.state == "done" and p.picking_type_code == "incoming")
            vendor = order.partner_id.commercial_partner_id
            lane = (order.landed_cost_lane or "").strip()
            for cost_type in set(order_actuals.mapped("cost_type")):
                rule = order.landed_cost_estimate_ids.filtered(lambda e: e.cost_type == cost_type).rule_id[:1]
                if not rule:
                    continue  # estimated by hand: no rule to drift from
                typed = order_actuals.filtered(lambda a: a.cost_type == cost_type)
                covered = receipts if typed.filtered(lambda a: not a.picking_id) else typed.picking_id & receipts
                line_amounts = self._rule_line_amounts(rule, order)
                adjustments = costs.valuation_adjustment_lines.filtered(lambda l: l.cost_type == cost_type)
                for picking in covered:
                    moves = LandedCost._received_purchase_moves(picking.move_ids)
                    for categ, categ_moves in moves.grouped(lambda m: m.product_id.categ_id).items():
                        quantity = sum(LandedCost._move_product_qty(m) for m in categ_moves)
                        expected = 0.0
                        for move in categ_moves:
                            line = move.purchase_line_id
                            ordered = line.product_uom._compute_quantity(line.product_uom_qty, line.product_id.uom_id)
                            if ordered:
                                expected += line_amounts.get(line, 0.0) * LandedCost._move_product_qty(move) / ordered
                        carried = adjustments.filtered(lambda l: (l.move_id or l.standard_move_id) in categ_moves)
                        actual = sum(carried.mapped("additional_landed_cost"))
                        if company.currency_id.is_zero(expected) or not quantity:
                            continue  # the rule expects nothing here: no drift in percent to speak of
                        grouped[(cost_type, rule.id, vendor.id, lane.lower(), categ.id)].append({
                            "picking": picking, "rule": rule, "vendor": vendor, "lane": lane, "categ": categ,
                            "products": categ_moves.product_id, "quantity": quantity,
                            "expected": expected, "actual": actual, "drift": actual / expected - 1.0,
                            "sort": (picking.date_done, picking.id)})
        for observations in grouped.values():
            observations.sort(key=lambda o: o["sort"])
        return grouped

    # -------------------------------------------------------------- refresh
    @api.model
    def _qbo_refresh(self, company):
        """Classify every driver of ``company`` from its last receipts; drivers without any lose their
        classification. Runs as superuser (the drift check), reading every purchase of the company.

        :returns: the company's drivers
        """
        types = dict(LANDED_COST_TYPES)
        threshold = company.drift_threshold / 100.0
        drivers = self.browse()
        now = fields.Datetime.now()
        for (cost_type, rule_id, vendor_id, lane_key, categ_id), observations in \
                self._observations(company).items():
            window = observations[-company.drift_window:]
            classification, indexes = self._classify([o["drift"] for o in window], threshold,
                                                     company.drift_consecutive)
            rests_on = [window[index] for index in indexes]
            expected = sum(o["expected"] for o in rests_on)
            actual = sum(o["actual"] for o in rests_on)
            quantity = sum(o["quantity"] for o in rests_on)
            first = window[-1]
            key = f"{cost_type}:{rule_id}:{vendor_id}:{lane_key}:{categ_id}"
            vals = {
                "name": " · ".join(filter(None, [types.get(cost_type, cost_type), first["vendor"].name,
                                                 first["lane"], first["categ"].display_name])),
                "key": key, "company_id": company.id, "cost_type": cost_type, "rule_id": rule_id,
                "partner_id": vendor_id, "lane": first["lane"] or False, "categ_id": categ_id,
                "classification": classification,
                "drift_percent": float_round(100.0 * (actual / expected - 1.0), 1) if expected else 0.0,
                "expected_unit_cost": expected / quantity if quantity else 0.0,
                "actual_unit_cost": actual / quantity if quantity else 0.0,
                "observed_count": len(window),
                "picking_ids": [fields.Command.set([o["picking"].id for o in rests_on])],
                "window_picking_ids": [fields.Command.set([o["picking"].id for o in window])],
                "explanation": self._explain(classification, window, rests_on, company),
                "checked_date": now,
            }
            driver = self.search([("company_id", "=", company.id), ("key", "=", key)])
            if driver:
                driver.write(vals)
            else:
                driver = self.create(vals)
            drivers |= driver
        stale = self.search([("company_id", "=", company.id), ("id", "not in", drivers.ids),
                             ("classification", "!=", "none")])
        stale.write({"classification": "none", "drift_percent": 0.0, "picking_ids": [fields.Command.clear()],
                     "window_picking_ids": [fields.Command.clear()], "observed_count": 0, "checked_date": now,
                     "explanation": _("No receipt with an actual cost left to compare with the rule.")})
        return drivers

    @api.model
    def _explain(self, classification, window, rests_on, company):
        threshold = company.drift_threshold
        names = ", ".join(o["picking"].name for o in rests_on)
        if classification == "none":
            return _("The last %(count)s receipt(s) stay within %(threshold)s %% of the rule.",
                     count=len(window), threshold=threshold)
        if classification == "structural":
            return _("Structural: the last %(count)s consecutive receipts (%(names)s) are all more than "
                     "%(threshold)s %% %(direction)s the rule (at least %(k)s in a row make a change structural).",
                     count=len(rests_on), names=names, threshold=threshold, k=company.drift_consecutive,
                     direction=_("above") if rests_on[-1]["drift"] > 0 else _("below"))
        return _("Temporary: %(names)s drifted more than %(threshold)s %% from the rule, but fewer than %(k)s "
                 "receipts in a row up to the latest one did, so the rule still holds.",
                 names=", ".join(f"{o['picking'].name} ({100.0 * o['drift']:+.1f} %)" for o in rests_on),
                 threshold=threshold, k=company.drift_consecutive)
