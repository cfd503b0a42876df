from odoo import _, fields, models, tools
from odoo.tools import SQL

from ..const import INVENTORY_STATES, POSTING_STATES

TIMELINE_KINDS = [
    ("order", "Order"),
    ("event", "Inventory Event"),
    ("layer", "Valuation Layer"),
    ("posting", "QuickBooks Posting"),
]
# Posting line roles that move an inventory account: their sum is the posting's effect on stock value.
INVENTORY_ROLES = ("inventory", "inventory_in_transit", "inventory_quality_hold")


class StockSkuTimelineReport(models.Model):
    """A SKU from order to close on one timeline: one SQL view, the union of

    - the confirmed purchase and sale order lines (*order*),
    - the ledger's events (*event*: state from → to, units, value, reason),
    - Odoo's valuation layers (*layer*: units, value, and the QuickBooks posting that carries them),
    - the QuickBooks postings per product (*posting*: state, DocNumber, QuickBooks id; value = the posting's
      effect on the inventory accounts), dated when QuickBooks accepted them, else when queued.

    Opened from the *Timeline* button of a style, a variant or a lot; never loaded whole.
    """

    _name = "stock.sku.timeline.report"
    _description = "SKU Timeline"
    _auto = False
    _order = "date, sequence, id"
    _rec_name = "description"

    date = fields.Datetime(readonly=True)
    sequence = fields.Integer(readonly=True, aggregator=None)
    kind = fields.Selection(TIMELINE_KINDS, "Kind", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", "Variant", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", "Style", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial", readonly=True)
    description = fields.Char(readonly=True)
    from_state = fields.Selection(INVENTORY_STATES, readonly=True)
    to_state = fields.Selection(INVENTORY_STATES, readonly=True)
    quantity = fields.Float("Units", readonly=True, digits="Product Unit of Measure")
    currency_id = fields.Many2one("res.currency", readonly=True)
    value = fields.Monetary(readonly=True, currency_field="currency_id")
    picking_id = fields.Many2one("stock.picking", "Transfer", readonly=True)
    purchase_order_id = fields.Many2one("purchase.order", "Purchase Order", readonly=True)
    sale_order_id = fields.Many2one("sale.order", "Sale Order", readonly=True)
    event_id = fields.Many2one("stock.inventory.event", "Ledger Event", readonly=True)
    layer_id = fields.Many2one("stock.valuation.layer", "Valuation Layer", readonly=True)
    posting_id = fields.Many2one("qbo.posting", "QuickBooks Posting", readonly=True)
    posting_state = fields.Selection(POSTING_STATES, readonly=True)
    doc_number = fields.Char("DocNumber", readonly=True)
    qbo_id = fields.Char("QuickBooks Id", readonly=True)

    def _query(self):
        inventory_roles = SQL("(%s)", SQL(", ").join(SQL("%s", role) for role in INVENTORY_ROLES))
        return SQL("""
            SELECT l.id * 5 + 3 AS id, o.date_order AS date, 0 AS sequence, 'order' AS kind, l.company_id,
                   l.product_id, p.product_tmpl_id, NULL::integer AS lot_id, o.name AS description,
                   NULL AS from_state, NULL AS to_state, l.product_uom_qty AS quantity, c.currency_id,
                   NULL::numeric AS value, NULL::integer AS picking_id, NULL::integer AS purchase_order_id,
                   o.id AS sale_order_id, NULL::integer AS event_id, NULL::integer AS layer_id,
                   NULL::integer AS posting_id, NULL AS posting_state, NULL AS doc_number, NULL AS qbo_id
              FROM sale_order_line l
              JOIN sale_order o ON o.id = l.order_id
              JOIN product_product p ON p.id = l.product_id
              JOIN res_company c ON c.id = l.company_id
             WHERE o.state = 'sale' AND l.display_type IS NULL
         UNION ALL
            SELECT l.id * 5 + 4, COALESCE(o.date_approve, o.date_order), 0, 'order', l.company_id, l.product_id,
                   p.product_tmpl_id, NULL, o.name, NULL, NULL, l.product_uom_qty, c.currency_id, NULL, NULL,
                   o.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
              FROM purchase_order_line l
              JOIN purchase_order o ON o.id = l.order_id
              JOIN product_product p ON p.id = l.product_id
              JOIN res_company c ON c.id = l.company_id
             WHERE o.state IN ('purchase', 'done') AND l.display_type IS NULL
         UNION ALL
            SELECT e.id * 5, e.date, 1, 'event', e.company_id, e.product_id, e.product_tmpl_id, e.lot_id, e.reason,
                   e.from_state, e.to_state, e.quantity, c.currency_id, e.value, e.picking_id,
                   e.purchase_order_id, e.sale_order_id, e.id, NULL, NULL, NULL, NULL, NULL
              FROM stock_inventory_event e
              JOIN res_company c ON c.id = e.company_id
         UNION ALL
            SELECT v.id * 5 + 1, v.create_date, 2, 'layer', v.company_id, v.product_id, p.product_tmpl_id, v.lot_id,
                   v.description, NULL, NULL, v.quantity, c.currency_id, v.value, m.picking_id, pol.order_id,
                   sol.order_id, NULL, v.id, v.qbo_posting_id, q.state, q.doc_number, q.qbo_id
              FROM stock_valuation_layer v
              JOIN product_product p ON p.id = v.product_id
              JOIN res_company c ON c.id = v.company_id
         LEFT JOIN stock_move m ON m.id = v.stock_move_id
         LEFT JOIN purchase_order_line pol ON pol.id = m.purchase_line_id
         LEFT JOIN sale_order_line sol ON sol.id = m.sale_line_id
         LEFT JOIN qbo_posting q ON q.id = v.qbo_posting_id
         UNION ALL
            SELECT MIN(l.id) * 5 + 2, COALESCE(q.posted_date, q.create_date), 3, 'posting', q.company_id,
                   l.product_id, p.product_tmpl_id, NULL, q.reference, NULL, NULL,
                   SUM(CASE WHEN l.role IN %(inventory_roles)s AND l.amount > 0 THEN l.quantity
                            WHEN l.role IN %(inventory_roles)s THEN -l.quantity ELSE 0 END),
                   c.currency_id, SUM(CASE WHEN l.role IN %(inventory_roles)s THEN l.amount ELSE 0 END),
                   q.picking_id, NULL, NULL, NULL, NULL, q.id, q.state, q.doc_number, q.qbo_id
              FROM qbo_posting_line l
              JOIN qbo_posting q ON q.id = l.posting_id
              JOIN product_product p ON p.id = l.product_id
              JOIN res_company c ON c.id = q.company_id
          GROUP BY q.id, l.product_id, p.product_tmpl_id, c.currency_id
        """, inventory_roles=inventory_roles)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    def _action_timeline(self, domain, title):
        return {
            "type": "ir.actions.act_window",
            "name": _("Timeline: %(record)s", record=title),
            "res_model": self._name,
            "view_mode": "list,pivot,graph",
            "views": [(False, "list"), (False, "pivot"), (False, "graph")],
            "domain": domain,
            "context": {},
        }


class SkuTimelineMixin(models.AbstractModel):
    """The *Timeline* button of a style, variant or lot, beside its *Trace* button."""

    _name = "stock.sku.timeline.mixin"
    _description = "SKU Timeline Button"

    def _sku_timeline_domain(self):
        raise NotImplementedError

    def action_open_sku_timeline(self):
        self.ensure_one()
        return self.env["stock.sku.timeline.report"]._action_timeline(self._sku_timeline_domain(), self.display_name)


class ProductProductTimeline(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "stock.sku.timeline.mixin"]

    def _sku_timeline_domain(self):
        return [("product_id", "=", self.id)]


class ProductTemplateTimeline(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "stock.sku.timeline.mixin"]

    def _sku_timeline_domain(self):
        return [("product_tmpl_id", "=", self.id)]


class StockLotTimeline(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "stock.sku.timeline.mixin"]

    def _sku_timeline_domain(self):
        # Orders and postings do not know lots: the lot's postings are those carrying its layers.
        postings = self.env["stock.valuation.layer"].sudo()._read_group(
            [("lot_id", "=", self.id), ("qbo_posting_id", "!=", False)], groupby=["qbo_posting_id"])
        return ["&", ("product_id", "=", self.product_id.id),
                "|", ("lot_id", "=", self.id),
                "&", ("kind", "=", "posting"), ("posting_id", "in", [posting.id for posting, in postings])]
