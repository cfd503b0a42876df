"""The mapping assistant: an account per unmapped role, suggested from the QuickBooks chart by type and name."""
from odoo import _, api, models

from ..const import LANDED_COST_TYPES
from .qbo_account_mapping import ROLE_ACCOUNT_TYPES

# Words an account's name carries for each role (lower case); the best-scoring account of a fitting type wins.
ROLE_NAME_WORDS = {
    "inventory": ("inventory asset", "inventory"),
    "inventory_in_transit": ("in transit", "transit"),
    "inventory_quality_hold": ("quality hold", "quality", "hold"),
    "grni": ("received not billed", "not billed", "grni"),
    "cogs": ("cost of goods sold", "cogs"),
    "accrued_landed_cost": ("accrued landed cost", "landed cost", "accrued"),
    "landed_cost_variance": ("landed cost variance", "variance"),
    "shrinkage": ("shrinkage", "scrap", "write-off"),
    "inventory_adjustment": ("inventory adjustment", "adjustment"),
    "revaluation": ("revaluation",),
}
# A word that marks an account as another role's (an "Inventory in Transit" account is no plain Inventory).
ROLE_EXCLUDED_WORDS = {
    "inventory": ("transit", "hold", "adjustment", "revaluation", "received"),
    "cogs": ("variance", "shrinkage", "adjustment"),
}


class QboAccountMappingAssistant(models.Model):
    _inherit = "qbo.account.mapping"

    @api.model
    def _qbo_suggest_account(self, company, role, cost_type=None, exclude=()):
        """The chart's best account for ``role`` (and landed cost type): of a fitting type, named for it."""
        accounts = self.env["qbo.account"].search([
            ("company_id", "=", company.id), ("account_type", "in", list(ROLE_ACCOUNT_TYPES[role])),
            ("id", "not in", list(exclude))])
        words = ROLE_NAME_WORDS[role]
        excluded = ROLE_EXCLUDED_WORDS.get(role, ())
        type_label = dict(LANDED_COST_TYPES).get(cost_type, "").lower()
        best, best_score = self.env["qbo.account"], 0
        for account in accounts:
            name = (account.fully_qualified_name or account.name or "").lower()
            if any(word in name for word in excluded):
                continue
            # earlier words are the more telling ones
            score = sum(len(words) - index for index, word in enumerate(words) if word in name)
            if cost_type:
                score = score * 2 + 5 if type_label and type_label in name else 0
            if score > best_score:
                best, best_score = account, score
        return best

    def action_qbo_suggest_missing(self):
        """Map every role (and landed cost type) without a company-wide line to the account suggested for it."""
        company = self.env.company
        lines = self.search([("company_id", "=", company.id), ("warehouse_id", "=", False),
                             ("categ_id", "=", False), ("team_id", "=", False)])
        covered = {(line.role, line.cost_type or None) for line in lines}
        wanted = [(role, None) for role, _label in self._fields["role"]._description_selection(self.env)
                  if role != "accrued_landed_cost"]
        if ("accrued_landed_cost", None) not in covered:
            wanted += [("accrued_landed_cost", cost_type) for cost_type, _label in LANDED_COST_TYPES]
        vals_list, missing = [], []
        roles = dict(self._fields["role"]._description_selection(self.env))
        types = dict(LANDED_COST_TYPES)
        for role, cost_type in wanted:
            if (role, cost_type) in covered:
                continue
            account = self._qbo_suggest_account(company, role, cost_type)
            label = roles[role] + (" – %s" % types[cost_type] if cost_type else "")
            if account:
                vals_list.append({"company_id": company.id, "role": role, "cost_type": cost_type or False,
                                  "account_id": account.id})
            else:
                missing.append(label)
        created = self.create(vals_list)
        if missing:
            message = _("%(count)s line(s) mapped. No account of a fitting type and name for: %(missing)s. Create "
                        "them in QuickBooks (or map them by hand), fetch the chart of accounts, then run the "
                        "assistant again.", count=len(created), missing=", ".join(missing))
        else:
            message = _("%(count)s line(s) mapped: every role has an account. Check them before the first "
                        "posting.", count=len(created))
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "title": _("Account mapping assistant"), "message": message, "sticky": bool(missing),
            "type": "warning" if missing else "success", "next": {"type": "ir.actions.client", "tag": "reload"}}}
