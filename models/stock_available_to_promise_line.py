from odoo import api, fields, models

from .stock_available_to_promise import ATP_TERMS


class StockAvailableToPromiseLine(models.TransientModel):
    """One row of the "ATP by channel" screen: the terms of ``_compute_atp`` for a variant, warehouse and channel.

    Rows are written fresh each time the screen opens, so they always show the figures of that moment.
    """
    _name = "stock.available.to.promise.line"
    _description = "Available to Promise by Channel"
    _order = "product_id, warehouse_id, channel_id"

    product_id = fields.Many2one("product.product", "Product Variant", readonly=True)
    uom_id = fields.Many2one(related="product_id.uom_id")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    channel_id = fields.Many2one(
        "crm.team", "Sales Channel", readonly=True, help="Empty: all channels together (the free stock).")
    on_hand = fields.Float("On Hand", digits="Product Unit of Measure", readonly=True)
    quality_hold = fields.Float(
        "Quality Hold", digits="Product Unit of Measure", readonly=True,
        help="On hand in quality hold, return inspection and scrap locations: never promised.")
    sellable = fields.Float(
        "On Hand, Sellable", digits="Product Unit of Measure", readonly=True, help="On hand − quality hold.")
    reserved = fields.Float(digits="Product Unit of Measure", readonly=True,
                            help="Reserved for transfers in the sellable locations.")
    safety_stock = fields.Float(digits="Product Unit of Measure", readonly=True)
    free = fields.Float(
        "Free Stock", digits="Product Unit of Measure", readonly=True, help="Sellable − reserved − safety stock.")
    allocated_own = fields.Float("Own Allocation", digits="Product Unit of Measure", readonly=True)
    allocated_others = fields.Float("Other Channels' Allocations", digits="Product Unit of Measure", readonly=True)
    atp = fields.Float(
        "Available to Promise", digits="Product Unit of Measure", readonly=True,
        help="Free stock − other channels' allocations.")

    @api.model
    def _open_for(self, products):
        """Write the rows for ``products`` in every warehouse and channel of the company; return the list action."""
        ATP = self.env["stock.available.to.promise"]
        warehouses = self.env["stock.warehouse"].search([("company_id", "in", self.env.companies.ids)])
        channels = self.env["crm.team"].search([("company_id", "in", self.env.companies.ids + [False])])
        vals_list = []
        for warehouse in warehouses:
            figures = ATP._compute_atp(products, warehouse, channels)
            totals = ATP._compute_atp(products, warehouse)
            for terms in list(totals.values()) + list(figures.values()):
                vals_list.append({
                    "product_id": terms["product_id"], "warehouse_id": terms["warehouse_id"],
                    "channel_id": terms["channel_id"], **{term: terms[term] for term in ATP_TERMS}})
        lines = self.create(vals_list)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_quickbooks_sync.action_stock_available_to_promise_line")
        action["domain"] = [("id", "in", lines.ids)]
        action["context"] = {"group_by": ["product_id", "warehouse_id"] if len(products) > 1 else ["warehouse_id"]}
        return action
