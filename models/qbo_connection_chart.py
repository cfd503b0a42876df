"""The QuickBooks chart of accounts, classes and departments, cached on the connection."""
from odoo import _, models
from odoo.exceptions import UserError

from ..qbo_engine.errors import QboError


class QboConnection(models.Model):
    _inherit = "qbo.connection"

    def action_fetch_chart(self):
        for connection in self:
            connection._qbo_fetch_chart()
        return True

    def _qbo_fetch_chart(self, with_commit=True):
        """Refresh the cached QuickBooks accounts, classes and departments of this connection."""
        self.ensure_one()
        try:
            with self._qbo_client(with_commit=with_commit) as client:
                accounts = client.accounts(include_inactive=True)
                classes = client.classes()
                departments = client.departments()
        except QboError as error:
            self._qbo_set_error(error)
            raise UserError(_("%(connection)s: the chart of accounts could not be read: %(why)s",
                              connection=self.display_name, why=self.state_message)) from error
        self.env["qbo.account"]._qbo_sync(self, accounts)
        self.env["qbo.dimension"]._qbo_sync(self, "class", classes)
        self.env["qbo.dimension"]._qbo_sync(self, "department", departments)
        return True

    def action_open_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_qbo_account")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_open_dimensions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock_quickbooks_sync.action_qbo_dimension")
        action["domain"] = [("connection_id", "=", self.id)]
        return action
