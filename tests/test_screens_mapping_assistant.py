from odoo.tests import tagged

from ..qbo_engine.emulator.demo import demo_mapping
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestScreensMappingAssistant(QboEmulatorCommon):
    """The assistant maps each unmapped role to the chart's account of a fitting type and name."""

    def mapped(self):
        return sorted((line.role, line.cost_type or None, line.account_id.name) for line in self.env[
            "qbo.account.mapping"].search([("company_id", "=", self.qbo_company.id)]))

    def test_suggests_the_whole_demo_mapping(self):
        self.qbo_mappings.unlink()
        result = self.env["qbo.account.mapping"].with_company(self.qbo_company).action_qbo_suggest_missing()
        self.assertEqual(self.mapped(), sorted(demo_mapping()))
        self.assertEqual(result["params"]["type"], "success")
        self.assertFalse(self.env["qbo.account.mapping"]._qbo_unmapped_roles(self.qbo_company))

    def test_keeps_what_is_mapped_and_names_what_is_missing(self):
        shrinkage = self.qbo_mappings.filtered(lambda line: line.role == "shrinkage")
        shrinkage.unlink()
        self.qbo_accounts["Shrinkage"].sudo().active = False
        before = self.mapped()
        result = self.env["qbo.account.mapping"].with_company(self.qbo_company).action_qbo_suggest_missing()
        self.assertEqual(self.mapped(), before, "nothing fits Shrinkage by name: nothing is guessed")
        self.assertEqual(result["params"]["message"],
                         "0 line(s) mapped. No account of a fitting type and name for: Shrinkage. Create them in "
                         "QuickBooks (or map them by hand), fetch the chart of accounts, then run the assistant again.")
