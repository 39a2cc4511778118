"""Cost vs revenue per site: dated energy purchase rates, vendor bills on the site's analytic account,
margin and margin % by site and month in the revenue report and its xlsx export."""

import base64
import io
import re
import zipfile
from datetime import UTC, date, datetime

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestCostRevenue(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.site.energy_cost_ids = [
            Command.create({"date_from": date(2026, 1, 1), "cost_per_kwh": 0.15}),
            Command.create({"date_from": date(2026, 7, 1), "cost_per_kwh": 0.20}),
            Command.create({"date_from": date(2026, 8, 1), "cost_per_kwh": 0.25}),
        ]
        cls.analytic = cls.site._ev_analytic_account()
        cls.analytic2 = cls.site2._ev_analytic_account()
        cls.vendor = cls.env["res.partner"].create({"name": "Grid Power Co"})
        Account = cls.env["account.account"]
        cls.expense = Account.search(
            [("account_type", "=", "expense"), *Account._check_company_domain(cls.company)], limit=1
        )

    def vendor_move(self, lines, move_type="in_invoice", day=date(2026, 7, 15), post=True):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.vendor.id,
                "invoice_date": day,
                "date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "quantity": 1,
                            "price_unit": amount,
                            "account_id": self.expense.id,
                            "tax_ids": [Command.clear()],
                            "analytic_distribution": distribution,
                        }
                    )
                    for name, amount, distribution in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def test_energy_cost_from_the_dated_rate(self):
        july = self.run_session(self.cp201)  # 10 kWh on 2026-07-01 (local) at 0.20
        august = self.run_session(self.cp201, start=datetime(2026, 8, 5, 15, 0, tzinfo=UTC), minutes=30)
        self.assertEqual(july.energy_purchase_rate, 0.20)
        self.assertEqual(july.energy_cost, 2.0)
        self.assertEqual(august.energy_purchase_rate, 0.25)
        self.assertEqual(august.energy_cost, 1.25)  # 5 kWh x 0.25
        other_site = self.run_session(self.cp2)  # no rate on site 2
        self.assertEqual(other_site.energy_cost, 0.0)
        # changing a rate recomputes the sessions it covers
        self.site.energy_cost_ids.filtered(lambda r: r.date_from == date(2026, 7, 1)).cost_per_kwh = 0.3
        self.assertEqual(july.energy_cost, 3.0)
        self.assertEqual(august.energy_cost, 1.25)

    def test_bad_rates_are_refused(self):
        with self.assertRaisesMessage(ValidationError, "enter 0 or a positive amount per kWh"):
            self.env["ev.site.energy.cost"].create(
                {"site_id": self.site.id, "date_from": date(2027, 1, 1), "cost_per_kwh": -0.01}
            )
        with self.assertRaisesMessage(ValidationError, "already has a purchase rate starting on 2026-07-01"):
            self.env["ev.site.energy.cost"].create(
                {"site_id": self.site.id, "date_from": date(2026, 7, 1), "cost_per_kwh": 0.5}
            )

    def test_margin_by_site_and_month_with_vendor_bills(self):
        s1 = self.run_session(self.cp201)  # July, revenue 6.00 (invoiced: its invoice is on the analytic account)
        s2 = self.run_session(self.cp201, start=datetime(2026, 8, 5, 15, 0, tzinfo=UTC), minutes=30)
        self.assertTrue(
            all(s1.invoice_id.invoice_line_ids.mapped("analytic_distribution"))
        )  # customer invoice: no cost
        a1, a2 = str(self.analytic.id), str(self.analytic2.id)
        bill = self.vendor_move(
            [("Grid July", 30.0, {a1: 100}), ("Shared transformer", 10.0, {a1: 50, a2: 50}), ("Office", 99.0, False)]
        )
        self.vendor_move([("Grid credit", 4.0, {a1: 100})], move_type="in_refund", day=date(2026, 7, 20))
        self.vendor_move([("Draft bill", 500.0, {a1: 100})], post=False)
        Report = self.env["ev.billing.report"]
        domain = [("site_id", "in", (self.site | self.site2).ids), ("date", ">=", date(2026, 7, 1))]
        bill_rows = Report.search(domain + [("line_kind", "=", "vendor_bill")])
        self.assertEqual(sorted(bill_rows.mapped("other_cost")), [-4.0, 5.0, 5.0, 30.0])
        self.assertEqual(set(bill_rows.filtered(lambda r: r.other_cost == 30).vendor_bill_id.ids), set(bill.ids))
        groups = Report.read_group(
            domain,
            ["revenue_untaxed:sum", "energy_cost:sum", "other_cost:sum", "cost:sum", "margin:sum", "margin_percent"],
            ["site_id", "date:month"],
            lazy=False,
        )
        by_key = {(g["site_id"][0], g["date:month"]): g for g in groups}
        july = by_key[(self.site.id, "July 2026")]
        self.assertAlmostEqual(july["revenue_untaxed"], 6.0)
        self.assertAlmostEqual(july["energy_cost"], 2.0)
        self.assertAlmostEqual(july["other_cost"], 31.0)  # 30 + 50 % of 10 - 4 (refund); draft and office ignored
        self.assertAlmostEqual(july["cost"], 33.0)
        self.assertAlmostEqual(july["margin"], -27.0)
        self.assertAlmostEqual(july["margin_percent"], -450.0)
        august = by_key[(self.site.id, "August 2026")]
        self.assertAlmostEqual(august["revenue_untaxed"], 3.5)
        self.assertAlmostEqual(august["margin"], 2.25)
        self.assertAlmostEqual(august["margin_percent"], 64.29)  # weighted from the group's totals
        garage = by_key[(self.site2.id, "July 2026")]
        self.assertAlmostEqual(garage["other_cost"], 5.0)
        self.assertFalse(garage["margin_percent"])  # no revenue: undefined, not a division by zero
        # the sessions' rows are unchanged (one per session)
        self.assertEqual(Report.search(domain + [("line_kind", "=", "session")]).session_id, s1 | s2)

        rows = {(r["month"], r["site"]): r for r in Report._ev_revenue_rows(domain)}
        self.assertEqual(rows[("2026-07", "Bill Depot")]["energy_cost"], 2.0)
        self.assertEqual(rows[("2026-07", "Bill Depot")]["other_cost"], 31.0)
        self.assertEqual(rows[("2026-07", "Bill Garage")]["other_cost"], 5.0)

        wizard = self.env["ev.revenue.export.wizard"].create(
            {"date_from": date(2026, 7, 1), "date_to": date(2026, 7, 31), "site_ids": [Command.set(self.site.ids)]}
        )
        wizard.action_export()
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(wizard.file_data))) as book:
            strings = book.read("xl/sharedStrings.xml").decode()
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        self.assertIn("Margin %", strings)
        cells = dict(re.findall(r'<c r="([A-Z]+4)"[^>]*><v>([^<]*)</v></c>', sheet))
        self.assertEqual(
            (cells["K4"], cells["L4"], cells["M4"], cells["N4"], cells["O4"]), ("2", "31", "33", "-27", "-450")
        )
