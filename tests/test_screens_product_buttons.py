from lxml import etree

from odoo import Command
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestScreensProductButtons(InventoryStateCommon):
    """Trace, Timeline, Why? and ATP by Channel lead the product's smart buttons: never hidden under "More"."""

    def test_buttons_come_first(self):
        user = self.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Planner", "login": "planner_buttons",
            "groups_id": [Command.set([self.env.ref("stock.group_stock_manager").id,
                                       self.env.ref("stock_quickbooks_sync.group_qbo_user").id,
                                       self.env.ref("sales_team.group_sale_salesman").id])]})
        ours = {"action_open_atp_by_channel", "action_open_inventory_trace", "action_open_sku_timeline",
                "action_explain_value"}
        arch = self.env["product.template"].with_user(user).get_view(view_type="form")["arch"]
        buttons = etree.fromstring(arch).xpath("//div[@name='button_box']/button")
        self.assertGreater(len(buttons), len(ours), "the box holds Odoo's buttons too")
        self.assertEqual({button.get("name") for button in buttons[:len(ours)]}, ours)

    def test_board_says_what_its_columns_count(self):
        action = self.env["stock.move"].action_open_stock_state_board()
        self.assertEqual(action["name"], "Stock States Board: open moves and moves done today")
