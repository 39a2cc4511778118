"""Flip status from the SPV's posted data (yield and fixed date) and the expected flip year from the forecast."""

from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from ..lib import ev_tax_flip, ev_tax_xirr
from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestFlip(EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a yield flip: the investor funds 100,000, the sponsor 400,000 (same golden year otherwise)
        cls.yield_spv = cls._make_spv("Yield Fund LLC", "83-2345678", flip_type="yield", target_irr=10.0)
        cls.y_inv, cls.y_spn = cls._make_partners(cls.yield_spv, "Yield Investor", "Yield Sponsor")
        cls._golden_year(cls.yield_spv, cls.y_inv, cls.y_spn, inv_amount=100000, spn_amount=400000)

    def _expected_flows(self):
        """The investor's flows by hand: contribution, distributions at the pre-flip 90 % cash share, and at
        the end of 2024 its tax benefit (99 % of the -102,650 taxable loss x 21 %) and 99 % of the credits."""
        return [
            (date(2024, 1, 15), Decimal("-100000")),
            (date(2024, 4, 30), Decimal("9000")),
            (date(2024, 9, 30), Decimal("9000")),
            (date(2024, 12, 31), Decimal("21340.94")),  # 101,623.50 x 21 % = 21,340.935
            (date(2024, 12, 31), Decimal("89100")),
        ]

    def test_yield_flip_reached_at_the_year_end(self):
        spv = self.yield_spv
        spv._ev_compute_flip(as_of=date(2025, 2, 1))
        # up to 30 Sep the investor is far below 10 %; the year's tax benefit and credits take it over
        self.assertEqual(spv.flip_date, date(2024, 12, 31))
        self.assertEqual(spv.flip_state, "post")
        expected = round(float(ev_tax_xirr.xirr(self._expected_flows()) * 100), 3)  # stored with 3 decimals
        self.assertEqual(spv.irr_at_flip, expected)
        self.assertEqual(spv.investor_irr, expected)  # no flow after the flip yet
        self.assertGreater(spv.irr_at_flip, 10.0)
        # the distributions of 2024 were made under the pre-flip shares: they stay as they were
        self.assertEqual(set(spv.distribution_ids.mapped("flip_phase")), {"pre"})

    def test_yield_flip_not_reached_before_the_year_closes(self):
        """Tax items count when their tax year has ended (conventions in the README)."""
        spv = self.yield_spv
        spv._ev_compute_flip(as_of=date(2024, 12, 30))
        self.assertFalse(spv.flip_date)
        self.assertEqual(spv.flip_state, "pre")
        self.assertLess(spv.investor_irr, 0)

    def test_target_never_reached(self):
        spv = self.yield_spv
        spv.target_irr = 80.0
        spv._ev_compute_flip(as_of=date(2025, 2, 1))
        self.assertFalse(spv.flip_date)
        self.assertEqual(spv.irr_at_flip, 0.0)
        self.assertGreater(spv.investor_irr, 10.0)

    def test_post_flip_distribution_uses_post_flip_shares(self):
        spv = self.yield_spv
        spv._ev_compute_flip(as_of=date(2025, 2, 1))
        wizard = self.env["ev.spv.distribution.wizard"].create(
            {"spv_id": spv.id, "date": date(2025, 2, 1), "amount": 1000}
        )
        distribution = self.env["ev.spv.distribution"].browse(wizard.action_distribute()["res_id"])
        self.assertEqual(distribution.flip_phase, "post")
        self.assertEqual(
            {ln.member_id: ln.amount for ln in distribution.line_ids}, {self.y_inv: 50.0, self.y_spn: 950.0}
        )

    def test_fixed_flip(self):
        spv = self.spv
        self._golden_year(spv, self.inv, self.spn)
        spv._ev_compute_flip(as_of=date(2024, 6, 30))
        self.assertFalse(spv.flip_date, "the fixed date has not come yet")
        spv._ev_compute_flip(as_of=date(2025, 2, 1))
        self.assertEqual(spv.flip_date, date(2024, 7, 1))
        # flows up to the flip: the contribution and the April distribution (an IRR near -100 %)
        at_flip = ev_tax_xirr.xirr([(date(2024, 1, 15), -400000), (date(2024, 4, 30), 9000)])
        self.assertLess(at_flip, Decimal("-0.99"))
        self.assertEqual(spv.irr_at_flip, round(float(at_flip * 100), 3))

    def test_projection_from_the_forecast(self):
        spv = self.yield_spv
        spv.write(
            {
                "forecast_energy_kwh": 400000,
                "forecast_price_kwh": 0.45,
                "forecast_om_kw_year": 20,
                "forecast_energy_cost_kwh": 0.12,
                "forecast_inflation": 2.5,
                "forecast_years": 20,
            }
        )
        inputs = spv._ev_projection_inputs()
        self.assertEqual(inputs.installed_cost, Decimal("300000.00"))
        self.assertEqual(inputs.credits[0].amount, Decimal("90000.00"))
        self.assertEqual(inputs.capacity_kw, Decimal("300.0"))
        self.assertEqual(inputs.investor_equity_share, Decimal(400000) * 100 / Decimal(500000))
        self.assertEqual([(c.share, c.recovery_years, c.bonus_rate) for c in inputs.depreciation], [(100, 5, 60)])
        self.assertEqual((inputs.investor_pre_cash, inputs.investor_post_tax), (90, 5))
        spv._ev_compute_flip(as_of=date(2025, 2, 1))
        projection = ev_tax_flip.project(inputs)
        self.assertTrue(projection.flip_year)
        self.assertEqual(spv.expected_flip_year, 2024 + projection.flip_year - 1)
        self.assertEqual(spv.projection_irr_at_flip, round(float(projection.irr_at_flip * 100), 3))

    def test_compute_flip_button_and_missing_investor(self):
        self.spv.action_compute_flip()  # no asset, no forecast: status only
        self.assertFalse(self.spv.expected_flip_year)
        self.inv.role = "other_lp"
        with self.assertRaisesRegex(Exception, "no tax-equity investor"):
            self.spv.action_compute_flip()
