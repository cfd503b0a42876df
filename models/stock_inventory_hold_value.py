"""Goods leave a hold at the value they entered it with: hold accounts never drift from the goods they hold.

Moves between a hold location (quality control, returns awaiting inspection) and stock make no
valuation layer, so the tracker would value them at the product's cost of the moment. A landed cost
validated or a standard price changed while the goods waited would then take more (or less) out of
*Inventory – Quality Hold* than was put in, and over a quarter the asset account ends with a credit
balance. Here every hop that takes goods out of a hold location without a valuation layer is valued
at what that location holds for the product and lot in the ledger (what entered, plus value changes
such as landed costs while held, less what already left), before the rows are written and posted.
"""
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..const import HOLD_STATES


class StockInventoryEvent(models.Model):
    _inherit = "stock.inventory.event"

    @api.model
    def _record(self, vals_list):
        self._value_hold_departures(vals_list)
        return super()._record(vals_list)

    @api.model
    def _value_hold_departures(self, vals_list):
        """Revalue, in place, the hops leaving a hold location that no valuation layer values.

        The writers pass the same dicts on to the outbox (hold changes), so the posting moves exactly
        the value the ledger records.
        """
        leaving = [vals for vals in vals_list if vals.get("from_state") in HOLD_STATES and vals.get("quantity")
                   and vals.get("from_location_id") and vals.get("move_id")
                   and not (vals.get("to_state") == vals.get("from_state")
                            and vals.get("to_location_id") == vals.get("from_location_id"))]
        if not leaving:
            return
        valued = {move.id for [move] in self.env["stock.valuation.layer"].sudo()._read_group(
            [("stock_move_id", "in", list({vals["move_id"] for vals in leaving}))], ["stock_move_id"])}
        leaving = [vals for vals in leaving if vals["move_id"] not in valued]
        if not leaving:
            return
        held = self._held_balances({(vals["company_id"], vals["product_id"], vals.get("lot_id") or None,
                                     vals["from_location_id"]) for vals in leaving})
        for vals in leaving:
            key = (vals["company_id"], vals["product_id"], vals.get("lot_id") or None, vals["from_location_id"])
            quantity, value = held.get(key, (0.0, 0.0))
            if quantity <= 0:
                continue  # nothing recorded there (goods of before the ledger): the tracker's cost stays
            currency = self.env["res.company"].browse(vals["company_id"]).currency_id
            taken = min(vals["quantity"], quantity)
            # all that is held leaves with the last unit, so no remainder is left behind by rounding
            out = value if taken >= quantity else currency.round(value * taken / quantity)
            if taken < vals["quantity"]:
                out += currency.round((vals["quantity"] - taken) * vals["unit_cost"])
            vals["value"] = out
            vals["unit_cost"] = currency.round(out / vals["quantity"])
            held[key] = (quantity - taken, value - (value if taken >= quantity else currency.round(
                value * taken / quantity)))

    @api.model
    def _held_balances(self, keys):
        """(quantity, value) the ledger holds in hold states per (company, product, lot, location)."""
        self.flush_model()
        balances = defaultdict(lambda: (0.0, 0.0))
        locations = list({key[3] for key in keys})
        products = list({key[1] for key in keys})
        self.env.cr.execute(SQL("""
            SELECT company_id, product_id, lot_id, location, SUM(quantity), SUM(value)
              FROM (
                SELECT company_id, product_id, lot_id, to_location_id AS location, quantity, value
                  FROM stock_inventory_event
                 WHERE to_state IN %(hold)s AND to_location_id IN %(locations)s AND product_id IN %(products)s
                 UNION ALL
                SELECT company_id, product_id, lot_id, from_location_id, -quantity, -value
                  FROM stock_inventory_event
                 WHERE from_state IN %(hold)s AND from_location_id IN %(locations)s AND product_id IN %(products)s
                   AND quantity <> 0
              ) AS hops
          GROUP BY company_id, product_id, lot_id, location""",
            hold=HOLD_STATES, locations=tuple(locations), products=tuple(products)))
        for company, product, lot, location, quantity, value in self.env.cr.fetchall():
            key = (company, product, lot, location)
            if key in keys:
                balances[key] = (quantity or 0.0, value or 0.0)
        return balances
