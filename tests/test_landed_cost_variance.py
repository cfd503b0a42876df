from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .landed_cost_common import LandedCostCommon


@tagged("post_install", "-at_install")
class TestLandedCostVariance(LandedCostCommon):

    def _seeds_case(self, product):
        order = self.seeds_order(product)
        receipt = self.receipt(order)
        self.validate(receipt)
        estimate = order.landed_cost_ids
        self.assertRecordValues(estimate, [{"is_estimate": True, "is_true_up": False, "state": "done",
                                            "amount_total": 2650.0}])
        self.assertEqual(self.layers(receipt.move_ids), [10000.0, 800.0, 1650.0, 150.0, 50.0])
        self.assertEqual(self.unit_cost(product), 12.65)
        self.assertEqual(self.posting(estimate), [
            ("accrued_landed_cost", "broker", -150.0, False),
            ("accrued_landed_cost", "duty", -1650.0, False),
            ("accrued_landed_cost", "freight", -800.0, False),
            ("accrued_landed_cost", "insurance", -50.0, False),
            ("inventory", "broker", 150.0, 1000.0),
            ("inventory", "duty", 1650.0, 1000.0),
            ("inventory", "freight", 800.0, 1000.0),
            ("inventory", "insurance", 50.0, 1000.0),
        ])
        self.ship(400, product)
        self.actual(order, "freight", 1000.0)
        true_up = order.landed_cost_ids - estimate
        self.assertRecordValues(true_up, [{"is_true_up": True, "state": "done", "amount_total": 200.0}])
        self.assertEqual(self.posting(true_up), [
            ("accrued_landed_cost", "freight", -200.0, False),
            ("cogs", "freight", 80.0, 400.0),
            ("inventory", "freight", 120.0, 600.0),
        ])
        self.assertEqual(self.layers(receipt.move_ids), [10000.0, 800.0, 1650.0, 150.0, 50.0, 120.0])
        self.assertEqual(self.unit_cost(product), 12.85)
        return order, receipt, true_up

    def test_seeds_case_fifo(self):
        self._seeds_case(self.fifo_product)

    def test_seeds_case_avco(self):
        order, receipt, true_up = self._seeds_case(self.product)
        self.assertAlmostEqual(self.product.with_company(self.company).standard_price, 12.85, places=4)

    def test_variance_recorded_in_ledger(self):
        order, receipt, true_up = self._seeds_case(self.fifo_product)
        adjustment = true_up.valuation_adjustment_lines
        self.assertRecordValues(adjustment, [{
            "cost_type": "freight", "qbo_previous_amount": 800.0, "additional_landed_cost": 200.0,
            "variance_percent": 25.0, "picking_id": receipt.id, "partner_id": self.vendor.id,
            "qbo_onhand_amount": 120.0, "qbo_sold_amount": 80.0}])
        event = self.env["stock.inventory.event"].search(
            [("purchase_order_id", "=", order.id), ("reason", "ilike", "Landed cost variance")])
        self.assertEqual(len(event), 1)
        self.assertRecordValues(event, [{"from_state": "available", "to_state": "available", "value": 200.0,
                                         "quantity": 0.0, "move_id": receipt.move_ids.id}])
        self.assertIn("BILL-1", event.reason)
        self.assertIn("+25.0 %", event.reason)

    def test_return_to_vendor_before_the_bill(self):
        order = self.seeds_order(self.fifo_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        self.return_to_vendor(receipt, 50)
        self.ship(400, self.fifo_product)
        self.actual(order, "freight", 1000.0)
        true_up = order.landed_cost_ids.filtered("is_true_up")
        self.assertEqual(self.posting(true_up), [
            ("accrued_landed_cost", "freight", -200.0, False),
            ("cogs", "freight", 80.0, 400.0),
            ("grni", "freight", 10.0, 50.0),  # the returned share follows the vendor return
            ("inventory", "freight", 110.0, 550.0),
        ])
        self.assertEqual(self.layers(receipt.move_ids)[-1], 110.0)

    def test_foreign_currency_bill(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create([
            {"currency_id": eur.id, "name": "2024-03-01", "rate": 0.8, "company_id": self.company.id},
            {"currency_id": eur.id, "name": "2024-04-01", "rate": 0.5, "company_id": self.company.id},
        ])
        order = self.seeds_order(self.fifo_product)
        self.validate(self.receipt(order))
        self.ship(400, self.fifo_product)
        actual = self.actual(order, "freight", 800.0, currency=eur, date="2024-03-15")
        self.assertEqual(actual.amount_company, 1000.0, "800 EUR at the bill date's rate 0.8")
        self.assertEqual(self.by_role(actual.true_up_cost_id),
                         {"accrued_landed_cost": -200.0, "cogs": 80.0, "inventory": 120.0})

    def test_credit_note_reduces_actuals(self):
        order = self.seeds_order(self.fifo_product)
        self.validate(self.receipt(order))
        self.ship(400, self.fifo_product)
        self.actual(order, "freight", 1000.0)
        credit = self.actual(order, "freight", 100.0, kind="credit_note", name="CN-7")
        self.assertEqual(credit.amount_company, -100.0)
        self.assertEqual(self.posting(credit.true_up_cost_id), [
            ("accrued_landed_cost", "freight", 100.0, False),
            ("cogs", "freight", -40.0, 400.0),
            ("inventory", "freight", -60.0, 600.0),
        ])
        self.assertEqual(self.unit_cost(self.fifo_product), 12.75)

    def test_actual_lower_than_estimate(self):
        order = self.seeds_order(self.product)
        self.validate(self.receipt(order))
        self.ship(400)
        actual = self.actual(order, "freight", 600.0)
        self.assertEqual(self.posting(actual.true_up_cost_id), [
            ("accrued_landed_cost", "freight", 200.0, False),
            ("cogs", "freight", -80.0, 400.0),
            ("inventory", "freight", -120.0, 600.0),
        ])
        self.assertEqual(actual.true_up_cost_id.valuation_adjustment_lines.variance_percent, -25.0)
        self.assertAlmostEqual(self.product.with_company(self.company).standard_price, 12.45, places=4)

    def test_actual_on_one_receipt(self):
        order = self.seeds_order(self.fifo_product)
        first = self.receipt(order)
        self.validate(first, quantity=600, backorder=True)
        second = self.receipt(order)
        self.validate(second)
        actual = self.actual(order, "freight", 500.0, picking=second)
        self.assertEqual(self.by_role(actual.true_up_cost_id), {"accrued_landed_cost": -180.0, "inventory": 180.0},
                         "the second receipt's freight goes from 320.00 to 500.00; the first keeps its estimate")

    def test_standard_cost_true_up_goes_to_variance(self):
        order = self.seeds_order(self.standard_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        self.ship(400, self.standard_product)
        actual = self.actual(order, "freight", 1000.0)
        self.assertEqual(self.posting(actual.true_up_cost_id), [
            ("accrued_landed_cost", "freight", -200.0, False),
            ("landed_cost_variance", "freight", 200.0, 1000.0),
        ])
        self.assertEqual(self.layers(receipt.move_ids), [12000.0])

    def test_actual_applied_by_a_buyer_without_inventory_rights(self):
        """A buyer applies a bill; the true-up it leads to is validated for them (only that needs sudo)."""
        order = self.seeds_order(self.fifo_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        self.ship(400, self.fifo_product)
        buyer = new_test_user(self.env, "lc_buyer", groups="base.group_user,purchase.group_purchase_user")
        self.assertFalse(buyer.has_group("stock.group_stock_manager"))
        actual = self.env["landed.cost.actual"].with_user(buyer).create({
            "purchase_id": order.id, "cost_type": "freight", "amount": 1000.0, "name": "BILL-B",
            "date": "2024-03-15"})
        actual.action_apply()
        true_up = actual.sudo().true_up_cost_id
        self.assertRecordValues(actual.sudo(), [{"state": "applied", "amount_company": 1000.0}])
        self.assertRecordValues(true_up, [{"is_true_up": True, "state": "done", "amount_total": 200.0}])
        self.assertEqual(self.by_role(true_up), {"accrued_landed_cost": -200.0, "cogs": 80.0, "inventory": 120.0})
        self.assertIn(true_up.name, actual.sudo().message_ids[0].body)

    def test_actual_refused_to_a_user_without_the_group(self):
        order = self.seeds_order(self.fifo_product)
        self.validate(self.receipt(order))
        actual = self.env["landed.cost.actual"].create({
            "purchase_id": order.id, "cost_type": "freight", "amount": 900.0, "name": "BILL-S"})
        clerk = new_test_user(self.env, "lc_clerk", groups="stock.group_stock_user")
        with self.refused(AccessError, f"You cannot apply actual landed cost Freight BILL-S on {order.name}: "
                                       r".*Purchase / User or Inventory / Administrator"):
            actual.with_user(clerk).action_apply()
        self.assertRecordValues(actual, [{"state": "draft", "true_up_cost_id": False}])
        self.assertEqual(len(order.landed_cost_ids), 1, "only the estimate: no true-up was made")

    def test_actual_for_cancelled_receipt(self):
        order = self.seeds_order(self.fifo_product)
        receipt = self.receipt(order)
        receipt.action_cancel()
        actual = self.env["landed.cost.actual"].create({
            "purchase_id": order.id, "picking_id": receipt.id, "cost_type": "freight", "amount": 900.0})
        with self.refused(UserError, f"receipt {receipt.name}, which is cancelled. Choose the receipt"):
            actual.action_apply()
        self.assertRecordValues(actual, [{"state": "draft", "true_up_cost_id": False}])
        self.assertFalse(order.landed_cost_ids)

    def test_actual_for_fully_returned_receipt(self):
        order = self.seeds_order(self.fifo_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        self.return_to_vendor(receipt, 1000)
        actual = self.env["landed.cost.actual"].create({
            "purchase_id": order.id, "cost_type": "freight", "amount": 900.0, "name": "BILL-9"})
        with self.refused(UserError, "Freight BILL-9: every unit of .* was returned to the vendor"):
            actual.action_apply()
        self.assertEqual(actual.state, "draft")
        self.assertEqual(len(order.landed_cost_ids), 1)

    def test_bill_in_currency_without_rate(self):
        order = self.seeds_order(self.fifo_product)
        self.validate(self.receipt(order))
        currency = self.env["res.currency"].create({"name": "ZZQ", "symbol": "Q"})
        actual = self.env["landed.cost.actual"].create({
            "purchase_id": order.id, "cost_type": "freight", "amount": 900.0, "name": "BILL-10",
            "currency_id": currency.id, "date": "2024-03-15"})
        with self.refused(UserError, "Freight BILL-10 is in ZZQ, which has no exchange rate on or before 2024-03-15"):
            actual.action_apply()
        self.assertEqual(actual.state, "draft")
        self.assertEqual(len(order.landed_cost_ids), 1)

    def test_odoo_vendor_bill_path(self):
        order = self.seeds_order(self.fifo_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        self.ship(400, self.fifo_product)
        freight = self.env.ref("stock_quickbooks_sync.product_landed_cost_freight")
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2024-03-15",
            "invoice_line_ids": [Command.create({
                "product_id": freight.id, "quantity": 1, "price_unit": 1000.0, "tax_ids": [Command.clear()],
                "is_landed_costs_line": True})],
        })
        bill.action_post()
        cost = self.LandedCost.browse(bill.button_create_landed_costs()["res_id"])
        cost.picking_ids = receipt
        cost.button_validate()
        self.assertRecordValues(cost, [{"state": "done", "is_true_up": True, "purchase_id": order.id,
                                        "vendor_bill_id": bill.id, "amount_total": 200.0}])
        self.assertRecordValues(cost.actual_ids, [{"bill_id": bill.id, "amount_company": 1000.0,
                                                   "cost_type": "freight", "state": "applied"}])
        self.assertEqual(self.by_role(cost), {"accrued_landed_cost": -200.0, "cogs": 80.0, "inventory": 120.0})

    def test_landed_costs_write_their_outbox_rows(self):
        order, receipt, true_up = self._seeds_case(self.product)
        self.env.flush_all()
        self.env.cr.flush()
        postings = self.env["qbo.posting"].search([("landed_cost_id", "in", order.landed_cost_ids.ids)], order="id")
        self.assertEqual(postings.mapped("event_type"), ["landed_cost", "landed_cost"])
        self.assertEqual(postings.mapped("amount"), [2650.0, 200.0])
        self.assertEqual(
            sorted((line.role, line.cost_type, line.amount) for line in postings[1].line_ids),
            [("accrued_landed_cost", "freight", -200.0), ("cogs", "freight", 80.0), ("inventory", "freight", 120.0)])
        self.assertEqual(true_up.stock_valuation_layer_ids.qbo_posting_id, postings[1],
                         "the on-hand layer points to its posting")
