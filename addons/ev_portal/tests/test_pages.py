"""HTTP tests of every investor page (issue 12 item 2), as the roles: the invited investor, a partner's contact
that is not invited, one whose access ended or was revoked, the invitation pages of every link state, K-1
downloads (furnishing only with consent, logged on the chatter, draft watermarked, amended marked), statements,
depreciation, distributions, capital statements with PDF, analytics, the consent page, the /my counters."""

import io
import json
import re
from datetime import timedelta

from lxml import html
from PyPDF2 import PdfReader

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import EvPortalCase, pdf_text, real_pdf


@tagged("post_install", "-at_install")
class TestInvestorPages(EvPortalCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invitation = cls._grant(cls.ivy, cls.spv, access_end_date=cls.days(60))

    def get(self, url, status=200, **kwargs):
        response = self.url_open(url, allow_redirects=kwargs.pop("allow_redirects", True), **kwargs)
        self.assertEqual(response.status_code, status, f"{url}: {response.text[:1500]}")
        return response, html.fromstring(response.content) if response.content else None

    def text(self, tree, css_class):
        return " ".join(" ".join("".join(n.itertext()).split()) for n in tree.find_class(css_class))

    def test_my_home_counters(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": ["ev_spv_count", "ev_k1_count", "ev_wallet_count"]}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"], {"ev_spv_count": 1, "ev_k1_count": 1, "ev_wallet_count": 0})
        _response, page = self.get("/my")
        self.assertTrue(page.xpath("//a[@href='/my/ev/investments']"))
        self.assertTrue(page.xpath("//a[@href='/my/ev/k1s']"))

    def test_every_page_as_the_invited_investor(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        base = f"/my/ev/spv/{self.spv.id}"
        _r, page = self.get("/my/ev/investments")
        self.assertEqual([a.text for a in page.find_class("ev_portal_spv_link")], [self.spv.name])
        self.assertIn("Investments", self.text(page, "breadcrumb"))
        _r, page = self.get(base)
        self.assertIn("Test EV Fund I LLC", self.text(page, "breadcrumb"))
        self.assertIn(f"access until {self.days(60)}", page.text_content())
        self.assertIn(f"(target {self.spv.target_irr:.2f} %)", self.text(page, "ev_portal_flip"))
        # K-1s by tax year, status, download
        _r, page = self.get(f"{base}/k1s")
        rows = page.find_class("ev_portal_k1")
        self.assertEqual([int(r.get("data-k1-id")) for r in rows], self.k1.ids)
        self.assertIn("Final", self.text(page, "ev_portal_k1"))
        self.assertIn("Tax year 2024", page.text_content())
        _r, page = self.get("/my/ev/k1s?sortby=year_asc&year=2024")
        self.assertEqual(len(page.find_class("ev_portal_k1")), 1)
        # balance sheet and P&L of a chosen period, from the posted entries
        _r, page = self.get(f"{base}/statements?period=custom&date_from=2024-01-01&date_to=2024-12-31")
        self.assertRegex(self.text(page, "ev_portal_net_income"), r"36,500\.00")
        balance = self.text(page, "ev_portal_balance_sheet")
        self.assertIn("Earnings to date", balance)
        self.assertIn("Liabilities and partners' capital", balance)
        _r, page = self.get(f"{base}/statements?period=custom&date_from=2024-12-31&date_to=2024-01-01")
        self.assertIn("swap the dates", self.text(page, "ev_portal_error"))
        _r, page = self.get(f"{base}/statements?period=custom&date_from=nonsense")
        self.assertIn("YYYY-MM-DD", self.text(page, "ev_portal_error"))
        _r, page = self.get(f"{base}/statements?period=last_year")
        self.assertTrue(page.find_class("ev_portal_pl"))
        # depreciation: book board and MACRS with bonus (60 % of the 210,000 tax basis = 126,000 in 2024)
        _r, page = self.get(f"{base}/depreciation")
        years = self.text(page, "ev_portal_depreciation_years")
        self.assertRegex(years, r"2024 .*142,800\.00")
        self.assertIn("5-year", self.text(page, "ev_portal_tax_asset"))
        self.assertTrue(page.find_class("ev_portal_book_asset"))
        # distributions: the investor's own (90 % of 2 x 10,000 before the flip, then post-flip share)
        _r, page = self.get(f"{base}/distributions?sortby=amount")
        lines = self.env["ev.spv.distribution.line"].search([("member_id", "=", self.inv.id)])
        self.assertRegex(self.text(page, "ev_portal_distribution_total"), f"{sum(lines.mapped('amount')):,.2f}")
        self.assertEqual(len(page.xpath("//table[contains(@class, 'ev_portal_distributions')]/tbody/tr")), len(lines))
        # capital accounts, §704(b) and tax
        _r, page = self.get(f"{base}/capital")
        capital = self.env["ev.spv.capital"].search([("member_id", "=", self.inv.id), ("year", "=", 2024)])
        self.assertRegex(self.text(page, "ev_portal_book_end"), f"{capital.book_end:,.2f}")
        self.assertRegex(self.text(page, "ev_portal_tax_end"), f"{capital.tax_end:,.2f}".replace("-", "-?"))
        # analytics: chart data and Odoo's Chart.js bundle, no CDN
        response, page = self.get(f"{base}/analytics")
        data = json.loads(page.get_element_by_id("ev_portal_analytics_data").get("data-analytics"))
        self.assertEqual(len(data["labels"]), len(data["energy_kwh"]))
        self.assertEqual(data["target_irr"], self.spv.target_irr)
        self.assertTrue(page.xpath("//script[contains(@src, 'ev_portal.assets_analytics')]"))
        self.assertNotIn("cdn", response.text.lower())

    def test_analytics_availability_is_the_operational_uptime(self):
        """The analytics' uptime is ev_charging's monthly availability (issue 14): n/a without any
        connection history, then the online share of the month, the current month live."""
        site = self.env["ev.site"].create({"name": "Portal Depot", "tz": "UTC", "company_id": self.spv.company_id.id})
        charger = self.env["ev.charger"].create({"identity": "PORTAL-AVAIL-1", "site_id": site.id})
        # months of the site's timezone (UTC): not the user's "today", which is a month ahead in the last
        # hours of a month for a user east of UTC
        now = fields.Datetime.now()
        self.assertIsNone(self.spv._ev_portal_analytics(today=now.date())["uptime"][-1])
        since = max(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0), now - timedelta(hours=2))
        self.env["ev.ocpp.event"].ingest(
            [
                {
                    "key": "portal-avail:1",
                    "charger": charger.identity,
                    "action": "Connection",
                    "payload": {"state": "connected", "node": "n1"},
                    "ts": since.isoformat() + "Z",
                }
            ]
        )
        data = self.spv._ev_portal_analytics(today=now.date())
        self.assertEqual(data["uptime"][-1], 100.0)
        self.assertTrue(data["has_uptime"])

    def test_k1_download_is_furnishing_only_with_consent(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        before = self.k1.furnishing_ids
        # (in test mode Odoo renders the report as HTML: the real PDF is checked in test_portal_copies_are_pdfs)
        response, page = self.get(f"/my/ev/k1/{self.k1.id}/pdf")
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn("-53,378.00", page.text_content())
        self.env.invalidate_all()
        self.assertEqual(self.k1.furnishing_ids, before, "no consent: not furnished electronically")
        self.assertIn("not furnished: no electronic consent", self.spv_notes(self.spv)[0])
        self.assertIn("downloaded by Ivy Investor", self.spv_notes(self.spv)[0])
        self.env["ev.spv.consent"].with_user(self.ivy).give_consent()
        self.get(f"/my/ev/k1/{self.k1.id}/pdf")
        self.env.invalidate_all()
        new = self.k1.furnishing_ids - before
        self.assertEqual((new.channel, new.version, new.user_id), ("portal", 1, self.ivy))
        self.assertTrue(new.consent_id)
        self.assertIn("furnished electronically", self.spv_notes(self.spv)[0])

    def test_draft_watermark_and_amended_mark(self):
        self.year.sudo().action_unlock(reason="correction")
        self.year._ev_lock()
        amended = self.k1.action_amend()
        self.spv.ev_portal_show_draft_k1 = True
        self.env["ev.spv.consent"].with_user(self.ivy).give_consent()
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        _r, page = self.get(f"/my/ev/spv/{self.spv.id}/k1s")
        self.assertIn("Draft — not final · amended (version 2)", self.text(page, "ev_portal_k1_draft"))
        response, page = self.get(f"/my/ev/k1/{amended.id}/pdf")
        text = " ".join(page.text_content().split())
        self.assertIn("DRAFT — NOT FINAL", text)
        self.assertIn("Amended K-1, version 2: it replaces version 1", text)
        self.assertIn("_DRAFT", response.headers["Content-Disposition"])
        self.env.invalidate_all()
        self.assertFalse(amended.furnishing_ids, "a draft is never furnished")
        with real_pdf():  # the PDF itself, rendered outside a request (see real_pdf)
            pdf, _name, _furnishing = amended.with_user(self.ivy)._ev_portal_download()
        text = pdf_text(pdf)
        self.assertIn("Amended K-1 ☒ (version 2)", text)  # a real PDF, in UTF-8
        self.assertIn("not yet (draft)", text)
        # the watermark itself, on every page of the PDF wkhtmltopdf laid out (a fixed element repeats)
        pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
        self.assertTrue(pages)
        for number, page_text in enumerate(pages, 1):
            self.assertIn("DRAFT — NOT FINAL", page_text, f"page {number} of {len(pages)} of the draft: no watermark")
        amended.action_release()
        _r, page = self.get(f"/my/ev/k1/{amended.id}/pdf")
        text = " ".join(page.text_content().split())
        self.assertNotIn("DRAFT", text)
        self.assertIn("Amended K-1, version 2", text)
        _r, page = self.get(f"/my/ev/k1/{self.k1.id}/pdf")
        self.assertIn("Superseded: an amended K-1 replaces this version", " ".join(page.text_content().split()))

    def test_portal_copies_are_pdfs(self):
        """The real PDFs (wkhtmltopdf), rendered outside a request: in a request of the test server wkhtmltopdf
        would wait for the report's CSS from the same server, whose test cursor the request holds."""
        capital = self.env["ev.spv.capital"].search([("member_id", "=", self.inv.id), ("year", "=", 2024)])
        with real_pdf():
            pdf, name, _furnishing = self.k1.with_user(self.ivy)._ev_portal_download()
            statement, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
                "ev_portal.action_report_capital_statement", capital.ids
            )
            sample, _kind = (
                self.env["ir.actions.report"]
                .with_context(ev_consent_code="ABC123")
                ._render_qweb_pdf("ev_portal.action_report_consent_sample", self.ivy.ids)
            )
        self.assertTrue(pdf.startswith(b"%PDF-"))
        self.assertIn("-53,378.00", pdf_text(pdf))
        self.assertTrue(name.endswith("_v1.pdf"))
        text = pdf_text(statement)
        self.assertIn("Capital account statement 2024", text)
        self.assertIn("§704(b) book", text)
        self.assertIn(f"{capital.book_end:,.2f}", text)
        self.assertIn("ABC123", pdf_text(sample))

    def test_capital_statement_pdf(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        capital = self.env["ev.spv.capital"].search([("member_id", "=", self.inv.id), ("year", "=", 2024)])
        response, page = self.get(f"/my/ev/capital/{capital.id}/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        text = " ".join(page.text_content().split())
        self.assertIn("Capital account statement 2024", text)
        self.assertIn(f"{capital.book_end:,.2f}", text)
        self.assertIn("Capital account statement 2024 downloaded by Ivy Investor", self.spv_notes(self.spv)[0])
        sponsor = self.env["ev.spv.capital"].search([("member_id", "=", self.spn.id), ("year", "=", 2024)])
        _r, page = self.get(f"/my/ev/capital/{sponsor.id}/pdf", status=403)
        self.assertTrue(page.find_class("ev_portal_denied"))

    def test_not_invited_ended_revoked_get_a_page_never_data(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        for url in (
            f"/my/ev/spv/{self.spv_b.id}",
            f"/my/ev/spv/{self.spv_b.id}/k1s",
            f"/my/ev/spv/{self.spv_b.id}/statements",
            f"/my/ev/spv/{self.spv_b.id}/analytics",
            f"/my/ev/k1/{self.k1_b.id}/pdf",
            f"/my/ev/k1/{self.k1_spn.id}/pdf",
            "/my/ev/spv/999999",
        ):
            with self.subTest(url):
                response, page = self.get(url, status=403)
                self.assertIn("not shared with you", self.text(page, "ev_portal_denied"))
                self.assertNotIn("Balance sheet", response.text)
                self.assertNotIn("53,378", response.text)
        access = self.invitation.access_ids
        access.date_end = self.days(-1)
        response, page = self.get(f"/my/ev/spv/{self.spv.id}/k1s", status=403)
        self.assertIn(f"ended on {self.days(-1)}", self.text(page, "ev_portal_denied"))
        self.assertFalse(page.find_class("ev_portal_k1"))
        _r, page = self.get("/my/ev/investments")
        self.assertFalse(page.find_class("ev_portal_spv_link"))
        access.date_end = False
        self.invitation.action_revoke()
        _r, page = self.get(f"/my/ev/k1/{self.k1.id}/pdf", status=403)
        self.assertIn("was revoked", self.text(page, "ev_portal_denied"))

    def test_consent_page_gives_and_withdraws_with_the_disclosures(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        response, page = self.get("/my/ev/consent")
        disclosures = self.text(page, "ev_portal_disclosures")
        for needed in (
            "Paper unless you consent",
            "Scope and duration",
            "Paper copy",
            "Withdrawal",
            "End of electronic delivery",
            "Contact details",
            "Hardware and software",
        ):
            self.assertIn(needed, disclosures)
        self.assertIn("receives its K-1s on paper", self.text(page, "ev_portal_consent_none"))
        csrf = page.xpath("//form[contains(@class, 'ev_portal_consent_form')]//input[@name='csrf_token']/@value")[0]
        _sample, sample = self.get("/my/ev/consent/sample.pdf")
        code = sample.find_class("ev-consent-code")[0].text_content().strip()
        self.assertRegex(code, r"^[0-9A-F]{6}$")
        # a wrong code, or no tick, is refused with what to do
        _r, page = self.post(
            "/my/ev/consent", {"csrf_token": csrf, "action": "give", "code": "XXXXXX", "read_disclosures": "1"}
        )
        self.assertIn("open the test PDF", self.text(page, "ev_portal_error"))
        _r, page = self.post("/my/ev/consent", {"csrf_token": csrf, "action": "give", "code": code})
        self.assertIn("Tick the box", self.text(page, "ev_portal_error"))
        self.assertFalse(self.env["ev.spv.consent"].search([("partner_id", "=", self.inv.partner_id.id)]))
        _r, page = self.post(
            "/my/ev/consent", {"csrf_token": csrf, "action": "give", "code": code.lower(), "read_disclosures": "1"}
        )
        self.assertIn("furnished electronically", self.text(page, "ev_portal_message"))
        consent = self.env["ev.spv.consent"].search([("partner_id", "=", self.inv.partner_id.id)])
        self.assertEqual((consent.state, consent.user_id, consent.method), ("active", self.ivy, "portal"))
        self.assertIn("consent given by Ivy Investor", self.spv_notes(self.spv)[0])
        self.assertTrue(page.find_class("ev_portal_withdraw_form"))
        _r, page = self.post("/my/ev/consent", {"csrf_token": csrf, "action": "withdraw"})
        self.assertIn("mailed on paper", self.text(page, "ev_portal_message"))
        self.assertEqual((consent.state, consent.withdrawn_by), ("withdrawn", self.ivy))
        self.assertIn("consent withdrawn by Ivy Investor", self.spv_notes(self.spv)[0])

    def post(self, url, data):
        response = self.url_open(url, data=data)
        self.assertEqual(response.status_code, 200, response.text[:1500])
        return response, html.fromstring(response.content)


@tagged("post_install", "-at_install")
class TestInvitationPages(EvPortalCase, HttpCase):
    """/ev/invitation/<token> in every state: a page that says what to do, never data."""

    def token_of(self, invitation):
        mail = self.env["mail.mail"].search(
            [("model", "=", "ev.portal.invitation"), ("res_id", "=", invitation.id)], order="id desc", limit=1
        )
        return re.search(r"/ev/invitation/([\w-]+)", mail.body_html).group(1)

    def page(self, url, status, data=None):
        response = self.url_open(url, data=data, allow_redirects=False)
        self.assertEqual(response.status_code, status, response.text[:1500])
        return response, html.fromstring(response.content) if response.content else None

    def csrf(self, tree):
        return tree.xpath("//input[@name='csrf_token']/@value")[0]

    def test_signup_through_the_link(self):
        contact = self.env["res.partner"].create(
            {"name": "Olga Online", "parent_id": self.inv.partner_id.id, "email": "olga@investor.example.com"}
        )
        invitation = self._invite(contact, self.spv)
        invitation._ev_send()
        token = self.token_of(invitation)
        _r, tree = self.page(f"/ev/invitation/{token}", 200)
        self.assertIn(self.spv.name, tree.text_content())
        form = tree.find_class("ev_invitation_signup")[0]
        data = {"csrf_token": self.csrf(form), "password": "olga-password", "confirm_password": "olga-passwrd"}
        _r, tree = self.page(f"/ev/invitation/{token}/signup", 200, data)
        self.assertIn("passwords differ", tree.find_class("ev_invitation_error")[0].text_content())
        data["confirm_password"] = "olga-password"
        response, _t = self.page(f"/ev/invitation/{token}/signup", 303, data)
        self.assertIn("/my/ev/investments", response.headers["Location"])
        user = contact.user_ids
        self.assertEqual((user.login, invitation.state), ("olga@investor.example.com", "accepted"))
        # the session is the new user's: the investments page lists the SPV
        response = self.url_open("/my/ev/investments")
        self.assertIn(self.spv.name, response.text)
        # the link again: used, no form
        self.url_open("/web/session/logout")
        _r, tree = self.page(f"/ev/invitation/{token}", 410)
        self.assertTrue(tree.find_class("ev_invitation_used"))
        self.assertFalse(tree.find_class("ev_invitation_signup"))
        self.assertIn("an already used invitation link of Olga Online", self.spv_notes(self.spv)[0])

    def test_existing_login_accepts_after_logging_in(self):
        invitation = self._invite(self.ivy_contact, self.spv)
        invitation._ev_send()
        token = self.token_of(invitation)
        _r, tree = self.page(f"/ev/invitation/{token}", 200)
        self.assertTrue(tree.find_class("ev_invitation_login"))
        self.assertFalse(tree.find_class("ev_invitation_signup"))
        self.authenticate("ev-portal-sam", "ev-portal-sam")
        _r, tree = self.page(f"/ev/invitation/{token}", 200)
        self.assertIn(
            "This invitation is for Ivy Investor",
            " ".join(tree.find_class("ev_invitation_other_user")[0].text_content().split()),
        )
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        _r, tree = self.page(f"/ev/invitation/{token}", 200)
        form = tree.xpath("//form[contains(@action, '/accept')]")[0]
        response, _t = self.page(form.get("action"), 303, {"csrf_token": self.csrf(form)})
        self.assertIn("/my/ev/investments", response.headers["Location"])
        self.assertEqual(invitation.state, "accepted")
        self.assertTrue(self.env["ev.portal.access"].search([("user_id", "=", self.ivy.id)]).is_current)

    def test_expired_revoked_unknown_links(self):
        invitation = self._invite(self.ivy_contact, self.spv)
        invitation._ev_send()
        token = self.token_of(invitation)
        invitation.valid_until = self.days(-1)
        response, tree = self.page(f"/ev/invitation/{token}", 410)
        self.assertIn(
            f"expired on {self.days(-1)}", " ".join(tree.find_class("ev_invitation_expired")[0].text_content().split())
        )
        self.assertNotIn(self.spv.name, response.text)
        self.assertIn("an expired invitation link of Ivy Investor (Investor Co", self.spv_notes(self.spv)[0])
        # posting the sign-up form of an expired link creates nothing
        csrf = re.search(r'csrf_token: "([^"]+)"', response.text).group(1)
        _r, tree = self.page(
            f"/ev/invitation/{token}/signup",
            410,
            {"csrf_token": csrf, "password": "x" * 10, "confirm_password": "x" * 10},
        )
        self.assertTrue(tree.find_class("ev_invitation_expired"))
        self.assertFalse(self.env["ev.portal.access"].search([("user_id", "=", self.ivy.id)]))
        invitation.valid_until = self.days(1)
        invitation.action_revoke()
        response, tree = self.page(f"/ev/invitation/{token}", 410)
        self.assertTrue(tree.find_class("ev_invitation_revoked"))
        self.assertNotIn(self.spv.name, response.text)
        invitation.action_resend()
        response, tree = self.page(f"/ev/invitation/{token}", 410)  # the old token was replaced
        self.assertTrue(tree.find_class("ev_invitation_unknown"))
        with mute_logger("odoo.http"):
            _r, tree = self.page("/ev/invitation/not-a-token", 410)
        self.assertTrue(tree.find_class("ev_invitation_unknown"))
