"""Form 1065 from the SPV's posted entries: the golden year of common.EvTaxCase computed by hand, the account
mapping (default and bad), built-in checks failing on a wrong mapping, locking with Odoo's lock dates."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestReturn(EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._golden_year(cls.spv, cls.inv, cls.spn)
        cls.year = cls.spv._ev_tax_year(2024)

    def _line(self, code):
        return self.env.ref(f"ev_tax_equity.tax_line_{code.lower()}")

    def test_default_mapping_of_the_us_chart(self):
        mapping, ambiguous = self.spv._ev_account_lines()
        self.assertFalse(ambiguous)
        by_code = {}
        for account, line in mapping.items():
            by_code.setdefault(line.code, self.env["account.account"])
            by_code[line.code] |= account
        self.assertIn(self.spv.capital_account_id, by_code["L21"])
        self.assertIn(self.spv.distribution_account_id, by_code["L21"])
        self.assertIn(self.spv.bank_journal_id.default_account_id, by_code["L1"])
        self.assertIn(self._account(self.spv, "asset_fixed", "1590"), by_code["L9b"])
        self.assertIn(self._account(self.spv, "expense_depreciation"), by_code["P16a"])
        self.assertTrue(by_code["P1a"] and by_code["P21"] and by_code["L15"] and by_code["L2a"])

    def test_golden_return(self):
        self.year.action_compute_return()
        data = self.year.return_data
        # page 1: 60,000 of receipts; deductions 19,850 of O&M + 142,800 of tax depreciation (not the book 3,650)
        self.assertEqual(data["page1"]["1a"], "60000.00")
        self.assertEqual(
            (data["page1"]["16a"], data["page1"]["21"], data["page1"]["22"]), ("142800.00", "19850.00", "162650.00")
        )
        self.assertEqual(data["page1"]["23"], "-102650.00")
        self.assertEqual((data["k"]["1"], data["k"]["15f"], data["k"]["19a"]), ("-102650.00", "90000.00", "20000.00"))
        self.assertEqual(data["analysis_line1"], "-102650.00")
        # L at the end: cash 500,000 + 60,000 - 19,850 - 20,000; accumulated depreciation 3,650; capital 516,500
        self.assertEqual(
            (data["l_end"]["1"], data["l_end"]["9b"], data["l_end"]["14"]), ("520150.00", "3650.00", "516500.00")
        )
        self.assertEqual((data["l_end"]["21"], data["l_end"]["22"]), ("516500.00", "516500.00"))
        # M-1: book income 36,500, tax depreciation exceeds book by 139,150
        self.assertEqual((data["m1"]["1"], data["m1"]["7a"], data["m1"]["9"]), ("36500.00", "139150.00", "-102650.00"))
        # M-2: 0 + 500,000 + 36,500 - 20,000 = 516,500
        self.assertEqual(
            (data["m2"]["2a"], data["m2"]["3"], data["m2"]["6a"], data["m2"]["9"]),
            ("500000.00", "36500.00", "20000.00", "516500.00"),
        )
        self.assertTrue(self.year.checks_passed)
        self.assertTrue(all(check["passed"] for check in data["checks"]))
        # Schedule B: the investor owns 50 % or more at the end (5 % of profits after the flip, but 79 % of capital)
        self.assertEqual([b["name"] for b in data["schedule_b"]["b1"]], ["Investor Co", "Sponsor Co"])
        self.assertTrue(data["schedule_b"]["k2_k3_domestic_exception"])
        self.assertIn("Ordinary business income (loss)", self.year.return_html)

    def test_unmapped_account_with_a_balance_blocks_the_return(self):
        income = self._account(self.spv, "income")
        income.tag_ids = [(3, self._line("P1a").tag_id.id)]
        income = income.with_company(self.spv.company_id)
        with self.assertRaisesRegex(
            UserError, f"(?s)map these accounts.*{income.code} {income.name} .balance -60000.00.: no Form 1065 line"
        ):
            self.year.action_compute_return()
        income.tag_ids = [(4, self._line("P1a").tag_id.id), (4, self._line("P7").tag_id.id)]
        with self.assertRaisesRegex(UserError, "more than one Form 1065 line"):
            self.year.action_compute_return()

    def test_wrong_mapping_fails_the_checks_and_blocks_the_lock(self):
        expense = self._account(self.spv, "expense")
        expense.tag_ids = [(6, 0, self._line("L6").tag_id.ids)]  # an expense reported as an asset
        self.year.action_compute_return()
        self.assertFalse(self.year.checks_passed)
        failed = {c["name"] for c in self.year.return_data["checks"] if not c["passed"]}
        self.assertEqual(failed, {"M-1 line 9 = Analysis line 1"})
        with self.assertRaisesRegex(
            UserError, "(?s)does not pass its checks.*M-1 line 9 = Analysis line 1: -102650.00 <> -82800.00"
        ):
            self.year.action_lock()
        self.assertEqual(self.year.state, "open")
        self.assertFalse(self.spv.company_id.fiscalyear_lock_date)

    def test_unbalanced_balance_sheet_blocks_the_lock(self):
        bank = self.spv.bank_journal_id.default_account_id
        bank.tag_ids = [(6, 0, self._line("P21").tag_id.ids)]  # the bank account reported as a deduction
        self.year.action_compute_return()
        data = self.year.return_data
        failed = {c["name"] for c in data["checks"] if not c["passed"]}
        self.assertIn("L balances (end)", failed)
        self.assertEqual((data["l_end"]["14"], data["l_end"]["22"]), ("-3650.00", "516500.00"))
        with self.assertRaisesRegex(UserError, r"(?s)cannot be locked.*L balances \(end\): -3650.00 <> 516500.00"):
            self.year.action_lock()

    def test_lock_refuses_entries_of_the_year(self):
        self.year.action_lock()
        self.assertEqual(self.year.state, "locked")
        self.assertEqual(self.year.locked_by, self.env.user)
        self.assertEqual(self.spv.company_id.fiscalyear_lock_date, date(2024, 12, 31))
        bank = self.spv.bank_journal_id.default_account_id
        income = self._account(self.spv, "income")
        with self.assertRaisesRegex(
            UserError, "The 2024 return of Test EV Fund I LLC is locked: its books take no entry dated 2024-11-30"
        ):
            self._entry(self.spv, date(2024, 11, 30), [(bank, 10, 0), (income, 0, 10)])
        self._entry(self.spv, date(2025, 1, 2), [(bank, 10, 0), (income, 0, 10)])  # next year is open
        with self.assertRaisesRegex(UserError, "is locked"):
            self.year.action_compute_return()
        with self.assertRaisesRegex(UserError, "reason"):
            self.year.action_unlock()
        self.env["ev.spv.unlock.wizard"].create(
            {"tax_year_id": self.year.id, "reason": "Late O&M invoice"}
        ).action_apply()
        self.assertEqual(self.year.state, "open")
        self.assertFalse(self.spv.company_id.fiscalyear_lock_date)
        self.assertIn("Late O&amp;M invoice", self.year.message_ids[0].body)

    def test_form_1065_xlsx(self):
        self.year.action_compute_return()
        content, kind = self.env["ir.actions.report"]._render(
            "ev_tax_equity.action_report_form_1065_xlsx", self.year.ids
        )
        self.assertEqual(kind, "xlsx")
        import io  # noqa: PLC0415

        import openpyxl  # noqa: PLC0415

        workbook = openpyxl.load_workbook(io.BytesIO(content))
        page1 = workbook[f"Page 1 {self.spv.id}-2024"]
        values = {row[0].value: row[2].value for row in page1.iter_rows(min_row=3) if row[0].value}
        self.assertEqual((values["1a"], values["16a"], values["23"]), (60000.0, 142800.0, -102650.0))
