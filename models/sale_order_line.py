from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import float_compare, formatLang


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    channel_atp_qty = fields.Float(
        "Channel ATP", compute="_compute_channel_atp", digits="Product Unit of Measure",
        help="Available to promise to the order's sales channel in the order's warehouse, in the line's unit, "
        "before this order is confirmed.")
    channel_atp_label = fields.Char(
        "Channel ATP (shown)", compute="_compute_channel_atp",
        help="Available to promise to the order's sales channel in the order's warehouse, in the line's unit "
        "(zero included), before this order is confirmed.")
    channel_atp_short = fields.Boolean(
        "Short of Channel ATP", compute="_compute_channel_atp",
        help="The order's lines of this product order more than the sales channel may promise.")
    channel_atp_warning = fields.Char("Channel ATP Warning", compute="_compute_channel_atp")

    @api.depends("product_id", "product_uom_qty", "product_uom", "warehouse_id", "order_id.team_id",
                 "order_id.state", "order_id.order_line.product_uom_qty", "order_id.order_line.product_id")
    def _compute_channel_atp(self):
        """Compare each quotation's lines with its channel's ATP; one ATP call per warehouse and channel.

        The lines of one product on one order (same warehouse) are added together before comparing: two
        lines of 30 ask for 60. Confirmed orders are left out: their own reservation is already counted.
        """
        ATP = self.env["stock.available.to.promise"]
        groups = defaultdict(lambda: self.browse())
        for line in self:
            line.channel_atp_qty = 0.0
            line.channel_atp_label = False
            line.channel_atp_short = False
            line.channel_atp_warning = False
            if line._channel_atp_applies():
                groups[(line.warehouse_id, line.order_id.team_id)] |= line
        for (warehouse, channel), lines in groups.items():
            atp = ATP.with_company(warehouse.company_id)._atp_by_product(lines.product_id, warehouse, channel)
            for line in lines:
                product = line.product_id
                siblings = line.order_id.order_line.filtered(
                    lambda other, line=line: other.product_id == line.product_id
                    and other.warehouse_id == line.warehouse_id and other._channel_atp_applies())
                ordered = sum(other.product_uom._compute_quantity(other.product_uom_qty, product.uom_id)
                              for other in siblings)
                available_base = atp.get(product.id, 0.0)
                available = product.uom_id._compute_quantity(available_base, line.product_uom)
                line.channel_atp_qty = available
                line.channel_atp_label = formatLang(self.env, available, dp="Product Unit of Measure")
                if float_compare(ordered, available_base, precision_rounding=product.uom_id.rounding) > 0:
                    line.channel_atp_short = True
                    line.channel_atp_warning = line._channel_atp_message(
                        available_base, ordered, len(siblings), channel, warehouse)

    def _channel_atp_applies(self):
        self.ensure_one()
        return bool(self.product_id.is_storable and self.order_id.state in ("draft", "sent") and self.warehouse_id)

    def _channel_atp_message(self, available, ordered, line_count, channel, warehouse):
        """The shortage, in the product's unit when several lines are added together."""
        self.ensure_one()
        product = self.product_id
        values = {
            "atp": formatLang(self.env, available, dp="Product Unit of Measure"), "unit": product.uom_id.name,
            "product": product.display_name, "channel": channel.display_name or _("any channel"),
            "warehouse": warehouse.display_name, "ordered": formatLang(self.env, ordered, dp="Product Unit of Measure"),
        }
        if line_count > 1:
            values["ordered"] = _("%(ordered)s in %(lines)s lines", ordered=values["ordered"], lines=line_count)
        if not available:
            message = _("No %(unit)s of %(product)s are available to promise to %(channel)s in %(warehouse)s; "
                        "this order asks for %(ordered)s.", **values)
        else:
            message = _("Only %(atp)s %(unit)s of %(product)s are available to promise to %(channel)s in "
                        "%(warehouse)s; this order asks for %(ordered)s.", **values)
        return message

    @api.onchange("product_id", "product_uom_qty", "product_uom")
    def _onchange_channel_atp_warning(self):
        if self.channel_atp_short:
            return {
                "warning": {
                    "title": _("Not enough available to promise for %s", self.product_id.display_name),
                    "message": self.channel_atp_warning,
                },
            }
