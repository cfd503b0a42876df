from datetime import datetime, time

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    qbo_connection_ids = fields.One2many("qbo.connection", "company_id")
    qbo_connection_id = fields.Many2one("qbo.connection", "QuickBooks Connection", compute="_compute_qbo_connection_id")
    # Go-live (DESIGN.md, "Go-live on an existing database"): what happened before this day is history,
    # already in the books by other means; it is never posted and never reported as not posted.
    qbo_cutover_date = fields.Date(
        "QuickBooks Cut-over Date", copy=False,
        help="Valuation layers created before this day are history: never posted to QuickBooks and never "
        "reported as not posted; reconciliation and close readiness start here. Empty: everything is posted.")

    # Landed cost drift check (landed.cost.driver): how many receipts to look at, when a change is
    # structural, and the landed margin under which a style raises an alert.
    drift_window = fields.Integer(
        "Receipts Looked At", default=5,
        help="The drift check reads the last N receipts with actual costs of each cost driver.")
    drift_consecutive = fields.Integer(
        "Consecutive Receipts for Structural", default=3,
        help="A drift seen on at least K consecutive receipts, all in the same direction, is structural; "
        "fewer is temporary.")
    drift_threshold = fields.Float(
        "Drift Threshold (%)", default=10.0, digits=(16, 1),
        help="Actual landed cost per unit more than this percentage away from the rule counts as drift.")
    landed_margin_floor = fields.Float(
        "Landed Margin Floor (%)", default=0.0, digits=(16, 1),
        help="A style whose sales price leaves less landed margin than this raises an alert; 0 turns it off. "
        "A style can set its own floor.")
    drift_accountant_id = fields.Many2one(
        "res.users", "Accountant for Drift Alerts",
        help="Gets the drift and margin alerts with the buyer; by default the first QuickBooks accountant.")

    @api.constrains("drift_window", "drift_consecutive", "drift_threshold", "landed_margin_floor")
    def _check_drift_settings(self):
        for company in self:
            if not 1 <= company.drift_window <= 100:
                raise ValidationError(_(
                    "%(company)s: the drift check looks at 1 to 100 receipts, not %(value)s. Enter a number of "
                    "receipts in that range.", company=company.name, value=company.drift_window))
            if company.drift_consecutive < 1:
                raise ValidationError(_(
                    "%(company)s: a structural drift needs at least 1 consecutive receipt, not %(value)s.",
                    company=company.name, value=company.drift_consecutive))
            if company.drift_consecutive > company.drift_window:
                raise ValidationError(_(
                    "%(company)s: a structural drift cannot need %(k)s consecutive receipts when the check looks "
                    "at only %(n)s. Lower the consecutive receipts or look at more receipts.",
                    company=company.name, k=company.drift_consecutive, n=company.drift_window))
            if not 0 < company.drift_threshold <= 1000:
                raise ValidationError(_(
                    "%(company)s: the drift threshold must be above 0 %% and at most 1000 %%, not %(value)s %%.",
                    company=company.name, value=company.drift_threshold))
            if not 0 <= company.landed_margin_floor < 100:
                raise ValidationError(_(
                    "%(company)s: the landed margin floor is a percentage of the sales price from 0 (off) to "
                    "below 100, not %(value)s %%.", company=company.name, value=company.landed_margin_floor))

    @api.constrains("qbo_cutover_date")
    def _check_qbo_cutover_date(self):
        for company in self:
            today = fields.Date.context_today(company)
            if company.qbo_cutover_date and company.qbo_cutover_date > today:
                raise ValidationError(_(
                    "%(company)s: the cut-over date %(date)s is in the future. Go-live compares Odoo's stock with "
                    "QuickBooks' balances as they stand on that day, which are not known yet: choose today or an "
                    "earlier day.", company=company.name, date=company.qbo_cutover_date))

    def _qbo_cutover_start(self):
        """The first moment that is posted (the cut-over day at 00:00, as layers' create_date is compared),
        or None when the company has no cut-over."""
        self.ensure_one()
        cutover = self.sudo().qbo_cutover_date
        return datetime.combine(cutover, time.min) if cutover else None

    def _qbo_before_cutover(self, when):
        """Whether ``when`` (a datetime, e.g. a layer's create_date) is history: before the cut-over."""
        self.ensure_one()
        start = self._qbo_cutover_start()
        return bool(start and when and when < start)

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
