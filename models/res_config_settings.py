from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    qbo_connection_id = fields.Many2one(related="company_id.qbo_connection_id")
    qbo_environment = fields.Selection(related="qbo_connection_id.environment", readonly=False)
    qbo_base_url = fields.Char(related="qbo_connection_id.base_url", readonly=False)
    qbo_client_id = fields.Char(related="qbo_connection_id.client_id", readonly=False)
    qbo_client_secret = fields.Char(related="qbo_connection_id.client_secret", readonly=False)
    qbo_redirect_uri = fields.Char(related="qbo_connection_id.redirect_uri", readonly=False)
    qbo_state = fields.Selection(related="qbo_connection_id.state")
    qbo_state_message = fields.Text(related="qbo_connection_id.state_message")
    qbo_reconnect_before = fields.Datetime(related="qbo_connection_id.reconnect_before")
    qbo_reconnect_soon = fields.Boolean(related="qbo_connection_id.reconnect_soon")
    qbo_company_name = fields.Char(related="qbo_connection_id.qbo_company_name")
    qbo_posting_mode = fields.Selection(related="qbo_connection_id.posting_mode", readonly=False)
    drift_window = fields.Integer(related="company_id.drift_window", readonly=False)
    drift_consecutive = fields.Integer(related="company_id.drift_consecutive", readonly=False)
    drift_threshold = fields.Float(related="company_id.drift_threshold", readonly=False)
    landed_margin_floor = fields.Float(related="company_id.landed_margin_floor", readonly=False)
    drift_accountant_id = fields.Many2one(related="company_id.drift_accountant_id", readonly=False)

    @api.model_create_multi
    def create(self, vals_list):
        # Related fields write through the connection when the settings record is created:
        # it must exist by then (a company gets one the first time its settings are saved).
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) if vals.get("company_id") \
                else self.env.company
            if any(name.startswith("qbo_") for name in vals) and self._qbo_may_configure():
                company._qbo_ensure_connection()
            # A company without a connection showed these empty: keep the connection's defaults.
            for name in ("qbo_environment", "qbo_redirect_uri", "qbo_posting_mode"):
                if name in vals and not vals[name]:
                    del vals[name]
        return super().create(vals_list)

    def _qbo_may_configure(self):
        return self.env.user.has_group("base.group_system") or self.env.user.has_group(
            "stock_quickbooks_sync.group_qbo_manager")

    def execute(self):
        # Odoo saves settings for administrators only. The QuickBooks section is a QuickBooks manager's
        # too: all its fields write through to the company's connection when this record is created,
        # so for a manager who is not an administrator saving is done once the record exists.
        if not self.env.is_admin() and self.env.user.has_group("stock_quickbooks_sync.group_qbo_manager"):
            self.ensure_one()
            return {"type": "ir.actions.client", "tag": "reload"}
        return super().execute()

    def action_qbo_connect(self):
        self.ensure_one()
        return self.company_id._qbo_ensure_connection().action_connect()

    def action_qbo_test_connection(self):
        self.ensure_one()
        self.company_id._qbo_ensure_connection().action_test_connection()
        return self.action_qbo_open_connection()

    def action_qbo_disconnect(self):
        self.ensure_one()
        return self.company_id._qbo_ensure_connection().action_disconnect()

    def action_qbo_open_connection(self):
        self.ensure_one()
        connection = self.company_id._qbo_ensure_connection()
        return {
            "type": "ir.actions.act_window",
            "res_model": "qbo.connection",
            "res_id": connection.id,
            "view_mode": "form",
            "target": "current",
        }
