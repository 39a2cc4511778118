"""Contributions, distributions and capital accounts from the SPV's ledger: a golden year with a mid-year flip
computed by hand (see common.EvTaxCase._golden_year)."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestLedger(EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.asset = cls._golden_year(cls.spv, cls.inv, cls.spn)
        cls.year = cls.spv._ev_tax_year(2024)
        cls.year.action_compute()

    def test_contribution_posts_an_entry_in_the_spv_books(self):
        contribution = self.inv.contribution_ids
        move = contribution.move_id
        self.assertEqual(contribution.state, "posted")
        self.assertEqual(move.company_id, self.spv.company_id)
        self.assertEqual(move.state, "posted")
        capital = move.line_ids.filtered(lambda ln: ln.account_id == self.spv.capital_account_id)
        self.assertEqual((capital.credit, capital.partner_id), (400000.0, self.inv.partner_id))
        bank = move.line_ids - capital
        self.assertEqual((bank.account_id, bank.debit), (self.spv.bank_journal_id.default_account_id, 400000.0))
        self.assertEqual(self.inv.contributed, 400000.0)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            contribution.amount = 1

    def test_distributions_split_by_the_cash_shares_in_force(self):
        april, september = self.spv.distribution_ids.sorted("date")
        # 30 April, before the 1 July flip: 90 / 10
        self.assertEqual(april.flip_phase, "pre")
        self.assertEqual({ln.member_id: ln.amount for ln in april.line_ids}, {self.inv: 9000.0, self.spn: 1000.0})
        # 30 September, after: 5 / 95
        self.assertEqual(september.flip_phase, "post")
        self.assertEqual({ln.member_id: ln.amount for ln in september.line_ids}, {self.inv: 500.0, self.spn: 9500.0})
        lines = september.move_id.line_ids
        self.assertEqual(sum(lines.mapped("debit")), 10000.0)
        debit = lines.filtered(lambda ln: ln.partner_id == self.spn.partner_id)
        self.assertEqual((debit.account_id, debit.debit), (self.spv.distribution_account_id, 9500.0))
        self.assertEqual(self.inv.distribution_line_ids.mapped("amount"), [500.0, 9000.0])  # history, newest first

    def test_year_figures(self):
        year = self.year
        self.assertEqual(year.book_income, 36500.0)
        self.assertEqual(year.book_depreciation, 3650.0)
        self.assertEqual(year.tax_depreciation, 142800.0)
        self.assertEqual(year.tax_income, -102650.0)
        self.assertEqual(year.credits_total, 90000.0)
        self.assertEqual(year.convention, "HY")
        self.assertEqual(year.flip_date, date(2024, 7, 1))

    def test_capital_accounts_golden_year(self):
        rows = {c.member_id: c for c in self.year.capital_ids}
        inv, spn = rows[self.inv], rows[self.spn]
        # 2024 has 366 days, flip 1 July: 183 days pre-flip (1 Jan - 1 Jul), 183 post
        # book 36,500: 18,250 x 99 % + 18,250 x 5 % = 18,067.50 + 912.50; sponsor 182.50 + 17,337.50
        self.assertEqual((inv.book_income, spn.book_income), (18980.0, 17520.0))
        # tax -102,650: -51,325 x 99 % - 51,325 x 5 % = -50,811.75 - 2,566.25; sponsor -513.25 - 48,758.75
        self.assertEqual((inv.tax_income, spn.tax_income), (-53378.0, -49272.0))
        # the credit arose on 1 March, under the pre-flip credit shares 99 / 1
        self.assertEqual((inv.credits, spn.credits), (89100.0, 900.0))
        self.assertEqual((inv.credit_basis, spn.credit_basis), (89100.0, 900.0))
        self.assertEqual((inv.contributions, inv.distributions), (400000.0, 9500.0))
        self.assertEqual((spn.contributions, spn.distributions), (100000.0, 10500.0))
        self.assertEqual((inv.book_end, spn.book_end), (409480.0, 107020.0))
        # tax: 400,000 - 53,378 - 89,100 - 9,500 and 100,000 - 49,272 - 900 - 10,500
        self.assertEqual((inv.tax_end, spn.tax_end), (248022.0, 39328.0))
        self.assertFalse(inv.deficit or spn.deficit)

    def test_capital_ties_to_the_ledger(self):
        # equity per ledger: 500,000 contributed + 36,500 income - 20,000 distributed
        self.assertEqual(self.year.ledger_equity, 516500.0)
        self.assertEqual(self.year.tie_difference, 0.0)
        self.assertEqual(sum(self.year.capital_ids.mapped("book_end")), 516500.0)

    def test_next_year_rolls_forward(self):
        bank = self.spv.bank_journal_id.default_account_id
        income = self._account(self.spv, "income")
        self._entry(self.spv, date(2025, 3, 31), [(bank, 1000, 0), (income, 0, 1000)])
        year = self.spv._ev_tax_year(2025)
        year.action_compute()
        rows = {c.member_id: c for c in year.capital_ids}
        self.assertEqual(rows[self.inv].book_begin, 409480.0)
        self.assertEqual(rows[self.inv].tax_begin, 248022.0)
        # all post-flip: 5 % / 95 %; tax: 2025 MACRS year 2 of 84,000 = 26,880 (32 %)
        self.assertEqual((rows[self.inv].book_income, rows[self.spn].book_income), (50.0, 950.0))
        self.assertEqual(year.tax_depreciation, 26880.0)
        self.assertEqual(year.tax_income, 1000.0 - 26880.0)
        self.assertEqual(year.tie_difference, 0.0)

    def test_hlbv_by_quarter(self):
        hlbv = self.year.hlbv_ids
        self.assertEqual(sorted(set(hlbv.mapped("quarter"))), [1, 2, 3, 4])
        # the book is the §704(b) book: over the year each partner's HLBV earnings add up to its book income
        for member, income in ((self.inv, 18980.0), (self.spn, 17520.0)):
            self.assertAlmostEqual(
                sum(hlbv.filtered(lambda h, m=member: h.member_id == m).mapped("earnings")), income, 2
            )
        q4 = hlbv.filtered(lambda h: h.quarter == 4)
        self.assertEqual(sum(q4.mapped("claim_end")), 516500.0)

    def test_negative_capital_without_dro_is_flagged(self):
        bank = self.spv.bank_journal_id.default_account_id
        expense = self._account(self.spv, "expense")
        # a 2025 loss of 2,200,000 (post-flip 5 / 95): the sponsor's 107,020 goes to -1,982,980
        self._entry(self.spv, date(2025, 6, 30), [(expense, 2200000, 0), (bank, 0, 2200000)])
        year = self.spv._ev_tax_year(2025)
        year.action_compute()
        spn = year.capital_ids.filtered(lambda c: c.member_id == self.spn)
        self.assertEqual(spn.book_end, 107020.0 - 2090000.0)
        self.assertEqual(spn.deficit, 1982980.0)
        self.assertEqual(year.deficit_count, 1)
        self.assertIn("qualified income offset", year.message_ids[0].body)

    def test_entries_of_a_non_partner_on_the_capital_account_are_refused(self):
        bank = self.spv.bank_journal_id.default_account_id
        stranger = self.env["res.partner"].create({"name": "Stranger LLC"})
        self._entry(self.spv, date(2024, 5, 5), [(bank, 5, 0), (self.spv.capital_account_id, 0, 5, stranger)])
        with self.assertRaisesRegex(UserError, "Stranger LLC, who is not a partner"):
            self.year.action_compute()
