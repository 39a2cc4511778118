"""Chargers and site work as OCA assets: book depreciation entries, tax depreciation (MACRS, bonus, the
40 % test), Form 4562 summary and §30C credits per port."""

from datetime import date
from decimal import Decimal

import psycopg2

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestAssets(EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.site, cls.charger = cls._site_with_ports(cls.spv)

    def _credit(self, asset, evse, cost, pwa=True, eligible=True):
        return self.env["ev.port.credit"].create(
            {
                "spv_id": self.spv.id,
                "evse_id": evse.id,
                "asset_id": asset.id,
                "cost": cost,
                "pwa_met": pwa,
                "eligible_tract": eligible,
            }
        )

    def test_charger_bill_creates_an_asset_with_book_depreciation_entries(self):
        profile = self.spv._ev_asset_profile("charger")
        bill = (
            self.env["account.move"]
            .with_company(self.spv.company_id)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.env["res.partner"].create({"name": "EPC Inc"}).id,
                    "invoice_date": date(2024, 4, 1),
                    "date": date(2024, 4, 1),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "DC charger",
                                "account_id": profile.account_asset_id.id,
                                "asset_profile_id": profile.id,
                                "price_unit": 100000,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        bill.action_post()
        asset = bill.line_ids.asset_id
        self.assertEqual(
            (asset.purchase_value, asset.company_id, asset.ev_spv_id), (100000.0, self.spv.company_id, self.spv)
        )
        asset.write(
            {
                "ev_placed_in_service": date(2024, 4, 1),
                "ev_acquired_date": date(2023, 11, 1),
                "ev_charger_id": self.charger.id,
            }
        )
        asset.validate()
        asset._compute_entries(date(2024, 12, 31))
        # 10 years linear, prorata temporis by days (OCA): 10,000 a year x 275 / 366 days in 2024, posted
        # quarterly in the depreciation expense account
        self.assertEqual(self.spv._ev_book_depreciation(date(2024, 1, 1), date(2024, 12, 31)), Decimal("7513.66"))
        year = self.spv._ev_tax_year(2024)
        figures = self.spv._ev_tax_figures(2024)
        # tax: 2024 property acquired in 2023: 60 % bonus on 100,000, then 20 % of 40,000
        self.assertEqual(figures["tax_depreciation"], 68000)
        self.assertEqual(asset.ev_bonus_rate, 60.0)
        self.assertEqual(year.date_to, date(2024, 12, 31))

    def test_bonus_rules_and_elections_on_the_asset(self):
        asset = self._asset(self.spv, 50000, date(2025, 3, 1), date(2025, 2, 1), self.charger)
        self.assertEqual((asset.ev_bonus_rate, asset.ev_bonus_reason), (100.0, asset.ev_bonus_reason))
        self.assertIn("119-21", asset.ev_bonus_reason)
        asset.ev_bonus_election = "reduced"
        self.assertEqual(asset.ev_bonus_rate, 40.0)
        asset.ev_bonus_election = "out"
        self.assertEqual(asset.ev_bonus_rate, 0.0)
        with self.assertRaisesRegex(ValidationError, "first tax year ending after 19 January 2025"):
            asset.write({"ev_bonus_election": "reduced", "ev_placed_in_service": date(2026, 2, 1)})

    def test_placed_in_service_before_formation_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "before Test EV Fund I LLC was formed"):
            self._asset(self.spv, 10000, date(2023, 12, 31), date(2023, 12, 1), self.charger)
        with self.assertRaisesRegex(ValidationError, "before it was acquired"):
            self._asset(self.spv, 10000, date(2024, 3, 1), date(2024, 4, 1), self.charger)

    def test_mid_quarter_convention_and_form_4562(self):
        # 40,000 in March, 60,000 in November: 60 % in the last quarter -> mid-quarter for both
        self._asset(self.spv, 40000, date(2024, 3, 1), date(2024, 3, 1), self.charger)
        self._asset(self.spv, 60000, date(2024, 11, 1), date(2024, 11, 1), kind="site_work", years="15")
        # elect out of bonus on both to see the MACRS tables
        self.env["account.asset"].search([("company_id", "=", self.spv.company_id.id)]).ev_bonus_election = "out"
        year = self.spv._ev_tax_year(2024)
        self.spv.action_confirm_allocations()
        year.action_compute()
        self.assertEqual(year.convention, "MQ")
        self.assertAlmostEqual(year.last_quarter_share, 60.0)
        # 5-year Q1 (Table A-2) 35 % of 40,000 = 14,000; 15-year Q4 (Table A-5) 1.25 % of 60,000 = 750
        self.assertEqual(year.tax_depreciation, 14750.0)
        summary = year.form_4562
        self.assertEqual(summary["line_22"], "14750.00")
        self.assertEqual(
            [(r["line"], r["deduction"]) for r in summary["line_19"]], [("19b", "14000.00"), ("19e", "750.00")]
        )
        self.assertIn("Line 22", year.form_4562_html)
        # next year: year 2 of each table, reported on line 17
        year_2 = self.spv._ev_tax_year(2025)
        year_2.action_compute()
        # 26 % of 40,000 = 10,400; 9.88 % of 60,000 = 5,928
        self.assertEqual(year_2.form_4562["line_17"], "16328.00")

    def test_30c_credit_per_port(self):
        asset = self._asset(self.spv, 900000, date(2024, 6, 1), date(2024, 1, 1), self.charger)
        port_1, port_2 = self.charger.evse_ids.sorted("evse_number")
        capped = self._credit(asset, port_1, 400000)  # 30 % = 120,000 > 100,000 cap
        base = self._credit(asset, port_2, 500000, pwa=False)  # 6 % = 30,000
        self.assertEqual((capped.rate, capped.credit, capped.capped), (30.0, 100000.0, True))
        self.assertEqual((base.rate, base.credit, base.capped), (6.0, 30000.0, False))
        # the asset's tax basis is reduced by the full credits
        self.assertEqual(asset.ev_credit_basis_reduction, 130000.0)
        self.assertEqual(asset.ev_tax_basis, 770000.0)
        base.eligible_tract = False
        self.assertEqual((base.credit, asset.ev_tax_basis), (0.0, 800000.0))
        self.assertIn("census tract", base.reason)
        with self.assertRaisesRegex(ValidationError, "11-digit GEOID"):
            base.census_tract = "1703"
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self._credit(asset, port_1, 1)  # one credit per port

    def test_credit_of_a_port_in_another_spv_is_refused(self):
        other = self._make_spv("Other Fund LLC", "82-1234567")
        _site, other_charger = self._site_with_ports(other, identity="OTHER-1")
        asset = self._asset(self.spv, 100000, date(2024, 6, 1), date(2024, 1, 1), self.charger)
        with self.assertRaisesRegex(ValidationError, "not at a site of this SPV"):
            self._credit(asset, other_charger.evse_ids[0], 1000)
