from odoo import fields, models, tools
from odoo.tools import SQL

from ..const import HOLD_STATES, INVENTORY_STATES, ON_HAND_STATES

# States of goods on their way to us: valued at what they entered with, not at the current unit cost.
PIPELINE_STATES = ("ordered", "in_transit")


class StockInventoryValueReport(models.Model):
    """Units and value per inventory state, location, warehouse and sales channel, from the ledger.

    A plain sum over the ledger: each event is read twice, its ``to_state`` side adds its quantity at
    ``to_location_id``, its ``from_state`` side removes it at ``from_location_id`` (the hop locations the
    event stored when it was written; nothing is looked up on the move again). Summing the rows of a group
    therefore gives the balance of that group; filtered on a date, the balance at that date, which later
    operations never change (they only add rows after it). Value:

    - goods on hand (received, quality hold, available … inspected) are valued at Odoo's current unit cost
      of the product (valuation layers: value ÷ quantity per product and company), so the on-hand total is
      Odoo's stock valuation, landed costs and revaluations included (with nothing left in the layers, the
      product's cost: one unit cost per product, so a state without units has no value);
    - goods in another state (ordered, in transit, shipped, scrapped) keep the value the ledger recorded
      at the transition. Goods leave *ordered* and *in transit* at the value they entered with (the receipt
      is valued with its landed costs, the pipeline was not), so the value of these states comes back to
      exactly 0 with their units. In transit from a vendor is the estimated value booked to Inventory in
      Transit (the purchase line's in-transit unit cost), relieved by exactly that amount at receipt;
      goods in transit between warehouses stay with the warehouse that sent them until they arrive.

    Owned = in transit, or in an on-hand state at an internal location (goods returned to the vendor end
    *returned* at the vendor's location and are no longer counted). A state's location is where its goods
    sit: the bin of the move line, where a pending move holds them until they arrive.

    The channel is the sales channel of the event (set from the sale order): goods reserved, picked or
    packed for a channel count for it; goods on the shelf have no channel yet.
    """

    _name = "stock.inventory.value.report"
    _description = "Inventory Value by State, Location and Channel"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "product_id"

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", "Product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", "Style", readonly=True)
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    state = fields.Selection(INVENTORY_STATES, "Inventory State", readonly=True)
    is_owned = fields.Boolean("Owned", readonly=True, help="In transit or on hand: goods the company owns.")
    is_hold = fields.Boolean("On Hold", readonly=True, help="Quality hold, returned or being inspected.")
    location_id = fields.Many2one("stock.location", "Location", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", "Warehouse", readonly=True)
    channel_id = fields.Many2one("crm.team", "Sales Channel", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    quantity = fields.Float("Units", readonly=True, digits="Product Unit of Measure")
    value = fields.Monetary("Value", readonly=True, currency_field="currency_id")
    event_id = fields.Many2one("stock.inventory.event", "Ledger Event", readonly=True)

    def _query(self):
        def states(keys):
            return SQL("(%s)", SQL(", ").join(SQL("%s", key) for key in keys))

        on_hand, hold, pipeline = states(ON_HAND_STATES), states(HOLD_STATES), states(PIPELINE_STATES)
        # the two sides of each event: (id offset, sign, state column, location column). A hop inside one
        # state is read on both sides only when the goods changed place; a value change (same state, same
        # place) adds its value once.
        sides = []
        for offset, sign, state, location in ((0, 1, "to_state", "to_location_id"),
                                              (1, -1, "from_state", "from_location_id")):
            sides.append(SQL(
                """
                SELECT e.id * 2 + %(offset)s AS id, e.id AS event_id, e.date, e.company_id, e.product_id,
                       e.product_tmpl_id, e.%(state)s AS state, e.%(location)s AS location_id,
                       CASE WHEN e.%(state)s IN %(pipeline)s
                            THEN COALESCE(entry.warehouse_id, origin.warehouse_id, e.warehouse_id)
                            ELSE e.warehouse_id END AS warehouse_id,
                       e.channel_id, e.lot_id, %(sign)s * e.quantity AS quantity,
                       %(sign)s * CASE
                            WHEN e.%(state)s IN %(on_hand)s
                                 THEN e.quantity * COALESCE(cost.unit_cost,
                                                            (pp.standard_price ->> e.company_id::text)::numeric,
                                                            e.unit_cost)
                            WHEN e.%(state)s = 'in_transit'
                                 THEN e.quantity * COALESCE(entry.goods_unit_cost, origin.unit_cost, e.unit_cost)
                            WHEN e.%(state)s IN %(pipeline)s THEN e.quantity * COALESCE(entry.unit_cost, e.unit_cost)
                            ELSE e.value END AS value
                  FROM stock_inventory_event e
                  JOIN product_product pp ON pp.id = e.product_id
             LEFT JOIN stock_inventory_value_report_unit_cost cost
                       ON cost.product_id = e.product_id AND cost.company_id = e.company_id
             LEFT JOIN entry ON entry.move_id = e.move_id AND entry.state = e.%(state)s
             LEFT JOIN origin ON origin.move_id = e.move_id AND e.%(state)s = 'in_transit'
                 WHERE e.%(state)s IS NOT NULL
                   AND (%(sign)s = 1 OR e.from_state IS DISTINCT FROM e.to_state
                        OR e.from_location_id IS DISTINCT FROM e.to_location_id)
                """,
                offset=offset, sign=sign, state=SQL.identifier(state), location=SQL.identifier(location),
                on_hand=on_hand, pipeline=pipeline))
        # What entered a pipeline state, per move: unit cost and warehouse its leaving side takes (in transit: the
        # cost the goods themselves entered at, i.e. what Inventory in Transit booked, without value changes).
        # Goods arriving from another warehouse's transit left it on the move they come from (its origin move).
        return SQL("""
            WITH entry AS (
                SELECT move_id, to_state AS state, SUM(value) / NULLIF(SUM(quantity), 0) AS unit_cost,
                       SUM(value) FILTER (WHERE quantity <> 0) / NULLIF(SUM(quantity), 0) AS goods_unit_cost,
                       MIN(warehouse_id) AS warehouse_id
                  FROM stock_inventory_event
                 WHERE to_state IN %(pipeline)s AND move_id IS NOT NULL
              GROUP BY move_id, to_state
            ), origin AS (
                SELECT rel.move_dest_id AS move_id, SUM(x.value) / NULLIF(SUM(x.quantity), 0) AS unit_cost,
                       MIN(x.warehouse_id) AS warehouse_id
                  FROM stock_move_move_rel rel
                  JOIN stock_inventory_event x ON x.move_id = rel.move_orig_id AND x.to_state = 'in_transit'
              GROUP BY rel.move_dest_id
            )
            -- owned: in transit, or in an on-hand state inside the warehouse (goods returned to the vendor end
            -- in the returned state at the vendor's location: no longer ours)
            SELECT side.*, pt.categ_id, c.currency_id,
                   side.state = 'in_transit' OR (side.state IN %(on_hand)s
                                                 AND loc.usage IN ('internal', 'transit')) AS is_owned,
                   side.state IN %(hold)s AND loc.usage IN ('internal', 'transit') AS is_hold
              FROM (%(sides)s) side
              JOIN product_template pt ON pt.id = side.product_tmpl_id
              JOIN res_company c ON c.id = side.company_id
         LEFT JOIN stock_location loc ON loc.id = side.location_id
        """, sides=SQL(" UNION ALL ").join(sides), on_hand=on_hand, hold=hold, pipeline=pipeline)

    def init(self):
        # Odoo's current unit cost per product and company, as its valuation report computes it.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW stock_inventory_value_report_unit_cost AS (
                SELECT company_id, product_id, SUM(value) / NULLIF(SUM(quantity), 0) AS unit_cost
                  FROM stock_valuation_layer
              GROUP BY company_id, product_id
            )"""))
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
