"""Budget vs actual, program rollup, the CEO compliance report and SF-425 figures, as PDF (QWeb,
wkhtmltopdf) and xlsx, from the same tables."""

import base64
import io
import zipfile
from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from .common import GrantCase


@tagged("post_install", "-at_install")
class TestReports(GrantCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Cost = cls.env["ev.grant.cost"]
        Cost.create(
            [
                {
                    "grant_id": cls.grant.id,
                    "name": "Civil works",
                    "date": date(2026, 1, 15),
                    "category": "g",
                    "amount": 150000,
                },
                {
                    "grant_id": cls.grant.id,
                    "name": "Switchgear",
                    "date": date(2026, 2, 15),
                    "category": "g",
                    "amount": 50000,
                    "state": "obligated",
                },
                {
                    "grant_id": cls.grant.id,
                    "name": "Catering",
                    "date": date(2026, 2, 20),
                    "category": "h",
                    "amount": 640,
                },
            ]
        )
        cls.env["ev.grant.cash"].create({"grant_id": cls.grant.id, "date": date(2026, 3, 1), "amount": 100000})
        cls.env["ev.grant.deadline"].create(
            {"grant_id": cls.grant.id, "name": "SF-425 Q1 2026", "kind": "sf425", "date_due": date(2026, 4, 30)}
        )
        cls.timesheet_day = date(2026, 3, 13)

    def wizard(self, report, **vals):
        values = {
            "report": report,
            "grant_ids": [(6, 0, self.grant.ids)],
            "date_from": date(2025, 10, 1),
            "date_to": date(2026, 6, 30),
        }
        values.update(vals)
        return self.env["ev.grant.report.wizard"].create(values)

    def sheet_text(self, wizard):
        wizard.action_xlsx()
        book = zipfile.ZipFile(io.BytesIO(base64.b64decode(wizard.file_data)))
        return book.read("xl/sharedStrings.xml").decode() + book.read("xl/worksheets/sheet1.xml").decode()

    def test_budget_vs_actual_pdf_and_xlsx(self):
        wizard = self.wizard("budget")
        tables = wizard._tables()
        rows = {r[0]: r for r in tables["tables"][0]["rows"]}
        self.assertEqual(
            rows["g. Construction"][1:5],
            [Decimal("400000.00"), Decimal("200000.00"), Decimal("200000.00"), Decimal("50.00")],
        )
        self.assertEqual(rows["h. Other"][5], Decimal("640.00"))
        html = self.env["ir.actions.report"]._render_qweb_html("ev_grants.action_report_grant", wizard.ids)[0]
        self.assertIn(b"Budget vs actual", html)
        self.assertIn(b"200,000.00", html)
        self.assertIn(b"TEST-FAIN-0001", html)
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("ev_grants.action_report_grant", wizard.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = self.sheet_text(wizard)
        self.assertIn("g. Construction", text)
        self.assertIn("<v>200000</v>", text)
        self.assertTrue(wizard.file_name.endswith(".xlsx"))

    def test_ceo_compliance_report(self):
        self.timesheet(self.timesheet_day, 4)  # March 2026: no certification
        wizard = self.wizard("ceo")
        tables = {t["title"]: t for t in wizard._tables()["tables"]}
        program = tables["Per program"]["rows"][0]
        # program, awarded, spent (federal share of allowable), remaining, unallowable, certifications missing,
        # overdue reports, ports <= 97 %, attention
        self.assertEqual(
            program[:8],
            ["NEVI-T", Decimal("800000.00"), Decimal("160000.00"), Decimal("640000.00"), Decimal("640.00"), 1, 1, 0],
        )
        self.assertEqual(program[8], "yes")
        self.assertEqual(
            tables["Effort certifications missing"]["rows"], [["TEST-FAIN-0001", "Grant Engineer", "2026-03-01"]]
        )
        self.assertEqual(tables["Overdue reports"]["rows"], [["TEST-FAIN-0001", "SF-425 Q1 2026", "2026-04-30"]])
        self.assertIn("Needs attention", self.sheet_text(wizard))

    def test_program_rollup(self):
        rows = self.wizard("rollup", grant_ids=[(5, 0, 0)], program_ids=[(6, 0, self.program.ids)])._tables()
        row = rows["tables"][0]["rows"][0]
        self.assertEqual(
            row,
            [
                "NEVI-T",
                1,
                Decimal("800000.00"),
                Decimal("160000.00"),
                Decimal("640000.00"),
                Decimal("20.00"),
                Decimal("640.00"),
            ],
        )

    def test_sf425_figures(self):
        values = self.grant._sf425(date(2026, 1, 1), date(2026, 3, 31))
        self.assertEqual(values["10a"], Decimal("100000.00"))
        self.assertEqual(values["10b"], Decimal("120000.00"))  # federal share of paid costs
        self.assertEqual(values["10c"], Decimal("-20000.00"))
        self.assertEqual(values["10e"], Decimal("120000.00"))
        self.assertEqual(values["10f"], Decimal("40000.00"))  # the obligated switchgear
        self.assertEqual(values["10g"], Decimal("160000.00"))
        self.assertEqual(values["10h"], Decimal("640000.00"))
        self.assertEqual(values["10i"], Decimal("200000.00"))
        self.assertEqual(values["10j"], Decimal("30000.00"))
        self.assertEqual(values["10k"], Decimal("170000.00"))
        self.assertEqual(values["11_rate"], Decimal("15.00"))
        self.assertEqual(values["11_base"], Decimal("0.00"))  # construction is not in the MTDC base
        wizard = self.wizard("sf425", date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
        rows = dict(wizard._tables()["tables"][0]["rows"])
        self.assertEqual(rows["g. Total federal share (e + f)"], Decimal("160000.00"))
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("ev_grants.action_report_grant", wizard.ids)
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
