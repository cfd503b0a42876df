from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import InventoryStateCommon
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestScreensAccess(QboEmulatorCommon, InventoryStateCommon):

    def test_posting_link_without_quickbooks_rights(self):
        self.receive(2, price=5.0)
        self.flush_ledger()
        posting = self.env["qbo.posting"].search([], limit=1, order="id desc")
        clerk = self.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Warehouse Clerk", "login": "clerk_no_qbo",
            "groups_id": [Command.set([self.env.ref("stock.group_stock_user").id])]})
        with self.assertRaises(AccessError) as refused:
            posting.with_user(clerk).read(["doc_number"])
        self.assertIn('QuickBooks Posting records are QuickBooks accounting records, shown only to QuickBooks users. '
                      'To open this link, ask your administrator to give Warehouse Clerk the QuickBooks right '
                      '"User: read synced entries"', str(refused.exception))
