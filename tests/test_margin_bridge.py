from odoo.exceptions import UserError
from odoo.tests import tagged

from .explanation_common import OCTOBER, SEPTEMBER, ExplanationCommon


@tagged("post_install", "-at_install")
class TestMarginBridge(ExplanationCommon):

    def setUp(self):
        super().setUp()
        self.run_scenario()
        self.Bridge = self.env["stock.margin.bridge"]

    def test_period_bridge_and_change(self):
        result = self.Bridge._bridge(self.company, self.style.id, *OCTOBER)
        period, compared, effects = result["period"], result["compared"], result["effects"]
        # October: revenue S 80 × 32 + M 35 × 40; landed COGS 930 + 480 − 60 + 160 (true-up on goods shipped)
        self.assertEqual((period["revenue"], period["landed_cogs"], period["landed_margin"]), (396000, 151000, 245000))
        # freight carried per unit: S 200 on hand / 200 received = 1.00 × 80 + 100 booked to COGS;
        # M (200 + 40 + 50) / 150 × 35 + 60 booked to COGS = 127.67
        self.assertEqual(period["components"], {"freight": 30767})
        self.assertEqual((period["factory_cogs"], period["factory_margin"]), (120233, 275767))
        self.assertEqual(period["factory_margin"] - sum(period["components"].values()), period["landed_margin"])
        # September: S 50 × 30 + M 20 × 40 − 840, freight 2 a unit on 70 units
        self.assertEqual((compared["revenue"], compared["landed_margin"], compared["components"]),
                         (230000, 146000, {"freight": 14000}))
        self.assertEqual((compared["factory_cogs"], compared["factory_margin"]), (70000, 160000))
        # volume (115 − 70) × 1460 / 70; mix 80 × 18 + 35 × 28 − 115 × 1460 / 70; price 80 × 2;
        # cost −(80 × 0.875 + 35 × 12 / 7)
        self.assertEqual(effects, {"volume": 93857, "mix": 2143, "price": 16000, "cost": -13000, "other": 0,
                                   "rounding": 0})
        self.assertEqual(compared["landed_margin"] + sum(effects.values()), period["landed_margin"])

    def test_bridge_screen(self):
        bridge = self.Bridge.create({"product_tmpl_id": self.style.id, "date_from": OCTOBER[0],
                                     "date_to": OCTOBER[1]})
        self.assertEqual((bridge.compare_from, bridge.compare_to), SEPTEMBER)
        steps = {(line.section, line.step, line.name): line.amount for line in bridge.line_ids}
        self.assertEqual(steps[("period", "factory_margin", "Factory-cost margin")], 2757.67)
        self.assertEqual(steps[("period", "landed", "Landed cost: Freight")], -307.67)
        self.assertEqual(steps[("period", "landed_margin", "Landed margin")], 2450.0)
        change = bridge.line_ids.filtered(lambda l: l.section == "change")
        self.assertEqual(change.mapped("step"), ["previous_margin", "volume", "mix", "price", "cost", "landed_margin"])
        self.assertAlmostEqual(sum(change.filtered(lambda l: not l.is_total).mapped("amount")),
                               2450.0 - 1460.0, places=6)
        self.assertEqual(bridge.chart.count("<svg"), 2)

    def test_report_by_style(self):
        """The SQL report agrees with the bridge, factory-cost margin beside landed margin."""
        Report = self.env["stock.style.margin.report"]
        for month, bridge_period in ((OCTOBER, "period"), (SEPTEMBER, "compared")):
            figures = self.Bridge._bridge(self.company, self.style.id, *OCTOBER)[bridge_period]
            [(_style, revenue, factory, landed)] = Report._read_group(
                [("product_tmpl_id", "=", self.style.id), ("date", "=", month[0])], groupby=["product_tmpl_id"],
                aggregates=["revenue:sum", "factory_margin:sum", "landed_margin:sum"])
            self.assertAlmostEqual(revenue, figures["revenue"] / 100, places=2)
            self.assertAlmostEqual(factory, figures["factory_margin"] / 100, delta=0.01)
            self.assertAlmostEqual(landed, figures["landed_margin"] / 100, places=2)
        by_channel = dict(Report._read_group([("product_tmpl_id", "=", self.style.id), ("date", "=", OCTOBER[0])],
                                             groupby=["channel_id"], aggregates=["landed_margin:sum"]))
        # wholesale 2560 − 930, e-commerce 1400 − 420, the true-up booked to COGS has no channel
        self.assertEqual({team.name if team else None: round(amount, 2) for team, amount in by_channel.items()},
                         {"Wholesale": 1630.0, "E-commerce": 980.0, None: -160.0})

    def test_no_sales(self):
        first = self.Bridge._bridge(self.company, self.style.id, *SEPTEMBER)
        self.assertEqual(first["note"], "No sales in the compared period: the whole change is volume.")
        self.assertEqual(first["effects"], {"volume": 146000, "mix": 0, "price": 0, "cost": 0, "other": 0,
                                            "rounding": 0})
        other_style = self.env["product.template"].create({"name": "Cardigan", "is_storable": True})
        empty = self.Bridge.create({"product_tmpl_id": other_style.id, "date_from": OCTOBER[0], "date_to": OCTOBER[1]})
        self.assertEqual(empty.note, "No sales in the period.")
        self.assertFalse(any(empty.line_ids.mapped("amount")))
        self.assertEqual(str(empty.chart or ""), "")
        # the month after: nothing sold, the whole October margin goes as volume
        november = self.Bridge._bridge(self.company, self.style.id, "2026-11-01", "2026-11-30")
        self.assertEqual(november["effects"]["volume"], -245000)
        with self.assertRaisesRegex(UserError, "on or before its end"):
            self.Bridge.create({"date_from": OCTOBER[1], "date_to": OCTOBER[0]})
