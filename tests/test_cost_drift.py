"""Landed cost drivers classified structural or temporary from real receipts and bills, and their alerts."""
from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .landed_cost_common import LandedCostCommon

LANE = "Ningbo-Los Angeles sea"


@tagged("post_install", "-at_install")
class TestCostDrift(LandedCostCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"drift_window": 5, "drift_consecutive": 3, "drift_threshold": 10.0,
                           "landed_margin_floor": 0.0})
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.buyer = Users.create({
            "name": "Bea Buyer", "login": "drift_buyer", "email": "bea@example.com",
            "groups_id": [Command.set([cls.env.ref("purchase.group_purchase_user").id])]})
        cls.accountant = Users.create({
            "name": "Abe Accountant", "login": "drift_accountant", "email": "abe@example.com",
            "groups_id": [Command.set([cls.env.ref("stock_quickbooks_sync.group_qbo_accountant").id])]})
        cls.company.drift_accountant_id = cls.accountant
        cls.rule = cls.env["purchase.landed.cost.rule"].create({
            "name": "Sea freight Ningbo-LA", "cost_type": "freight", "method": "per_unit", "rate": 0.80,
            "lane": LANE})
        cls.Alert = cls.env["landed.cost.drift.alert"]
        cls.Driver = cls.env["landed.cost.driver"]

    # ------------------------------------------------------------------ helpers
    def lane_receipt(self, freight, qty=1000, lane=LANE, product=None):
        """A purchase on ``lane`` received in full, then its freight bill of ``freight`` applied."""
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id, "picking_type_id": self.warehouse.in_type_id.id,
            "landed_cost_lane": lane, "user_id": self.buyer.id,
            "order_line": [Command.create({"product_id": (product or self.fifo_product).id, "product_qty": qty,
                                           "price_unit": 10.0})],
        })
        order.button_confirm()
        receipt = self.validate(self.receipt(order))
        if freight is not None:
            self.actual(order, "freight", freight, name=f"FRT-{receipt.name}")
        return receipt

    def alerts(self, **domain):
        return self.Alert.search([(name, "=", value) for name, value in domain.items()])

    # -------------------------------------------------------------------- flows
    def test_freight_up_20_percent_on_three_receipts_is_structural(self):
        first = self.lane_receipt(800.0)
        raised = self.lane_receipt(960.0) | self.lane_receipt(960.0) | self.lane_receipt(960.0)
        self.ship(1000, self.fifo_product)  # FIFO: out of the first receipt; 3,000 units stay on hand

        self.Alert._cron_check_drift()
        driver = self.Driver.search([("rule_id", "=", self.rule.id)])
        self.assertRecordValues(driver, [{
            "classification": "structural", "cost_type": "freight", "partner_id": self.vendor.id, "lane": LANE,
            "categ_id": self.fifo_category.id, "drift_percent": 20.0, "expected_unit_cost": 0.80,
            "actual_unit_cost": 0.96, "observed_count": 4}])
        self.assertEqual(driver.picking_ids, raised, "it rests on the three consecutive receipts")
        self.assertEqual(driver.window_picking_ids, first | raised)
        self.assertIn("Structural: the last 3 consecutive receipts", driver.explanation)

        alert = self.alerts(rule_id=self.rule.id)
        self.assertEqual(len(alert), 1)
        self.assertRecordValues(alert, [{
            "kind": "cost_drift", "state": "open", "driver_id": driver.id, "drift_percent": 20.0,
            "expected_unit_cost": 0.80, "actual_unit_cost": 0.96, "quantity_on_hand": 3000.0,
            "margin_moved": -480.0, "current_value": 0.80, "proposed_value": 0.96,
            "buyer_id": self.buyer.id, "accountant_id": self.accountant.id}])
        self.assertEqual(alert.picking_ids, raised)
        self.assertEqual(alert.activity_ids.user_id, self.buyer | self.accountant)
        self.assertIn("+20.0 %", alert.explanation)
        self.assertIn("-480.00", alert.explanation)

        # The cron again and the button: the same drift, no second alert, no second activity.
        self.Alert._cron_check_drift()
        self.Alert.action_check_drift()
        self.assertEqual(self.alerts(rule_id=self.rule.id), alert)
        self.assertEqual(len(alert.activity_ids), 2)

        # One click by the accountant: the rule takes the observed average, and the update is a logged decision.
        alert.with_user(self.accountant).action_update_rule()
        self.assertEqual(self.rule.rate, 0.96)
        log = self.env["stock.decision.log"].search(
            [("res_model", "=", "purchase.landed.cost.rule"), ("res_id", "=", self.rule.id)])
        self.assertRecordValues(log, [{"kind": "drift_rule_update", "user_id": self.accountant.id}])
        self.assertEqual((log.snapshot["before"]["rate"], log.snapshot["after"]["rate"]), (0.8, 0.96))
        self.assertEqual(log.snapshot["receipts"], raised.mapped("name"))
        self.assertEqual(log.snapshot["margin_moved"], -480.0)
        self.assertIn("+20.0 %", log.reason)
        self.assertRecordValues(alert, [{"state": "rule_updated", "decision_id": log.id}])
        self.assertFalse(alert.activity_ids, "the activities are done")

        # Against the updated rule the three receipts hold; only the first is now off (-16.7 %): temporary.
        self.Alert._cron_check_drift()
        self.assertEqual(self.alerts(rule_id=self.rule.id), alert)
        self.assertRecordValues(driver, [{"classification": "temporary", "drift_percent": -16.7}])
        self.assertEqual(driver.picking_ids, first)

    def test_only_managers_and_accountants_act_on_alerts(self):
        self.lane_receipt(960.0)
        self.lane_receipt(960.0)
        self.lane_receipt(960.0)
        with self.refused(AccessError, "Only purchase managers, stock managers and QuickBooks accountants"):
            self.Alert.with_user(self.buyer).action_check_drift()
        self.Alert.with_user(self.accountant).action_check_drift()
        alert = self.alerts(rule_id=self.rule.id)
        self.assertEqual(len(alert), 1)
        with self.refused(AccessError, "Only purchase managers"):
            alert.with_user(self.buyer).action_update_rule()
        self.assertEqual(self.rule.rate, 0.80)

    def test_single_expedited_shipment_is_temporary(self):
        normal = self.lane_receipt(800.0) | self.lane_receipt(800.0)
        expedited = self.lane_receipt(2000.0)
        self.Alert._cron_check_drift()
        driver = self.Driver.search([("rule_id", "=", self.rule.id)])
        self.assertRecordValues(driver, [{"classification": "temporary", "drift_percent": 150.0,
                                          "expected_unit_cost": 0.80, "actual_unit_cost": 2.0,
                                          "observed_count": 3}])
        self.assertEqual(driver.picking_ids, expedited)
        self.assertEqual(driver.window_picking_ids, normal | expedited)
        self.assertIn(f"{expedited.name} (+150.0 %)", driver.explanation)
        self.assertFalse(self.alerts(rule_id=self.rule.id))

        # The next receipt is back on the rule (+2.5 %): still a one-off, still no alert.
        self.lane_receipt(820.0)
        self.Alert._cron_check_drift()
        self.assertRecordValues(driver, [{"classification": "temporary", "observed_count": 4}])
        self.assertEqual(driver.picking_ids, expedited)
        self.assertFalse(self.alerts(rule_id=self.rule.id))

    def test_within_threshold_and_window(self):
        # +5 % stays within the 10 % threshold; with N = 2 only the last two receipts count.
        self.lane_receipt(2000.0)
        self.lane_receipt(840.0)
        last = self.lane_receipt(840.0)
        self.company.write({"drift_window": 2, "drift_consecutive": 2})
        self.Alert._cron_check_drift()
        driver = self.Driver.search([("rule_id", "=", self.rule.id)])
        self.assertRecordValues(driver, [{"classification": "none", "observed_count": 2, "drift_percent": 0.0}])
        self.assertIn(last, driver.window_picking_ids)
        self.assertFalse(driver.picking_ids)
        self.assertFalse(self.alerts(rule_id=self.rule.id))

    def test_margin_under_the_floor_of_a_style(self):
        style = self.fifo_product.product_tmpl_id
        style.landed_margin_floor = 60.0
        self.company.landed_margin_floor = 30.0
        self.lane_receipt(800.0)  # 1,000 polos landed at 10.80 against a price of 25.00: 56.8 %
        self.receive(100, price=5.0)  # crew tees at 5.00 against 20.00: 75 %, above the company's 30 %
        self.Alert._cron_check_drift()
        alert = self.alerts(product_tmpl_id=style.id)
        self.assertRecordValues(alert, [{
            "kind": "margin_floor", "state": "open", "sale_price": 25.0, "landed_unit_cost": 10.8,
            "margin_percent": 56.8, "floor_percent": 60.0, "quantity_on_hand": 1000.0, "margin_moved": -800.0,
            "accountant_id": self.accountant.id}])
        self.assertIn("under the floor of 60 %", alert.explanation)
        self.assertFalse(self.alerts(product_tmpl_id=self.product.product_tmpl_id.id))
        self.assertFalse(self.alerts(rule_id=self.rule.id), "the freight matched its rule")
        self.Alert._cron_check_drift()
        self.assertEqual(self.alerts(product_tmpl_id=style.id), alert, "the same situation raises one alert")
        alert.action_dismiss()
        self.Alert._cron_check_drift()
        self.assertEqual(self.alerts(product_tmpl_id=style.id), alert, "a dismissed situation stays dismissed")

    # ---------------------------------------------------------------- bad input
    def test_nonsense_thresholds_are_rejected(self):
        cases = [
            ({"drift_threshold": -5.0}, r"drift threshold must be above 0 % and at most 1000 %, not -5.0 %"),
            ({"drift_threshold": 5000.0}, r"at most 1000 %, not 5000.0 %"),
            ({"drift_window": 0}, r"looks at 1 to 100 receipts, not 0"),
            ({"drift_consecutive": 0}, r"needs at least 1 consecutive receipt, not 0"),
            ({"drift_consecutive": 6}, r"cannot need 6 consecutive receipts when the check looks at only 5"),
            ({"landed_margin_floor": 150.0}, r"from 0 \(off\) to below 100, not 150.0 %"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals), self.refused(ValidationError, message):
                self.company.write(vals)
        self.assertRecordValues(self.company, [{"drift_window": 5, "drift_consecutive": 3, "drift_threshold": 10.0,
                                                "landed_margin_floor": 0.0}])
        with self.refused(ValidationError, "cannot need 3 consecutive receipts when the check looks at only 2"):
            self.env["res.config.settings"].create({"drift_window": 2, "drift_consecutive": 3}).execute()
        with self.refused(ValidationError, "Polo: the landed margin floor .* not -1.0 %"):
            self.fifo_product.product_tmpl_id.landed_margin_floor = -1.0
        self.assertEqual(self.company.drift_window, 5)

    def test_no_receipts_no_bill_or_nothing_expected_raise_nothing(self):
        # No receipt at all: no driver, no alert, no error.
        self.Alert._cron_check_drift()
        self.assertFalse(self.Driver.search([("rule_id", "=", self.rule.id)]))
        # Received, the bill not in yet: no actual to compare.
        self.lane_receipt(None)
        self.Alert._cron_check_drift()
        self.assertFalse(self.Driver.search([("rule_id", "=", self.rule.id)]))
        # A rule that expects nothing: no drift in percent (and no division by zero).
        zero = self.env["purchase.landed.cost.rule"].create({
            "name": "Rail freight included", "cost_type": "freight", "method": "per_unit", "rate": 0.0,
            "lane": "Chongqing-Duisburg rail"})
        self.lane_receipt(300.0, lane="Chongqing-Duisburg rail")
        self.Alert._cron_check_drift()
        self.assertFalse(self.Driver.search([("rule_id", "in", (self.rule | zero).ids)]))
        self.assertFalse(self.alerts(rule_id=self.rule.id) | self.alerts(rule_id=zero.id))
        # A driver left without events: its freight is now included in the price, the rule expects nothing.
        expedited = self.lane_receipt(2000.0)
        self.Alert._cron_check_drift()
        driver = self.Driver.search([("rule_id", "=", self.rule.id)])
        self.assertRecordValues(driver, [{"classification": "temporary", "observed_count": 1}])
        self.assertEqual(driver.picking_ids, expedited)
        self.rule.write({"rate": 0.0, "change_reason": "Freight included in the factory price from now on"})
        self.Alert._cron_check_drift()
        self.assertRecordValues(driver, [{"classification": "none", "observed_count": 0, "drift_percent": 0.0}])
        self.assertFalse(driver.picking_ids)
        self.assertIn("No receipt with an actual cost left", driver.explanation)
        self.assertFalse(self.alerts(rule_id=self.rule.id))

    def test_settings_screen_saves_the_thresholds(self):
        form = Form(self.env["res.config.settings"])
        form.drift_threshold = 15.0
        form.drift_window = 6
        form.drift_consecutive = 2
        form.save().execute()
        self.assertRecordValues(self.company, [{"drift_threshold": 15.0, "drift_window": 6,
                                                "drift_consecutive": 2}])
