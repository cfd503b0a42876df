"""A quarter in small: quality control, landed costs of every type, a cost change on hold, goods on the water,
a count with a past accounting date and a shipment; then every synced account in QuickBooks equals Odoo."""
from odoo.tests import tagged

from .landed_cost_common import LandedCostCommon
from .reconciliation_common import ReconciliationCommon


@tagged("post_install", "-at_install")
class TestEveryAccountAgrees(ReconciliationCommon, LandedCostCommon):

    def test_every_synced_account_equals_odoo_to_the_cent(self):
        self.warehouse.reception_steps = "three_steps"
        order = self.order([(self.product, 100, 10.0)], [
            ("freight", "fixed_value", 200.0, None), ("duty", "percent_value", 10.0, 0),
            ("broker", "fixed_value", 50.0, None), ("insurance", "percent_value", 1.0, 0),
            ("other", "fixed_value", 25.0, None)])
        receipt = self.receipt(order)
        self.validate(receipt)
        qc_move = receipt.move_ids.move_dest_ids
        self.validate(qc_move.picking_id)
        store_move = qc_move.move_dest_ids
        self.flush_ledger()
        # While the goods wait in quality control, their cost is revalued; then they are released.
        self.product.standard_price = 15.0
        self.validate(store_move.picking_id)
        # Goods on the water under FOB: owned, in transit, not received.
        on_the_water = self.buy(5, price=8.0, incoterm=self.env.ref("account.incoterm_FOB"))
        on_the_water.picking_ids.action_mark_shipped_by_vendor()
        # A count dated the first of the month, and a shipment.
        quant = self.env["stock.quant"].search([("product_id", "=", self.product.id),
                                                ("location_id", "=", self.stock.id)])
        quant.inventory_quantity = quant.quantity - 2
        quant.accounting_date = self.month_start
        quant.action_apply_inventory()
        self.ship(20)
        self.flush_ledger()
        self.drain()
        self.assertFalse(self.env["qbo.posting"].search([("state", "not in", ("posted", "skipped"))]).mapped(
            "error_message"))

        run = self.reconcile()
        self.assertEqual(run.open_count, 0, run.line_ids.filtered(lambda l: l.state == "open").mapped("explanation"))
        rows = {(b.role, b.cost_type): (b.odoo_amount, b.qbo_amount) for b in run.balance_ids}
        for (role, cost_type), (odoo, qbo) in rows.items():
            self.assertAlmostEqual(odoo, qbo, places=2, msg=f"{role} {cost_type or ''}: Odoo {odoo}, QuickBooks {qbo}")
        self.assertEqual(run.balance_difference, 0.0)
        # Inventory and Quality Hold together hold exactly Odoo's stock valuation; the hold is empty again.
        valuation = round(sum(self.env["stock.valuation.layer"].search([]).mapped("value")), 2)
        self.assertAlmostEqual(rows[("inventory", False)][1] + rows[("inventory_quality_hold", False)][1],
                               valuation, places=2)
        self.assertEqual(rows[("inventory_quality_hold", False)][1], 0.0)
        self.assertEqual(rows[("inventory_in_transit", False)][1], 40.0)
        for cost_type, accrued in (("freight", -200.0), ("duty", -100.0), ("broker", -50.0),
                                   ("insurance", -10.0), ("other", -25.0)):
            self.assertEqual(rows[("accrued_landed_cost", cost_type)][1], accrued, cost_type)
