from odoo import api, fields, models


class QboVendorBillDecide(models.TransientModel):
    """The accountant confirms a QuickBooks bill's purchase order (and receipt), or rejects it, with a reason."""

    _name = "qbo.vendor.bill.decide"
    _description = "Review a QuickBooks Vendor Bill"

    bill_id = fields.Many2one("qbo.vendor.bill", required=True, readonly=True)
    company_id = fields.Many2one(related="bill_id.company_id")
    review_reason = fields.Text(related="bill_id.review_reason")
    suggestion_ids = fields.One2many(related="bill_id.suggestion_ids")
    purchase_id = fields.Many2one(
        "purchase.order", "Purchase Order",
        domain="[('company_id', '=', company_id), ('state', 'in', ('purchase', 'done'))]")
    picking_id = fields.Many2one(
        "stock.picking", "Receipt",
        domain="[('purchase_id', '=', purchase_id), ('picking_type_code', '=', 'incoming'), ('state', '=', 'done')]")
    reason = fields.Char(required=True, help="Why this order (or why the bill is rejected); kept in the decision log.")

    @api.model
    def default_get(self, fields_list):
        """The order already chosen, else the best suggestion: the accountant only confirms the obvious."""
        values = super().default_get(fields_list)
        bill = self.env["qbo.vendor.bill"].browse(values.get("bill_id") or self.env.context.get("default_bill_id"))
        if bill:
            best = bill.suggestion_ids[:1]
            if not values.get("purchase_id"):
                values["purchase_id"] = (bill.purchase_id or best.purchase_id).id
                values["picking_id"] = (bill.picking_id or best.picking_id).id
        return values

    def action_confirm(self):
        self.bill_id.write({"purchase_id": self.purchase_id.id, "picking_id": self.picking_id.id})
        self.bill_id._qbo_confirm(self.reason)
        return {"type": "ir.actions.act_window_close"}

    def action_reject(self):
        self.bill_id._qbo_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
