from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestScreensAtp(InventoryStateCommon):
    """ATP by Channel shows one row per warehouse and selling channel plus a total that counts stock once; the
    quotation line's Channel ATP shows and warns at zero and adds up the lines of one product.

    Stock: 50 in the main warehouse, 8 in the New York store; Wholesale holds 20 units in the main warehouse.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecommerce = cls.env["crm.team"].create({"name": "E-commerce"})
        cls.odoo_sales = cls.env.ref("sales_team.team_sales_department")
        cls.store = cls.env["stock.warehouse"].create({"name": "New York Store", "code": "NYST"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Apparel Co"})
        cls.other_warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.other_company.id)])
        cls.env.user.company_ids |= cls.other_company
        cls.put_in_stock(cls, 50)
        cls.put_in_stock(cls, 8, location=cls.store.lot_stock_id)
        cls.env["stock.channel.allocation"].create({
            "channel_id": cls.team.id, "product_id": cls.product.id, "warehouse_id": cls.warehouse.id,
            "kind": "quantity", "value": 20})
        cls.Line = cls.env["stock.available.to.promise.line"]

    def rows(self, products):
        action = products.with_context(allowed_company_ids=(self.company | self.other_company).ids) \
            .action_open_atp_by_channel()
        return self.Line.search(action["domain"]), action

    def test_one_row_per_warehouse_and_selling_channel(self):
        lines, action = self.rows(self.product)
        self.assertFalse(self.odoo_sales.is_sales_channel, "Odoo's default team is no sales channel")
        figures = {(line.warehouse_id, line.row_label): (line.on_hand, line.reserved, line.safety_stock, line.atp)
                   for line in lines}
        self.assertEqual(figures, {
            (self.warehouse, "Total of %s (stock counted once)" % self.warehouse.name): (50, 0, 0, 50),
            (self.warehouse, "Wholesale"): (50, 0, 0, 50),
            (self.warehouse, "E-commerce"): (50, 0, 0, 30),
            (self.store, "Total of New York Store (stock counted once)"): (8, 0, 0, 8),
            (self.store, "Wholesale"): (8, 0, 0, 8),
            (self.store, "E-commerce"): (8, 0, 0, 8),
        }, "no row for Odoo's default team, none for the other company's warehouse")
        self.assertEqual(lines.filtered("is_total").channel_id, self.env["crm.team"])
        self.assertEqual(action["context"], {"group_by": ["warehouse_id"]})
        # a group (warehouse, variant) never adds up the channels' rows: the web client sums only fields
        # with an aggregator
        described = self.Line.fields_get(["on_hand", "quality_hold", "sellable", "reserved", "safety_stock",
                                          "free", "allocated_own", "allocated_others", "atp"], ["aggregator"])
        self.assertEqual({name: desc.get("aggregator") for name, desc in described.items()},
                         dict.fromkeys(described))

    def test_ticked_default_team_and_allocated_team_show(self):
        outlet = self.env["crm.team"].create({"name": "Outlet", "is_sales_channel": False})
        self.odoo_sales.is_sales_channel = True
        lines, _action = self.rows(self.product)
        self.assertIn("Sales", lines.mapped("row_label"))
        self.assertNotIn("Outlet", lines.mapped("row_label"))
        self.env["stock.channel.allocation"].create({
            "channel_id": outlet.id, "product_id": self.product.id, "kind": "quantity", "value": 5})
        lines, _action = self.rows(self.product)
        self.assertIn("Outlet", lines.mapped("row_label"), "a team holding an allocation sells")

    def test_warehouses_of_the_users_companies_that_matter(self):
        lines, _action = self.rows(self.product)
        self.assertEqual(lines.warehouse_id, self.warehouse | self.store,
                         "another selected company's warehouse without this product's stock stays out")
        self.product.company_id = self.company
        lines, _action = self.rows(self.product)
        self.assertEqual(lines.warehouse_id, self.warehouse | self.store, "a product of one company: its warehouses")
        self.product.company_id = False
        self.env["stock.quant"]._update_available_quantity(self.product, self.other_warehouse.lot_stock_id, 4)
        lines, _action = self.rows(self.product)
        self.assertEqual(lines.warehouse_id, self.warehouse | self.store | self.other_warehouse)

    # ------------------------------------------------------------ quotation
    def quotation(self, warehouse, quantities, team=None):
        return self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": warehouse.id, "team_id": (team or self.ecommerce).id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": qty})
                           for qty in quantities]})

    def test_zero_shows_and_warns(self):
        empty_store = self.env["stock.warehouse"].create({"name": "Boston Store", "code": "BOST"})
        order = self.quotation(empty_store, [2])
        line = order.order_line
        self.assertEqual((line.channel_atp_qty, line.channel_atp_label, line.channel_atp_short),
                         (0.0, "0.00", True))
        self.assertEqual(line.channel_atp_warning,
                         "No Units of Crew tee are available to promise to E-commerce in Boston Store; this order "
                         "asks for 2.00.")
        self.assertEqual(order.channel_atp_warning, line.channel_atp_warning)

    def test_changing_the_warehouse_warns(self):
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        form.team_id = self.ecommerce
        form.warehouse_id = self.warehouse
        with form.order_line.new() as line:
            line.product_id = self.product
            line.product_uom_qty = 10
        self.assertFalse(form.channel_atp_warning)
        empty_store = self.env["stock.warehouse"].create({"name": "Boston Store", "code": "BOST"})
        form.warehouse_id = empty_store
        self.assertIn("No Units of Crew tee are available to promise to E-commerce in Boston Store",
                      form.channel_atp_warning)
        order = form.save()
        self.assertEqual(order._onchange_channel_atp_warning()["warning"]["message"], order.channel_atp_warning)

    def test_lines_of_one_product_are_added_together(self):
        order = self.quotation(self.warehouse, [20, 15])  # E-commerce may promise 30
        self.assertEqual(order.order_line.mapped("channel_atp_short"), [True, True])
        self.assertIn("this order asks for 35.00 in 2 lines.",
                      order.order_line[0].channel_atp_warning)
        order.order_line[1].product_uom_qty = 10
        self.assertEqual(order.order_line.mapped("channel_atp_short"), [False, False])
        self.assertFalse(order.channel_atp_warning)

    # ------------------------------------------------------------ bad input
    def test_safety_stock_above_on_hand_warns_and_negative_is_refused(self):
        form = Form(self.product)
        form.safety_stock_qty = 80
        form.save()  # allowed: stock may be on its way; the form warns
        result = self.product._onchange_safety_stock_qty()
        self.assertEqual(result["warning"]["message"],
                         "A safety stock of 80.00 is more than is on hand of Crew tee (58.00): nothing of it can be "
                         "promised until more arrives. Lower the safety stock, or receive stock first.")
        self.assertEqual(self.product.atp_qty, 0.0)
        self.product.safety_stock_qty = 10
        self.assertFalse(self.product._onchange_safety_stock_qty())
        with self.assertRaises(ValidationError) as refused:
            self.product.safety_stock_qty = -2
            self.env.flush_all()
        self.assertIn("The safety stock of Crew tee is negative (-2.0)", str(refused.exception))

    def test_allocation_above_100_percent_names_the_allocation_and_the_fix(self):
        with self.assertRaises(ValidationError) as refused:
            self.env["stock.channel.allocation"].create({
                "channel_id": self.ecommerce.id, "product_id": self.product.id, "kind": "percent", "value": 120})
        self.assertEqual(str(refused.exception),
                         "The allocation of Crew tee to E-commerce is 120%: enter a percent between 0 and 100, or set "
                         "aside a quantity of units instead.")
