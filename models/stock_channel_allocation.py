from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..const import ALLOCATION_KINDS


class StockChannelAllocation(models.Model):
    """Stock set aside for one sales channel, for a product or a whole product category.

    How allocations enter available to promise is written once, in
    ``stock.available.to.promise._compute_atp``: a channel may promise its own allocation plus the
    unallocated free stock; the allocations of the other channels are kept from it. A channel with
    no allocation shares the unallocated pool. A product's allocation wins over its category's.
    """
    _name = "stock.channel.allocation"
    _description = "Channel Allocation"
    _order = "company_id, product_id, categ_id, channel_id, id"
    _check_company_auto = True

    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    channel_id = fields.Many2one(
        "crm.team", "Sales Channel", required=True, index=True, ondelete="cascade", check_company=True,
        help="The sales channel this stock is set aside for.")
    product_id = fields.Many2one(
        "product.product", "Product Variant", index=True, ondelete="cascade", check_company=True,
        domain=[("is_storable", "=", True)],
        help="The variant set aside. Wins over an allocation of its category.")
    categ_id = fields.Many2one(
        "product.category", "Product Category", index=True, ondelete="cascade",
        help="Every variant of this category (and its sub-categories) without an allocation of its own.")
    warehouse_id = fields.Many2one(
        "stock.warehouse", index=True, check_company=True,
        help="Only stock of this warehouse. Empty: applies in every warehouse and company-wide.")
    kind = fields.Selection(ALLOCATION_KINDS, required=True, default="quantity")
    value = fields.Float(
        required=True, digits="Product Unit of Measure",
        help="Units set aside (quantity), or the percent of the free stock (percent: 0 to 100).")
    note = fields.Char()

    @api.depends("channel_id", "product_id", "categ_id", "kind", "value")
    def _compute_display_name(self):
        for alloc in self:
            target = alloc.product_id.display_name or alloc.categ_id.display_name or ""
            amount = f"{alloc.value:g}%" if alloc.kind == "percent" else f"{alloc.value:g}"
            alloc.display_name = f"{alloc.channel_id.name or ''}: {target} {amount}".strip()

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.categ_id = False

    @api.constrains("product_id", "categ_id")
    def _check_target(self):
        for alloc in self:
            if not alloc.product_id and not alloc.categ_id:
                raise ValidationError(_(
                    "The allocation for channel %(channel)s sets nothing aside: choose a product variant or a "
                    "product category.", channel=alloc.channel_id.display_name))
            if alloc.product_id and alloc.categ_id:
                raise ValidationError(_(
                    "The allocation for channel %(channel)s names both the product %(product)s and the category "
                    "%(category)s: keep one (the product's own allocation already wins over its category's).",
                    channel=alloc.channel_id.display_name, product=alloc.product_id.display_name,
                    category=alloc.categ_id.display_name))

    @api.constrains("kind", "value")
    def _check_value(self):
        for alloc in self:
            target = alloc.product_id.display_name or alloc.categ_id.display_name
            if alloc.value < 0:
                raise ValidationError(_(
                    "The allocation of %(target)s to %(channel)s is negative (%(value)s): enter a quantity or "
                    "percent of zero or more.", target=target, channel=alloc.channel_id.display_name,
                    value=alloc.value))
            if alloc.kind == "percent" and alloc.value > 100:
                raise ValidationError(_(
                    "The allocation of %(target)s to %(channel)s is %(value)s%%: enter a percent between 0 and "
                    "100, or set aside a quantity of units instead.", target=target,
                    channel=alloc.channel_id.display_name, value=f"{alloc.value:g}"))

    @api.constrains("company_id", "channel_id", "product_id", "categ_id", "warehouse_id", "kind", "value", "active")
    def _check_unique_and_total(self):
        """One allocation per channel, target and warehouse; percents of one target add up to 100 at most."""
        self._check_value()  # a value out of range is the clearer message; say it first
        targets = {(a.company_id.id, a.product_id.id, a.categ_id.id, a.warehouse_id.id) for a in self if a.active}
        if not targets:
            return
        siblings = self.search([
            ("company_id", "in", list({t[0] for t in targets})),
            "|", ("product_id", "in", [t[1] for t in targets if t[1]]),
            ("categ_id", "in", [t[2] for t in targets if t[2]]),
        ])
        groups = defaultdict(lambda: self.browse())
        for alloc in siblings:
            groups[(alloc.company_id.id, alloc.product_id.id, alloc.categ_id.id, alloc.warehouse_id.id)] |= alloc
        for target in targets:
            allocs = groups[target]
            first = allocs[:1]
            name = first.product_id.display_name or first.categ_id.display_name
            where = first.warehouse_id.display_name or _("all warehouses")
            channels = allocs.mapped("channel_id")
            if len(channels) < len(allocs):
                duplicate = next(c for c in channels if len(allocs.filtered(lambda a, c=c: a.channel_id == c)) > 1)
                raise ValidationError(_(
                    "%(channel)s already has an allocation of %(target)s in %(where)s: change that one instead "
                    "of adding another.", channel=duplicate.display_name, target=name, where=where))
            percents = allocs.filtered(lambda a: a.kind == "percent")
            total = sum(percents.mapped("value"))
            if float_compare(total, 100.0, precision_digits=4) > 0:
                raise ValidationError(_(
                    "The percent allocations of %(target)s in %(where)s add up to %(total)s%% "
                    "(%(detail)s): lower them to 100%% at most.", target=name, where=where, total=f"{total:g}",
                    detail=", ".join(f"{a.channel_id.name} {a.value:g}%" for a in percents)))
