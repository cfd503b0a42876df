from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..const import INVENTORY_STATE_ORDER, INVENTORY_STATES, ORIGIN_OWNERSHIP_INCOTERMS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    inventory_state = fields.Selection(
        INVENTORY_STATES, compute="_compute_inventory_state",
        help="The least advanced inventory state among the transfer's moves.")
    inventory_reason = fields.Char(
        "Reason", copy=False, help="Why this transfer was made (returns); recorded in the inventory ledger.")
    vendor_shipped_date = fields.Datetime(
        "Shipped by Vendor", copy=False, readonly=True,
        help="When the vendor handed the goods to the carrier. Under an incoterm that passes ownership at "
        "origin (EXW, FCA, FAS, FOB) the goods are ours and in transit from then on.")
    ownership_at_origin = fields.Boolean(compute="_compute_ownership_at_origin")

    @api.depends("move_ids.inventory_state")
    def _compute_inventory_state(self):
        for picking in self:
            states = [s for s in picking.move_ids.mapped("inventory_state") if s and s != "cancelled"]
            picking.inventory_state = min(states, key=INVENTORY_STATE_ORDER.__getitem__) if states else (
                "cancelled" if picking.move_ids else False)

    @api.depends("picking_type_code", "purchase_id.incoterm_id")
    def _compute_ownership_at_origin(self):
        for picking in self:
            picking.ownership_at_origin = (
                picking.picking_type_code == "incoming"
                and picking.purchase_id.incoterm_id.code in ORIGIN_OWNERSHIP_INCOTERMS)

    def write(self, vals):
        result = super().write(vals)
        if "vendor_shipped_date" in vals or "inventory_reason" in vals:
            self.env["stock.inventory.tracker"]._mark_dirty(self.move_ids.ids)
        return result

    def action_mark_shipped_by_vendor(self):
        for picking in self:
            if picking.picking_type_code != "incoming" or picking.state in ("done", "cancel"):
                raise UserError(_(
                    "%(picking)s is not a pending receipt: only goods still expected from a vendor can be "
                    "marked as shipped by the vendor.", picking=picking.display_name))
        self.write({"vendor_shipped_date": fields.Datetime.now()})
        for line in self.move_ids.purchase_line_id:
            line.qbo_in_transit_unit_cost = line._qbo_company_unit_cost()
        self.env["qbo.posting"]._enqueue_in_transit(self)
        return True

    def _action_done(self):
        result = super()._action_done()
        # goods carry their estimated landed cost from the moment they are received
        receipts = self.filtered(lambda p: p.state == "done" and p.picking_type_code == "incoming")
        self.env["stock.landed.cost"]._apply_receipt_estimates(receipts)
        return result
