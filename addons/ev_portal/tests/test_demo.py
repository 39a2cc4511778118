"""Demo (issue 12 item 6): invited investor logins for both demo SPVs, and the wallet driver's login."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestPortalDemo(HttpCase):
    def test_demo_logins_read_their_invited_spvs(self):
        bay = self.env.ref("ev_tax_equity.demo_spv_bay")
        lake = self.env.ref("ev_tax_equity.demo_spv_lake")
        expected = {
            "ev_tax_equity.demo_user_portal_investor": bay,
            "ev_portal.demo_user_prairie_investor": lake,
            "ev_portal.demo_user_voltline_investor": bay | lake,
        }
        for xmlid, spvs in expected.items():
            user = self.env.ref(xmlid)
            self.assertEqual(self.env(user=user)["ev.spv"].search([]), spvs, xmlid)
            k1s = self.env(user=user)["ev.spv.k1"].search([])
            self.assertTrue(k1s, xmlid)
            self.assertEqual(k1s.partner_id, user.partner_id.commercial_partner_id)
        self.assertTrue(self.env.ref("ev_portal.demo_user_ada_driver").share)

    def test_demo_investor_logs_in_and_downloads_a_k1(self):
        self.authenticate("goldengate-investor", "goldengate-investor")
        response = self.url_open("/my/ev/investments")
        self.assertIn("Bay Area EV Fund I", response.text)
        self.assertNotIn("Lakeshore", response.text)
        k1 = self.env["ev.spv.k1"].search(
            [("partner_id.name", "=", "Golden Gate Tax Equity LLC"), ("state", "=", "released")], limit=1
        )
        response = self.url_open(f"/my/ev/k1/{k1.id}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.authenticate("ada-driver", "ada-driver")
        response = self.url_open("/my/ev/wallet")
        self.assertEqual(response.status_code, 200)
        self.assertIn("ev_wallet_balance", response.text)
