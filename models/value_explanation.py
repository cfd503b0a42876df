"""Explanations ("Why?"): a figure's opening, its closing, and the drivers that add up exactly to the change.

Every amount comes from Odoo's valuation layers, read with SQL aggregates, plus the share of
landed costs that went straight to COGS (it exists only in the landed cost's adjustment lines,
see DESIGN.md). Amounts are summed in cents (integers); each driver is rounded to the cent on
its own and whatever the rounding leaves between ``closing - opening`` and the sum of the
drivers is shown as its own driver, ``rounding``, so that opening + drivers = closing exactly.
"""
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import EXPLANATION_DRIVERS, SALE_EVENTS, event_driver
from .report_sql import LAYER_REVENUE

def period_bounds(date_from, date_to):
    """[start, end) datetimes (UTC, as stored) of the days ``date_from`` to ``date_to`` included."""
    return (datetime.combine(date_from, time.min), datetime.combine(date_to + timedelta(days=1), time.min))


def previous_period(date_from, date_to):
    """The period just before: the same number of whole months when the period is whole months, else of days."""
    if date_from.day == 1 and (date_to + timedelta(days=1)).day == 1:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        return date_from - relativedelta(months=months), date_from - timedelta(days=1)
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)


class Cents:
    """Rounding to the currency's cent, as integers, so sums are exact."""

    def __init__(self, currency):
        self.places = currency.decimal_places

    def __call__(self, amount):
        return int(Decimal(repr(amount or 0.0)).scaleb(self.places).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def amount(self, cents):
        return float(Decimal(cents).scaleb(-self.places))


class StockValueExplanation(models.AbstractModel):
    """The explanation engine: ``_explain`` answers "why is this figure what it is?".

    Stock measures (inventory value, landed unit cost) go from the figure at the start of the
    period to the figure at its end. Flow measures (COGS, margin) go from the comparison period
    (by default the period just before) to the period.
    """

    _name = "stock.value.explanation"
    _description = "Value Explanation Engine"

    # ---------------------------------------------------------------- scope
    @api.model
    def _scope_condition(self, scope, scope_id):
        """SQL condition on a layer query (aliases l, pp, src, dst, so) for the scope."""
        if scope == "company" or not scope_id:
            return SQL("TRUE")
        if scope == "product":
            return SQL("l.product_id = %s", scope_id)
        if scope == "style":
            return SQL("pp.product_tmpl_id = %s", scope_id)
        if scope == "warehouse":
            return SQL("COALESCE(CASE WHEN src.usage = 'internal' THEN src.warehouse_id END, dst.warehouse_id) = %s",
                       scope_id)
        if scope == "channel":
            return SQL("so.team_id = %s", scope_id)
        raise UserError(_("Unknown scope %(scope)s: choose company, warehouse, channel, style or product.",
                          scope=scope))

    @api.model
    def _layer_rows(self, company, scope, scope_id, start=None, end=None):
        """Layers of ``company`` in the scope created in [start, end), summed per accounting event, product and
        channel (a landed cost's layers also per estimate or true-up).

        :returns: list of dicts event, is_estimate, product_id, channel_id, quantity, value, revenue, layer_ids,
            landed_cost_ids
        """
        query = SQL("""
            SELECT l.accounting_event AS event, COALESCE(lc.is_estimate, FALSE) AS is_estimate,
                   l.product_id, so.team_id AS channel_id,
                   SUM(l.quantity) AS quantity, SUM(l.value) AS value, SUM(%(revenue)s) AS revenue,
                   array_agg(l.id ORDER BY l.id) AS layer_ids,
                   array_remove(array_agg(DISTINCT l.stock_landed_cost_id), NULL) AS landed_cost_ids
              FROM stock_valuation_layer l
              JOIN product_product pp ON pp.id = l.product_id
         LEFT JOIN stock_landed_cost lc ON lc.id = l.stock_landed_cost_id
         LEFT JOIN stock_move m ON m.id = l.stock_move_id
         LEFT JOIN stock_location src ON src.id = m.location_id
         LEFT JOIN stock_location dst ON dst.id = m.location_dest_id
         LEFT JOIN sale_order_line sol ON sol.id = m.sale_line_id
         LEFT JOIN sale_order so ON so.id = sol.order_id
             WHERE l.company_id = %(company)s AND %(scope)s
               AND (%(start)s::timestamp IS NULL OR l.create_date >= %(start)s)
               AND (%(end)s::timestamp IS NULL OR l.create_date < %(end)s)
          GROUP BY 1, 2, 3, 4""", revenue=LAYER_REVENUE, company=company.id,
                    scope=self._scope_condition(scope, scope_id), start=start, end=end)
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    @api.model
    def _landed_cogs_rows(self, company, scope, scope_id, date_from, date_to):
        """Shares of landed costs validated in the period that went straight to COGS (goods already shipped).

        They carry no sales channel: a channel scope has none.

        :returns: list of dicts kind (landed_estimate/landed_true_up), product_id, cost_type, amount,
            adjustment_line_ids, landed_cost_ids
        """
        if scope == "channel":
            return []
        condition = SQL("TRUE")
        if scope == "product" and scope_id:
            condition = SQL("a.product_id = %s", scope_id)
        elif scope == "style" and scope_id:
            condition = SQL("pp.product_tmpl_id = %s", scope_id)
        elif scope == "warehouse" and scope_id:
            condition = SQL("dst.warehouse_id = %s", scope_id)
        self.env.cr.execute(SQL("""
            SELECT c.is_estimate, a.product_id, COALESCE(a.cost_type, 'other') AS cost_type, SUM(a.qbo_sold_amount) AS amount,
                   array_agg(a.id ORDER BY a.id) AS adjustment_line_ids,
                   array_agg(DISTINCT c.id) AS landed_cost_ids
              FROM stock_valuation_adjustment_lines a
              JOIN stock_landed_cost c ON c.id = a.cost_id
              JOIN product_product pp ON pp.id = a.product_id
         LEFT JOIN stock_move m ON m.id = COALESCE(a.move_id, a.standard_move_id)
         LEFT JOIN stock_location dst ON dst.id = m.location_dest_id
             WHERE c.state = 'done' AND c.company_id = %s AND c.date >= %s AND c.date <= %s
               AND a.qbo_sold_amount != 0 AND %s
          GROUP BY 1, 2, 3""", company.id, date_from, date_to, condition))
        rows = self.env.cr.dictfetchall()
        for row in rows:
            row["kind"] = event_driver("landed_cost", row.pop("is_estimate"))
        return rows

    @api.model
    def _reference_prices(self, company, scope, scope_id, start, end):
        """Purchase price each product is compared with: its last receipt before the period, else its first in it."""
        prices = {}
        for before, order in ((True, SQL("DESC")), (False, SQL("ASC"))):
            window = SQL("l.create_date < %s", start) if before else SQL(
                "l.create_date >= %s AND l.create_date < %s", start, end)
            self.env.cr.execute(SQL("""
                SELECT DISTINCT ON (l.product_id) l.product_id, l.unit_cost
                  FROM stock_valuation_layer l
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN stock_move m ON m.id = l.stock_move_id
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN stock_location dst ON dst.id = m.location_dest_id
             LEFT JOIN sale_order_line sol ON sol.id = m.sale_line_id
             LEFT JOIN sale_order so ON so.id = sol.order_id
                 WHERE l.company_id = %s AND l.accounting_event = 'receipt' AND l.quantity > 0 AND %s AND %s
              ORDER BY l.product_id, l.create_date %s, l.id %s""",
                company.id, window, self._scope_condition(scope, scope_id), order, order))
            for product_id, unit_cost in self.env.cr.fetchall():
                prices.setdefault(product_id, unit_cost)
        return prices

    # ------------------------------------------------------------ entry point
    @api.model
    def _explain(self, measure, date_from, date_to, scope="company", scope_id=None, company=None,
                 compare_from=None, compare_to=None):
        """Opening, closing and drivers of ``measure`` over ``date_from``..``date_to`` (days included).

        :param measure: inventory_value, cogs, landed_unit_cost or margin (const.EXPLANATION_MEASURES)
        :param scope: company, warehouse, channel, style or product, with ``scope_id`` the record id
        :param compare_from, compare_to: comparison period of the flow measures (default: the period before)
        :returns: dict with measure, opening, closing, drivers [{driver, amount, quantity, layer_ids,
            adjustment_line_ids, landed_cost_ids, note}], amounts in company currency, exact to the cent:
            opening + sum(driver amounts) == closing
        :rtype: dict
        """
        company = company or self.env.company
        self.env.flush_all()  # the figures are read with SQL
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if not date_from or not date_to or date_from > date_to:
            raise UserError(_("Choose a period whose start (%(start)s) is on or before its end (%(end)s).",
                              start=date_from, end=date_to))
        if measure in ("inventory_value", "landed_unit_cost") and scope == "channel":
            raise UserError(_("Stock on hand belongs to no sales channel: explain %(measure)s per company, "
                              "warehouse, style or product.", measure=measure))
        if measure in ("cogs", "margin"):
            if not (compare_from and compare_to):
                compare_from, compare_to = previous_period(date_from, date_to)
            compare_from, compare_to = fields.Date.to_date(compare_from), fields.Date.to_date(compare_to)
        method = {"inventory_value": self._explain_inventory_value, "cogs": self._explain_cogs,
                  "landed_unit_cost": self._explain_landed_unit_cost, "margin": self._explain_margin}.get(measure)
        if not method:
            raise UserError(_("Unknown measure %(measure)s.", measure=measure))
        args = (company, scope, scope_id, date_from, date_to)
        result = method(*args, compare_from, compare_to) if measure in ("cogs", "margin") else method(*args)
        result.update(measure=measure, scope=scope, scope_id=scope_id, company_id=company.id,
                      date_from=date_from, date_to=date_to, compare_from=compare_from, compare_to=compare_to)
        return result

    # ------------------------------------------------------------- assembling
    @api.model
    def _new_drivers(self):
        return defaultdict(lambda: {"amount": 0.0, "quantity": 0.0, "layer_ids": set(),
                                    "adjustment_line_ids": set(), "landed_cost_ids": set(), "note": ""})

    @api.model
    def _finish(self, company, opening, closing, drivers, unit=False):
        """Round opening, closing and each driver to the cent; the leftover becomes the ``rounding`` driver."""
        cents = Cents(company.currency_id)
        opening_c, closing_c = cents(opening), cents(closing)
        order = [key for key, _label in EXPLANATION_DRIVERS]
        lines = []
        for key in sorted(drivers, key=order.index):
            data = drivers[key]
            amount_c = cents(data["amount"])
            if not amount_c and not data["layer_ids"] and not data["adjustment_line_ids"]:
                continue
            lines.append(dict(data, driver=key, cents=amount_c, layer_ids=sorted(data["layer_ids"]),
                              adjustment_line_ids=sorted(data["adjustment_line_ids"]),
                              landed_cost_ids=sorted(data["landed_cost_ids"])))
        leftover = closing_c - opening_c - sum(line["cents"] for line in lines)
        if leftover:
            lines.append({"driver": "rounding", "cents": leftover, "quantity": 0.0, "layer_ids": [],
                          "adjustment_line_ids": [], "landed_cost_ids": [],
                          "note": _("Each driver is rounded to the cent; this is what the rounding leaves.")})
        for line in lines:
            line["amount"] = cents.amount(line["cents"])
        return {"opening": cents.amount(opening_c), "closing": cents.amount(closing_c),
                "opening_cents": opening_c, "closing_cents": closing_c, "drivers": lines, "unit": unit}

    # ---------------------------------------------------------- inventory value
    @api.model
    def _inventory_movements(self, company, scope, scope_id, date_from, date_to):
        """(opening value, opening qty, drivers with value and quantity) of the stock in the scope."""
        start, end = period_bounds(date_from, date_to)
        opening = self._layer_rows(company, scope, scope_id, end=start)
        opening_value = sum(row["value"] for row in opening)
        opening_qty = sum(row["quantity"] for row in opening)
        rows = self._layer_rows(company, scope, scope_id, start=start, end=end)
        prices = self._reference_prices(company, scope, scope_id, start, end)
        drivers = self._new_drivers()
        for row in rows:
            driver = event_driver(row["event"], row["is_estimate"])
            if row["event"] == "receipt":
                price = prices.get(row["product_id"], 0.0)
                at_reference = row["quantity"] * price
                self._add(drivers["received"], at_reference, row["quantity"], row["layer_ids"])
                self._add(drivers["purchase_price"], row["value"] - at_reference, 0.0, row["layer_ids"])
                drivers["purchase_price"]["note"] = _(
                    "Received quantity × (purchase price − the product's last purchase price before the period).")
                continue
            self._add(drivers[driver], row["value"], row["quantity"], row["layer_ids"], (), row["landed_cost_ids"])
        return opening_value, opening_qty, drivers

    @api.model
    def _add(self, data, amount, quantity=0.0, layer_ids=(), adjustment_line_ids=(), landed_cost_ids=()):
        data["amount"] += amount or 0.0
        data["quantity"] += quantity or 0.0
        data["layer_ids"].update(layer_ids or ())
        data["adjustment_line_ids"].update(adjustment_line_ids or ())
        data["landed_cost_ids"].update(landed_cost_ids or ())

    @api.model
    def _explain_inventory_value(self, company, scope, scope_id, date_from, date_to):
        opening, _qty, drivers = self._inventory_movements(company, scope, scope_id, date_from, date_to)
        closing = opening + sum(data["amount"] for data in drivers.values())
        return self._finish(company, opening, closing, drivers)

    @api.model
    def _explain_landed_unit_cost(self, company, scope, scope_id, date_from, date_to):
        """Unit cost = value ÷ quantity on hand. With V, Q at the start (u0 = V0/Q0) and each driver k adding
        v_k and q_k, the exact identity u1 − u0 = Σ_k (v_k − u0·q_k) / Q1 gives each driver its share."""
        opening_value, opening_qty, drivers = self._inventory_movements(company, scope, scope_id, date_from, date_to)
        closing_qty = opening_qty + sum(data["quantity"] for data in drivers.values())
        closing_value = opening_value + sum(data["amount"] for data in drivers.values())
        rounding = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        u0 = opening_value / opening_qty if round(opening_qty, rounding) else 0.0
        if not round(closing_qty, rounding):
            gone = self._new_drivers()
            self._add(gone["other"], -u0)
            gone["other"]["note"] = _("Nothing left on hand.")
            result = self._finish(company, u0, 0.0, gone, unit=True)
            result["note"] = _("No stock at the end of the period: there is no unit cost to explain.")
            return result
        unit_drivers = self._new_drivers()
        for key, data in drivers.items():
            share = unit_drivers[key]
            self._add(share, (data["amount"] - u0 * data["quantity"]) / closing_qty, data["quantity"],
                      data["layer_ids"])
        result = self._finish(company, u0, closing_value / closing_qty, unit_drivers, unit=True)
        if not u0:
            result["note"] = _("No stock at the start of the period: the opening unit cost is zero.")
        return result

    # ------------------------------------------------------------------- sales
    @api.model
    def _sales(self, company, scope, scope_id, date_from, date_to):
        """What the period sold, per (product, channel): quantity, revenue, landed COGS and their sources.

        Revenue = quantity delivered net of customer returns × the sale order line's unit price after
        discount, excluding tax, in company currency at the order's rate (not invoices: a delivery is
        the event that moves COGS, so revenue is matched to it). COGS = value of the delivery layers
        (at landed cost, as Odoo valued them) net of returns, plus the landed cost shares booked
        straight to COGS in the period, spread over the product's channels by net quantity.

        :returns: (items {(product_id, channel_id): dict}, landed rows)
        """
        start, end = period_bounds(date_from, date_to)
        items = defaultdict(lambda: {"qty": 0.0, "revenue": 0.0, "cost": 0.0, "delivered_qty": 0.0,
                                     "delivered_cost": 0.0, "returned_cost": 0.0, "landed_estimate": 0.0,
                                     "landed_true_up": 0.0, "layer_ids": set(), "returned_layer_ids": set(),
                                     "adjustment_line_ids": set(),
                                     "landed_cost_ids": set()})
        for row in self._layer_rows(company, scope, scope_id, start=start, end=end):
            if row["event"] not in SALE_EVENTS:
                continue
            item = items[(row["product_id"], row["channel_id"])]
            item["qty"] -= row["quantity"]
            item["revenue"] += row["revenue"] or 0.0
            item["cost"] -= row["value"]
            item["layer_ids"].update(row["layer_ids"])
            if row["event"] == "customer_return":
                item["returned_cost"] -= row["value"]
                item["returned_layer_ids"].update(row["layer_ids"])
            else:
                item["delivered_qty"] -= row["quantity"]
                item["delivered_cost"] -= row["value"]
        landed = self._landed_cogs_rows(company, scope, scope_id, date_from, date_to)
        for row in landed:
            keys = [key for key, item in items.items() if key[0] == row["product_id"] and item["qty"]]
            total = sum(items[key]["qty"] for key in keys)
            if not keys or not total:
                keys, total = [(row["product_id"], None)], 0.0
            for key in keys:
                item = items[key]
                share = row["amount"] * item["qty"] / total if total else row["amount"]
                item["cost"] += share
                item[row["kind"]] += share
                item["adjustment_line_ids"].update(row["adjustment_line_ids"])
                item["landed_cost_ids"].update(row["landed_cost_ids"])
        return items, landed

    @api.model
    def _explain_cogs(self, company, scope, scope_id, date_from, date_to, compare_from, compare_to):
        """COGS of the period against the comparison period, per product p:

        shipped = (q1 − q0) · u0 (u0 = delivered cost ÷ quantity of the comparison period; a product not
        shipped then counts whole), unit cost = ΔD − shipped = q1 · (u1 − u0), returns, landed cost estimate
        and true-up shares booked to COGS: each the difference between the two periods.
        """
        now, _landed = self._sales(company, scope, scope_id, date_from, date_to)
        before, _landed0 = self._sales(company, scope, scope_id, compare_from, compare_to)
        per_product = defaultdict(lambda: [defaultdict(float), defaultdict(float)])
        drivers = self._new_drivers()
        for index, items in ((0, before), (1, now)):
            for (product_id, _channel), item in items.items():
                totals = per_product[product_id][index]
                for key in ("delivered_qty", "delivered_cost", "returned_cost", "landed_estimate", "landed_true_up"):
                    totals[key] += item[key]
                if index:
                    self._add(drivers["shipped"], 0.0, item["delivered_qty"],
                              item["layer_ids"] - item["returned_layer_ids"])
                    self._add(drivers["customer_return"], 0.0, 0.0, item["returned_layer_ids"])
                    for key in ("landed_estimate", "landed_true_up"):
                        if item[key]:
                            self._add(drivers[key], 0.0, 0.0, (), item["adjustment_line_ids"], item["landed_cost_ids"])
        for product_id, (old, new) in per_product.items():
            q0, q1, d0, d1 = old["delivered_qty"], new["delivered_qty"], old["delivered_cost"], new["delivered_cost"]
            shipped = (q1 - q0) * d0 / q0 if q0 else d1 - d0
            drivers["shipped"]["amount"] += shipped
            drivers["unit_cost"]["amount"] += (d1 - d0) - shipped
            drivers["customer_return"]["amount"] += new["returned_cost"] - old["returned_cost"]
            drivers["landed_estimate"]["amount"] += new["landed_estimate"] - old["landed_estimate"]
            drivers["landed_true_up"]["amount"] += new["landed_true_up"] - old["landed_true_up"]
        opening = sum(item["cost"] for item in before.values())
        closing = sum(item["cost"] for item in now.values())
        drivers["unit_cost"]["note"] = _("Quantity shipped × (unit cost this period − unit cost before), per product.")
        return self._finish(company, opening, closing, drivers)

    # ------------------------------------------------------------------ margin
    @api.model
    def _decompose(self, before, now):
        """Split the change of margin M = Σ q_i·(p_i − c_i) over items i (variant × channel) into effects:

            volume = (Q1 − Q0) · m̄0                       m̄0 = M0 / Q0, Q = Σ q_i, s_i = q_i / Q
            mix    = Σ (s1_i − s0_i) · Q1 · m0_i
            price  = Σ q1_i · (p1_i − p0_i)
            cost   = −Σ q1_i · (c1_i − c0_i)

        volume + mix = Σ q1_i·m0_i − M0 and price + cost = M1 − Σ q1_i·m0_i, so the four add up to
        M1 − M0 with no residual. An item sold only now takes p0 = p1, c0 = c1 (it is all mix); with
        nothing sold before (Q0 = 0) the whole change is volume. Items with a margin but no net
        quantity (a landed cost share with nothing shipped) have no unit margin: their change is "other".

        :param before, now: {item: {"qty", "revenue", "cost"}}
        :returns: dict volume, mix, price, cost, other (floats, unrounded)
        """
        def unit(items):
            return {key: (item["revenue"] / item["qty"], item["cost"] / item["qty"])
                    for key, item in items.items() if item["qty"]}

        def loose(items):
            return sum(item["revenue"] - item["cost"] for item in items.values() if not item["qty"])

        u0, u1 = unit(before), unit(now)
        q0 = {key: before[key]["qty"] for key in u0}
        q1 = {key: now[key]["qty"] for key in u1}
        total0, total1 = sum(q0.values()), sum(q1.values())
        margin0 = sum(q0[key] * (p - c) for key, (p, c) in u0.items())
        margin1 = sum(q1[key] * (p - c) for key, (p, c) in u1.items())
        effects = {"volume": 0.0, "mix": 0.0, "price": 0.0, "cost": 0.0, "other": loose(now) - loose(before)}
        if not total0:
            effects["volume"] = margin1 - margin0
            return effects
        average0 = margin0 / total0
        effects["volume"] = (total1 - total0) * average0
        for key in set(u0) | set(u1):
            p1, c1 = u1.get(key, u0.get(key))
            p0, c0 = u0.get(key, (p1, c1))
            share0 = q0.get(key, 0.0) / total0
            share1 = q1.get(key, 0.0) / total1 if total1 else 0.0
            effects["mix"] += (share1 - share0) * total1 * (p0 - c0)
            effects["price"] += q1.get(key, 0.0) * (p1 - p0)
            effects["cost"] -= q1.get(key, 0.0) * (c1 - c0)
        return effects

    @api.model
    def _explain_margin(self, company, scope, scope_id, date_from, date_to, compare_from, compare_to):
        now, _landed = self._sales(company, scope, scope_id, date_from, date_to)
        before, _landed0 = self._sales(company, scope, scope_id, compare_from, compare_to)
        effects = self._decompose(before, now)
        drivers = self._new_drivers()
        layer_ids = set().union(*(item["layer_ids"] for item in now.values())) if now else set()
        adjustments = set().union(*(item["adjustment_line_ids"] for item in now.values())) if now else set()
        self._add(drivers["shipped"], effects["volume"], sum(item["qty"] for item in now.values()), layer_ids)
        self._add(drivers["channel_mix"], effects["mix"])
        self._add(drivers["sell_price"], effects["price"])
        self._add(drivers["unit_cost"], effects["cost"], 0.0, (), adjustments)
        self._add(drivers["other"], effects["other"])
        drivers["other"]["note"] = _("Landed cost shares of products with no net sales in the period.")
        opening = sum(item["revenue"] - item["cost"] for item in before.values())
        closing = sum(item["revenue"] - item["cost"] for item in now.values())
        result = self._finish(company, opening, closing, drivers)
        if not now:
            result["note"] = _("No sales in the period.")
        return result
