from odoo import fields, models
from odoo.tools import SQL

from ..const import VENDOR_EVENTS


class StockGrniReport(models.Model):
    """Goods received not invoiced (GRNI), per purchase order line, as the QuickBooks postings book it.

    In the addon's accounting scheme the *Inventory Received Not Billed* account is credited when the
    company comes to own bought goods — at the receipt (valuation layer value), or earlier when the vendor
    ships under an origin incoterm (the estimated value booked to Inventory in Transit) — and debited back
    by returns to the vendor. The vendor bill clears it. GRNI here is therefore, per purchase order line:

        owned value  = value of the line's valuation layers on the vendor's side (receipts, vendor returns
                       negative, the vendor side of dropships; landed cost layers excluded: they accrue to
                       Accrued Landed Cost, not GRNI)
                     + value still in transit in the ledger (shipped by the vendor, not yet received)
        billed value = billed quantity (Odoo vendor bills and refunds on the line, draft bills included, as
                       Odoo's *Billed Qty* counts them) x the owned unit value; a line billed before anything
                       is owned is valued at its price converted at the order's rate
        GRNI         = owned value - billed value  (negative: billed ahead of the goods)

    Quantities are in the product's unit. Bills typed only in QuickBooks are not visible to Odoo: for
    companies that bill there, GRNI here is "owned, not billed in Odoo" and the reconciliation compares
    the GRNI account's balance with QuickBooks.
    """

    _name = "stock.grni.report"
    _description = "Goods Received Not Invoiced"
    _auto = False
    _order = "date_order desc, id desc"
    _rec_name = "purchase_id"

    date_order = fields.Datetime("Order Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    purchase_id = fields.Many2one("purchase.order", "Purchase Order", readonly=True)
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True)
    product_id = fields.Many2one("product.product", "Product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", "Style", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    received_qty = fields.Float("Received Qty", readonly=True, digits="Product Unit of Measure")
    in_transit_qty = fields.Float("In Transit Qty", readonly=True, digits="Product Unit of Measure")
    billed_qty = fields.Float("Billed Qty", readonly=True, digits="Product Unit of Measure")
    grni_qty = fields.Float("Not Billed Qty", readonly=True, digits="Product Unit of Measure")
    received_value = fields.Monetary("Received Value", readonly=True, currency_field="currency_id")
    in_transit_value = fields.Monetary("In Transit Value", readonly=True, currency_field="currency_id")
    billed_value = fields.Monetary("Billed Value", readonly=True, currency_field="currency_id")
    grni_value = fields.Monetary("GRNI", readonly=True, currency_field="currency_id")

    @property
    def _table_query(self):
        return SQL("""
            WITH layer AS (
                SELECT m.purchase_line_id, SUM(svl.value) AS value
                  FROM stock_valuation_layer svl
                  JOIN stock_move m ON m.id = svl.stock_move_id
                 WHERE m.purchase_line_id IS NOT NULL AND svl.accounting_event IN %(vendor_events)s
              GROUP BY m.purchase_line_id
            ), transit AS (
                SELECT m.purchase_line_id,
                       SUM(CASE WHEN e.to_state = 'in_transit' THEN e.quantity ELSE -e.quantity END) AS qty,
                       SUM(CASE WHEN e.to_state = 'in_transit' THEN e.value ELSE -e.value END) AS value
                  FROM stock_inventory_event e
                  JOIN stock_move m ON m.id = e.move_id
                 WHERE m.purchase_line_id IS NOT NULL AND e.from_state IS DISTINCT FROM e.to_state
                   AND 'in_transit' IN (e.from_state, e.to_state)
              GROUP BY m.purchase_line_id
            ), line AS (
                SELECT l.id, o.date_order, l.company_id, l.order_id AS purchase_id, o.partner_id, l.product_id,
                       p.product_tmpl_id, c.currency_id,
                       l.qty_received * u.factor AS received_qty,
                       COALESCE(transit.qty, 0) AS in_transit_qty,
                       l.qty_invoiced * u.factor AS billed_qty,
                       COALESCE(layer.value, 0) AS received_value,
                       COALESCE(transit.value, 0) AS in_transit_value,
                       l.price_unit / NULLIF(o.currency_rate, 0) / u.factor AS order_unit_value
                  FROM purchase_order_line l
                  JOIN purchase_order o ON o.id = l.order_id
                  JOIN product_product p ON p.id = l.product_id
                  JOIN product_template pt ON pt.id = p.product_tmpl_id
                  JOIN res_company c ON c.id = l.company_id
             LEFT JOIN layer ON layer.purchase_line_id = l.id
             LEFT JOIN transit ON transit.purchase_line_id = l.id
                 CROSS JOIN LATERAL (SELECT COALESCE(l.product_uom_qty / NULLIF(l.product_qty, 0), 1) AS factor) u
                 WHERE pt.is_storable AND o.state IN ('purchase', 'done') AND l.display_type IS NULL
            ), owned AS (
                SELECT line.*, received_qty + in_transit_qty AS owned_qty,
                       received_value + in_transit_value AS owned_value
                  FROM line
            )
            SELECT id, date_order, company_id, purchase_id, partner_id, product_id, product_tmpl_id, currency_id,
                   received_qty, in_transit_qty, billed_qty, owned_qty - billed_qty AS grni_qty,
                   received_value, in_transit_value, billed.value AS billed_value,
                   owned_value - billed.value AS grni_value
              FROM owned
              CROSS JOIN LATERAL (
                  SELECT billed_qty * CASE WHEN owned_qty > 0 THEN owned_value / owned_qty
                                           ELSE COALESCE(order_unit_value, 0) END AS value) billed
             WHERE owned_qty <> 0 OR billed_qty <> 0 OR owned_value <> 0
        """, vendor_events=VENDOR_EVENTS)
