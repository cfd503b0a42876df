"""Account role → QuickBooks account, per company, optionally per warehouse, product category, channel, cost type."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..const import ACCOUNT_ROLES, LANDED_COST_TYPES
from ..qbo_engine.builder import AccountMapping, DimensionMap, MappingRow
from ..qbo_engine.schemas import Ref

INVENTORY_ROLES = ("inventory", "inventory_in_transit", "inventory_quality_hold")
LIABILITY_ROLES = ("grni", "accrued_landed_cost")
COST_ROLES = ("landed_cost_variance", "shrinkage", "inventory_adjustment", "revaluation")
# The QuickBooks AccountTypes (as the API and qbo.account.account_type spell them) each role may post to.
# Accounts Payable is no liability for a journal entry line: QuickBooks wants a vendor on each such line.
ROLE_ACCOUNT_TYPES = {
    **{role: ("Other Current Asset",) for role in INVENTORY_ROLES},
    **{role: ("Other Current Liability", "Long Term Liability", "Credit Card") for role in LIABILITY_ROLES},
    "cogs": ("Cost of Goods Sold",),
    **{role: ("Cost of Goods Sold", "Expense", "Other Expense") for role in COST_ROLES},
}
SCOPE_FIELDS = ("warehouse_id", "categ_id", "team_id", "cost_type")


class QboAccountMapping(models.Model):
    _name = "qbo.account.mapping"
    _description = "QuickBooks Account Mapping"
    _order = "company_id, role, cost_type, warehouse_id, categ_id, team_id, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    role = fields.Selection(ACCOUNT_ROLES, required=True)
    cost_type = fields.Selection(LANDED_COST_TYPES, help="Accrued landed cost only: the cost type this account "
                                                         "accrues. Empty: every type without its own line.")
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True, help="Empty: every warehouse.")
    categ_id = fields.Many2one("product.category", "Product Category",
                               help="Empty: every category. A category covers its subcategories.")
    team_id = fields.Many2one("crm.team", "Sales Channel", check_company=True, help="Empty: every sales channel.")
    account_id = fields.Many2one("qbo.account", "QuickBooks Account", required=True, check_company=True,
                                 ondelete="restrict")
    active = fields.Boolean(default=True)
    type_warning = fields.Char(compute="_compute_type_warning", store=True,
                               help="Since the line was saved, its account was deactivated in QuickBooks or "
                                    "changed type there.")

    @api.depends("role", "account_id.account_type", "account_id.active")
    def _compute_type_warning(self):
        """What changed in QuickBooks after the line was saved (a line is never saved wrong: see the check)."""
        for mapping in self:
            mapping.type_warning = mapping._qbo_account_problem()

    def _qbo_account_problem(self):
        """Why this line's account cannot take the role, or False."""
        self.ensure_one()
        account = self.account_id
        expected = ROLE_ACCOUNT_TYPES.get(self.role)
        if not account or not self.role:
            return False
        role = dict(self._fields["role"]._description_selection(self.env)).get(self.role)
        if not account.active:
            return _("%(role)s: %(account)s is inactive or deleted in QuickBooks: choose another account or "
                     "reactivate it there.", role=role, account=account.fully_qualified_name or account.name)
        if expected and account.account_type not in expected:
            return _("%(role)s takes an account of type %(expected)s; %(account)s is %(actual)s. Choose a fitting "
                     "account (or fetch the chart of accounts again if its type changed in QuickBooks).",
                     role=role, expected=_(" or ").join(expected), account=account.fully_qualified_name or account.name,
                     actual=_("of type %s", account.account_type) if account.account_type else _("of unknown type"))
        return False

    @api.constrains("role", "account_id")
    def _check_account_fits_role(self):
        for mapping in self:
            problem = mapping._qbo_account_problem()
            if problem:
                raise ValidationError(problem)

    @api.depends("role", "cost_type", "warehouse_id", "categ_id", "team_id")
    def _compute_display_name(self):
        roles = dict(self._fields["role"]._description_selection(self.env))
        cost_types = dict(self._fields["cost_type"]._description_selection(self.env))
        for mapping in self:
            scope = [cost_types.get(mapping.cost_type), mapping.warehouse_id.name, mapping.categ_id.complete_name,
                     mapping.team_id.name]
            mapping.display_name = " · ".join(filter(None, [roles.get(mapping.role), *scope]))

    @api.onchange("role")
    def _onchange_role(self):
        if self.role != "accrued_landed_cost":
            self.cost_type = False

    @api.constrains("role", "cost_type")
    def _check_cost_type(self):
        for mapping in self:
            if mapping.cost_type and mapping.role != "accrued_landed_cost":
                raise ValidationError(_("%(mapping)s: only the accrued landed cost role takes a cost type; clear it.",
                                        mapping=mapping.display_name))

    @api.constrains("company_id", "role", "cost_type", "warehouse_id", "categ_id", "team_id", "active", "account_id")
    def _check_unique_scope(self):
        for mapping in self.filtered("active"):
            twins = self.search([
                ("id", "!=", mapping.id), ("company_id", "=", mapping.company_id.id), ("role", "=", mapping.role),
                *[(name, "=", mapping[name].id if name != "cost_type" else mapping[name]) for name in SCOPE_FIELDS],
            ], limit=1)
            if twins:
                raise ValidationError(_(
                    "%(mapping)s is mapped twice (to %(one)s and %(other)s): archive one of the lines.",
                    mapping=mapping.display_name, one=mapping.account_id.display_name,
                    other=twins.account_id.display_name))

    # ------------------------------------------------------------------ engine
    @api.model
    def _qbo_archived_lines(self, company, role, cost_type=None):
        """Archived mapping lines of ``company`` for ``role`` (and cost type): what a missing mapping may be."""
        return self.sudo().with_context(active_test=False).search([
            ("company_id", "=", company.id), ("role", "=", role), ("active", "=", False),
            ("cost_type", "=", cost_type or False)])

    @api.model
    def _qbo_engine_mapping(self, company):
        """The engine's account mapping and dimension map of ``company``.

        Scope keys are record ids as strings (warehouse, product category, sales
        channel), as ``qbo.posting.line`` sends them; archived lines are ignored.
        A line on a product category also covers its subcategories, unless a
        subcategory has a line of its own.

        :rtype: tuple(qbo_engine.builder.AccountMapping, qbo_engine.builder.DimensionMap)
        """
        company.ensure_one()
        mappings = self.sudo().search([("company_id", "=", company.id)])
        return AccountMapping(mappings._qbo_rows()), self._qbo_dimension_map(company)

    def _qbo_rows(self):
        """Engine MappingRows of these lines, category lines expanded to their subcategories."""
        rows = {}
        for mapping in self:
            account = Ref(value=mapping.account_id.qbo_id, name=mapping.account_id.name)
            categories = [(mapping.categ_id, 0)]
            if mapping.categ_id:
                descendants = self.env["product.category"].search([("id", "child_of", mapping.categ_id.id)])
                depth = mapping.categ_id.parent_path.count("/")
                categories = [(categ, categ.parent_path.count("/") - depth) for categ in descendants]
            for categ, distance in categories:
                key = (mapping.role, _scope_key(mapping.warehouse_id), _scope_key(categ),
                       _scope_key(mapping.team_id), mapping.cost_type or None)
                # The nearest category wins over an ancestor's line.
                if key not in rows or distance < rows[key][0]:
                    rows[key] = (distance, MappingRow(key[0], account, *key[1:]))
        return [row for _distance, row in rows.values()]

    @api.model
    def _qbo_dimension_map(self, company):
        """Sales channel → QuickBooks class, warehouse → department, for ``company``."""
        connection = company.sudo().qbo_connection_id
        teams = self.env["crm.team"].sudo().with_company(company).with_context(active_test=False).search(
            [("company_id", "in", [False, company.id])])
        warehouses = self.env["stock.warehouse"].sudo().with_context(active_test=False).search(
            [("company_id", "=", company.id), ("qbo_department_id", "!=", False)])
        classes = {str(team.id): Ref(value=team.qbo_class_id.qbo_id, name=team.qbo_class_id.name)
                   for team in teams if team.qbo_class_id.company_id == company}
        departments = {str(wh.id): Ref(value=wh.qbo_department_id.qbo_id, name=wh.qbo_department_id.name)
                       for wh in warehouses}
        return DimensionMap(classes, departments, require_class=connection.require_class,
                            require_department=connection.require_department)

    @api.model
    def _qbo_unmapped_roles(self, company):
        """Labels of roles (and landed cost types) without a company-wide line: their postings would be blocked."""
        lines = self.sudo().search([("company_id", "=", company.id), *[(name, "=", False) for name in SCOPE_FIELDS[:3]]])
        covered = {(line.role, line.cost_type or None) for line in lines}
        cost_types = self._fields["cost_type"]._description_selection(self.env)
        missing = []
        for role, label in self._fields["role"]._description_selection(self.env):
            if (role, None) in covered:
                continue
            if role == "accrued_landed_cost":
                missing += ["%s – %s" % (label, type_label) for cost_type, type_label in cost_types
                            if (role, cost_type) not in covered]
            else:
                missing.append(label)
        return missing

def _scope_key(record):
    return str(record.id) if record else None
