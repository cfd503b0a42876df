"""Bills entered in QuickBooks become landed-cost actuals: matched by the reference typed, or reviewed.

The seeds' case of tests/test_landed_cost_variance.py (1,000 units at 10.00, freight estimated at
800.00, 400 shipped), but the forwarder's bill of 1,000.00 is entered in the QuickBooks emulator
and reaches Odoo through change data capture, as it would at the customer's.
"""
import json
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..qbo_engine.ratelimit import RateLimiter
from .landed_cost_common import LandedCostCommon
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestQboVendorBills(QboEmulatorCommon, LandedCostCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.realm = cls.qbo_demo["realm_id"]
        cls.forwarder = cls._qbo_client_of(cls.qbo_connection).qb.create_object(
            "Vendor", json.dumps({"DisplayName": "Oceanic Forwarding %s" % cls.realm}))["Vendor"]

    @classmethod
    def _qbo_client_of(cls, connection):
        return connection._qbo_client(with_commit=False)

    def setUp(self):
        super().setUp()
        self.qbo_connection.sudo().cdc_cursor = fields.Datetime.now() - timedelta(minutes=1)

    # ------------------------------------------------------------------ helpers
    def enter_bill(self, amount, memo="", doc_number="FWD-1001", account="Accrued Landed Cost – Freight",
                   entity="Bill", description="Ocean freight", currency=None):
        """The accountant enters the bill in QuickBooks (the emulator)."""
        payload = {
            "VendorRef": {"value": self.forwarder["Id"]}, "TxnDate": str(fields.Date.today()),
            "DocNumber": doc_number, "PrivateNote": memo,
            "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount, "Description": description,
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": self.qbo_demo["accounts"][account]}}}],
        }
        if currency:
            payload["CurrencyRef"] = {"value": currency}
        return self._qbo_client().qb.create_object(entity, json.dumps(payload))[entity]

    def hear(self):
        """What the crons do: read QuickBooks' changes, act on them."""
        self.qbo_connection._qbo_read_changes(with_commit=False, limiter=RateLimiter())
        self.env["qbo.inbox.event"]._cron_process(with_commit=False, limiter=RateLimiter())
        self.env.invalidate_all()

    def bill_of(self, document):
        return self.env["qbo.vendor.bill"].search([("qbo_id", "=", document["Id"]),
                                                   ("connection_id", "=", self.qbo_connection.id)])

    def received_and_partly_sold(self):
        order = self.seeds_order(self.fifo_product)
        receipt = self.receipt(order)
        self.validate(receipt)
        self.ship(400, self.fifo_product)
        return order, receipt

    # -------------------------------------------------------------------- tests
    def test_bill_naming_the_po_becomes_the_actual_with_the_on_hand_and_cogs_split(self):
        order, receipt = self.received_and_partly_sold()
        estimate = order.landed_cost_ids
        document = self.enter_bill(1000.0, memo="Container MSKU7712 for %s" % order.name)
        self.hear()
        bill = self.bill_of(document)
        self.assertRecordValues(bill, [{"state": "applied", "purchase_id": order.id, "kind": "bill",
                                        "amount": 1000.0, "doc_number": "FWD-1001"}])
        self.assertIn(order.name, bill.match_reason)
        self.assertRecordValues(bill.actual_ids, [{"cost_type": "freight", "amount": 1000.0, "state": "applied",
                                                   "name": "FWD-1001", "purchase_id": order.id}])
        true_up = order.landed_cost_ids - estimate
        self.assertEqual(bill.actual_ids.true_up_cost_id, true_up)
        self.assertEqual(self.posting(true_up), [
            ("accrued_landed_cost", "freight", -200.0, False),
            ("cogs", "freight", 80.0, 400.0),
            ("inventory", "freight", 120.0, 600.0),
        ])
        event = self.env["qbo.inbox.event"].search([("entity", "=", "Bill"), ("entity_id", "=", document["Id"])])
        self.assertRecordValues(event, [{"state": "done", "channel": "cdc"}])
        self.assertIn("applied to %s" % order.name, event.result)
        # Heard again (a webhook after change data capture, a replay): nothing is applied twice.
        self.qbo_connection.sudo().cdc_cursor = fields.Datetime.now() - timedelta(minutes=5)
        self.hear()
        self.assertEqual(len(order.landed_cost_actual_ids), 1)
        self.assertEqual(order.landed_cost_ids - estimate, true_up)

    def test_receipt_name_in_a_line_matches_that_receipt(self):
        order, receipt = self.received_and_partly_sold()
        document = self.enter_bill(150.0, account="Accrued Landed Cost – Broker", description="Entry %s" % receipt.name)
        self.hear()
        bill = self.bill_of(document)
        self.assertRecordValues(bill, [{"state": "applied", "purchase_id": order.id, "picking_id": receipt.id}])
        self.assertRecordValues(bill.actual_ids, [{"cost_type": "broker", "picking_id": receipt.id}])

    def test_bill_without_reference_waits_with_the_right_suggestion_first(self):
        order, receipt = self.received_and_partly_sold()
        other = self.order([(self.product, 100, 10.0)], [("freight", "fixed_quantity", 300.0, None)])
        self.validate(self.receipt(other))
        document = self.enter_bill(790.0, memo="Ocean freight, November")
        self.hear()
        bill = self.bill_of(document)
        self.assertRecordValues(bill, [{"state": "to_review", "purchase_id": False}])
        self.assertIn("No purchase order or receipt", bill.review_reason)
        self.assertEqual(bill.suggestion_ids[0].purchase_id, order, "800.00 estimated is closest to 790.00")
        self.assertIn(other, bill.suggestion_ids.purchase_id)
        self.assertFalse(order.landed_cost_actual_ids)
        # The accountant confirms the first suggestion, with a reason: applied, and logged.
        wizard = Form(self.env["qbo.vendor.bill.decide"].with_context(default_bill_id=bill.id))
        self.assertEqual(wizard.purchase_id, order)
        wizard.reason = "Forwarder's November statement for the knit tops container"
        wizard.save().action_confirm()
        self.assertRecordValues(bill, [{"state": "applied"}])
        self.assertRecordValues(bill.actual_ids, [{"amount": 790.0, "purchase_id": order.id}])
        decision = self.env["stock.decision.log"].search([("res_model", "=", "qbo.vendor.bill"), ("res_id", "=", bill.id)])
        self.assertRecordValues(decision, [{"kind": "bill_match_confirm",
                                            "reason": "Forwarder's November statement for the knit tops container"}])

    def test_bill_naming_two_orders_waits_with_both(self):
        order, _receipt = self.received_and_partly_sold()
        other = self.seeds_order(self.product, qty=100)
        self.validate(self.receipt(other))
        document = self.enter_bill(900.0, memo="%s and %s" % (order.name, other.name))
        self.hear()
        bill = self.bill_of(document)
        self.assertEqual(bill.state, "to_review")
        self.assertIn("2 purchase orders", bill.review_reason)
        self.assertEqual(set(bill.suggestion_ids.purchase_id), {order, other})
        # Rejecting needs a reason and changes nothing else.
        wizard = Form(self.env["qbo.vendor.bill.decide"].with_context(default_bill_id=bill.id))
        wizard.reason = "Split by the forwarder into two bills, entered separately"
        wizard.save().action_reject()
        self.assertEqual(bill.state, "rejected")
        self.assertFalse((order | other).landed_cost_actual_ids)

    def test_po_of_another_company_is_refused_with_its_name(self):
        other_company = self.env["res.company"].create({"name": "Second Apparel Co"})
        self.env.user.company_ids |= other_company
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other_company.id)], limit=1)
        foreign = self.env["purchase.order"].with_company(other_company).create({
            "partner_id": self.vendor.id, "company_id": other_company.id, "picking_type_id": warehouse.in_type_id.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": 5, "price_unit": 3.0})]})
        foreign.button_confirm()
        document = self.enter_bill(50.0, memo="Freight %s" % foreign.name)
        self.hear()
        bill = self.bill_of(document)
        self.assertEqual(bill.state, "to_review")
        self.assertIn(foreign.name, bill.review_reason)
        self.assertIn("Second Apparel Co", bill.review_reason)

    def test_bill_in_another_currency_waits_saying_why(self):
        order, _receipt = self.received_and_partly_sold()
        self.qbo_server.set_preferences(self.realm, multicurrency_enabled=True)
        document = self.enter_bill(100.0, memo=order.name, currency="EUR")
        self.hear()
        bill = self.bill_of(document)
        self.assertRecordValues(bill, [{"state": "to_review", "currency_code": "EUR"}])
        self.assertIn("EUR", bill.review_reason)
        self.assertFalse(order.landed_cost_actual_ids)

    def test_vendor_credit_reduces_the_actual(self):
        order, _receipt = self.received_and_partly_sold()
        estimate = order.landed_cost_ids
        self.enter_bill(1000.0, memo=order.name)
        credit = self.enter_bill(100.0, memo=order.name, entity="VendorCredit", doc_number="CR-77")
        self.hear()
        self.assertRecordValues(self.bill_of(credit), [{"state": "applied", "kind": "vendor_credit"}])
        self.assertEqual(sorted(order.landed_cost_actual_ids.mapped(lambda a: (a.kind, a.amount))),
                         [("bill", 1000.0), ("credit_note", 100.0)])
        true_ups = order.landed_cost_ids - estimate
        self.assertEqual(round(sum(true_ups.mapped("amount_total")), 2), 100.0, "900.00 actual against 800.00")

    def test_bill_not_coded_to_an_accrual_is_left_alone(self):
        order, _receipt = self.received_and_partly_sold()
        document = self.enter_bill(40.0, memo=order.name, account="Shrinkage")
        self.hear()
        self.assertFalse(self.bill_of(document))
        event = self.env["qbo.inbox.event"].search([("entity", "=", "Bill"), ("entity_id", "=", document["Id"])])
        self.assertIn("not a landed cost", event.result)

    def test_applied_bill_deleted_in_quickbooks_asks_the_accountant(self):
        order, _receipt = self.received_and_partly_sold()
        document = self.enter_bill(1000.0, memo=order.name)
        self.hear()
        bill = self.bill_of(document)
        self.assertEqual(bill.state, "applied")
        self._qbo_client().qb.delete_object("Bill", json.dumps({"Id": document["Id"],
                                                                "SyncToken": document["SyncToken"]}))
        self.hear()
        self.assertEqual(bill.state, "changed")
        self.assertIn("Deleted in QuickBooks after it was applied", bill.review_reason)
        with self.assertRaises(UserError):
            bill._qbo_reject("too late")
