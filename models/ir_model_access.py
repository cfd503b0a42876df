from odoo import _, models
from odoo.exceptions import AccessError


class IrModelAccess(models.Model):
    _inherit = "ir.model.access"

    def _make_access_error(self, model, mode):
        """A QuickBooks record opened without QuickBooks rights (a link shared by the accountant): say what the
        record is and exactly which right to ask for, before Odoo's list of groups."""
        error = super()._make_access_error(model, mode)
        reader = self.env.ref("stock_quickbooks_sync.group_qbo_user", raise_if_not_found=False)
        if not model.startswith("qbo.") or mode != "read" or not reader or reader in self.env.user.groups_id:
            return error
        kind = self.env["ir.model"]._get(model).name or model
        advice = _(
            "%(kind)s records are QuickBooks accounting records, shown only to QuickBooks users. To open this link, "
            "ask your administrator to give %(user)s the QuickBooks right \"%(group)s\" (Settings › Users & "
            "Companies › Users), then open it again.",
            kind=kind, user=self.env.user.name, group=reader.name)
        return AccessError(f"{advice}\n\n{error.args[0]}")
