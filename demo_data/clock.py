"""The demo's calendar: days of the last quarter, and stamping each step of the story with its day.

Odoo stamps what it does with the current time (done moves, valuation layers, ledger events,
the outbox). Like Odoo's own tests, the story lets Odoo do each step now, then moves what the
step produced to the step's day with SQL, before the next step starts: pickings, moves, move
lines, valuation layers, ledger events and postings of one step all carry the same day, so the
ledger, the valuation and the outbox stay consistent with each other.

A posting keeps two times: ``date`` (its accounting date, e.g. a bill's date) and
``create_date`` (when it reached the outbox). They differ only for a bill entered late.
"""
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tools import SQL

NOON = time(12, 0)  # midday UTC: the same calendar day in every timezone the demo users may pick

# Tables whose new rows of a step take the step's time (table, datetime column).
STAMPED_TABLES = (
    ("stock_valuation_layer", "create_date"),
    ("stock_inventory_event", "date"),
)


class DemoClock:
    """Days of the quarter ending today: months 0 (two months ago), 1 (last month) and 2 (this month)."""

    def __init__(self, env, today=None):
        self.env = env
        self.today = today or date.today()
        self.start = (self.today - relativedelta(months=2)).replace(day=1)
        self._marks = {}

    # ------------------------------------------------------------------ calendar
    def day(self, month, day):
        """Day ``day`` of month ``month`` of the quarter (0, 1, 2), never later than today."""
        first = self.start + relativedelta(months=month)
        last = first + relativedelta(months=1) - timedelta(days=1)
        return min(first.replace(day=min(day, last.day)), self.today)

    def at(self, month, day):
        return datetime.combine(self.day(month, day), NOON)

    def month_end(self, month):
        return self.start + relativedelta(months=month + 1) - timedelta(days=1)

    # ------------------------------------------------------------------ stamping
    def begin(self):
        """Remember where the step starts: rows created after this belong to the step."""
        cr = self.env.cr
        self.env.flush_all()
        for table in [name for name, _column in STAMPED_TABLES] + ["qbo_posting", "stock_move"]:
            cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
            self._marks[table] = cr.fetchone()[0]

    def stamp(self, when, pickings=(), orders=(), scraps=(), costs=(), accounting_date=None):
        """Run what runs at commit (ledger, outbox), then move the step's records to ``when``.

        :param when: datetime of the step
        :param accounting_date: date of the step's postings when it is not ``when`` (a bill's date)
        """
        env, cr = self.env, self.env.cr
        env.flush_all()
        cr.flush()  # precommit: the tracker records events, the outbox collects the layers
        env.flush_all()
        layer_time = datetime.combine(accounting_date, NOON) if accounting_date else when
        for table, column in STAMPED_TABLES:
            cr.execute(SQL("UPDATE %s SET %s = %s WHERE id > %s", SQL.identifier(table), SQL.identifier(column),
                           layer_time if table == "stock_valuation_layer" else when, self._marks[table]))
        cr.execute(SQL("UPDATE qbo_posting SET date = %s, original_date = %s, create_date = %s WHERE id > %s",
                       accounting_date or when.date(), accounting_date or when.date(), when,
                       self._marks["qbo_posting"]))
        picking_ids = list(pickings and pickings.ids)
        cr.execute(SQL("UPDATE stock_move SET date = %s WHERE id > %s OR picking_id = ANY(%s)",
                       when, self._marks["stock_move"], picking_ids))
        if picking_ids:
            cr.execute(SQL("UPDATE stock_move_line SET date = %s WHERE picking_id = ANY(%s)", when, picking_ids))
            cr.execute(SQL(
                "UPDATE stock_picking SET date_done = CASE WHEN state = 'done' THEN %s END,"
                " scheduled_date = LEAST(scheduled_date, %s),"
                " vendor_shipped_date = CASE WHEN state != 'done' AND vendor_shipped_date IS NOT NULL THEN %s"
                " ELSE vendor_shipped_date END WHERE id = ANY(%s)", when, when, when, picking_ids))
        if orders:
            table = orders._table
            cr.execute(SQL("UPDATE %s SET date_order = %s WHERE id = ANY(%s)", SQL.identifier(table), when,
                           orders.ids))
            if table == "purchase_order":
                cr.execute(SQL("UPDATE purchase_order SET date_approve = %s, date_planned = %s WHERE id = ANY(%s)",
                               when, when, orders.ids))
        if scraps:
            cr.execute(SQL("UPDATE stock_scrap SET date_done = %s WHERE id = ANY(%s)", when, scraps.ids))
            cr.execute(SQL("UPDATE stock_move SET date = %s WHERE scrap_id = ANY(%s)", when, scraps.ids))
            cr.execute(SQL("UPDATE stock_move_line SET date = %s WHERE move_id IN "
                           "(SELECT id FROM stock_move WHERE scrap_id = ANY(%s))", when, scraps.ids))
        if costs:
            cr.execute(SQL("UPDATE stock_landed_cost SET date = %s WHERE id = ANY(%s)",
                           accounting_date or when.date(), costs.ids))
        env.invalidate_all()
        self.begin()
