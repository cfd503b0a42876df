from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import LANDED_COST_TYPES

# Applying an actual revalues received goods: buyers and inventory administrators may, as they may enter one.
APPLY_GROUPS = ("purchase.group_purchase_user", "stock.group_stock_manager")


class LandedCostActual(models.Model):
    """An actual landed cost (bill or credit note) for a purchase order or one of its receipts.

    Companies that enter bills only in QuickBooks type them here; bills entered in Odoo arrive
    through Odoo's own bill → landed cost path. Applying actuals replaces the estimate of their
    type: a true-up landed cost carries the difference.
    """

    _name = "landed.cost.actual"
    _description = "Actual Landed Cost"
    _inherit = ["mail.thread", "landed.cost.product.mixin"]
    _order = "date desc, id desc"

    name = fields.Char("Reference", help="Bill or credit note number, as in QuickBooks.")
    company_id = fields.Many2one(related="purchase_id.company_id", store=True, index=True)
    purchase_id = fields.Many2one("purchase.order", "Purchase Order", required=True, index=True,
                                  ondelete="restrict", check_company=True)
    picking_id = fields.Many2one(
        "stock.picking", "Receipt", index="btree_not_null",
        domain="[('purchase_id', '=', purchase_id), ('picking_type_code', '=', 'incoming')]",
        help="Leave empty when the cost covers the whole order; set it when it covers this receipt only.")
    cost_type = fields.Selection(tracking=True)
    kind = fields.Selection([("bill", "Bill"), ("credit_note", "Credit Note")], required=True, default="bill",
                            help="A credit note reduces the actual cost of its type.")
    amount = fields.Monetary(required=True, tracking=True)
    currency_id = fields.Many2one("res.currency", required=True,
                                  default=lambda self: self.env.company.currency_id)
    date = fields.Date(required=True, default=fields.Date.context_today,
                       help="Bill date: foreign-currency amounts convert at this date's rate.")
    note = fields.Char("Reason", help="Why the actual differs from the estimate; recorded with the variance.")
    bill_id = fields.Many2one("account.move", "Vendor Bill", readonly=True, index="btree_not_null")
    state = fields.Selection([("draft", "Draft"), ("applied", "Applied")], default="draft", required=True,
                             readonly=True, copy=False, tracking=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    amount_company = fields.Monetary(
        "Amount (Company Currency)", currency_field="company_currency_id", readonly=True, copy=False,
        help="Signed amount in company currency at the bill date's rate, fixed when applied.")
    true_up_cost_id = fields.Many2one("stock.landed.cost", "True-up", readonly=True, copy=False)

    @api.constrains("amount")
    def _check_amount(self):
        for actual in self:
            if actual.amount < 0:
                raise ValidationError(_(
                    "Actual landed cost %(actual)s on %(order)s has a negative amount. Enter the amount as "
                    "positive and choose Credit Note to reduce the actual cost.",
                    actual=actual._label(), order=actual.purchase_id.name))

    def _label(self):
        self.ensure_one()
        return f"{dict(LANDED_COST_TYPES).get(self.cost_type, self.cost_type)} {self.name or ''}".strip()

    def write(self, vals):
        if self.filtered(lambda a: a.state == "applied") and set(vals) - {"true_up_cost_id", "note", "state",
                                                                          "amount_company"}:
            raise UserError(_(
                "Actual landed cost %(actual)s is applied and cannot change. Enter a credit note or another "
                "bill for the difference.", actual=self.filtered(lambda a: a.state == "applied")[0]._label()))
        return super().write(vals)

    def unlink(self):
        if self.filtered(lambda a: a.state == "applied"):
            raise UserError(_(
                "Actual landed cost %(actual)s is applied and cannot be deleted. Enter a credit note to reverse it.",
                actual=self.filtered(lambda a: a.state == "applied")[0]._label()))
        return super().unlink()

    # ------------------------------------------------------------------ apply
    def _check_can_apply(self):
        LandedCost = self.env["stock.landed.cost"]
        for actual in self:
            order = actual.purchase_id
            if actual.state != "draft":
                raise UserError(_("Actual landed cost %(actual)s is already applied.", actual=actual._label()))
            if order.state == "cancel":
                raise UserError(_(
                    "Actual landed cost %(actual)s is for %(order)s, which is cancelled. Enter it on the purchase "
                    "order the goods were received on.", actual=actual._label(), order=order.name))
            picking = actual.picking_id
            if picking and picking.state == "cancel":
                raise UserError(_(
                    "Actual landed cost %(actual)s is for receipt %(receipt)s, which is cancelled. Choose the "
                    "receipt the goods came in on, or leave the receipt empty to spread it over %(order)s.",
                    actual=actual._label(), receipt=picking.name, order=order.name))
            moves = LandedCost._received_purchase_moves((picking or order.picking_ids).move_ids)
            if not moves:
                raise UserError(_(
                    "Actual landed cost %(actual)s: nothing of %(scope)s has been received yet. Validate the "
                    "receipt first, then apply the actual cost.",
                    actual=actual._label(), scope=picking.name or order.name))
            if all(LandedCost._vendor_returned_qty(m) >= LandedCost._move_product_qty(m) for m in moves):
                raise UserError(_(
                    "Actual landed cost %(actual)s: every unit of %(scope)s was returned to the vendor, so no goods "
                    "are left to carry it. Book the cost directly in QuickBooks, or ask the vendor for a credit.",
                    actual=actual._label(), scope=picking.name or order.name))
            actual._check_rate()

    def _check_rate(self):
        self.ensure_one()
        company = self.purchase_id.company_id
        if self.currency_id == company.currency_id:
            return
        if not self.env["res.currency.rate"].search_count([
                ("currency_id", "=", self.currency_id.id), ("name", "<=", self.date),
                ("company_id", "in", (False, company.root_id.id))], limit=1):
            raise UserError(_(
                "Actual landed cost %(actual)s is in %(currency)s, which has no exchange rate on or before "
                "%(date)s. Add the rate in Accounting › Configuration › Currencies, then apply again.",
                actual=self._label(), currency=self.currency_id.name, date=self.date))

    def _signed_amount(self):
        self.ensure_one()
        company = self.purchase_id.company_id
        amount = self.currency_id._convert(self.amount, company.currency_id, company, self.date)
        return -amount if self.kind == "credit_note" else amount

    def _mark_applied(self):
        for actual in self:
            actual.write({"state": "applied", "amount_company": actual._signed_amount()})

    def _check_apply_rights(self):
        """AccessError unless the user is in one of ``APPLY_GROUPS`` (superuser runs, such as the inbox cron, may)."""
        if self.env.su or any(self.env.user.has_group(xmlid) for xmlid in APPLY_GROUPS):
            return
        groups = self.env["res.groups"].sudo().browse([self.env.ref(xmlid).id for xmlid in APPLY_GROUPS])
        raise AccessError(_(
            "You cannot apply actual landed cost %(actual)s on %(order)s: applying it revalues the goods received, "
            "which takes the group %(groups)s. Ask a user of that group to apply it.",
            actual=self[:1]._label(), order=self[:1].purchase_id.display_name,
            groups=_(" or ").join(groups.mapped("full_name"))))

    def action_apply(self):
        self._check_apply_rights()
        self.check_access("write")
        self._check_can_apply()
        self._mark_applied()
        costs = self.env["stock.landed.cost"]._apply_actuals(self)
        for actual in self:
            # the true-up is an Odoo landed cost, which only inventory administrators may read
            true_up = actual.sudo().true_up_cost_id
            actual.message_post(body=_("Applied: %(result)s", result=true_up.name or _(
                "the goods already carried this amount, no true-up needed")))
        return costs
