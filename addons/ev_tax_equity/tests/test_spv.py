"""SPV setup and bad input refused with a clear message: EIN, books, allocations, contributions."""

from datetime import date

import psycopg2

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestSpv(EvTaxCase):
    def test_books_are_set_up_in_the_spv_company(self):
        spv = self.spv
        company = spv.company_id
        self.assertEqual(company.chart_template, "generic_coa")
        for account in (spv.capital_account_id, spv.distribution_account_id):
            self.assertEqual(account.company_ids, company)
            self.assertEqual(account.account_type, "equity")
        self.assertEqual(spv.bank_journal_id.company_id, company)
        self.assertEqual(spv.journal_id.type, "general")
        profile = spv._ev_asset_profile("charger")
        self.assertEqual(profile.company_id, company)
        self.assertEqual(profile.account_expense_depreciation_id.account_type, "expense_depreciation")
        self.assertEqual(spv._ev_asset_profile("site_work").method_number, 15)

    def test_ein(self):
        self.assertEqual(self.spv.ein, "94-3123457")
        self.spv.ein = "943123458"
        self.assertEqual(self.spv.ein, "94-3123458", "stored as NN-NNNNNNN")
        for bad in ("07-1234567", "94-123456", "ABCDEFGHI"):
            with self.assertRaisesRegex(ValidationError, "is not valid"):
                self.spv.ein = bad

    def test_one_spv_per_company_in_usd(self):
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["ev.spv"].create(
                {
                    "name": "Twin",
                    "legal_name": "Twin",
                    "company_id": self.spv.company_id.id,
                    "formation_date": date(2024, 1, 1),
                }
            )
        eur = self.env.ref("base.EUR")
        eur.active = True
        euro = self.env["res.company"].create({"name": "Euro SPV", "currency_id": eur.id})
        with self.assertRaisesRegex(ValidationError, "books in EUR"):
            self.env["ev.spv"].create(
                {"name": "Euro", "legal_name": "Euro", "company_id": euro.id, "formation_date": date(2024, 1, 1)}
            )

    def test_allocation_percentages_are_0_to_100(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.inv.pre_income_pct = 150

    def test_allocations_must_sum_to_100(self):
        self.spn.pre_income_pct = 2  # draft SPV: editable freely
        with self.assertRaisesRegex(ValidationError, r"pre-flip income shares sum to 101.0 %, not 100 %"):
            self.spv.action_confirm_allocations()
        self.spn.pre_income_pct = 1
        self.spv.action_confirm_allocations()
        self.assertTrue(self.spv.allocations_confirmed)
        # in force: a direct write is refused, the wizard writes all partners at once and checks the totals
        with self.assertRaisesRegex(UserError, "Change allocations"):
            self.inv.post_cash_pct = 10
        wizard = (
            self.env["ev.spv.allocation.wizard"].with_context(active_id=self.spv.id).create({"reason": "Amendment 1"})
        )
        lines = {line.member_id: line for line in wizard.line_ids}
        lines[self.inv].post_cash_pct = 10
        with self.assertRaisesRegex(ValidationError, r"post-flip cash shares sum to 105.0 %"):
            wizard.action_apply()
        lines[self.spn].post_cash_pct = 90
        wizard.action_apply()
        self.assertEqual((self.inv.post_cash_pct, self.spn.post_cash_pct), (10.0, 90.0))
        self.assertIn("Amendment 1", self.spv.message_ids[0].body)
        # a new partner would break the totals
        with self.assertRaisesRegex(ValidationError, "sum to"):
            self.env["ev.spv.partner"].create(
                {
                    "spv_id": self.spv.id,
                    "partner_id": self.env["res.partner"].create({"name": "Late LP"}).id,
                    "pre_income_pct": 5,
                }
            )

    def test_allocation_context_cannot_be_forged(self):
        """The wizard's marker is a Python object: a JSON context (RPC) cannot carry it."""
        self.spv.action_confirm_allocations()
        with self.assertRaisesRegex(UserError, "Change allocations"):
            self.inv.with_context(ev_allocation_wizard="<object>").write({"pre_cash_pct": 91})

    def test_contribution_in_another_company_journal_is_refused(self):
        other = self._make_spv("Other Fund LLC", "82-1234567")
        with self.assertRaisesRegex(ValidationError, "not to the books of Test EV Fund I LLC"):
            self.env["ev.spv.contribution"].create(
                {
                    "spv_id": self.spv.id,
                    "member_id": self.inv.id,
                    "date": date(2024, 2, 1),
                    "amount": 1000,
                    "journal_id": other.bank_journal_id.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "not a bank or cash journal"):
            self.env["ev.spv.contribution"].create(
                {
                    "spv_id": self.spv.id,
                    "member_id": self.inv.id,
                    "date": date(2024, 2, 1),
                    "amount": 1000,
                    "journal_id": self.spv.journal_id.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "cannot be earlier"):
            self._contribute(self.inv, date(2023, 12, 31), 1000)
        self.assertFalse(self.env["account.move"].search([("company_id", "=", other.company_id.id)]))

    def test_tin_is_validated_and_masked(self):
        self.assertEqual(self.inv.tin_masked, "***-**-4567")
        for bad in ("000-00-0000", "12-345"):
            with self.assertRaisesRegex(ValidationError, "not a valid US SSN, ITIN or EIN"):
                self.inv.tin = bad
        self.inv.write({"is_foreign": True, "tin": "GB123456789"})  # foreign: not a US number

    def test_spv_form(self):
        """The form opens and saves for a manager (views are valid, onchanges run)."""
        with Form(self.spv) as form:
            form.flip_type = "yield"
            form.target_irr = 9.25
        self.assertEqual(self.spv.target_irr, 9.25)
        self.assertEqual(self.spv.partner_count, 2)
        self.assertEqual(self.spv.site_count, 0)
        site, _charger = self._site_with_ports(self.spv)
        self.spv.invalidate_recordset(["site_ids", "site_count"])
        self.assertEqual(self.spv.site_ids, site)
        self.assertEqual(self.spv.capacity_kw, 300.0)
        action = self.spv.action_view_sites()
        self.assertEqual(action["domain"], [("company_id", "=", self.spv.company_id.id)])

    def test_distribution_wizard(self):
        self._contribute(self.inv, date(2024, 1, 15), 1000)
        self.spv.action_confirm_allocations()
        wizard = self.env["ev.spv.distribution.wizard"].create(
            {"spv_id": self.spv.id, "date": date(2024, 2, 1), "amount": 2000}
        )
        self.assertEqual(wizard.available_cash, 1000.0)
        with self.assertRaisesRegex(UserError, "Only 1000.0 is in"):
            wizard.action_distribute()
        wizard.amount = 333.33
        self.assertIn("300.00", wizard.preview)
        action = wizard.action_distribute()
        distribution = self.env["ev.spv.distribution"].browse(action["res_id"])
        # 333.33 x 90 % = 299.997 -> 300.00, x 10 % = 33.333 -> 33.33: sums to 333.33, no residual
        self.assertEqual(sorted(distribution.line_ids.mapped("amount")), [33.33, 300.0])
        self.assertFalse(distribution.rounding_note)
        with self.assertRaisesRegex(UserError, "positive amount"):
            self.env["ev.spv.distribution"]._ev_distribute(self.spv, date(2024, 2, 2), 0, self.spv.bank_journal_id)

    def test_structure_and_flip_terms(self):
        with self.assertRaisesRegex(ValidationError, "needs its flip date"):
            self.spv.write({"flip_type": "fixed", "fixed_flip_date": False})
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.spv.write({"flip_type": "yield", "target_irr": 0})
        self.spv.partner_ids = [Command.update(self.inv.id, {"commitment": 10})]
        self.assertEqual(self.inv.commitment, 10)
