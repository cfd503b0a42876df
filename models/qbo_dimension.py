from odoo import api, fields, models

from ..const import DIMENSION_KINDS
from .qbo_account import _sync_cache


class QboDimension(models.Model):
    """A QuickBooks class (sales channel) or department (warehouse), cached per connection."""

    _name = "qbo.dimension"
    _description = "QuickBooks Class or Department"
    _order = "kind, fully_qualified_name, id"
    _rec_names_search = ["name", "fully_qualified_name"]

    connection_id = fields.Many2one("qbo.connection", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    kind = fields.Selection(DIMENSION_KINDS, required=True, readonly=True)
    qbo_id = fields.Char("QuickBooks Id", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    fully_qualified_name = fields.Char("Full Name", readonly=True)
    active = fields.Boolean(default=True, readonly=True)
    team_ids = fields.Many2many("crm.team", compute="_compute_links", string="Sales Channels")
    warehouse_ids = fields.One2many("stock.warehouse", "qbo_department_id", "Warehouses")

    _sql_constraints = [
        ("qbo_id_unique", "UNIQUE(connection_id, kind, qbo_id)", "This QuickBooks class or department is already "
                                                                  "in the cache."),
    ]

    @api.depends("fully_qualified_name", "name")
    def _compute_display_name(self):
        for dimension in self:
            dimension.display_name = dimension.fully_qualified_name or dimension.name

    def _compute_links(self):
        for dimension in self:
            teams = self.env["crm.team"].with_company(dimension.company_id).search([]) if dimension.kind == "class" \
                else self.env["crm.team"]
            dimension.team_ids = teams.filtered(lambda team: team.qbo_class_id == dimension)

    @api.model
    def _qbo_sync(self, connection, kind, qbo_objects):
        """Bring the cached classes or departments of ``connection`` in line with QuickBooks."""
        rows = {str(obj.Id): {
            "kind": kind,
            "name": obj.Name,
            "fully_qualified_name": getattr(obj, "FullyQualifiedName", None) or obj.Name,
            "active": bool(getattr(obj, "Active", True)),
        } for obj in qbo_objects}
        return _sync_cache(self.sudo(), connection, rows, [("kind", "=", kind)])
