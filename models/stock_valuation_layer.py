from odoo import api, fields, models

from ..const import HOLD_STATES

# Which two account roles a layer's value moves between, per event: the layer's signed
# value goes to the first role, its opposite to the second ("stock" is Inventory or,
# for goods in a hold location, Inventory – Quality Hold).
EVENT_ROLES = {
    "receipt": ("stock", "grni"),
    "delivery": ("stock", "cogs"),
    "customer_return": ("stock", "cogs"),
    "vendor_return": ("stock", "grni"),
    "scrap": ("stock", "shrinkage"),
    "adjustment": ("stock", "inventory_adjustment"),
    "dropship": ("cogs", "grni"),
    "revaluation": ("inventory", "revaluation"),
}


class StockValuationLayer(models.Model):
    _inherit = "stock.valuation.layer"

    qbo_posting_id = fields.Many2one("qbo.posting", "QuickBooks Posting", readonly=True, copy=False,
                                     index="btree_not_null")

    @api.model_create_multi
    def create(self, vals_list):
        layers = super().create(vals_list)
        self.env["qbo.posting"]._collect_layers(layers)
        return layers

    def _qbo_event(self):
        """The valued event of the accounting scheme this layer belongs to (see DESIGN.md)."""
        self.ensure_one()
        move = self.stock_move_id
        if not move:
            return "revaluation"
        source, dest = move.location_id, move.location_dest_id
        usages = (source.usage, dest.usage)
        if usages == ("supplier", "customer"):
            return "dropship"
        if source.usage == "supplier":
            return "receipt"
        if dest.usage == "supplier":
            return "vendor_return"
        if source.usage == "customer":
            return "customer_return"
        if dest.usage == "customer":
            return "delivery"
        if move.scrap_id or dest.scrap_location:
            return "scrap"
        if "inventory" in usages:
            return "adjustment"
        return "other"

    def _qbo_stock_role(self, location, positions):
        position = self.env["stock.inventory.tracker"]._location_state(location, positions)
        return "inventory_quality_hold" if position in HOLD_STATES else "inventory"

    def _qbo_accounting_lines(self):
        """Valued lines (signed: + debit) for the journal entry of these layers.

        :returns: list of dicts with role, amount, product_id, quantity, unit_cost, cost_type,
            warehouse_id, channel_id, categ_id, description
        :rtype: list
        """
        lines = []
        positions = self.env["stock.inventory.tracker"]._warehouse_positions(self.company_id)
        for layer in self:
            event = layer._qbo_event()
            if event == "dropship" and layer.value < 0:
                continue  # the dropship's out layer mirrors its in layer: one pair of lines is the event
            first, second = EVENT_ROLES.get(event, ("inventory", "inventory_adjustment"))
            move = layer.stock_move_id
            if first == "stock":
                first = layer._qbo_stock_role(
                    move.location_dest_id if layer.value >= 0 else move.location_id, positions)
            common = {
                "product_id": layer.product_id.id,
                "quantity": abs(layer.quantity) or False,
                "unit_cost": abs(layer.unit_cost) or False,
                "cost_type": False,
                "warehouse_id": (move.location_dest_id.warehouse_id or move.location_id.warehouse_id).id,
                "channel_id": move.sale_line_id.order_id.team_id.id,
                "categ_id": layer.categ_id.id,
                "description": layer.description or move.reference or "",
            }
            lines.append(dict(common, role=first, amount=layer.value))
            in_transit_unit = move.purchase_line_id.qbo_in_transit_unit_cost
            if event == "receipt" and move.picking_id.vendor_shipped_date and in_transit_unit:
                # relieve exactly what the vendor's shipment booked; a price or rate change since goes to GRNI
                relieved = layer.currency_id.round(in_transit_unit * layer.quantity)
                lines.append(dict(common, role="inventory_in_transit", amount=-relieved))
                lines.append(dict(common, role="grni", amount=relieved - layer.value))
            else:
                lines.append(dict(common, role=second, amount=-layer.value))
        return lines
