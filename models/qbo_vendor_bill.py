"""Vendor bills and credits the accountant entered in QuickBooks, as landed-cost actuals.

The accountant of our customer enters the forwarder's, the broker's and the customs bills in
QuickBooks, coding their lines to the Accrued Landed Cost accounts and typing the purchase order
or receipt in the memo, the bill number or a line. Each such bill arrives here (from the inbox:
webhook or change data capture), is matched to the receipts it pays for, and, when the match is
sure, becomes a landed-cost actual through the same machinery as one typed in Odoo (variance,
on-hand/COGS true-up, drift). An unsure match waits for the accountant with its suggestions.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from ..const import VENDOR_BILL_KINDS, VENDOR_BILL_STATES

# QuickBooks' web app, where the accountant opens a bill (no link for the emulator).
QBO_APP_HOSTS = {"production": "https://app.qbo.intuit.com", "sandbox": "https://app.sandbox.qbo.intuit.com"}


class QboVendorBill(models.Model):
    _name = "qbo.vendor.bill"
    _description = "QuickBooks Vendor Bill"
    _inherit = ["mail.thread"]
    _order = "txn_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    connection_id = fields.Many2one("qbo.connection", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    qbo_id = fields.Char("QuickBooks Id", required=True, readonly=True)
    kind = fields.Selection(VENDOR_BILL_KINDS, required=True, readonly=True)
    doc_number = fields.Char("Bill Number", readonly=True)
    vendor_name = fields.Char("Vendor (QuickBooks)", readonly=True)
    txn_date = fields.Date("Bill Date", readonly=True)
    currency_code = fields.Char("Currency", readonly=True)
    memo = fields.Text(readonly=True, help="The bill's memo (PrivateNote) in QuickBooks.")
    line_ids = fields.One2many("qbo.vendor.bill.line", "bill_id", "Landed Cost Lines", readonly=True)
    amount = fields.Float("Landed Cost Amount", compute="_compute_amount", store=True,
                          help="What the lines coded to Accrued Landed Cost accounts add up to.")
    state = fields.Selection(VENDOR_BILL_STATES, required=True, default="to_review", readonly=True, tracking=True)
    review_reason = fields.Text("Why It Waits", readonly=True)
    purchase_id = fields.Many2one("purchase.order", "Purchase Order", check_company=True, tracking=True,
                                  domain="[('company_id', '=', company_id), ('state', 'in', ('purchase', 'done'))]")
    picking_id = fields.Many2one(
        "stock.picking", "Receipt", check_company=True, tracking=True,
        domain="[('purchase_id', '=', purchase_id), ('picking_type_code', '=', 'incoming'), ('state', '=', 'done')]",
        help="Empty: the cost is spread over every receipt of the order.")
    match_reason = fields.Char("Matched By", readonly=True)
    suggestion_ids = fields.One2many("qbo.vendor.bill.suggestion", "bill_id", "Suggestions", readonly=True)
    actual_ids = fields.Many2many("landed.cost.actual", string="Actual Landed Costs", readonly=True, copy=False)
    qbo_url = fields.Char("Open in QuickBooks", compute="_compute_qbo_url")

    _sql_constraints = [
        ("qbo_bill_unique", "UNIQUE(connection_id, kind, qbo_id)", "This QuickBooks bill is already here."),
    ]

    @api.depends("kind", "doc_number", "vendor_name", "qbo_id")
    def _compute_name(self):
        kinds = dict(VENDOR_BILL_KINDS)
        for bill in self:
            bill.name = " ".join(filter(None, [kinds.get(bill.kind), bill.doc_number or "#%s" % bill.qbo_id,
                                               bill.vendor_name and "· %s" % bill.vendor_name]))

    @api.depends("line_ids.amount")
    def _compute_amount(self):
        for bill in self:
            bill.amount = sum(bill.line_ids.mapped("amount"))

    def _compute_qbo_url(self):
        for bill in self:
            host = QBO_APP_HOSTS.get(bill.connection_id.environment)
            page = "bill" if bill.kind == "bill" else "vendorcredit"
            bill.qbo_url = host and "%s/app/%s?txnId=%s" % (host, page, bill.qbo_id)

    # ------------------------------------------------------------------ actions
    def _qbo_confirm(self, reason):
        """The accountant confirms the purchase order (and receipt) chosen: the bill becomes actuals."""
        self.check_access("write")
        for bill in self:
            if bill.state != "to_review":
                raise UserError(_("%(bill)s is not waiting for a review (it is %(state)s).",
                                  bill=bill.name, state=dict(VENDOR_BILL_STATES)[bill.state]))
            if not bill.purchase_id:
                raise UserError(_("%(bill)s: choose the purchase order it pays for (a suggestion, or any order), "
                                  "then confirm.", bill=bill.name))
        self.env["stock.decision.log"]._log(
            "bill_match_confirm", self, reason,
            lambda bill: bill.env._("%(bill)s applied to %(order)s", bill=bill.name,
                                    order=bill.picking_id.name or bill.purchase_id.name),
            snapshot=lambda bill: {"amount": bill.amount, "purchase": bill.purchase_id.name,
                                   "receipt": bill.picking_id.name or "", "qbo_id": bill.qbo_id})
        for bill in self:
            bill._qbo_apply(_("confirmed by %(user)s", user=self.env.user.name))
        return True

    def _qbo_reject(self, reason):
        """Not a landed cost of ours (or a duplicate): it stays in QuickBooks, nothing happens here."""
        self.check_access("write")
        waiting = self.filtered(lambda bill: bill.state == "to_review")
        if waiting != self:
            raise UserError(_("Only bills waiting for a review can be rejected: %(bills)s are not.",
                              bills=", ".join((self - waiting).mapped("name"))))
        self.env["stock.decision.log"]._log(
            "bill_match_reject", self, reason, lambda bill: bill.env._("%(bill)s rejected", bill=bill.name),
            snapshot=lambda bill: {"amount": bill.amount, "qbo_id": bill.qbo_id})
        self.write({"state": "rejected"})
        return True

    def action_open_decide_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": "qbo.vendor.bill.decide", "view_mode": "form",
            "target": "new", "name": _("Review %(bill)s", bill=self.name),
            "context": {"default_bill_id": self.id},
        }

    # ------------------------------------------------------------------ apply
    def _qbo_apply(self, how):
        """Create one actual per cost type on the matched order and apply it; a refusal waits for review."""
        self.ensure_one()
        # No default_* of the caller (the review wizard's default_bill_id) may reach the records created here:
        # the context is replaced, not updated, which is what clean_context is for.
        context = clean_context(self.env.context)
        Actual = self.env["landed.cost.actual"].with_context(context)  # pylint: disable=context-overridden
        currency = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "=", self.currency_code or self.company_id.currency_id.name)], limit=1)
        if not currency:
            return self._qbo_wait(_("The bill is in %(currency)s, which this database does not know: activate it in "
                                    "Accounting › Configuration › Currencies, then confirm again.",
                                    currency=self.currency_code))
        by_type = {}
        for line in self.line_ids:
            by_type[line.cost_type] = by_type.get(line.cost_type, 0.0) + line.amount
        try:
            with self.env.cr.savepoint():
                actuals = Actual.create([{
                    "name": self.doc_number or self.name, "purchase_id": self.purchase_id.id,
                    "picking_id": self.picking_id.id, "cost_type": cost_type, "amount": amount,
                    "currency_id": currency.id, "kind": "credit_note" if self.kind == "vendor_credit" else "bill",
                    "date": self.txn_date, "note": _("QuickBooks %(bill)s, %(how)s", bill=self.name, how=how),
                } for cost_type, amount in sorted(by_type.items()) if amount])
                actuals.action_apply()
        except UserError as refused:
            return self._qbo_wait(str(refused))
        self.write({"state": "applied", "actual_ids": [(6, 0, actuals.ids)], "review_reason": False})
        self.message_post(body=_("Applied to %(order)s (%(how)s): %(costs)s", order=self.picking_id.name
                                 or self.purchase_id.name, how=how,
                                 costs=", ".join(actuals.true_up_cost_id.mapped("name")) or _("no true-up needed")))
        return True

    def _qbo_wait(self, reason):
        self.write({"state": "to_review", "review_reason": reason})
        return False


class QboVendorBillLine(models.Model):
    _name = "qbo.vendor.bill.line"
    _description = "QuickBooks Vendor Bill Line"
    _order = "bill_id, sequence, id"

    bill_id = fields.Many2one("qbo.vendor.bill", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="bill_id.company_id", store=True, index=True)
    sequence = fields.Integer()
    cost_type = fields.Selection(related="mapping_id.cost_type", store=True)
    mapping_id = fields.Many2one("qbo.account.mapping", "Accrual Mapping", readonly=True,
                                 help="The Accrued Landed Cost mapping whose account the line is coded to.")
    account_name = fields.Char("QuickBooks Account", readonly=True)
    description = fields.Char(readonly=True)
    amount = fields.Float(readonly=True)


class QboVendorBillSuggestion(models.Model):
    _name = "qbo.vendor.bill.suggestion"
    _description = "QuickBooks Vendor Bill Match Suggestion"
    _order = "bill_id, score desc, id"

    bill_id = fields.Many2one("qbo.vendor.bill", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="bill_id.company_id", store=True, index=True)
    purchase_id = fields.Many2one("purchase.order", "Purchase Order", readonly=True)
    picking_id = fields.Many2one("stock.picking", "Receipt", readonly=True)
    score = fields.Integer(readonly=True, help="How well the order fits the bill, out of 100.")
    reason = fields.Char("Why", readonly=True)

    def action_use(self):
        self.ensure_one()
        self.bill_id.write({"purchase_id": self.purchase_id.id, "picking_id": self.picking_id.id})
        return True
