"""SQL fragments the finance reports and explanations share, each written once.

Every report of the addon is a ``_table_query`` (no view built in ``init()``): its query is read when the
report is searched, with the period or weeks its context asks for. The fragments below name the aliases
they read; the queries that use them join those tables under those names.
"""
from odoo.tools import SQL

# Revenue of a delivery layer ``l`` (stock_valuation_layer) in company currency: its quantity (negative
# out, positive for a customer return) at the price of its sale order line ``sol`` (excluding tax, after
# discount), converted at the rate of the sale order ``so``; zero for a layer with no sale line.
LAYER_REVENUE = SQL(
    "-l.quantity * COALESCE(sol.price_reduce_taxexcl, 0) / COALESCE(NULLIF(so.currency_rate, 0), 1)")


def ledger_balance(states, since=None):
    """Net quantity of the ledger rows ``e`` (stock_inventory_event) that entered ``states`` minus what left
    them, counting only the rows dated ``since`` or later when given; a SUM, so the query groups.

    :param states: inventory states (a tuple or list of keys)
    :param since: a datetime, or None for the whole ledger
    :rtype: odoo.tools.SQL
    """
    states = tuple(states)
    period = SQL(" AND e.date >= %s", since) if since else SQL()
    return SQL(
        "SUM(CASE WHEN e.to_state IN %(states)s%(period)s THEN e.quantity ELSE 0 END)"
        " - SUM(CASE WHEN e.from_state IN %(states)s%(period)s THEN e.quantity ELSE 0 END)",
        states=states, period=period)
