"""Pay by QR: Stripe pre-authorization, remote start, partial capture / void, receipt, expiry, and Stripe's
webhook over HTTP (a forged one never authorizes a payment).

Stripe cannot be reached: it is replaced only at its HTTP boundary by the fake Stripe server
(tests/fake_stripe.py) that payment_stripe's own request code talks to (EvStripeCase)."""

import time
from datetime import timedelta
from unittest.mock import patch

import requests

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import EvStripeCase

STRIPE_REQUESTS = "odoo.addons.payment_stripe.models.payment_provider"
STRIPE_WEBHOOK = "odoo.addons.payment_stripe.controllers.main"
EV_STRIPE_WEBHOOK = "odoo.addons.ev_billing.controllers.stripe"


@tagged("post_install", "-at_install")
class TestPayQr(EvStripeCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evse = cls.env["ev.evse"].create({"charger_id": cls.cp201.id, "evse_number": 1})
        cls.connector = cls.env["ev.connector"].create({"evse_id": cls.evse.id, "connector_number": 1})
        node = cls.env["ev.bridge.node"].create({"name": "qr-test-node"})  # no URL: commands wait to be pulled
        cls.cp201.sudo().write({"connection_state": "connected", "node_id": node.id})

    # --- helpers --------------------------------------------------------------------------------
    def post_webhook(self, body, headers):
        """Stripe's webhook call, over HTTP to Odoo's route; returns the HTTP status."""
        response = self.url_open("/payment/stripe/webhook", data=body, headers=headers, allow_redirects=False)
        self.env.invalidate_all()
        return response.status_code

    def pending_transaction(self, email="s@example.com"):
        """A driver's authorization with its transaction and PaymentIntent, the card confirmed in the browser
        (stripe.js), Stripe's confirmation still to come: (auth, tx, intent)."""
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email=email)
        tx = auth._ev_create_transaction(self.stripe, self.card)
        processing = tx._get_processing_values()  # real payment_stripe code: creates the PaymentIntent
        self.assertIn("client_secret", processing)
        intent = self.fake.intents[processing["client_secret"].split("_secret_")[0]]
        self.assertEqual(intent["status"], "requires_payment_method")
        self.fake.confirm_card(intent["id"])  # stripe.js in the driver's browser
        return auth, tx, intent

    def authorize(self, amount=None):
        """Driver scans and pays, Stripe confirms by (signed) webhook."""
        auth, tx, intent = self.pending_transaction("qr@example.com")
        if amount:
            auth.amount = amount
        event = self.stripe_event("payment_intent.amount_capturable_updated", intent)
        self.assertEqual(self.post_webhook(*event), 200)
        return auth, tx, intent

    def charge(self, auth, power_kw=10.0, minutes=60):
        return self.run_session(self.cp201, token=auth.id_token_value, power_kw=power_kw, minutes=minutes)

    # --- tests ----------------------------------------------------------------------------------
    def test_connector_token_qr_and_label(self):
        self.assertTrue(self.connector.ev_pay_token)
        self.assertIn(f"/ev/pay/{self.connector.ev_pay_token}", self.connector.ev_pay_url)
        self.assertTrue(self.connector.ev_pay_qr)
        other = self.env["ev.connector"].create({"evse_id": self.evse.id, "connector_number": 2})
        self.assertNotEqual(other.ev_pay_token, self.connector.ev_pay_token)
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "ev_billing.action_report_ev_connector_label", self.connector.ids
        )
        html = html.decode()
        self.assertIn(self.cp201.identity, html)
        self.assertIn(self.site.name, html)
        self.assertIn("data:image/png;base64", html)

    def test_preauth_amount_company_and_tariff(self):
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="a@example.com")
        self.assertEqual(auth.amount, 50.0)
        self.assertEqual(auth.currency_id, self.usd)
        self.tariff.ev_pay_preauth_amount = 30.0
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="b@example.com")
        self.assertEqual(auth.amount, 30.0)

    def test_stripe_declares_partial_capture(self):
        self.assertEqual(self.stripe.support_manual_capture, "partial")

    def test_authorization_starts_session_remotely(self):
        auth, tx, intent = self.authorize()
        self.assertEqual(self.fake.calls_to("payment_intents")[0]["data"]["capture_method"], "manual")
        self.assertEqual(self.fake.calls_to("payment_intents")[0]["data"]["amount"], "5000")
        self.assertEqual(tx.state, "authorized")
        self.assertEqual(auth.state, "started")
        command = auth.command_id
        self.assertEqual(command.action, "RequestStartTransaction")
        self.assertEqual(command.connector_id, self.connector)
        self.assertEqual(command.params["idToken"], {"idToken": auth.id_token_value, "type": "Central"})
        self.assertEqual(command.params["remoteStartId"], auth.remote_start_id)
        self.assertEqual(command.params["evseId"], 1)
        self.assertEqual(auth.id_token_id.value, auth.id_token_value)

    def test_forged_webhooks_never_authorize(self):
        """Issue 7 item 6: Stripe's webhook route, over HTTP. A forged event (wrong secret, outdated, missing
        or malformed signature, or a provider without webhook secret) is refused with 403 and authorizes
        nothing; the genuine one authorizes the payment."""
        auth, tx, intent = self.pending_transaction()
        event_type = "payment_intent.amount_capturable_updated"
        body, headers = self.stripe_event(event_type, intent)
        forged = {
            "wrong secret": self.stripe_event(event_type, intent, secret="whsec_guessed")[1],
            "outdated": self.stripe_event(event_type, intent, timestamp=int(time.time()) - 3600)[1],
            "no signature header": {"Content-Type": "application/json"},
            "empty signature header": {"Stripe-Signature": "", "Content-Type": "application/json"},
            "malformed signature header": {"Stripe-Signature": "garbage=1=2,t=x", "Content-Type": "application/json"},
            "no v1": {"Stripe-Signature": f"t={int(time.time())}", "Content-Type": "application/json"},
        }
        for case, forged_headers in forged.items():
            with self.subTest(case), mute_logger(STRIPE_WEBHOOK, EV_STRIPE_WEBHOOK):
                self.assertEqual(self.post_webhook(body, forged_headers), 403, case)
            self.assertEqual((tx.state, auth.state), ("draft", "pending"), case)
        # payment_stripe alone would process an unsigned event when the provider has no webhook secret
        self.stripe.stripe_webhook_secret = False
        with mute_logger(STRIPE_WEBHOOK, EV_STRIPE_WEBHOOK):
            self.assertEqual(self.post_webhook(body, {"Content-Type": "application/json"}), 403)
            self.assertEqual(self.post_webhook(body, headers), 403)
        self.assertEqual((tx.state, auth.state), ("draft", "pending"))
        self.stripe.stripe_webhook_secret = self.webhook_secret
        self.assertFalse(auth.command_id, "no remote start for a forged payment")
        self.assertEqual(self.post_webhook(body, headers), 200)
        self.assertEqual((tx.state, auth.state), ("authorized", "started"))
        self.assertTrue(auth.command_id)

    def test_session_end_captures_real_cost(self):
        auth, tx, intent = self.authorize()
        session = self.charge(auth)  # 10 kWh * 0.50 + 1.00 = 6.00 USD
        self.assertEqual(session.ev_pay_authorization_id, auth)
        self.assertEqual(auth.session_id, session)
        self.assertAlmostEqual(session.cost_total, 6.0)
        captures = self.fake.calls_to("/capture")
        self.assertEqual(len(captures), 1)
        self.assertEqual(captures[0]["data"]["amount_to_capture"], "600")  # cents
        intent = self.fake.intents[intent["id"]]
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["amount_received"], 600)
        self.assertEqual(auth.state, "captured")
        self.assertAlmostEqual(auth.captured_amount, 6.0)
        capture_tx = auth.capture_transaction_id
        self.assertEqual(capture_tx.source_transaction_id, tx)
        self.assertEqual(capture_tx.state, "done")
        self.assertAlmostEqual(capture_tx.amount, 6.0)
        self.assertEqual(tx.state, "done")
        void_tx = tx.child_transaction_ids - capture_tx
        self.assertEqual(void_tx.state, "cancel")
        self.assertAlmostEqual(void_tx.amount, 44.0)
        # Accounting books the captured amount, not the authorized one.
        payment = capture_tx.payment_id
        self.assertTrue(payment)
        self.assertAlmostEqual(payment.amount, 6.0)
        self.assertEqual(payment.currency_id, self.usd)
        self.assertFalse(tx.payment_id, "no payment for the authorized amount")
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("payment_transaction_id", "in", (tx | tx.child_transaction_ids).ids)]
            ),
            1,
        )
        self.assertTrue(payment.move_id)
        self.assertEqual(payment.move_id.state, "posted")
        self.assertAlmostEqual(sum(payment.move_id.line_ids.mapped("amount_currency")), 0.0)
        self.assertAlmostEqual(
            sum(ln.amount_currency for ln in payment.move_id.line_ids if ln.amount_currency > 0), 6.0
        )
        invoice = session.invoice_id
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 6.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        # Receipt with the itemised bill.
        mail = self.env["mail.mail"].search([("model", "=", "ev.payment.authorization"), ("res_id", "=", auth.id)])
        self.assertEqual(len(mail), 1)
        self.assertIn("qr@example.com", mail.email_to)
        for line in session.cost_line_ids:
            self.assertIn(line.label, mail.body_html)
        self.assertIn("6.00", mail.body_html)
        self.assertEqual(auth.id_token_id.status, "expired")

    def test_free_session_cancels_authorization(self):
        auth, tx, intent = self.authorize()
        session = self.charge(auth, power_kw=1.0, minutes=60)  # 1 kWh < 2 kWh: free
        self.assertTrue(session.is_free)
        self.assertEqual(session.billing_state, "free")
        self.assertFalse(self.fake.calls_to("/capture"))
        self.assertEqual(len(self.fake.calls_to("/cancel")), 1)
        self.assertEqual(self.fake.intents[intent["id"]]["status"], "canceled")
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(auth.state, "cancelled")
        self.assertFalse(tx.payment_id)
        mail = self.env["mail.mail"].search([("model", "=", "ev.payment.authorization"), ("res_id", "=", auth.id)])
        self.assertIn("was cancelled", mail.body_html)

    def test_cost_above_authorization_captures_authorized_amount(self):
        auth, tx, intent = self.authorize(amount=None)
        # authorize 50, then a 120 kWh session (61.00) exceeds it
        session = self.charge(auth, power_kw=120.0, minutes=60)
        self.assertAlmostEqual(session.cost_total, 61.0)
        self.assertEqual(self.fake.calls_to("/capture")[0]["data"], {})  # full capture: Odoo's own request
        self.assertEqual(auth.state, "captured")
        self.assertAlmostEqual(auth.captured_amount, 50.0)
        self.assertAlmostEqual(tx.payment_id.amount, 50.0)

    def test_fake_rejects_capture_above_authorized(self):
        auth, tx, intent = self.authorize()
        status, body = self.fake.handle(
            "POST", f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "5001"}
        )
        self.assertEqual(status, 400)
        with mute_logger(STRIPE_REQUESTS), self.assertRaisesMessage(ValidationError, "at most the authorized"):
            tx._send_capture_request(amount_to_capture=50.01)
        self.assertEqual(self.fake.intents[intent["id"]]["status"], "requires_capture")

    def test_expired_authorization_cancelled_and_session_flagged(self):
        auth, tx, intent = self.authorize()
        events, tx_id = self.session_events(self.cp201, token=auth.id_token_value)
        self.ingest(events[:-3])  # the session is running, not yet stopped
        session = self.find_session(self.cp201, tx_id)
        self.assertEqual(session.ev_pay_authorization_id, auth)
        Auth = self.env["ev.payment.authorization"]
        self.assertFalse(Auth._cron_ev_expire(now=fields.Datetime.now() + timedelta(days=5)))
        expired = Auth._cron_ev_expire(now=fields.Datetime.now() + timedelta(days=6, minutes=1))
        self.assertEqual(expired, auth)
        self.assertEqual(auth.state, "expired")
        self.assertEqual(self.fake.intents[intent["id"]]["status"], "canceled")
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(session.billing_state, "review")
        self.assertIn(auth.name, session.billing_error)

    def test_api_base_parameter_for_test_providers_only(self):
        """The fake's URL replaces Stripe's in Odoo's own request (headers and error handling unchanged);
        an enabled (live) provider always talks to Stripe."""
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="u@example.com")
        auth._ev_create_transaction(self.stripe, self.card)._get_processing_values()
        self.assertEqual([c["path"] for c in self.fake.calls], ["customers", "payment_intents"])
        self.assertEqual(self.fake.calls[-1]["headers"]["authorization"], f"Bearer {self.stripe.stripe_secret_key}")

        def stripe_url_of_a_request():
            """The URL payment_stripe requests (the request itself refused: Stripe cannot be reached)."""
            with (
                patch(f"{STRIPE_REQUESTS}.requests.request", side_effect=requests.exceptions.ConnectionError) as spy,
                mute_logger(STRIPE_REQUESTS),
                self.assertRaises(ValidationError),
            ):
                self.stripe._stripe_make_request("customers", payload={})
            return spy.call_args.args[1]

        self.stripe.state = "enabled"
        self.assertEqual(stripe_url_of_a_request(), "https://api.stripe.com/v1/customers")
        self.stripe.state = "test"
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("ev_billing.stripe_api_base", "ftp://127.0.0.1/v1")
        with self.assertRaisesMessage(ValidationError, "ev_billing.stripe_api_base must be a bare http"):
            self.stripe._stripe_make_request("customers", payload={})
        ICP.set_param("ev_billing.stripe_api_base", "")
        self.assertEqual(stripe_url_of_a_request(), "https://api.stripe.com/v1/customers")
        self.assertEqual(len(self.fake.calls), 2, "nothing else reached the fake")

    def test_fake_error_goes_through_odoo_error_handling(self):
        auth, tx, intent = self.authorize()
        self.fake.handle("POST", f"/v1/payment_intents/{intent['id']}/cancel")
        with (
            mute_logger(STRIPE_REQUESTS),
            self.assertRaisesMessage(ValidationError, "could not be captured because it has a status of canceled"),
        ):
            tx._send_capture_request(amount_to_capture=10.0)
