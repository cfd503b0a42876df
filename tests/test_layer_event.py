"""The accounting event of a valuation layer is decided once, when the layer is made, and read the same
by the postings, the explanations ("Why?"), the margin bridge and the margin-by-style report."""
from odoo import Command, fields
from odoo.tests import Form, tagged

from ..const import event_driver
from .landed_cost_common import LandedCostCommon


@tagged("post_install", "-at_install")
class TestLayerEvent(LandedCostCommon):

    def move_picking(self, picking_type, source, dest, quantity, price_unit=0.0):
        """A transfer of ``quantity`` crew tees between two locations, validated through its button."""
        picking = self.env["stock.picking"].create({
            "picking_type_id": picking_type.id, "location_id": source.id, "location_dest_id": dest.id,
            "partner_id": self.customer.id,
            "move_ids": [Command.create({
                "name": self.product.name, "product_id": self.product.id, "product_uom_qty": quantity,
                "product_uom": self.product.uom_id.id, "location_id": source.id, "location_dest_id": dest.id,
                "price_unit": price_unit})],
        })
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.quantity = quantity
        return self.validate(picking)

    def return_of(self, picking, quantity):
        wizard = Form(self.env["stock.return.picking"].with_context(active_id=picking.id,
                                                                     active_model="stock.picking"))
        with wizard.product_return_moves.edit(0) as line:
            line.quantity = quantity
        return self.validate(wizard.save()._create_return())

    def events_of(self, records):
        layers = records if records._name == "stock.valuation.layer" else records.move_ids.stock_valuation_layer_ids
        return sorted((layer.accounting_event, layer.value) for layer in layers)

    def lines(self, posting):
        return sorted((line.role, round(line.amount, 2)) for line in posting.line_ids)

    def run_every_kind(self):
        """Crew tees (AVCO): 10 received at 5 with 20 of estimated freight (7 a unit), 4 shipped, 1 returned by
        the customer, 2 returned to the vendor, 1 scrapped, 1 counted missing, 3 dropshipped at 6, the 3 left
        revalued by +9."""
        order = self.order([(self.product, 10, 5.0)], [("freight", "fixed_quantity", 20.0, None)])
        self.picks = {"receipt": self.validate(self.receipt(order))}
        delivery = self.sell(4).picking_ids
        self.picks["delivery"] = self.validate(delivery)
        self.picks["customer_return"] = self.return_of(delivery, 1)
        self.picks["vendor_return"] = self.return_of(self.picks["receipt"], 2)
        self.scrap = self.env["stock.scrap"].create({
            "product_id": self.product.id, "scrap_qty": 1, "location_id": self.stock.id, "inventory_reason": "Torn"})
        self.scrap.action_validate()
        quant = self.env["stock.quant"].search([("product_id", "=", self.product.id),
                                                ("location_id", "=", self.stock.id)])
        quant.inventory_quantity = 3
        quant.action_apply_inventory()
        self.picks["dropship"] = self.move_picking(self.warehouse.in_type_id, self.supplier_loc, self.customer_loc, 3,
                                                   price_unit=6.0)
        self.env["stock.valuation.layer.revaluation"].create({
            "product_id": self.product.id, "company_id": self.company.id, "added_value": 9.0,
            "reason": "Market price"}).action_validate_revaluation()
        self.purchase = order
        self.flush_ledger()

    # ------------------------------------------------------------------ tests
    def test_every_kind_is_classified_once_and_read_the_same(self):
        self.run_every_kind()
        picks = self.picks
        landed_cost = self.purchase.landed_cost_ids
        self.assertEqual(self.events_of(picks["receipt"]), [("landed_cost", 20.0), ("receipt", 50.0)])
        self.assertEqual(self.events_of(picks["delivery"]), [("delivery", -28.0)])
        self.assertEqual(self.events_of(picks["customer_return"]), [("customer_return", 7.0)])
        self.assertEqual(self.events_of(picks["vendor_return"]), [("vendor_return", -14.0)])
        self.assertEqual(self.events_of(self.scrap), [("scrap", -7.0)])
        adjustment = self.env["stock.valuation.layer"].search([
            ("product_id", "=", self.product.id), ("stock_move_id.is_inventory", "=", True)])
        self.assertEqual(self.events_of(adjustment), [("adjustment", -7.0)])
        # of a dropship's two layers the customer's side (out) is the event, the vendor's side mirrors it
        self.assertEqual(self.events_of(picks["dropship"]), [("dropship", -18.0), ("dropship_vendor", 18.0)])
        revaluation = self.env["stock.valuation.layer"].search([
            ("product_id", "=", self.product.id), ("stock_move_id", "=", False)])
        self.assertEqual(self.events_of(revaluation), [("revaluation", 9.0)])
        self.assertEqual(self.product.with_company(self.company).value_svl, 30.0)

        # postings: one per source event, by the layer's event
        Posting = self.env["qbo.posting"]
        expected = {
            "receipt": [("grni", -50.0), ("inventory", 50.0)],
            "delivery": [("cogs", 28.0), ("inventory", -28.0)],
            "customer_return": [("cogs", -7.0), ("inventory", 7.0)],
            "vendor_return": [("grni", 14.0), ("inventory", -14.0)],
            "dropship": [("cogs", 18.0), ("grni", -18.0)],
        }
        for event, lines in expected.items():
            posting = Posting.search([("picking_id", "=", picks[event].id)])
            self.assertRecordValues(posting, [{"event_type": event, "state": "to_post"}])
            self.assertEqual(self.lines(posting), lines, event)
            self.assertEqual(set(posting.line_ids.mapped("driver")), {event_driver(event)})
        self.assertEqual(self.lines(Posting.search([("scrap_id", "=", self.scrap.id)])),
                         [("inventory", -7.0), ("shrinkage", 7.0)])
        self.assertEqual(self.lines(adjustment.qbo_posting_id), [("inventory", -7.0), ("inventory_adjustment", 7.0)])
        self.assertEqual(adjustment.qbo_posting_id.event_type, "adjustment")
        self.assertEqual(self.lines(revaluation.qbo_posting_id), [("inventory", 9.0), ("revaluation", -9.0)])
        self.assertEqual(picks["dropship"].move_ids.stock_valuation_layer_ids.qbo_posting_id.event_type, "dropship",
                         "both layers of the dropship are in its one entry")
        self.assertEqual(self.lines(Posting.search([("landed_cost_id", "=", landed_cost.id)])),
                         [("accrued_landed_cost", -20.0), ("inventory", 20.0)])
        self.assertFalse(Posting.search([("event_type", "in", ("other", "unclassified"))]))

        # explanations: every event is its driver
        today = fields.Date.today()
        Explanation = self.env["stock.value.explanation"]
        value = Explanation._explain("inventory_value", today, today, "product", self.product.id)
        self.assertEqual({line["driver"]: line["amount"] for line in value["drivers"]}, {
            "received": 50.0, "purchase_price": 0.0, "landed_estimate": 20.0, "shipped": -28.0,
            "customer_return": 7.0, "vendor_return": -14.0, "scrap": -7.0, "adjustment": -7.0, "dropship": 0.0,
            "revaluation": 9.0})
        self.assertEqual(value["closing"], 30.0)
        cogs = Explanation._explain("cogs", today, today, "product", self.product.id)
        self.assertEqual(cogs["closing"], 39.0, "shipped 28 − returned 7 + dropshipped 18")

        # margin bridge and margin by style: the same COGS, the same units sold, landed cost per unit received
        Bridge = self.env["stock.margin.bridge"]
        figures, _items = Bridge._period_figures(self.company, self.product.product_tmpl_id.id, today, today)
        self.assertEqual((figures["landed_cogs"], figures["quantity"]), (3900, 6.0))
        self.assertEqual(Bridge._carried_rates(self.company, self.product.product_tmpl_id.id, today),
                         {(self.product.id, "freight"): 2.0}, "20 of freight over the 10 units received")
        self.env.flush_all()
        rows = self.env["stock.style.margin.report"].search([("product_id", "=", self.product.id)])
        self.assertEqual((round(sum(rows.mapped("landed_cogs")), 2), sum(rows.mapped("quantity")),
                          round(sum(rows.mapped("landed_cost")), 2)), (39.0, 6.0, 12.0))

    def test_dropship_return_reverses_cogs_and_grni(self):
        """A dropship sent back by the customer to the vendor: the layer on the customer's side is now the in
        layer. Read by the locations alone it was a vendor return whose two layers cancel (nothing posted, COGS
        unchanged): the return credits COGS and gives GRNI back."""
        dropship = self.move_picking(self.warehouse.in_type_id, self.supplier_loc, self.customer_loc, 3,
                                     price_unit=6.0)
        returned = self.return_of(dropship, 3)
        self.flush_ledger()
        self.assertEqual(self.events_of(returned), [("dropship", 18.0), ("dropship_vendor", -18.0)])
        posting = self.env["qbo.posting"].search([("picking_id", "=", returned.id)])
        self.assertRecordValues(posting, [{"event_type": "dropship", "state": "to_post"}])
        self.assertEqual(self.lines(posting), [("cogs", -18.0), ("grni", 18.0)])
        today = fields.Date.today()
        cogs = self.env["stock.value.explanation"]._explain("cogs", today, today, "product", self.product.id)
        self.assertEqual(cogs["closing"], 0.0, "dropshipped and sent back the same day")

    def test_unclassifiable_layer_blocks_its_posting(self):
        """Goods consumed by a production location: no event of the scheme describes them. Nothing goes to
        Inventory / Inventory Adjustment; the posting waits for a person, naming the layer, the move and the fix."""
        self.receive(5, price=4.0)
        sewing = self.env["stock.location"].create({"name": "Sewing line", "usage": "production",
                                                    "company_id": self.company.id})
        consumed = self.move_picking(self.warehouse.int_type_id, self.stock, sewing, 2)
        self.flush_ledger()
        layer = consumed.move_ids.stock_valuation_layer_ids
        self.assertEqual(self.events_of(layer), [("unclassified", -8.0)])
        posting = layer.qbo_posting_id
        self.assertRecordValues(posting, [{"event_type": "unclassified", "state": "blocked", "error_kind": "blocked",
                                           "amount": 0.0, "picking_id": consumed.id}])
        self.assertFalse(posting.line_ids)
        for part in (layer.display_name, consumed.move_ids.reference, "Sewing line", "Production",
                     "skip this posting"):
            self.assertIn(part, posting.error_message)

    def test_existing_layers_are_classified_once_by_the_install(self):
        """Layers made before the column existed get their event from the same rule; classified rows stay."""
        self.run_every_kind()
        layers = self.env["stock.valuation.layer"].search([("product_id", "=", self.product.id)])
        events = {layer.id: layer.accounting_event for layer in layers}
        self.env.cr.execute("UPDATE stock_valuation_layer SET accounting_event = NULL WHERE id IN %s",
                            [tuple(layers.ids)])
        self.env.cr.execute("UPDATE stock_valuation_layer SET accounting_event = 'scrap' WHERE id = %s",
                            [layers[0].id])
        layers.invalidate_recordset(["accounting_event"])
        layers.init()
        layers.init()
        layers.invalidate_recordset(["accounting_event"])
        self.assertEqual({layer.id: layer.accounting_event for layer in layers},
                         {**events, layers[0].id: "scrap"})
