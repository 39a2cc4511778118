import base64
import io
import zipfile
from datetime import UTC, date, datetime

from odoo.tests import tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestRevenueReport(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver.ev_billing_mode = "monthly"

    def test_revenue_by_site_and_month(self):
        # site 1: 10 kWh -> 6.00; site 2 (other tariff): 10 kWh x 0.80 = 8.00, no fee
        self.site2.tariff_id = self.env["ev.tariff"].create(
            {"name": "Garage", "currency_id": self.usd.id, "energy_rate": 0.8}
        )
        s1 = self.run_session(self.cp201)
        s2 = self.run_session(self.cp2, start=datetime(2026, 7, 2, 15, 0, tzinfo=UTC))
        s3 = self.run_session(self.cp201, start=datetime(2026, 8, 5, 15, 0, tzinfo=UTC), minutes=30)
        Report = self.env["ev.billing.report"]
        domain = [("session_id", "in", (s1 | s2 | s3).ids)]
        rows = Report.search(domain)
        self.assertEqual(len(rows), 3)
        by_site = {
            g["site_id"][0]: g
            for g in Report.read_group(
                domain, ["energy_kwh:sum", "revenue_untaxed:sum", "price_per_kwh", "session_count:sum"], ["site_id"]
            )
        }
        first = by_site[self.site.id]
        self.assertAlmostEqual(first["energy_kwh"], 15.0)
        self.assertAlmostEqual(first["revenue_untaxed"], 6.0 + 3.5)
        self.assertEqual(first["session_count"], 2)
        # weighted: 9.50 / 15 kWh, not the average of 0.60 and 0.70
        self.assertAlmostEqual(first["price_per_kwh"], 0.6333)
        self.assertAlmostEqual(by_site[self.site2.id]["price_per_kwh"], 0.8)
        months = Report.read_group(domain, ["revenue_untaxed:sum"], ["date:month"])
        self.assertEqual(len(months), 2)
        export_rows = Report._ev_revenue_rows(domain)
        self.assertEqual(
            sorted((r["month"], r["site"], r["revenue_untaxed"]) for r in export_rows),
            [("2026-07", "Bill Depot", 6.0), ("2026-07", "Bill Garage", 8.0), ("2026-08", "Bill Depot", 3.5)],
        )

    def test_xlsx_export(self):
        self.run_session(self.cp201)
        wizard = self.env["ev.revenue.export.wizard"].create(
            {"date_from": date(2026, 7, 1), "date_to": date(2026, 7, 31), "site_ids": [(6, 0, self.site.ids)]}
        )
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        data = base64.b64decode(wizard.file_data)
        self.assertTrue(data.startswith(b"PK"))
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            strings = book.read("xl/sharedStrings.xml").decode()
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        self.assertIn("Bill Depot", strings)
        self.assertIn("2026-07", strings)
        self.assertIn("Avg price / kWh", strings)
        self.assertIn("<v>6</v>", sheet)  # revenue excl. tax
        self.assertIn("<v>0.6</v>", sheet)  # 6.00 / 10 kWh
