"""Where a figure is shown, "Why?" opens its explanation (stock.value.explanation.report)."""
from odoo import models


class QboPosting(models.Model):
    _inherit = "qbo.posting"

    def action_explain(self):
        """The explanation this entry is part of: its product's (or style's) inventory value or COGS over its month.

        The entry's lines carry the same drivers (qbo.posting.line.driver), and the explanation's drivers
        list the postings behind them.
        """
        self.ensure_one()
        products = self.line_ids.product_id
        measure = "cogs" if "cogs" in self.line_ids.mapped("role") else "inventory_value"
        if len(products) == 1:
            scope, record = "product", products
        elif len(products.product_tmpl_id) == 1:
            scope, record = "style", products.product_tmpl_id
        else:
            scope, record = "company", None
        report = self.env["stock.value.explanation.report"]
        date_from, date_to = report._month_of(self.original_date or self.date)
        return report._action_explain(measure, scope, record, date_from, date_to, company=self.company_id)


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_explain_value(self):
        """Why is this variant's inventory value what it is? (this month)"""
        self.ensure_one()
        return self.env["stock.value.explanation.report"]._action_explain("inventory_value", "product", self)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def action_explain_value(self):
        """Why is this style's inventory value what it is? (this month, all its variants)"""
        self.ensure_one()
        if len(self.product_variant_ids) == 1:
            return self.product_variant_ids.action_explain_value()
        return self.env["stock.value.explanation.report"]._action_explain("inventory_value", "style", self)
