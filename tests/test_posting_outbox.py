from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import InventoryStateCommon


@tagged("post_install", "-at_install")
class TestPostingOutbox(InventoryStateCommon):
    """Every valued event writes one balanced outbox row in the user's transaction (DESIGN.md table)."""

    def postings(self, **domain):
        self.flush_ledger()
        return self.env["qbo.posting"].search(
            [(field, "=", value) for field, value in domain.items()], order="id")

    def lines(self, posting):
        return sorted((line.role, round(line.amount, 2)) for line in posting.line_ids)

    def test_receipt_and_delivery(self):
        order = self.receive(10, price=6.0)
        receipt = order.picking_ids
        posting = self.postings(picking_id=receipt.id)
        self.assertRecordValues(posting, [{
            "event_type": "receipt", "state": "to_post", "amount": 60.0, "reference": receipt.name,
            "date": receipt.date_done.date()}])
        self.assertEqual(self.lines(posting), [("grni", -60.0), ("inventory", 60.0)])
        self.assertEqual(len(posting.doc_number), 20)
        self.assertEqual(posting.layer_ids, receipt.move_ids.stock_valuation_layer_ids)

        delivery = self.sell(4).picking_ids
        self.validate(delivery)
        posting = self.postings(picking_id=delivery.id)
        self.assertEqual(self.lines(posting), [("cogs", 24.0), ("inventory", -24.0)])
        self.assertEqual(posting.line_ids.channel_id, self.team, "sales channel travels as the QuickBooks Class")
        self.assertEqual(posting.line_ids.warehouse_id, self.warehouse)

    def test_returns_scrap_adjustment(self):
        self.receive(10, price=5.0)
        delivery = self.sell(5).picking_ids
        self.validate(delivery)
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product.id, "scrap_qty": 1, "location_id": self.stock.id,
            "inventory_reason": "Torn"})
        scrap.action_validate()
        self.assertEqual(self.lines(self.postings(scrap_id=scrap.id)), [("inventory", -5.0), ("shrinkage", 5.0)])
        quant = self.env["stock.quant"].search([("product_id", "=", self.product.id),
                                                ("location_id", "=", self.stock.id)])
        quant.inventory_quantity = 2
        quant.action_apply_inventory()
        adjustment = self.postings(event_type="adjustment")
        self.assertEqual(self.lines(adjustment), [("inventory", -10.0), ("inventory_adjustment", 10.0)])

    def test_quality_hold_changes_the_sub_account(self):
        self.warehouse.reception_steps = "three_steps"
        order = self.buy(10, price=5.0)
        receipt = order.picking_ids
        self.validate(receipt)
        self.flush_ledger()
        quality = receipt.move_ids.move_dest_ids.picking_id
        self.validate(quality)
        self.flush_ledger()
        store = quality.move_ids.move_dest_ids.picking_id
        self.validate(store)
        self.assertEqual(self.lines(self.postings(picking_id=receipt.id)), [("grni", -50.0), ("inventory", 50.0)])
        self.assertEqual(self.lines(self.postings(picking_id=quality.id)),
                         [("inventory", -50.0), ("inventory_quality_hold", 50.0)])
        self.assertEqual(self.lines(self.postings(picking_id=store.id)),
                         [("inventory", 50.0), ("inventory_quality_hold", -50.0)])

    def test_zero_value_event_is_listed_as_nothing_to_post(self):
        free = self.env["product.product"].create({
            "name": "Free sample", "is_storable": True, "categ_id": self.category.id, "standard_price": 0})
        self.receive(3, price=0.0, product=free)
        posting = self.postings(event_type="receipt")
        self.assertRecordValues(posting, [{"state": "skipped", "decision_reason": "Nothing to post: the event has no value."}])

    def test_posted_entries_never_change_and_nothing_is_deleted(self):
        order = self.receive(2)
        posting = self.postings(picking_id=order.picking_ids.id)
        with self.assertRaisesRegex(UserError, "never deleted"):
            posting.unlink()
        posting._set_posted("77", "0")
        with self.assertRaisesRegex(UserError, "never changes"):
            posting.write({"date": "2020-01-01"})
        with self.assertRaisesRegex(UserError, "cannot become"):
            posting._set_to_post()

    def test_vendor_shipment_under_fob_books_inventory_in_transit(self):
        fob = self.env.ref("account.incoterm_FOB")
        order = self.buy(10, price=6.0, incoterm=fob)
        receipt = order.picking_ids
        self.flush_ledger()
        receipt.action_mark_shipped_by_vendor()
        in_transit = self.postings(event_type="in_transit")
        self.assertEqual(self.lines(in_transit), [("grni", -60.0), ("inventory_in_transit", 60.0)])
        order.order_line.price_unit = 6.5  # the price changed after the goods left the vendor
        self.validate(receipt)
        received = self.postings(event_type="receipt")
        self.assertEqual(self.lines(received), [("grni", -5.0), ("inventory", 65.0), ("inventory_in_transit", -60.0)],
                         "the receipt relieves exactly what the shipment booked in transit")
