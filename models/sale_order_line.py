from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import float_compare


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    channel_atp_qty = fields.Float(
        "Channel ATP", compute="_compute_channel_atp", digits="Product Unit of Measure",
        help="Available to promise to the order's sales channel in the order's warehouse, in the line's unit, "
        "before this order is confirmed.")
    channel_atp_short = fields.Boolean(
        "Short of Channel ATP", compute="_compute_channel_atp",
        help="The line orders more than the sales channel may promise.")
    channel_atp_warning = fields.Char("Channel ATP Warning", compute="_compute_channel_atp")

    @api.depends("product_id", "product_uom_qty", "product_uom", "warehouse_id", "order_id.team_id",
                 "order_id.state")
    def _compute_channel_atp(self):
        """Compare each quotation line with its channel's ATP; one ATP call per warehouse and channel.

        Confirmed orders are left out: their own reservation is already counted in the ATP.
        """
        ATP = self.env["stock.available.to.promise"]
        groups = defaultdict(lambda: self.browse())
        for line in self:
            line.channel_atp_qty = 0.0
            line.channel_atp_short = False
            line.channel_atp_warning = False
            if line.product_id.is_storable and line.order_id.state in ("draft", "sent") and line.warehouse_id:
                groups[(line.warehouse_id, line.order_id.team_id)] |= line
        for (warehouse, channel), lines in groups.items():
            atp = ATP.with_company(warehouse.company_id)._atp_by_product(lines.product_id, warehouse, channel)
            for line in lines:
                product = line.product_id
                available = product.uom_id._compute_quantity(atp.get(product.id, 0.0), line.product_uom)
                line.channel_atp_qty = available
                if float_compare(line.product_uom_qty, available, precision_rounding=line.product_uom.rounding) > 0:
                    line.channel_atp_short = True
                    line.channel_atp_warning = _(
                        "Only %(atp)s %(unit)s of %(product)s are available to promise to %(channel)s in "
                        "%(warehouse)s; this line orders %(ordered)s.",
                        atp=round(available, 4), unit=line.product_uom.name, product=product.display_name,
                        channel=channel.display_name or _("any channel"), warehouse=warehouse.display_name,
                        ordered=round(line.product_uom_qty, 4))

    @api.onchange("product_id", "product_uom_qty", "product_uom")
    def _onchange_channel_atp_warning(self):
        if self.channel_atp_short:
            return {
                "warning": {
                    "title": _("Not enough available to promise for %s", self.product_id.display_name),
                    "message": self.channel_atp_warning,
                },
            }
