from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    qbo_connection_ids = fields.One2many("qbo.connection", "company_id")
    qbo_connection_id = fields.Many2one("qbo.connection", "QuickBooks Connection", compute="_compute_qbo_connection_id")

    @api.depends("qbo_connection_ids")
    def _compute_qbo_connection_id(self):
        for company in self:
            company.qbo_connection_id = company.qbo_connection_ids[:1]

    def _qbo_ensure_connection(self):
        """This company's QuickBooks connection, created (not connected) when missing."""
        self.ensure_one()
        connection = self.sudo().qbo_connection_ids[:1]
        if not connection:
            connection = self.env["qbo.connection"].sudo().create({"company_id": self.id})
            self.invalidate_recordset(["qbo_connection_ids", "qbo_connection_id"])
        return connection.sudo(False)

    def _qbo_account_mapping(self):
        """(AccountMapping, DimensionMap) of this company, for the engine's entry builder."""
        self.ensure_one()
        return self.env["qbo.account.mapping"]._qbo_engine_mapping(self)
