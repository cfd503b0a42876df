from odoo.tests import Form, tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestScreensQuotationDefaults(InventoryStateCommon):
    """A wholesale customer's quotation takes the customer's channel and that channel's warehouse."""

    def test_customer_channel_and_its_warehouse(self):
        dc = self.env["stock.warehouse"].create({"name": "Los Angeles DC", "code": "LADC"})
        self.team.sale_warehouse_id = dc
        self.customer.sales_channel_id = self.team
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        self.assertEqual((form.team_id, form.warehouse_id), (self.team, dc))
        walk_in = self.env["res.partner"].create({"name": "Walk-in"})
        order = self.env["sale.order"].create({"partner_id": walk_in.id})
        self.assertNotEqual(order.team_id, self.team, "a customer without a channel gets Odoo's default")
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        order = self.env["sale.order"].create({"partner_id": contact.id})
        self.assertEqual((order.team_id, order.warehouse_id), (self.team, dc), "a contact takes its company's")
