from odoo import _, api, fields, models

from .stock_available_to_promise import ATP_TERMS


class StockAvailableToPromiseLine(models.TransientModel):
    """One row of the "ATP by channel" screen: the terms of ``_compute_atp`` for a variant, warehouse and channel,
    and per variant and warehouse one total row that counts the stock once.

    Rows are written fresh each time the screen opens, so they always show the figures of that moment. No
    term is summed in a group: on hand, hold, reserved and safety stock are the same stock in every channel's
    row, and channels' ATPs overlap (each may promise the unallocated pool).
    """
    _name = "stock.available.to.promise.line"
    _description = "Available to Promise by Channel"
    _order = "product_id, warehouse_id, is_total desc, sequence, channel_id"

    product_id = fields.Many2one("product.product", "Product Variant", readonly=True)
    uom_id = fields.Many2one(related="product_id.uom_id")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    channel_id = fields.Many2one(
        "crm.team", "Sales Channel", readonly=True, help="Empty: the warehouse's total, all channels together.")
    is_total = fields.Boolean("Warehouse Total", readonly=True)
    sequence = fields.Integer(readonly=True)
    row_label = fields.Char(
        "Channel", readonly=True,
        help="The sales channel, or the warehouse's total: its stock counted once, its free stock for all "
        "channels together.")
    on_hand = fields.Float("On Hand", digits="Product Unit of Measure", readonly=True, aggregator=None)
    quality_hold = fields.Float(
        "Quality Hold", digits="Product Unit of Measure", readonly=True, aggregator=None,
        help="On hand in quality hold, return inspection and scrap locations: never promised.")
    sellable = fields.Float(
        "On Hand, Sellable", digits="Product Unit of Measure", readonly=True, aggregator=None,
        help="On hand − quality hold.")
    reserved = fields.Float(digits="Product Unit of Measure", readonly=True, aggregator=None,
                            help="Reserved for transfers in the sellable locations.")
    safety_stock = fields.Float(digits="Product Unit of Measure", readonly=True, aggregator=None)
    free = fields.Float(
        "Free Stock", digits="Product Unit of Measure", readonly=True, aggregator=None,
        help="Sellable − reserved − safety stock.")
    allocated_own = fields.Float("Own Allocation", digits="Product Unit of Measure", readonly=True,
                                 aggregator=None)
    allocated_others = fields.Float("Other Channels' Allocations", digits="Product Unit of Measure",
                                    readonly=True, aggregator=None)
    atp = fields.Float(
        "Available to Promise", digits="Product Unit of Measure", readonly=True, aggregator=None,
        help="Free stock − other channels' allocations. Channels' figures overlap: never add them up.")

    @api.model
    def _atp_warehouses(self, products):
        """The warehouses the screen shows: those of the current company, and of the other selected companies
        those that hold the products; only the products' own company when they all have one."""
        companies = self.env.companies
        if products and all(product.company_id for product in products):
            companies &= products.company_id
        warehouses = self.env["stock.warehouse"].search([("company_id", "in", companies.ids)])
        elsewhere = warehouses.filtered(lambda warehouse: warehouse.company_id != self.env.company)
        if elsewhere:
            stocked = self.env["stock.quant"]._read_group(
                [("product_id", "in", products.ids), ("location_id.usage", "=", "internal"),
                 ("location_id.warehouse_id", "in", elsewhere.ids)], ["location_id"])
            holding = self.env["stock.location"].union(*(location for location, in stocked)).warehouse_id
            warehouses -= elsewhere - holding
        return warehouses

    @api.model
    def _open_for(self, products):
        """Write the rows for ``products`` in each warehouse shown (``_atp_warehouses``) and every channel that
        sells there; return the list action."""
        ATP = self.env["stock.available.to.promise"]
        warehouses = self._atp_warehouses(products)
        vals_list = []
        for warehouse in warehouses:
            channels = self.env["crm.team"]._atp_sales_channels(warehouse.company_id)
            figures = ATP._compute_atp(products, warehouse, channels) if channels else {}
            totals = ATP._compute_atp(products, warehouse)
            order = {channel.id: index for index, channel in enumerate(channels)}
            for terms in list(totals.values()) + list(figures.values()):
                channel = self.env["crm.team"].browse(terms["channel_id"])
                vals_list.append({
                    "product_id": terms["product_id"], "warehouse_id": terms["warehouse_id"],
                    "channel_id": channel.id, "is_total": not channel,
                    "sequence": order.get(channel.id, 0),
                    "row_label": channel.display_name if channel else _("Total of %(warehouse)s (stock counted once)",
                                                                          warehouse=warehouse.name),
                    **{term: terms[term] for term in ATP_TERMS}})
        lines = self.create(vals_list)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_quickbooks_sync.action_stock_available_to_promise_line")
        action["domain"] = [("id", "in", lines.ids)]
        action["context"] = {"group_by": ["product_id", "warehouse_id"] if len(products) > 1 else ["warehouse_id"]}
        if len(products) == 1:
            action["name"] = _("Available to Promise by Channel: %(product)s", product=products.display_name)
        return action
