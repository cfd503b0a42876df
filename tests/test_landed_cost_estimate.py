from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .landed_cost_common import LandedCostCommon


@tagged("post_install", "-at_install")
class TestLandedCostEstimate(LandedCostCommon):

    def test_rules_fill_estimates_and_po_figures(self):
        china = self.env.ref("base.cn")
        self.vendor.country_id = china
        Rule = self.env["purchase.landed.cost.rule"]
        Rule.create([
            {"name": "Knit tops duty CN", "cost_type": "duty", "method": "percent_value", "rate": 16.5,
             "categ_id": self.category.id, "country_id": china.id},
            {"name": "Duty, anything", "cost_type": "duty", "method": "percent_value", "rate": 30.0},
            {"name": "Sea freight", "cost_type": "freight", "method": "per_unit", "rate": 0.80,
             "lane": "Ningbo-Los Angeles sea"},
            {"name": "Insurance", "cost_type": "insurance", "method": "percent_value", "rate": 0.5},
            {"name": "Broker per entry", "cost_type": "broker", "method": "fixed_value", "amount": 150.0},
            {"name": "Other vendor", "cost_type": "other", "method": "per_unit", "rate": 9.0,
             "partner_id": self.customer.id},
        ])
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id, "landed_cost_lane": "Ningbo-Los Angeles sea",
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": 1000, "price_unit": 10.0})],
        })
        estimates = order.landed_cost_estimate_ids
        self.assertEqual(sorted((e.cost_type, e.method, e.rate, e.amount, bool(e.order_line_id)) for e in estimates), [
            ("broker", "fixed_value", 0.0, 150.0, False),
            ("duty", "percent_value", 16.5, 0.0, True),  # the most specific rule wins
            ("freight", "per_unit", 0.8, 0.0, True),
            ("insurance", "percent_value", 0.5, 0.0, True),
        ])
        self.assertRecordValues(estimates.filtered(lambda e: e.cost_type == "duty"), [{
            "rule_id": Rule.search([("name", "=", "Knit tops duty CN")]).id,
            "product_id": self.env.ref("stock_quickbooks_sync.product_landed_cost_duty").id,
            "estimated_amount": 1650.0}])
        self.assertRecordValues(order, [{"factory_cost": 10000.0, "estimated_landed_cost": 2650.0}])
        self.assertRecordValues(order.order_line, [{
            "landed_cost_amount": 2650.0, "landed_unit_cost": 12.65, "landed_margin": 36.75}])
        self.assertIn("12,650.00", order.landed_cost_summary)
        order.action_fill_landed_cost_estimates()
        self.assertEqual(order.landed_cost_estimate_ids, estimates, "filling again adds nothing")

    def test_override_needs_a_reason_and_is_recorded(self):
        self.env["purchase.landed.cost.rule"].create({
            "name": "Duty", "cost_type": "duty", "method": "percent_value", "rate": 16.5})
        order = self.order([(self.product, 1000, 10.0)])
        duty = order.landed_cost_estimate_ids
        with self.refused(UserError, "Give a reason"):
            duty.rate = 12.0
        self.assertEqual(duty.rate, 16.5)
        duty.write({"rate": 12.0, "override_reason": "FTA certificate of origin"})
        self.assertTrue(duty.is_overridden)
        event = self.env["stock.inventory.event"].search(
            [("purchase_order_id", "=", order.id), ("reason", "ilike", "overridden")])
        self.assertEqual(len(event), 1)
        self.assertRecordValues(event, [{"from_state": "ordered", "to_state": "ordered", "quantity": 0.0,
                                         "value": -450.0, "product_id": self.product.id}])
        self.assertIn("16.5 % → 12 %", event.reason)
        self.assertIn("FTA certificate of origin", event.reason)

    def test_two_partial_receipts_then_actual(self):
        order = self.seeds_order(self.fifo_product)
        first = self.receipt(order)
        self.validate(first, quantity=600, backorder=True)
        self.assertEqual(self.layers(first.move_ids), [6000.0, 480.0, 990.0, 90.0, 30.0])
        second = self.receipt(order)
        self.assertTrue(second, "a backorder waits for the rest")
        self.validate(second)
        self.assertEqual(self.layers(second.move_ids), [4000.0, 320.0, 660.0, 60.0, 20.0])
        self.assertEqual(self.unit_cost(self.fifo_product), 12.65)
        self.assertEqual(len(order.landed_cost_ids.filtered("is_estimate")), 2)
        self.ship(400, self.fifo_product)  # FIFO: all from the first receipt
        self.actual(order, "freight", 1000.0)
        true_up = order.landed_cost_ids.filtered("is_true_up")
        self.assertEqual(self.posting(true_up), [
            ("accrued_landed_cost", "freight", -200.0, False),
            ("cogs", "freight", 80.0, 400.0),
            ("inventory", "freight", 40.0, 200.0),
            ("inventory", "freight", 80.0, 400.0),
        ])
        self.assertEqual(self.by_role(true_up), {"accrued_landed_cost": -200.0, "cogs": 80.0, "inventory": 120.0})

    def test_backorder_received_after_actual_takes_the_actual(self):
        order = self.seeds_order(self.fifo_product)
        self.validate(self.receipt(order), quantity=600, backorder=True)
        self.actual(order, "freight", 1000.0)
        true_up = order.landed_cost_ids.filtered("is_true_up")
        self.assertEqual(self.by_role(true_up), {"accrued_landed_cost": -120.0, "inventory": 120.0})
        second = self.receipt(order)
        self.validate(second)
        self.assertEqual(self.layers(second.move_ids), [4000.0, 400.0, 660.0, 60.0, 20.0],
                         "the backorder carries its share of the actual freight, not the estimate")

    def test_allocation_methods(self):
        shirt, vest = self.env["product.product"].create([
            {"name": "Shirt", "is_storable": True, "categ_id": self.fifo_category.id, "weight": 2.0, "volume": 0.05},
            {"name": "Vest", "is_storable": True, "categ_id": self.fifo_category.id, "weight": 1.0, "volume": 0.01},
        ])
        cases = [
            ("fixed_quantity", 400.0, [100.0, 300.0]),
            ("fixed_value", 400.0, [200.0, 200.0]),
            ("fixed_weight", 400.0, [160.0, 240.0]),
            ("fixed_volume", 400.0, [250.0, 150.0]),
            ("per_unit", 0.8, [80.0, 240.0]),
            ("per_weight", 0.5, [100.0, 150.0]),
            ("per_volume", 10.0, [50.0, 30.0]),
            ("percent_value", 10.0, [300.0, 300.0]),
        ]
        for method, value, expected in cases:
            with self.subTest(method=method):
                order = self.order([(shirt, 100, 30.0), (vest, 300, 10.0)], [("freight", method, value, None)])
                receipt = self.receipt(order)
                self.validate(receipt)
                cost = order.landed_cost_ids
                self.assertEqual([l.additional_landed_cost for l in cost.valuation_adjustment_lines.sorted(
                    lambda l: l.product_id != shirt)], expected)
                self.assertEqual(self.layers(receipt.move_ids.filtered(lambda m: m.product_id == shirt))[1:],
                                 [expected[0]])

    def test_standard_cost_estimate_goes_to_variance(self):
        order = self.seeds_order(self.standard_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        cost = order.landed_cost_ids
        self.assertEqual(self.layers(receipt.move_ids), [12000.0], "standard cost: inventory stays at standard")
        self.assertEqual(self.by_role(cost), {"accrued_landed_cost": -2650.0, "landed_cost_variance": 2650.0})
        self.assertEqual(self.standard_product.standard_price, 12.0)

    # ---------------------------------------------------------------- bad input
    def test_estimate_on_non_storable_product(self):
        service = self.env["product.product"].create({"name": "Design fee", "type": "service"})
        order = self.order([(self.product, 10, 10.0), (service, 1, 100.0)], confirm=False)
        with self.refused(ValidationError, "Design fee.*not a storable product"):
            self.env["purchase.landed.cost.estimate"].create({
                "order_id": order.id, "order_line_id": order.order_line[1].id, "cost_type": "duty",
                "method": "percent_value", "rate": 10.0})
        self.assertFalse(self.env["purchase.landed.cost.estimate"].search_count([("order_id", "=", order.id)]))

    def test_negative_rate(self):
        order = self.order([(self.product, 10, 10.0)], confirm=False)
        with self.refused(ValidationError, "negative rate.*Enter a positive"):
            self.env["purchase.landed.cost.estimate"].create({
                "order_id": order.id, "cost_type": "freight", "method": "per_unit", "rate": -1.0})
        with self.refused(ValidationError, "negative"):
            self.env["purchase.landed.cost.rule"].create({
                "name": "Bad", "cost_type": "freight", "method": "per_unit", "rate": -1.0})
        self.assertFalse(self.env["purchase.landed.cost.estimate"].search_count([("order_id", "=", order.id)]))

    def test_zero_weight_split(self):
        cap = self.env["product.product"].create({
            "name": "Cap", "is_storable": True, "categ_id": self.fifo_category.id, "weight": 0.0, "volume": 0.02})
        order = self.order([(cap, 10, 10.0)], confirm=False)
        with self.refused(UserError, "split by weight.*Set the weight on the products \\(Cap\\)"):
            self.env["purchase.landed.cost.estimate"].create({
                "order_id": order.id, "cost_type": "freight", "method": "fixed_weight", "amount": 100.0})
        self.assertFalse(self.env["purchase.landed.cost.estimate"].search_count([("order_id", "=", order.id)]))
        estimate = self.env["purchase.landed.cost.estimate"].create({
            "order_id": order.id, "cost_type": "freight", "method": "fixed_volume", "amount": 100.0})
        order.button_confirm()
        cap.volume = 0.0  # changed after the estimate: validating the receipt is refused
        receipt = self.receipt(order)
        with self.refused(UserError, "split by volume"):
            self.validate(receipt)
        self.assertEqual(estimate.order_id.landed_cost_ids, self.LandedCost)
