"""Driver portal: record rules (a driver never sees another driver's sessions, cost lines, pay-by-QR
authorizations or wallet) and the /my/ev/sessions pages over real HTTP (HttpCase)."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import EvBillingCase


class EvPortalMixin:
    @classmethod
    def _ev_portal_setup(cls):
        cls.other = cls.env["res.partner"].create({"name": "Other Driver", "email": "other@example.com"})
        cls.other_token = cls.env["ev.id.token"].create({"value": "PORTAL-OTHER-1", "partner_id": cls.other.id})
        group_portal = cls.env.ref("base.group_portal")
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Bill Driver portal",
                "login": "ev-portal-driver",
                "password": "ev-portal-driver-pw",
                "partner_id": cls.driver.id,
                "groups_id": [Command.set([group_portal.id])],
            }
        )
        cls.other_user = cls.env["res.users"].create(
            {
                "name": "Other Driver portal",
                "login": "ev-portal-other",
                "password": "ev-portal-other-pw",
                "partner_id": cls.other.id,
                "groups_id": [Command.set([group_portal.id])],
            }
        )
        evse = cls.env["ev.evse"].create({"charger_id": cls.cp201.id, "evse_number": 1})
        cls.connector = cls.env["ev.connector"].create({"evse_id": evse.id, "connector_number": 1})


@tagged("post_install", "-at_install")
class TestPortalAccess(EvPortalMixin, EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ev_portal_setup()
        cls.driver.ev_billing_mode = "wallet"
        cls.other.ev_billing_mode = "wallet"
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id})
        cls.other_wallet = cls.env["ev.wallet"].create({"partner_id": cls.other.id})
        cls.wallet._ev_top_up(20.0, "cash")
        cls.other_wallet._ev_top_up(30.0, "cash")
        Auth = cls.env["ev.payment.authorization"]
        cls.auth = Auth._ev_create_for_connector(cls.connector, partner=cls.driver)
        cls.other_auth = Auth._ev_create_for_connector(cls.connector, partner=cls.other)

    def test_driver_never_sees_another_drivers_records(self):
        mine = self.run_session(self.cp201)
        theirs = self.run_session(self.cp201, token=self.other_token.value, start=self.t0.replace(hour=18))
        self.assertTrue(mine.cost_line_ids and theirs.cost_line_ids)
        for user, own, own_wallet, own_auth, foreign, foreign_wallet, foreign_auth in (
            (self.portal_user, mine, self.wallet, self.auth, theirs, self.other_wallet, self.other_auth),
            (self.other_user, theirs, self.other_wallet, self.other_auth, mine, self.wallet, self.auth),
        ):
            env = self.env(user=user)
            # search: only their own
            self.assertEqual(env["ev.session"].search([]), own)
            self.assertEqual(env["ev.session.cost.line"].search([]), own.cost_line_ids)
            self.assertEqual(env["ev.payment.authorization"].search([]), own_auth)
            self.assertEqual(env["ev.wallet"].search([]), own_wallet)
            self.assertEqual(env["ev.wallet.transaction"].search([]), own_wallet.transaction_ids)
            self.assertFalse(env["ev.session"].search([("id", "=", foreign.id)]))
            # their own records are readable
            self.assertEqual(env["ev.session"].browse(own.id).cost_total, own.cost_total)
            self.assertEqual(env["ev.payment.authorization"].browse(own_auth.id).amount, own_auth.amount)
            # browse/read of another driver's records raises
            for model, record, field in (
                ("ev.session", foreign, "cost_total"),
                ("ev.session.cost.line", foreign.cost_line_ids, "amount"),
                ("ev.payment.authorization", foreign_auth, "amount"),
                ("ev.wallet", foreign_wallet, "balance"),
                ("ev.wallet.transaction", foreign_wallet.transaction_ids, "amount"),
            ):
                with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                    env[model].browse(record.ids).read([field])
            # and nothing is writable, not even their own
            with self.assertRaises(AccessError):
                env["ev.payment.authorization"].browse(own_auth.id).write({"email": "x@example.com"})
            with self.assertRaises(AccessError):
                env["ev.payment.authorization"].create({"connector_id": self.connector.id, "currency_id": self.usd.id})

    def test_authorization_access_token_stays_hidden(self):
        env = self.env(user=self.portal_user)
        with self.assertRaises(AccessError):
            env["ev.payment.authorization"].browse(self.auth.id).read(["access_token"])


@tagged("post_install", "-at_install")
class TestPortalPages(EvPortalMixin, EvBillingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ev_portal_setup()

    def setUp(self):
        super().setUp()
        self.mine = self.run_session(self.cp201)
        self.theirs = self.run_session(self.cp201, token=self.other_token.value, start=self.t0.replace(hour=18))

    def test_own_session_200_other_403(self):
        self.authenticate("ev-portal-driver", "ev-portal-driver-pw")
        own = self.url_open(f"/my/ev/sessions/{self.mine.id}")
        self.assertEqual(own.status_code, 200)
        # itemised bill: 10 kWh x 0.50 + 1.00 session fee = 6.00
        self.assertIn("Session fee", own.text)
        self.assertIn("ev_session_total", own.text)
        self.assertRegex(own.text, r"6\.00")
        # 14:00 UTC is 10:00 in New York (EDT)
        self.assertIn("2026-07-01 10:00 EDT", own.text)
        other = self.url_open(f"/my/ev/sessions/{self.theirs.id}")
        self.assertEqual(other.status_code, 403)
        missing = self.url_open("/my/ev/sessions/999999999")
        self.assertEqual(missing.status_code, 404)

    def test_session_list_shows_only_own(self):
        self.authenticate("ev-portal-other", "ev-portal-other-pw")
        page = self.url_open("/my/ev/sessions")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/ev/sessions/{self.theirs.id}", page.text)
        self.assertNotIn(f'/my/ev/sessions/{self.mine.id}"', page.text)
        self.assertIn("2026-07-01 14:00 EDT", page.text)  # 18:00 UTC
        self.assertEqual(self.url_open(f"/my/ev/sessions/{self.mine.id}").status_code, 403)
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn("/my/ev/sessions", home.text)

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open(f"/my/ev/sessions/{self.mine.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
