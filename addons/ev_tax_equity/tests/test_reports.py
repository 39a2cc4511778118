"""The Form 1065 and K-1 PDFs (QWeb, wkhtmltopdf) show the box values: text extracted from the PDF; the
K-1 email of a partner who consented carries the PDF; xlsx."""

import io

import openpyxl
from PyPDF2 import PdfReader

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import EvTaxCase


def pdf_text(content):
    """The PDF's text with its whitespace (tabs, line breaks of table cells) as single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@tagged("post_install", "-at_install")
class TestTaxReports(EvTaxCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._golden_year(cls.spv, cls.inv, cls.spn)
        cls.year = cls.spv._ev_tax_year(2024)
        cls.year.action_lock()
        cls.year._ev_generate_k1s()
        cls.k1 = cls.year.k1_ids.filtered(lambda k: k.member_id == cls.inv)

    def setUp(self):
        super().setUp()
        # wkhtmltopdf fetches the report assets from this test server
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def _pdf(self, xmlid, records):
        content, kind = (
            self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(xmlid, records.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        return pdf_text(content)

    def test_k1_pdf_shows_parts_and_boxes(self):
        text = self._pdf("ev_tax_equity.action_report_k1", self.k1)
        for expected in (
            "Schedule K-1 (Form 1065)",
            "Part I Information About the Partnership",
            "94-3123457",
            "Part II Information About the Partner",
            "***-**-4567",  # item E, truncated TIN
            "Part III Partner's Share of Current Year Income",
            "Ordinary business income (loss)",
            "-53,378.00",  # box 1
            "89,100.00",  # box 15 code P
            "9,500.00",  # box 19 code A
            "248,022.00",  # item L ending capital (tax basis)
            "99.000000",  # item J profit share at the beginning
        ):
            self.assertIn(expected, text)

    def test_form_1065_pdf_shows_schedules_and_checks(self):
        text = self._pdf("ev_tax_equity.action_report_form_1065", self.year)
        for expected in (
            "Form 1065",
            "U.S. Return of Partnership Income",
            "Schedule K",
            "Schedule L",
            "Schedule M-1",
            "Schedule M-2",
            "-102,650.00",  # page 1 line 23 = Schedule K line 1
            "142,800.00",  # line 16a
            "516,500.00",  # Schedule L line 21 / M-2 line 9
            "passed",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("FAILED", text)

    def test_k1_email_carries_the_pdf(self):
        contact = self.env["res.partner"].create(
            {"name": "Rita Receiver", "parent_id": self.inv.partner_id.id, "email": "rita@investor.example.com"}
        )
        user = self.env["res.users"].create(
            {
                "name": "Rita Receiver",
                "login": "ev-report-portal",
                "partner_id": contact.id,
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.env["ev.spv.consent"].with_user(user).give_consent()
        self.year.k1_ids.action_release()
        pending = self.env["ev.spv.k1.furnishing"].search([("channel", "=", "email"), ("state", "=", "pending")])
        self.assertIn(self.k1, pending.k1_id)
        self.env["ev.spv.k1"].with_context(force_report_rendering=True)._cron_deliver(batch_size=100)
        furnishing = self.k1.furnishing_ids.filtered(lambda f: f.channel == "email")
        self.assertEqual(furnishing.state, "done")
        mail = furnishing.mail_id
        self.assertEqual(mail.recipient_ids, contact)
        self.assertIn("Schedule K-1 2024", mail.subject)
        attachment = mail.attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertIn("-53,378.00", pdf_text(attachment.raw))

    def test_k1_xlsx(self):
        content, kind = self.env["ir.actions.report"]._render("ev_tax_equity.action_report_k1_xlsx", self.k1.ids)
        self.assertEqual(kind, "xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        rows = {(row[0].value, row[1].value or ""): row[3].value for row in sheet.iter_rows(min_row=8) if row[0].value}
        self.assertEqual(rows[("1", "")], -53378.0)
        self.assertEqual(rows[("15", "P")], 89100.0)
