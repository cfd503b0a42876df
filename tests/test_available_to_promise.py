from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..const import BOARD_STATES
from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestAvailableToPromise(InventoryStateCommon):
    """Available to promise per channel, channel allocations, the sale line warning and the stock states board.

    The stock of the main case, in the warehouse of the tests:
      100 in Stock, 20 in a quality hold bench, 3 in return inspection   → on hand 123, sellable 100
      a confirmed Wholesale order reserves 10                            → reserved 10
      safety stock 6                                                     → free 100 − 10 − 6 = 84
      allocations: Wholesale 20 units, E-commerce 25 % (of 84 = 21) on the product (its 10-unit category
      allocation is overruled), Outlet 5 units on the category, Retail none.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecommerce = cls.env["crm.team"].create({"name": "E-commerce"})
        cls.outlet = cls.env["crm.team"].create({"name": "Outlet"})
        cls.retail = cls.env["crm.team"].create({"name": "Retail"})
        cls.channels = cls.team | cls.ecommerce | cls.outlet | cls.retail
        Location = cls.env["stock.location"]
        cls.hold_bench = Location.create({
            "name": "QC Bench", "usage": "internal", "location_id": cls.warehouse.view_location_id.id,
            "is_quality_hold": True})
        cls.inspection = Location.create({
            "name": "Returns to Inspect", "usage": "internal", "location_id": cls.warehouse.view_location_id.id,
            "is_return_inspection": True})
        cls.ATP = cls.env["stock.available.to.promise"]
        cls.Allocation = cls.env["stock.channel.allocation"]

    def allocate(self, channel, value, kind="quantity", product=None, category=None, warehouse=None):
        return self.Allocation.create({
            "channel_id": channel.id, "kind": kind, "value": value,
            "product_id": product.id if product else False, "categ_id": category.id if category else False,
            "warehouse_id": warehouse.id if warehouse else False})

    def set_up_main_case(self):
        self.put_in_stock(100)
        self.put_in_stock(20, location=self.hold_bench)
        self.put_in_stock(3, location=self.inspection)
        self.sell(10)  # Wholesale, reserved at confirmation
        self.product.safety_stock_qty = 6
        self.allocate(self.team, 20, product=self.product)
        self.allocate(self.ecommerce, 25, kind="percent", product=self.product)
        self.allocate(self.ecommerce, 10, category=self.category)
        self.allocate(self.outlet, 5, category=self.category)

    # ------------------------------------------------------------------ ATP
    def test_atp_terms_per_channel(self):
        self.set_up_main_case()
        figures = self.ATP._compute_atp(self.product, self.warehouse, self.channels)
        common = {"on_hand": 123, "quality_hold": 23, "sellable": 100, "reserved": 10, "safety_stock": 6, "free": 84}
        expected = {
            # channel: (own allocation, other channels' allocations, atp)
            self.team: (20, 21 + 5, 84 - 26),
            self.ecommerce: (21, 20 + 5, 84 - 25),
            self.outlet: (5, 20 + 21, 84 - 41),
            self.retail: (0, 20 + 21 + 5, 84 - 46),  # no allocation: the unallocated pool only
        }
        for channel, (own, others, atp) in expected.items():
            terms = figures[(self.product.id, channel.id)]
            self.assertEqual({k: terms[k] for k in common}, common, channel.name)
            self.assertEqual((terms["allocated_own"], terms["allocated_others"], terms["atp"]), (own, others, atp),
                             channel.name)
            self.assertEqual(terms["atp"], terms["sellable"] - terms["reserved"] - terms["safety_stock"]
                             - terms["allocated_others"], "the documented formula, term by term")
        total = self.ATP._compute_atp(self.product, self.warehouse)[(self.product.id, False)]
        self.assertEqual((total["atp"], total["allocated_others"]), (84, 0), "all channels together: the free stock")
        self.assertEqual(self.product.atp_qty, 84)
        self.assertEqual(self.product.product_tmpl_id.atp_qty, 84)

    def test_quality_control_location_is_hold_and_not_subtracted_twice(self):
        """Goods in the warehouse's own QC location count on hand, never sellable; hold leaves once."""
        self.warehouse.reception_steps = "three_steps"
        self.put_in_stock(30)
        self.put_in_stock(12, location=self.warehouse.wh_qc_stock_loc_id)
        terms = self.ATP._compute_atp(self.product, self.warehouse)[(self.product.id, False)]
        self.assertEqual((terms["on_hand"], terms["quality_hold"], terms["sellable"], terms["atp"]), (42, 12, 30, 30))

    def test_warehouse_allocation_applies_only_in_its_warehouse(self):
        self.put_in_stock(50)
        other = self.env["stock.warehouse"].create({"name": "Outlet Store", "code": "OUTS"})
        self.allocate(self.ecommerce, 30, warehouse=self.warehouse, product=self.product)
        self.allocate(self.ecommerce, 5, warehouse=other, product=self.product)
        here = self.ATP._compute_atp(self.product, self.warehouse, self.retail)[(self.product.id, self.retail.id)]
        self.assertEqual((here["allocated_others"], here["atp"]), (30, 20))
        company_wide = self.ATP._compute_atp(self.product, None, self.retail)[(self.product.id, self.retail.id)]
        self.assertEqual((company_wide["allocated_others"], company_wide["atp"]), (0, 50),
                         "a warehouse's allocation does not apply to the company-wide figure")

    def test_query_count_does_not_grow_with_products(self):
        """Grouped reads, not loops over quants: 40 variants cost the same queries as 4."""
        self.allocate(self.outlet, 10, kind="percent", category=self.category)
        products = self.env["product.product"].create([
            {"name": f"Tee {n}", "is_storable": True, "categ_id": self.category.id} for n in range(40)])
        for product in products:
            self.put_in_stock(5, product=product)
            self.put_in_stock(1, product=product, location=self.hold_bench)

        def queries(batch):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            figures = self.ATP._compute_atp(batch, self.warehouse, self.channels)
            return self.env.cr.sql_log_count - before, figures

        few, few_figures = queries(products[:4])
        many, many_figures = queries(products)
        self.assertEqual(many, few)
        self.assertEqual(len(many_figures), 40 * len(self.channels))
        self.assertEqual(many_figures[(products[-1].id, self.retail.id)]["atp"], 4.5, "free 5, outlet keeps 10 %")

    def test_product_without_stock_and_channel_without_allocation(self):
        empty = self.env["product.product"].create({
            "name": "Linen scarf", "is_storable": True, "categ_id": self.category.id, "safety_stock_qty": 5})
        self.allocate(self.team, 50, kind="percent", product=empty)
        figures = self.ATP._compute_atp(empty, self.warehouse, self.channels)
        for channel in self.channels:
            terms = figures[(empty.id, channel.id)]
            self.assertEqual((terms["on_hand"], terms["free"], terms["atp"]), (0, 0, 0), channel.name)
        self.assertEqual(empty.atp_qty, 0)
        self.assertEqual(self.ATP._compute_atp(self.env["product.product"], self.warehouse, self.channels), {})

    def test_allocations_exceeding_free_stock_leave_zero(self):
        self.put_in_stock(10)
        self.allocate(self.team, 40, product=self.product)
        terms = self.ATP._compute_atp(self.product, self.warehouse, self.retail)[(self.product.id, self.retail.id)]
        self.assertEqual((terms["free"], terms["allocated_others"], terms["atp"]), (10, 40, 0))

    def test_template_safety_stock_sets_every_variant(self):
        template = self.env["product.template"].create({
            "name": "Hoodie", "is_storable": True, "safety_stock_qty": 4})
        self.assertEqual(template.product_variant_ids.safety_stock_qty, 4)
        template.safety_stock_qty = 7
        self.assertEqual(template.product_variant_ids.safety_stock_qty, 7)

    def test_atp_by_channel_screen(self):
        self.set_up_main_case()
        action = self.product.action_open_atp_by_channel()
        lines = self.env[action["res_model"]].search(action["domain"]).filtered(
            lambda line: line.warehouse_id == self.warehouse)
        by_channel = {line.channel_id: line.atp for line in lines}
        self.assertEqual(by_channel[self.retail], 38)
        self.assertEqual(by_channel[self.team], 58)
        self.assertEqual(by_channel[self.env["crm.team"]], 84, "the all-channels row")

    # ---------------------------------------------------------- allocations
    def test_invalid_allocations_are_rejected(self):
        cases = [
            (dict(channel=self.team, value=120, kind="percent", product=self.product), "between 0 and 100"),
            (dict(channel=self.team, value=-3, product=self.product), "negative"),
            (dict(channel=self.team, value=3), "choose a product variant or a product category"),
            (dict(channel=self.team, value=3, product=self.product, category=self.category), "keep one"),
        ]
        # assertRaises (not assertRaisesRegex) rolls each refused record back to a savepoint.
        for kwargs, message in cases:
            with self.subTest(message=message), self.assertRaises(ValidationError) as refused:
                self.allocate(**kwargs)
            self.assertIn(message, str(refused.exception))
        self.allocate(self.team, 60, kind="percent", product=self.product)
        with self.assertRaises(ValidationError) as refused:
            self.allocate(self.ecommerce, 50, kind="percent", product=self.product)
        for text in ("Crew tee", "add up to 110%", "Wholesale 60%", "E-commerce 50%"):
            self.assertIn(text, str(refused.exception))
        with self.assertRaises(ValidationError) as refused:
            self.allocate(self.team, 5, product=self.product)
        self.assertIn("Wholesale already has an allocation of Crew tee", str(refused.exception))
        self.assertEqual(self.Allocation.search_count([("product_id", "=", self.product.id)]), 1,
                         "only the valid allocation was kept")

    # ------------------------------------------------------------ sale line
    def quotation(self, channel, quantity):
        return self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id, "team_id": channel.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": quantity})],
        })

    def test_sale_line_warns_only_when_short(self):
        self.set_up_main_case()
        enough = self.quotation(self.retail, 38).order_line
        self.assertEqual((enough.channel_atp_qty, enough.channel_atp_short), (38, False))
        self.assertFalse(enough._onchange_channel_atp_warning())
        short = self.quotation(self.retail, 40).order_line
        self.assertEqual((short.channel_atp_qty, short.channel_atp_short), (38, True))
        warning = short._onchange_channel_atp_warning()["warning"]
        for text in ("Crew tee", "Retail", "38", "40"):
            self.assertIn(text, warning["message"])
        wholesale = self.quotation(self.team, 40).order_line
        self.assertFalse(wholesale.channel_atp_short, "Wholesale may promise 58: its own allocation counts")
        short.order_id.action_confirm()
        self.assertFalse(short.channel_atp_short, "a confirmed order is no longer compared: its goods are reserved")

    # ---------------------------------------------------------------- board
    def test_stock_states_board(self):
        self.put_in_stock(30)
        receipt = self.receive(8)
        delivery = self.sell(5).picking_ids
        old_receipt = self.receive(4)
        old_receipt.picking_ids.move_ids.date = fields.Datetime.now() - timedelta(days=2)
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product.id, "scrap_qty": 2, "location_id": self.stock.id})
        scrap.action_validate()
        self.flush_ledger()

        action = self.env["stock.move"].action_open_stock_state_board()
        Move = self.env["stock.move"].with_context(**action["context"])
        board = Move.search(action["domain"])
        ours = board.filtered(lambda m: m.product_id == self.product)
        self.assertIn(receipt.picking_ids.move_ids, ours)
        self.assertIn(delivery.move_ids, ours)
        self.assertIn(scrap.move_ids, ours)
        self.assertNotIn(old_receipt.picking_ids.move_ids, ours, "moves done before today leave the board")
        self.assertEqual(
            {m: m.inventory_state for m in ours},
            {receipt.picking_ids.move_ids: "available", delivery.move_ids: "reserved", scrap.move_ids: "scrapped"})
        self.assertEqual(set(ours.state_warehouse_id), {self.warehouse})

        groups = Move.read_group(action["domain"], ["product_qty:sum"], ["inventory_state"])
        self.assertEqual([g["inventory_state"] for g in groups], list(BOARD_STATES),
                         "every column shows, in chain order, even empty ones")
        for group in groups:
            moves = board.filtered(lambda m, s=group["inventory_state"]: m.inventory_state == s)
            self.assertEqual(group["inventory_state_count"], len(moves), group["inventory_state"])
            self.assertAlmostEqual(group["product_qty"], sum(moves.mapped("product_qty")))
        plain = self.env["stock.move"].read_group(action["domain"], ["product_qty:sum"], ["inventory_state"])
        self.assertLess(len(plain), len(BOARD_STATES), "outside the board, empty states are not expanded")
