"""Driver wallet pages (issue 12 item 4): balance and history with running balance, top-up through the payment
framework (Stripe replaced at its HTTP boundary by ev_billing's fake server), pay now for unpaid sessions; read
as the driver (another driver's wallet is refused)."""

from urllib.parse import parse_qs, urlparse

from lxml import html

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.ev_billing.tests.common import EvStripeCase, PageMixin


class EvWalletPortalCase(EvStripeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver.ev_billing_mode = "wallet"
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id})
        cls.wallet._ev_top_up(12.0, reference="Seed")
        cls.driver_user = cls.env["res.users"].create(
            {
                "name": "Bill Driver",
                "login": "ev-wallet-driver",
                "password": "ev-wallet-driver",
                "partner_id": cls.driver.id,
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )
        cls.stripe.is_published = True  # offered to portal users
        cls.other = cls.env["res.partner"].create({"name": "Other Driver", "email": "other@example.com"})
        cls.other_wallet = cls.env["ev.wallet"].create({"partner_id": cls.other.id})


@tagged("post_install", "-at_install")
class TestWalletPages(PageMixin, EvWalletPortalCase, HttpCase):
    def page(self, url, data=None, status=200):
        response = self.url_open(url, data=data)
        self.assertEqual(response.status_code, status, response.text[:1500])
        return response, html.fromstring(response.content)

    def balance(self):
        self.env.invalidate_all()
        return self.wallet.balance

    def test_wallet_page_and_top_up_through_the_payment_form(self):
        self.authenticate("ev-wallet-driver", "ev-wallet-driver")
        _r, page = self.page("/my/ev/wallet")
        self.assertRegex(self.text(page, "ev_wallet_balance"), r"12\.00")
        self.assertRegex(self.text(page, "ev_wallet_tx_balance"), r"12\.00")
        form = page.get_element_by_id("ev_topup")
        csrf = form.xpath(".//input[@name='csrf_token']/@value")[0]
        # bad amounts: the page says what to fix, nothing is created
        for amount, message in (("0", "positive amount"), ("abc", "Enter the amount"), ("-5", "positive amount")):
            _r, page = self.page(form.get("action"), {"csrf_token": csrf, "amount": amount})
            self.assertIn(message, self.text(page, "ev_wallet_error"))
        self.assertFalse(self.env["payment.transaction"].search([("ev_wallet_id", "=", self.wallet.id)]))
        # the payment form of Odoo with the company's Stripe provider
        _r, page = self.page(form.get("action"), {"csrf_token": csrf, "amount": "25"})
        self.assertRegex(self.text(page, "ev_wallet_topup_amount"), r"25\.00")
        payment_form = page.get_element_by_id("o_payment_form")
        option = payment_form.xpath(".//input[@name='o_payment_radio'][@data-provider-code='stripe']")[0]
        self.assertEqual(option.get("data-provider-code"), "stripe")
        context = {key.removeprefix("data-"): value for key, value in payment_form.attrib.items()}
        self.assertEqual(context["transaction-route"], f"/my/ev/wallet/{self.wallet.id}/transaction")
        # what payment.form's JS posts to the transaction route
        params = {
            "provider_id": int(option.get("data-provider-id")),
            "payment_method_id": int(option.get("data-payment-option-id")),
            "token_id": None,
            "amount": float(context["amount"]),
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "https://evil.example.com/",
            "is_validation": False,
            "access_token": context.get("access-token"),
            "csrf_token": csrf,
        }
        result = self.json_rpc(context["transaction-route"], params)
        self.assertNotIn("error", result, result)
        tx = self.env["payment.transaction"].search([("ev_wallet_id", "=", self.wallet.id)])
        self.assertEqual(
            (tx.amount, tx.currency_id, tx.landing_route), (25.0, self.wallet.currency_id, "/my/ev/wallet")
        )
        self.assertEqual(tx.partner_id, self.driver)
        pi_id = result["result"]["client_secret"].split("_secret_")[0]
        self.assertEqual(self.fake.intents[pi_id]["capture_method"], "automatic")
        # the card confirmed in the browser, then Stripe's return route: done, post-processed, credited
        self.fake.confirm_card(pi_id)
        return_url = urlparse(result["result"]["return_url"])
        self.assertEqual(parse_qs(return_url.query)["reference"], [tx.reference])
        response = self.url_open(f"{return_url.path}?{return_url.query}&payment_intent={pi_id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(self.balance(), 37.0)
        _r, page = self.page("/my/ev/wallet")
        self.assertRegex(self.text(page, "ev_wallet_balance"), r"37\.00")
        self.assertIn("Online payment", page.text_content())

    def test_transaction_route_refuses_other_wallets_and_bad_amounts(self):
        self.authenticate("ev-wallet-driver", "ev-wallet-driver")
        params = {
            "provider_id": self.stripe.id,
            "payment_method_id": self.card.id,
            "token_id": None,
            "amount": 10.0,
            "flow": "direct",
            "tokenization_requested": False,
            "is_validation": False,
        }
        error = self.json_rpc(f"/my/ev/wallet/{self.other_wallet.id}/transaction", params)["error"]
        self.assertIn("not yours", error["data"]["message"])
        error = self.json_rpc(f"/my/ev/wallet/{self.wallet.id}/transaction", {**params, "amount": -1})["error"]
        self.assertIn("positive amount", error["data"]["message"])
        error = self.json_rpc(f"/my/ev/wallet/{self.wallet.id}/transaction", {**params, "is_validation": True})["error"]
        self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")
        self.assertFalse(self.env["payment.transaction"].search([("ev_wallet_id", "!=", False)]))
        # the other driver's wallet page is not shown: the driver's own instead
        _r, page = self.page(f"/my/ev/wallet?wallet_id={self.other_wallet.id}")
        self.assertRegex(self.text(page, "ev_wallet_balance"), r"12\.00")

    def test_pay_now_for_an_unpaid_session(self):
        self.wallet._ev_post(-12.0, "adjustment", reference="Empty it")
        session = self.run_session(self.cp201)  # 6.00, empty wallet: unpaid
        self.assertEqual(session.billing_state, "unpaid")
        self.authenticate("ev-wallet-driver", "ev-wallet-driver")
        response = self.url_open(f"/my/ev/sessions/{session.id}/pay", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"/my/ev/wallet?wallet_id={self.wallet.id}&amount=6.00", response.headers["Location"])
        _r, page = self.page(f"/my/ev/wallet?wallet_id={self.wallet.id}&amount=6.00")
        self.assertIn(session.display_name, self.text(page, "ev_wallet_unpaid"))
        self.assertRegex(self.text(page, "ev_wallet_missing"), r"6\.00")
        self.assertEqual(page.get_element_by_id("ev_topup_amount").get("value"), "6.00")
        self.assertTrue(page.find_class("ev_wallet_pay_now"))
        # another driver's session: back to the list
        other_session = self.run_session(
            self.cp201,
            token=self.env["ev.id.token"].create({"value": "OTHER-TOKEN", "partner_id": self.other.id}).value,
        )
        response = self.url_open(f"/my/ev/sessions/{other_session.id}/pay", allow_redirects=False)
        self.assertTrue(response.headers["Location"].endswith("/my/ev/sessions"))
