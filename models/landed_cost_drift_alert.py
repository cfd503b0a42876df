from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round

from ..const import DRIFT_ALERT_KINDS, DRIFT_ALERT_STATES
from .purchase_landed_cost_rule import FIXED_METHODS

# Who may run the check and act on an alert: the buyers' managers and the accountants.
ALERT_GROUPS = ("purchase.group_purchase_manager", "stock_quickbooks_sync.group_qbo_accountant",
                "stock.group_stock_manager")


class LandedCostDriftAlert(models.Model):
    """An assumption that no longer holds: a structural landed cost drift, or a style's landed margin
    under its floor. Raised once per situation (``key``) with an activity for the buyer and the
    accountant; a cost drift offers to update its rule in one click (logged as a decision).
    """

    _name = "landed.cost.drift.alert"
    _description = "Landed Cost Drift Alert"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"

    name = fields.Char(required=True, readonly=True)
    key = fields.Char(required=True, readonly=True, index=True,
                      help="The situation alerted on: the same situation never raises a second alert.")
    kind = fields.Selection(DRIFT_ALERT_KINDS, required=True, readonly=True, index=True)
    state = fields.Selection(DRIFT_ALERT_STATES, required=True, readonly=True, default="open", index=True,
                             tracking=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    driver_id = fields.Many2one("landed.cost.driver", "Cost Driver", readonly=True, index="btree_not_null",
                                ondelete="set null")
    rule_id = fields.Many2one("purchase.landed.cost.rule", "Rule", readonly=True, ondelete="set null")
    product_tmpl_id = fields.Many2one("product.template", "Style", readonly=True, index="btree_not_null",
                                      ondelete="cascade")
    picking_ids = fields.Many2many("stock.picking", string="Receipts", readonly=True,
                                   help="The receipts the drift rests on.")
    drift_percent = fields.Float("Drift (%)", readonly=True, digits=(16, 1))
    expected_unit_cost = fields.Float("Rule per Unit", readonly=True, digits="Product Price")
    actual_unit_cost = fields.Float("Actual per Unit", readonly=True, digits="Product Price")
    quantity_on_hand = fields.Float("Units on Hand", readonly=True, digits="Product Unit of Measure")
    margin_moved = fields.Monetary(
        "Margin Moved", readonly=True,
        help="Cost drift: (rule - actual) per unit x units on hand, the margin the goods in stock gain (+) or "
        "lose (-) against what the rule promised. Margin floor: (margin - floor) x sales price x units on hand.")
    current_value = fields.Float("Current Rate or Amount", readonly=True, digits="Product Price")
    proposed_value = fields.Float(
        "Proposed Rate or Amount", readonly=True, digits="Product Price",
        help="The rule's rate (or fixed amount) scaled by actual / rule over the receipts: the observed average.")
    sale_price = fields.Monetary("Sales Price", readonly=True)
    landed_unit_cost = fields.Monetary("Landed Unit Cost", readonly=True)
    margin_percent = fields.Float("Landed Margin (%)", readonly=True, digits=(16, 1))
    floor_percent = fields.Float("Floor (%)", readonly=True, digits=(16, 1))
    explanation = fields.Text(readonly=True)
    buyer_id = fields.Many2one("res.users", "Buyer", readonly=True)
    accountant_id = fields.Many2one("res.users", "Accountant", readonly=True)
    decision_id = fields.Many2one("stock.decision.log", "Rule Update", readonly=True)

    # ---------------------------------------------------------------- check
    @api.model
    def _check_access_to_act(self):
        if not any(self.env.user.has_group(group) for group in ALERT_GROUPS):
            raise AccessError(_("Only purchase managers, stock managers and QuickBooks accountants may run the "
                                "landed cost drift check or act on its alerts."))

    @api.model
    def action_check_drift(self):
        """Check now (button): the same job as the daily cron, for the current companies."""
        self._check_access_to_act()
        self.sudo()._qbo_check(self.env.companies)
        return self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_landed_cost_drift_alert")

    @api.model
    def _cron_check_drift(self):
        self._qbo_check(self.env["res.company"].search([]))

    @api.model
    def _qbo_check(self, companies):
        """Classify the drivers of ``companies`` and raise what is new; idempotent.

        :returns: the alerts created or refreshed
        """
        alerts = self.browse()
        for company in companies:
            drivers = self.env["landed.cost.driver"]._qbo_refresh(company)
            for driver in drivers.filtered(lambda d: d.classification == "structural"):
                alerts |= self._qbo_raise(company, f"cost_drift:{driver.key}:{driver.picking_ids.sorted('id')[-1:].id}",
                                          self._cost_drift_vals(driver), ("driver_id", driver.id))
            for template, vals in self._margin_floor_vals(company).items():
                alerts |= self._qbo_raise(company, vals.pop("key"), vals, ("product_tmpl_id", template.id))
        return alerts

    def _qbo_raise(self, company, key, vals, subject):
        """One alert per situation: nothing when this situation was alerted already, the open alert of the
        same driver or style refreshed when the situation moved on, else a new alert with its activities."""
        if self.search_count([("company_id", "=", company.id), ("key", "=", key)], limit=1):
            return self.browse()
        vals = dict(vals, key=key, company_id=company.id)
        field, record_id = subject
        open_alert = self.search([("company_id", "=", company.id), (field, "=", record_id), ("state", "=", "open")],
                                 limit=1)
        if open_alert:
            open_alert.write(vals)
            open_alert.message_post(body=_("Updated with the latest receipts: %(why)s", why=vals["explanation"]))
            return open_alert
        alert = self.create(vals)
        summary = alert.name
        for user in (alert.buyer_id | alert.accountant_id).filtered("active"):
            alert.activity_schedule("mail.mail_activity_data_todo", user_id=user.id, summary=summary,
                                    note=alert.explanation)
        return alert

    @api.model
    def _accountant(self, company):
        if company.drift_accountant_id:
            return company.drift_accountant_id
        group = self.env.ref("stock_quickbooks_sync.group_qbo_accountant")
        return group.users.filtered(lambda u: company in u.company_ids and not u.share
                                    and u.id != self.env.ref("base.user_root").id).sorted("id")[:1]

    @api.model
    def _cost_drift_vals(self, driver):
        company = driver.company_id
        currency = company.currency_id
        rule = driver.rule_id
        products = driver.picking_ids.move_ids.product_id.filtered(lambda p: p.categ_id == driver.categ_id)
        on_hand = sum(products.with_company(company).mapped("qty_available"))
        difference = driver.actual_unit_cost - driver.expected_unit_cost
        ratio = driver.actual_unit_cost / driver.expected_unit_cost if driver.expected_unit_cost else 1.0
        fixed = rule.method in FIXED_METHODS
        current = rule.amount if fixed else rule.rate
        digits = currency.decimal_places if fixed else self.env["decimal.precision"].precision_get("Product Price")
        proposed = float_round(current * ratio, precision_digits=digits)
        margin = currency.round(-difference * on_hand)
        receipts = driver.picking_ids.sorted(lambda p: (p.date_done, p.id))
        buyer = receipts[-1:].purchase_id.user_id
        explanation = _(
            "%(driver)s: the last %(count)s receipts (%(receipts)s) carried %(actual)s per unit against the "
            "rule's %(expected)s (%(drift)+.1f %%). Each unit in stock costs %(difference)s more than the rule "
            "said; on the %(on_hand)s units on hand that moves the margin by %(margin)s. Updating the rule "
            "%(rule)s sets its %(what)s from %(current)s to %(proposed)s (the average of these receipts).",
            driver=driver.name, count=len(receipts), receipts=", ".join(receipts.mapped("name")),
            actual=f"{driver.actual_unit_cost:.4f}", expected=f"{driver.expected_unit_cost:.4f}",
            drift=driver.drift_percent, difference=f"{difference:+.4f}", on_hand=f"{on_hand:g}",
            margin=f"{margin:+.2f} {currency.name}", rule=rule.name,
            what=_("amount") if fixed else _("rate"), current=f"{current:g}", proposed=f"{proposed:g}")
        return {
            "name": _("%(driver)s drifted %(drift)+.1f %%", driver=driver.name, drift=driver.drift_percent),
            "kind": "cost_drift", "driver_id": driver.id, "rule_id": rule.id,
            "picking_ids": [fields.Command.set(receipts.ids)], "drift_percent": driver.drift_percent,
            "expected_unit_cost": driver.expected_unit_cost, "actual_unit_cost": driver.actual_unit_cost,
            "quantity_on_hand": on_hand, "margin_moved": margin, "current_value": current,
            "proposed_value": proposed, "explanation": explanation, "buyer_id": buyer.id,
            "accountant_id": self._accountant(company).id,
        }

    @api.model
    def _margin_floor_vals(self, company):
        """Styles on hand whose sales price leaves a landed margin under their floor.

        Landed unit cost = valuation (purchase price plus every landed cost carried) / quantity on hand.

        :returns: dict {product.template: alert values with their key}
        """
        currency = company.currency_id
        groups = self.env["stock.valuation.layer"]._read_group(
            [("company_id", "=", company.id), ("product_id.is_storable", "=", True)],
            groupby=["product_id"], aggregates=["quantity:sum", "value:sum"])
        by_template = {}
        for product, quantity, value in groups:
            qty, val = by_template.get(product.product_tmpl_id, (0.0, 0.0))
            by_template[product.product_tmpl_id] = (qty + quantity, val + value)
        result = {}
        for template, (quantity, value) in by_template.items():
            floor = template.landed_margin_floor or company.landed_margin_floor
            price = template.list_price
            if not floor or quantity <= 0 or price <= 0:
                continue  # no floor, nothing on hand, or no sales price: no margin to speak of
            unit_cost = value / quantity
            margin = 100.0 * (price - unit_cost) / price
            if margin >= floor:
                continue
            unit_cost = currency.round(unit_cost)
            moved = currency.round((margin - floor) / 100.0 * price * quantity)
            result[template] = {
                "key": f"margin_floor:{template.id}:{unit_cost:.2f}:{price:.2f}:{floor:g}",
                "name": _("%(style)s: landed margin %(margin).1f %% under the %(floor)g %% floor",
                          style=template.display_name, margin=margin, floor=floor),
                "kind": "margin_floor", "product_tmpl_id": template.id, "sale_price": price,
                "landed_unit_cost": unit_cost, "margin_percent": float_round(margin, 1), "floor_percent": floor,
                "quantity_on_hand": quantity, "margin_moved": moved,
                "explanation": _(
                    "%(style)s sells at %(price)s and costs %(cost)s landed (purchase price plus landed costs, "
                    "%(qty)s units on hand): a landed margin of %(margin).1f %%, under the floor of %(floor)g %%. "
                    "Reaching the floor on the units on hand needs %(moved)s more margin: raise the price, or "
                    "lower the landed cost.", style=template.display_name, price=f"{price:.2f}",
                    cost=f"{unit_cost:.2f}", qty=f"{quantity:g}", margin=margin, floor=floor,
                    moved=f"{-moved:.2f} {currency.name}"),
                "buyer_id": template.responsible_id.id if "responsible_id" in template._fields else False,
                "accountant_id": self._accountant(company).id,
            }
        return result

    # ---------------------------------------------------------------- actions
    def action_update_rule(self):
        """Set the rule to the observed average; the change is logged as a decision with before/after."""
        self.ensure_one()
        self._check_access_to_act()
        if self.kind != "cost_drift" or self.state != "open" or not self.rule_id:
            raise UserError(_("Alert %(alert)s has no rule to update: only an open cost drift alert updates its "
                              "rule.", alert=self.name))
        rule = self.rule_id
        field = "amount" if rule.method in FIXED_METHODS else "rate"
        receipts = self.picking_ids.sorted(lambda p: (p.date_done, p.id)).mapped("name")
        reason = _("Drift alert: %(drift)+.1f %% on %(receipts)s", drift=self.drift_percent,
                   receipts=", ".join(receipts))
        # the alert's user decides; the rule is written on their behalf (buyers may not edit rules)
        rule.sudo().with_context(
            decision_kind="drift_rule_update", decision_reason=reason,
            decision_snapshot={"alert": self.name, "alert_id": self.id, "drift_percent": self.drift_percent,
                               "rule_per_unit": self.expected_unit_cost, "actual_per_unit": self.actual_unit_cost,
                               "units_on_hand": self.quantity_on_hand, "margin_moved": self.margin_moved,
                               "receipts": receipts},
        ).write({field: self.proposed_value})
        decision = self.env["stock.decision.log"].sudo().search(
            [("kind", "=", "drift_rule_update"), ("res_model", "=", rule._name), ("res_id", "=", rule.id)], limit=1)
        self.sudo().write({"state": "rule_updated", "decision_id": decision.id})
        self.sudo().activity_ids.action_feedback(feedback=_("Rule %(rule)s updated to %(value)g.", rule=rule.name,
                                                            value=self.proposed_value))
        return True

    def action_dismiss(self):
        self._check_access_to_act()
        self.filtered(lambda a: a.state == "open").sudo().write({"state": "dismissed"})
        self.sudo().activity_ids.action_feedback(feedback=_("Dismissed."))
        return True
