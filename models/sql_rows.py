"""Appending rows with one INSERT, for the two tables written on the stock operations' hot path.

The inventory ledger and the outbox are written right before every stock operation commits.
Their rows are computed in full by the addon and nothing reads them back within the
transaction, so the ORM's per-record create machinery (defaults, cache, recomputation,
mail) would only add time to every warehouse click.
"""
from odoo.tools import SQL


def insert_rows(env, table, rows):
    """Insert ``rows`` (dicts column → value; False is NULL) into ``table``; return their ids in order."""
    if not rows:
        return []
    now = env.cr.now()
    audit = {"create_uid": env.uid, "create_date": now, "write_uid": env.uid, "write_date": now}
    rows = [dict(row, **audit) for row in rows]
    columns = sorted(set().union(*rows))
    env.cr.execute(SQL(
        "INSERT INTO %s (%s) VALUES %s RETURNING id",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
        SQL(", ").join(
            SQL("(%s)", SQL(", ").join(SQL("%s", _db_value(row.get(column))) for column in columns))
            for row in rows)))
    return [row_id for row_id, in env.cr.fetchall()]


def _db_value(value):
    return None if value is False else value
