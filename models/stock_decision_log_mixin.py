from odoo import _, fields, models


class StockDecisionLogMixin(models.AbstractModel):
    """A record that shows the decisions taken on it (smart button *Decisions*)."""

    _name = "stock.decision.log.mixin"
    _description = "Decisions Taken on a Record"

    decision_count = fields.Integer("Decisions", compute="_compute_decision_count")

    def _decision_domain(self):
        return [("res_model", "=", self._name), ("res_id", "in", self.ids)]

    def _compute_decision_count(self):
        Log = self.env["stock.decision.log"].sudo()  # a count only; the list itself checks access
        for record in self:
            record.decision_count = Log.search_count(record._decision_domain()) if record.id else 0

    def action_view_decisions(self):
        self.ensure_one()
        return self.env["stock.decision.log"]._action_for(self._decision_domain(), self.display_name)


# The records people decide on. Estimate overrides are logged on their purchase order (the form the
# buyer edits them in); accepted findings on the finding, shown on their reconciliation run too.

class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "stock.decision.log.mixin"]


class PurchaseLandedCostRule(models.Model):
    _name = "purchase.landed.cost.rule"
    _inherit = ["purchase.landed.cost.rule", "stock.decision.log.mixin"]


class QboPosting(models.Model):
    _name = "qbo.posting"
    _inherit = ["qbo.posting", "stock.decision.log.mixin"]


class QboReconciliationLine(models.Model):
    _name = "qbo.reconciliation.line"
    _inherit = ["qbo.reconciliation.line", "stock.decision.log.mixin"]


class QboReconciliation(models.Model):
    _name = "qbo.reconciliation"
    _inherit = ["qbo.reconciliation", "stock.decision.log.mixin"]

    def _decision_domain(self):
        return [("res_model", "=", "qbo.reconciliation.line"), ("res_id", "in", self.line_ids.ids)]

    def action_view_decisions(self):
        self.ensure_one()
        return self.env["stock.decision.log"]._action_for(
            self._decision_domain(), _("%(run)s findings", run=self.display_name))
