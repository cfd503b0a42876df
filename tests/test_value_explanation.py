from odoo.exceptions import UserError
from odoo.tests import tagged

from .explanation_common import OCTOBER, SEPTEMBER, ExplanationCommon


@tagged("post_install", "-at_install")
class TestValueExplanation(ExplanationCommon):

    def setUp(self):
        super().setUp()
        self.run_scenario()

    def test_inventory_value_of_the_style(self):
        result = self.Explanation._explain("inventory_value", *OCTOBER, "style", self.style.id)
        self.assertAddsUp(result)
        # September left S 50 @ 12 and M 80 @ 12
        self.assertEqual(result["opening"], 1560.0)
        self.assertEqual(self.amounts(result), {
            "received": 1500.0,         # S 100 and M 50 at September's price of 10
            "purchase_price": 300.0,    # S 100 × (11 − 10) + M 50 × (14 − 10)
            "landed_estimate": 50.0,    # PO2's freight on M
            "landed_true_up": 40.0,     # PO1's extra freight on the 40 M still on hand
            "shipped": -1410.0,         # S 930 + M 480
            "customer_return": 60.0,
            "scrap": -110.0,
            "revaluation": 20.0,
        })
        self.assertEqual(result["closing"], 2010.0)
        # the closing figure is Odoo's own valuation of the two variants
        self.assertAlmostEqual(sum(p.with_company(self.company).value_svl for p in self.style.product_variant_ids),
                               result["closing"], places=2)
        sources = {line["driver"]: line for line in result["drivers"]}
        true_up = self.po1.landed_cost_ids.filtered("is_true_up")
        self.assertEqual(sources["landed_true_up"]["landed_cost_ids"], true_up.ids)
        self.assertEqual(self.env["stock.valuation.layer"].browse(sources["scrap"]["layer_ids"]).stock_move_id.scrap_id
                         .product_id, self.small)

    def test_inventory_value_of_the_warehouse(self):
        result = self.Explanation._explain("inventory_value", *OCTOBER, "warehouse", self.warehouse.id)
        self.assertAddsUp(result)
        # a revaluation has no stock move, hence no warehouse
        self.assertNotIn("revaluation", self.amounts(result))
        self.assertIn("landed_true_up", self.amounts(result))

    def test_inventory_value_of_a_variant(self):
        result = self.Explanation._explain("inventory_value", *OCTOBER, "product", self.small.id)
        self.assertAddsUp(result)
        self.assertEqual((result["opening"], result["closing"]), (600.0, 660.0))
        self.assertEqual(self.amounts(result), {"received": 1000.0, "purchase_price": 100.0, "shipped": -930.0,
                                                "scrap": -110.0})

    def test_cogs_against_the_month_before(self):
        result = self.Explanation._explain("cogs", *OCTOBER, "style", self.style.id)
        self.assertEqual((result["compare_from"], result["compare_to"]), SEPTEMBER)
        self.assertAddsUp(result)
        self.assertEqual((result["opening"], result["closing"]), (840.0, 1510.0))
        self.assertEqual(self.amounts(result), {
            "shipped": 600.0,          # S (80 − 50) × 12 + M (40 − 20) × 12
            "unit_cost": -30.0,        # S 80 × (930 / 80 − 12)
            "landed_true_up": 160.0,   # PO1's extra freight on goods already shipped: S 100 + M 60
            "customer_return": -60.0,
        })
        wholesale = self.Explanation._explain("cogs", *OCTOBER, "channel", self.wholesale.id)
        self.assertAddsUp(wholesale)
        self.assertEqual((wholesale["opening"], wholesale["closing"]), (600.0, 930.0))
        self.assertEqual(self.amounts(wholesale), {"shipped": 360.0, "unit_cost": -30.0})

    def test_margin_drivers(self):
        result = self.Explanation._explain("margin", *OCTOBER, "style", self.style.id)
        self.assertAddsUp(result)
        # September: 2300 − 840; October: (2560 + 1400) − 1510
        self.assertEqual((result["opening"], result["closing"]), (1460.0, 2450.0))
        self.assertEqual(self.amounts(result), {
            "shipped": 938.57,        # (115 − 70) × 1460 / 70
            "channel_mix": 21.43,     # 80 × 18 + 35 × 28 − 115 × 1460 / 70
            "sell_price": 160.0,      # S 80 × (32 − 30)
            "unit_cost": -130.0,      # −(80 × (1030 / 80 − 12) + 35 × (480 / 35 − 12))
        })

    def test_landed_unit_cost(self):
        result = self.Explanation._explain("landed_unit_cost", *OCTOBER, "product", self.medium.id)
        self.assertAddsUp(result)
        # 80 @ 12 at the start; 95 worth 1350 at the end
        self.assertEqual((result["opening"], result["closing"]), (12.0, 14.21))
        self.assertEqual(self.amounts(result), {
            "received": -1.05,         # (50 × 10 − 50 × 12) / 95
            "purchase_price": 2.11,    # 50 × 4 / 95
            "landed_estimate": 0.53,   # 50 / 95
            "landed_true_up": 0.42,    # 40 / 95
            "shipped": 0.0,            # shipped at the opening unit cost
            "customer_return": 0.0,    # returned at the opening unit cost
            "revaluation": 0.21,       # 20 / 95
            "rounding": -0.01,         # 2.21 − 2.22: what rounding each driver left
        })

    def test_posting_lines_carry_the_drivers(self):
        self.flush_ledger()
        Posting = self.env["qbo.posting"]
        products = self.style.product_variant_ids
        postings = Posting.search([("line_ids.product_id", "in", products.ids)])
        drivers = {(p.event_type, p.landed_cost_id.is_true_up): set(p.line_ids.mapped("driver")) for p in postings}
        self.assertEqual(drivers[("receipt", False)], {"received"})
        self.assertEqual(drivers[("delivery", False)], {"shipped"})
        self.assertEqual(drivers[("customer_return", False)], {"customer_return"})
        self.assertEqual(drivers[("scrap", False)], {"scrap"})
        self.assertEqual(drivers[("landed_cost", False)], {"landed_estimate"})
        self.assertEqual(drivers[("landed_cost", True)], {"landed_true_up"})
        # "Why?" on the true-up's posting opens the explanation whose drivers list that posting
        true_up_posting = postings.filtered(lambda p: p.landed_cost_id.is_true_up)
        action = true_up_posting.action_explain()
        report = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual((report.measure, report.scope), ("cogs", "style"))
        line = report.line_ids.filtered(lambda l: l.driver == "landed_true_up")
        self.assertIn(true_up_posting, line.posting_ids)
        self.assertAlmostEqual(report.opening + sum(report.line_ids.mapped("amount")), report.closing, places=6)
        self.assertIn("<svg", report.chart)

    def test_why_on_the_product(self):
        action = self.small.action_explain_value()
        report = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual((report.measure, report.scope, report.product_id), ("inventory_value", "product", self.small))
        report.write({"date_from": OCTOBER[0], "date_to": OCTOBER[1]})
        report.action_refresh()
        self.assertEqual(report.line_ids.filtered(lambda l: l.driver == "shipped").amount, -930.0)
        sources = report.line_ids.filtered(lambda l: l.driver == "shipped").action_open_sources()
        self.assertEqual(len(self.env["stock.valuation.layer"].search(sources["domain"])), 1)
        # "Graph" charts this explanation's drivers, and only them
        graph = report.action_open_graph()
        self.assertEqual((graph["res_model"], graph["views"][0][1]), ("stock.value.explanation.report.line", "graph"))
        self.assertEqual(self.env[graph["res_model"]].search(graph["domain"]), report.line_ids)

    def test_no_activity_and_bad_input(self):
        july = self.Explanation._explain("inventory_value", "2026-07-01", "2026-07-31", "style", self.style.id)
        self.assertEqual((july["opening"], july["closing"], july["drivers"]), (0.0, 0.0, []))
        december = self.Explanation._explain("inventory_value", "2026-12-01", "2026-12-31", "style", self.style.id)
        self.assertEqual((december["opening"], december["closing"], december["drivers"]), (2010.0, 2010.0, []))
        no_sales = self.Explanation._explain("margin", "2026-12-01", "2026-12-31", "style", self.style.id)
        self.assertEqual((no_sales["opening"], no_sales["closing"], no_sales["note"]), (0.0, 0.0, "No sales in the period."))
        # nothing sold in August: September's whole COGS is quantity shipped
        first = self.Explanation._explain("cogs", *SEPTEMBER, "style", self.style.id)
        self.assertEqual((first["opening"], first["closing"], self.amounts(first)), (0.0, 840.0, {"shipped": 840.0}))
        unit = self.Explanation._explain("landed_unit_cost", "2026-07-01", "2026-07-31", "product", self.small.id)
        self.assertEqual(unit["note"], "No stock at the end of the period: there is no unit cost to explain.")
        with self.assertRaisesRegex(UserError, "no sales channel"):
            self.Explanation._explain("inventory_value", *OCTOBER, "channel", self.wholesale.id)
        with self.assertRaisesRegex(UserError, "on or before its end"):
            self.Explanation._explain("cogs", OCTOBER[1], OCTOBER[0], "style", self.style.id)
