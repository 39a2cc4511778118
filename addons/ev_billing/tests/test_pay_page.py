"""Issue 9 item 4: the pay-by-QR pages over HTTP, the whole way a driver goes: the QR's landing page ->
"Continue to payment" -> Odoo's payment form with the Stripe provider -> the form's transaction route
(what payment.form's JS posts) -> the card confirmed (stripe.js) -> Stripe's return route -> the status
page. Stripe is replaced only at its HTTP boundary (the fake Stripe server, EvStripeCase)."""

import re
from urllib.parse import parse_qs, urlparse

from lxml import html

from odoo.tests import HttpCase, tagged

from .common import EvStripeCase, PageMixin


@tagged("post_install", "-at_install")
class TestPayPageFlow(PageMixin, EvStripeCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff.write({"min_price": 2.0, "ev_pay_preauth_amount": 35.0})
        evse = cls.env["ev.evse"].create({"charger_id": cls.cp201.id, "evse_number": 1})
        cls.connector = cls.env["ev.connector"].create({"evse_id": evse.id, "connector_number": 1})
        node = cls.env["ev.bridge.node"].create({"name": "qr-page-node"})  # no URL: commands wait to be pulled
        cls.cp201.sudo().write({"connection_state": "connected", "node_id": node.id})
        cls.connector.sudo().write({"status": "Available"})

    def get_page(self, url, **kwargs):
        response = self.url_open(url, **kwargs)
        self.assertEqual(response.status_code, 200, response.text[:2000])
        return response, html.fromstring(response.content)

    def test_whole_page_flow(self):
        # 1. the QR's landing page: connector, status, tariff, minimum price, amount pre-authorized
        _response, page = self.get_page(f"/ev/pay/{self.connector.ev_pay_token}")
        self.assertEqual(self.text(page, "ev_pay_status"), "Available")
        self.assertIn("0.5 USD/kWh", self.text(page, "ev_pay_tariff"))
        self.assertRegex(self.text(page, "ev_pay_min_price"), r"Minimum price per session: \$\s?2\.00")
        self.assertRegex(self.text(page, "ev_pay_amount"), r"\$\s?35\.00")
        form = page.xpath("//form[contains(@action, '/start')]")[0]
        csrf = form.xpath(".//input[@name='csrf_token']/@value")[0]

        # 2. "Continue to payment": Odoo's payment form with the company's Stripe provider
        _response, page = self.get_page(
            form.get("action"), data={"csrf_token": csrf, "email": "page.driver@example.com"}
        )
        auth = self.env["ev.payment.authorization"].search([("email", "=", "page.driver@example.com")])
        self.assertEqual((auth.state, auth.amount, auth.connector_id), ("pending", 35.0, self.connector))
        payment_form = page.get_element_by_id("o_payment_form")
        options = payment_form.xpath(".//input[@name='o_payment_radio']")
        self.assertEqual([o.get("data-provider-code") for o in options], ["stripe"])
        self.assertEqual(int(options[0].get("data-provider-id")), self.stripe.id)
        self.assertEqual(options[0].get("data-payment-method-code"), "card")
        self.assertTrue(payment_form.xpath(".//*[@data-stripe-inline-form-values]"), "Stripe's inline form")
        self.assertRegex(self.text(page, "ev_pay_amount"), r"\$\s?35\.00")
        self.assertRegex(self.text(page, "ev_pay_min_price"), r"Minimum price per session")

        # 3. the form's transaction route, with the parameters payment.form's JS sends
        context = {key.removeprefix("data-"): value for key, value in payment_form.attrib.items()}
        result = self.json_rpc(
            context["transaction-route"],
            {
                "provider_id": int(options[0].get("data-provider-id")),
                "payment_method_id": int(options[0].get("data-payment-option-id")),
                "token_id": None,
                "amount": float(context["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": context["landing-route"],
                "is_validation": False,
                "access_token": context["access-token"],
                "csrf_token": csrf,
            },
        )
        self.assertNotIn("error", result, result)
        processing = result["result"]
        self.env.invalidate_all()
        tx = auth.transaction_id
        self.assertEqual((tx.ev_pay_authorization_id, tx.amount, tx.state), (auth, 35.0, "draft"))
        self.assertTrue(tx.reference.startswith(auth.name))
        pi_id = processing["client_secret"].split("_secret_")[0]
        self.assertEqual(self.fake.intents[pi_id]["capture_method"], "manual")
        self.assertEqual(self.fake.intents[pi_id]["amount"], 3500)

        # 4. the card confirmed in the browser (stripe.js), which then goes to Stripe's return URL
        self.fake.confirm_card(pi_id)
        return_url = urlparse(processing["return_url"])
        self.assertEqual(return_url.path, "/payment/stripe/return")
        self.assertEqual(parse_qs(return_url.query)["reference"], [tx.reference])
        response = self.url_open(f"{return_url.path}?{return_url.query}&payment_intent={pi_id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/payment/status"))
        self.env.invalidate_all()
        self.assertEqual(tx.state, "authorized")
        self.assertEqual(auth.state, "started")
        self.assertEqual(auth.command_id.action, "RequestStartTransaction")
        self.assertEqual(tx.landing_route, context["landing-route"])

        # 5. the status page the driver lands on (payment's /payment/status sends them to the landing route)
        _response, page = self.get_page(tx.landing_route)
        self.assertIn("Start requested", page.text_content())
        self.assertIn("plug in your vehicle", page.text_content())

    def test_never_connected_charger_is_not_available(self):
        self.cp201.sudo().write({"connection_state": "never", "node_id": False})  # its connector says Available
        _response, page = self.get_page(f"/ev/pay/{self.connector.ev_pay_token}")
        self.assertEqual(self.text(page, "ev_pay_status"), "Not connected yet")
        self.assertIn("cannot start a session right now", self.text(page, "ev_pay_unavailable"))
        self.assertFalse(page.xpath("//form[contains(@action, '/start')]"), "no way to pay for it")
        self.cp201.sudo().connection_state = "disconnected"
        _response, page = self.get_page(f"/ev/pay/{self.connector.ev_pay_token}")
        self.assertEqual(self.text(page, "ev_pay_status"), "Offline")
        # posting the form anyway creates nothing
        csrf = re.search(r'csrf_token: "([^"]+)"', _response.text)
        self.assertTrue(csrf, "the page carries the session's CSRF token")
        _response, page = self.get_page(
            f"/ev/pay/{self.connector.ev_pay_token}/start", data={"csrf_token": csrf.group(1), "email": "x@example.com"}
        )
        self.assertIn("cannot start a session right now", self.text(page, "ev_pay_unavailable"))
        self.assertFalse(self.env["ev.payment.authorization"].search([("email", "=", "x@example.com")]))

    def test_no_minimum_price_is_stated_too(self):
        self.tariff.min_price = 0.0
        _response, page = self.get_page(f"/ev/pay/{self.connector.ev_pay_token}")
        self.assertIn("No minimum price per session.", self.text(page, "ev_pay_min_price"))
        self.assertIn("Sessions under 2 kWh are free.", self.text(page, "ev_pay_min_price"))

    def test_transaction_route_refuses_wrong_token_and_forged_parameters(self):
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="t@example.com")
        params = {
            "provider_id": self.stripe.id,
            "payment_method_id": self.card.id,
            "token_id": None,
            "amount": auth.amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "https://evil.example.com/",
            "is_validation": False,
            "access_token": "not-the-token",
        }
        route = f"/ev/pay/auth/{auth.id}/transaction"
        self.assertEqual(self.json_rpc(route, params)["error"]["data"]["name"], "werkzeug.exceptions.NotFound")
        forged = {
            "amount": 0.5,
            "is_validation": True,
            "flow": "token",
            "partner_id": self.driver.id,
        }
        for key, value in forged.items():
            with self.subTest(key):
                error = self.json_rpc(route, {**params, "access_token": auth.sudo().access_token, key: value})
                self.assertEqual(error["error"]["data"]["name"], "odoo.exceptions.ValidationError", error)
        self.env.invalidate_all()
        self.assertFalse(auth.transaction_id)
        # the genuine call: the landing route is the authorization's status page, whatever was sent
        result = self.json_rpc(route, {**params, "access_token": auth.sudo().access_token})
        self.assertIn("client_secret", result["result"])
        self.env.invalidate_all()
        self.assertEqual(auth.transaction_id.landing_route, auth._ev_status_url())
        again = self.json_rpc(route, {**params, "access_token": auth.sudo().access_token})
        self.assertIn("already used", again["error"]["data"]["message"])
