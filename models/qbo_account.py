from odoo import api, fields, models


class QboAccount(models.Model):
    """An account of the QuickBooks chart, cached per connection (refreshed by "Fetch chart of accounts")."""

    _name = "qbo.account"
    _description = "QuickBooks Account"
    _order = "classification, account_type, fully_qualified_name, id"
    _rec_names_search = ["name", "fully_qualified_name", "qbo_id"]

    connection_id = fields.Many2one("qbo.connection", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    qbo_id = fields.Char("QuickBooks Id", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    fully_qualified_name = fields.Char("Full Name", readonly=True)
    account_type = fields.Char(readonly=True, help="QuickBooks AccountType, e.g. Other Current Asset.")
    account_sub_type = fields.Char("Detail Type", readonly=True, help="QuickBooks AccountSubType.")
    classification = fields.Char(readonly=True, help="Asset, Liability, Equity, Revenue or Expense.")
    active = fields.Boolean(default=True, readonly=True,
                            help="Inactive (or deleted) in QuickBooks: entries on it are refused.")

    _sql_constraints = [
        ("qbo_id_unique", "UNIQUE(connection_id, qbo_id)", "This QuickBooks account is already in the cache."),
    ]

    @api.depends("fully_qualified_name", "name", "account_type")
    def _compute_display_name(self):
        for account in self:
            name = account.fully_qualified_name or account.name
            account.display_name = "%s (%s)" % (name, account.account_type) if account.account_type else name

    @api.model
    def _qbo_sync(self, connection, qbo_accounts):
        """Bring the cache of ``connection`` in line with QuickBooks' accounts (python-quickbooks objects).

        Accounts QuickBooks no longer lists are archived, never deleted: mappings may point to them.
        """
        rows = {str(account.Id): {
            "name": account.Name,
            "fully_qualified_name": getattr(account, "FullyQualifiedName", None) or account.Name,
            "account_type": getattr(account, "AccountType", None) or False,
            "account_sub_type": getattr(account, "AccountSubType", None) or False,
            "classification": getattr(account, "Classification", None) or False,
            "active": bool(getattr(account, "Active", True)),
        } for account in qbo_accounts}
        return _sync_cache(self.sudo(), connection, rows, [])


def _sync_cache(model, connection, rows, domain):
    """Upsert ``rows`` ({qbo id: vals}) into ``model`` for ``connection``; archive the ones QuickBooks dropped."""
    existing = model.with_context(active_test=False).search(
        [("connection_id", "=", connection.id), *domain])
    by_id = {record.qbo_id: record for record in existing}
    to_create = []
    for qbo_id, vals in rows.items():
        record = by_id.pop(qbo_id, None)
        if record is None:
            to_create.append(dict(vals, connection_id=connection.id, qbo_id=qbo_id))
        elif any(record[name] != value for name, value in vals.items()):
            record.write(vals)
    for record in by_id.values():
        if record.active:
            record.active = False
    return model.create(to_create)
