from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, formatLang


class ProductProductAvailableToPromise(models.Model):
    _inherit = "product.product"

    safety_stock_qty = fields.Float(
        "Safety Stock", digits="Product Unit of Measure", default=0.0,
        help="Units of this variant kept back from sales in each warehouse (and company-wide): available to "
        "promise never counts them.")
    atp_qty = fields.Float(
        "Available to Promise", compute="_compute_atp_qty", digits="Product Unit of Measure",
        help="Free stock of all warehouses: on hand in sellable locations − reserved − safety stock. Each "
        "channel's own figure (after the other channels' allocations) is under ATP by Channel.")

    @api.depends_context("company", "allowed_company_ids")
    def _compute_atp_qty(self):
        storable = self.filtered(lambda p: p.is_storable and p.id)
        atp = self.env["stock.available.to.promise"]._atp_by_product(storable)
        for product in self:
            product.atp_qty = atp.get(product.id, 0.0)

    def action_open_atp_by_channel(self):
        return self.env["stock.available.to.promise.line"]._open_for(self)

    @api.constrains("safety_stock_qty")
    def _check_safety_stock_qty(self):
        for product in self:
            if product.safety_stock_qty < 0:
                raise ValidationError(_(
                    "The safety stock of %(product)s is negative (%(qty)s): enter the units to keep back from sales, "
                    "zero or more.", product=product.display_name, qty=product.safety_stock_qty))

    @api.onchange("safety_stock_qty")
    def _onchange_safety_stock_qty(self):
        return _safety_stock_warning(self, self.product_variant_ids if self._name == "product.template" else self)


class ProductTemplateAvailableToPromise(models.Model):
    _inherit = "product.template"

    safety_stock_qty = fields.Float(
        "Safety Stock", compute="_compute_safety_stock_qty", inverse="_inverse_safety_stock_qty",
        digits="Product Unit of Measure",
        help="Safety stock of every variant. Setting it here sets it on all variants; when the variants "
        "differ, it shows 0 and each variant keeps its own.")
    atp_qty = fields.Float(
        "Available to Promise", compute="_compute_atp_qty", digits="Product Unit of Measure",
        help="Sum of the variants' available to promise, all warehouses and channels together.")

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        # The variants exist only once the template is created: give them the safety stock now.
        for template, vals in zip(templates, vals_list):
            if vals.get("safety_stock_qty"):
                template.product_variant_ids.safety_stock_qty = vals["safety_stock_qty"]
        return templates

    @api.depends("product_variant_ids.safety_stock_qty")
    def _compute_safety_stock_qty(self):
        for template in self:
            values = set(template.product_variant_ids.mapped("safety_stock_qty"))
            template.safety_stock_qty = values.pop() if len(values) == 1 else 0.0

    def _inverse_safety_stock_qty(self):
        for template in self:
            template.product_variant_ids.safety_stock_qty = template.safety_stock_qty

    @api.depends_context("company", "allowed_company_ids")
    def _compute_atp_qty(self):
        variants = self.product_variant_ids.filtered("is_storable")
        atp = self.env["stock.available.to.promise"]._atp_by_product(variants)
        for template in self:
            template.atp_qty = sum(atp.get(variant.id, 0.0) for variant in template.product_variant_ids)

    def action_open_atp_by_channel(self):
        return self.env["stock.available.to.promise.line"]._open_for(self.product_variant_ids)

    @api.onchange("safety_stock_qty")
    def _onchange_safety_stock_qty(self):
        return _safety_stock_warning(self, self.product_variant_ids)


def _safety_stock_warning(record, variants):
    """A safety stock above what is on hand is allowed (stock is on its way) but promises nothing: say so."""
    safety = record.safety_stock_qty
    variants = variants.filtered("is_storable")
    short = [variant for variant in variants
             if float_compare(safety, variant.qty_available, precision_rounding=variant.uom_id.rounding) > 0]
    if not short:
        return None
    names = ", ".join("%s (%s)" % (variant.display_name, formatLang(record.env, variant.qty_available,
                                                                    dp="Product Unit of Measure"))
                      for variant in short[:5])
    return {"warning": {
        "title": _("Safety stock above what is on hand"),
        "message": _("A safety stock of %(safety)s is more than is on hand of %(variants)s: nothing of it can be "
                     "promised until more arrives. Lower the safety stock, or receive stock first.",
                     safety=formatLang(record.env, safety, dp="Product Unit of Measure"), variants=names),
    }}
