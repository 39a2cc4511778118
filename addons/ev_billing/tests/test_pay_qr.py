"""Pay by QR: Stripe pre-authorization, remote start, partial capture / void, receipt, expiry.

Stripe cannot be reached: only its HTTP answers are replaced, at ``requests.request`` inside
payment_stripe's ``_stripe_make_request`` (Odoo's payload building and response handling run), by a
stateful fake of PaymentIntents (lib/ev_fake_stripe.py, shared with the demo and scripts/fake_stripe.py)."""

import hashlib
import hmac
import json
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import Mock, patch
from urllib.parse import urlparse

import requests
from werkzeug.exceptions import Forbidden, NotFound

from odoo import fields
from odoo.http import _request_stack
from odoo.tests import tagged

from odoo.addons.ev_billing.controllers.main import EvPayController
from odoo.addons.ev_billing.lib.ev_fake_stripe import FakeStripe
from odoo.addons.payment_stripe.controllers.main import StripeController

from .common import EvBillingCase

WEBHOOK_SECRET = "whsec_test_ev_billing_0123456789"


class RequestsFake(FakeStripe):
    """The shared PaymentIntents state machine (lib/ev_fake_stripe.py) answering as ``requests.request``
    (installed in payment_stripe's module: Odoo's payload building and response handling run)."""

    def __call__(self, method, url, data=None, headers=None, timeout=None, **kwargs):
        self.urls.append(url)
        status, body = self.handle(method, urlparse(url).path, data, headers)
        response = Mock(status_code=status, ok=status < 400)
        response.json.return_value = body
        response.text = json.dumps(body)
        if status >= 400:
            response.raise_for_status.side_effect = requests.exceptions.HTTPError(response=response)
        return response

    def __init__(self):
        super().__init__()
        self.urls = []


@contextmanager
def mock_request(env, body=b"", headers=None, args=None):
    """The few attributes of odoo.http.request the controllers use, bound to the test cursor."""
    req = Mock()
    req.env = env
    req.session = {}
    req.httprequest.data = body
    req.httprequest.headers = headers or {}
    req.httprequest.args = args or {}
    req.get_json_data = lambda: json.loads(body)
    req.make_json_response = lambda data, **kw: data
    _request_stack.push(req)
    try:
        yield req
    finally:
        _request_stack.pop()


@tagged("post_install", "-at_install")
class TestPayQr(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe_test_provider(WEBHOOK_SECRET)
        cls.evse = cls.env["ev.evse"].create({"charger_id": cls.cp201.id, "evse_number": 1})
        cls.connector = cls.env["ev.connector"].create({"evse_id": cls.evse.id, "connector_number": 1})
        node = cls.env["ev.bridge.node"].create({"name": "qr-test-node"})  # no URL: commands wait to be pulled
        cls.cp201.sudo().write({"connection_state": "connected", "node_id": node.id})

    def setUp(self):
        super().setUp()
        self.fake = RequestsFake()
        patcher = patch("odoo.addons.payment_stripe.models.payment_provider.requests.request", new=self.fake)
        patcher.start()
        self.addCleanup(patcher.stop)

    # --- helpers --------------------------------------------------------------------------------
    def signed_webhook(self, event, secret=WEBHOOK_SECRET, timestamp=None):
        body = json.dumps(event)
        timestamp = timestamp or int(time.time())
        signature = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
        with mock_request(self.env, body.encode(), {"Stripe-Signature": f"t={timestamp},v1={signature}"}):
            return StripeController().stripe_webhook()

    def authorize(self, amount=None, secret=WEBHOOK_SECRET):
        """Driver scans, pays (the transaction goes through payment's /payment/transaction creation path
        and Stripe's processing values), Stripe confirms by webhook."""
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="qr@example.com")
        if amount:
            auth.amount = amount
        tx = auth._ev_create_transaction(self.stripe, self.card)
        processing = tx._get_processing_values()  # real payment_stripe code: creates the PaymentIntent
        self.assertIn("client_secret", processing)
        intent = self.fake.intents[processing["client_secret"].split("_secret_")[0]]
        self.assertEqual(intent["status"], "requires_payment_method")
        self.fake.confirm_card(intent["id"])  # stripe.js in the driver's browser
        self.signed_webhook(
            {"type": "payment_intent.amount_capturable_updated", "data": {"object": dict(intent)}}, secret=secret
        )
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
        self.assertEqual(self.fake.calls_to("payment_intents")[0]["data"]["amount"], 5000)
        self.assertEqual(tx.state, "authorized")
        self.assertEqual(auth.state, "started")
        command = auth.command_id
        self.assertEqual(command.action, "RequestStartTransaction")
        self.assertEqual(command.connector_id, self.connector)
        self.assertEqual(command.params["idToken"], {"idToken": auth.id_token_value, "type": "Central"})
        self.assertEqual(command.params["remoteStartId"], auth.remote_start_id)
        self.assertEqual(command.params["evseId"], 1)
        self.assertEqual(auth.id_token_id.value, auth.id_token_value)

    def test_webhook_signature(self):
        """Odoo's Stripe webhook route accepts a correctly signed event and rejects a wrongly signed one."""
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="s@example.com")
        tx = auth._ev_create_transaction(self.stripe, self.card)
        secret = tx._get_processing_values()["client_secret"]
        intent = self.fake.intents[secret.split("_secret_")[0]]
        self.fake.confirm_card(intent["id"])
        event = {"type": "payment_intent.amount_capturable_updated", "data": {"object": dict(intent)}}
        with self.assertRaises(Forbidden):
            self.signed_webhook(event, secret="whsec_wrong")
        self.assertEqual(tx.state, "draft")
        self.assertEqual(auth.state, "pending")
        with self.assertRaises(Forbidden):  # outdated timestamp, right secret
            self.signed_webhook(event, timestamp=int(time.time()) - 3600)
        self.assertEqual(tx.state, "draft")
        self.signed_webhook(event)
        self.assertEqual(tx.state, "authorized")
        self.assertEqual(auth.state, "started")

    def test_session_end_captures_real_cost(self):
        auth, tx, intent = self.authorize()
        session = self.charge(auth)  # 10 kWh * 0.50 + 1.00 = 6.00 USD
        self.assertEqual(session.ev_pay_authorization_id, auth)
        self.assertEqual(auth.session_id, session)
        self.assertAlmostEqual(session.cost_total, 6.0)
        captures = self.fake.calls_to("/capture")
        self.assertEqual(len(captures), 1)
        self.assertEqual(captures[0]["data"]["amount_to_capture"], 600)  # cents
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
        self.assertEqual(intent["status"], "canceled")
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
        response = self.fake(
            "POST",
            f"https://api.stripe.com/v1/payment_intents/{intent['id']}/capture",
            data={"amount_to_capture": 5001},
        )
        self.assertEqual(response.status_code, 400)
        with self.assertRaisesMessage(Exception, "at most the authorized"):
            tx._send_capture_request(amount_to_capture=50.01)
        self.assertEqual(intent["status"], "requires_capture")

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
        self.assertEqual(intent["status"], "canceled")
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(session.billing_state, "review")
        self.assertIn(auth.name, session.billing_error)

    def test_public_transaction_route_links_authorization(self):
        """The public page's transaction route goes through payment's _create_transaction."""
        from odoo.addons.payment import utils as payment_utils

        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="p@example.com")
        with mock_request(self.env, args={"access_token": auth.access_token}):
            token = payment_utils.generate_access_token(auth.partner_id.id, auth.amount, auth.currency_id.id)
            values = EvPayController().ev_pay_transaction(
                auth.id,
                amount=auth.amount,
                currency_id=auth.currency_id.id,
                partner_id=auth.partner_id.id,
                access_token=token,
                provider_id=self.stripe.id,
                payment_method_id=self.card.id,
                token_id=None,
                flow="direct",
                tokenization_requested=False,
                landing_route=f"/ev/pay/status/{auth.id}",
                reference_prefix="ignored",
            )
        tx = auth.transaction_id
        self.assertEqual(tx.ev_pay_authorization_id, auth)
        self.assertTrue(tx.reference.startswith(auth.name))
        self.assertAlmostEqual(tx.amount, 50.0)
        self.assertIn("client_secret", values)
        with mock_request(self.env, args={"access_token": "wrong"}), self.assertRaises(NotFound):
            EvPayController().ev_pay_transaction(
                auth.id,
                amount=auth.amount,
                currency_id=auth.currency_id.id,
                partner_id=auth.partner_id.id,
                access_token=token,
            )

    def test_api_base_parameter_for_test_providers_only(self):
        """The fake's URL replaces Stripe's in Odoo's own request (headers and error handling unchanged);
        an enabled (live) provider always talks to Stripe."""
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("ev_billing.stripe_api_base", "http://127.0.0.1:8099/")
        auth = self.env["ev.payment.authorization"]._ev_create_for_connector(self.connector, email="u@example.com")
        auth._ev_create_transaction(self.stripe, self.card)._get_processing_values()
        self.assertEqual(
            self.fake.urls, ["http://127.0.0.1:8099/v1/customers", "http://127.0.0.1:8099/v1/payment_intents"]
        )
        self.assertEqual(self.fake.calls[-1]["headers"]["authorization"], "Bearer sk_test_fake")
        self.stripe.state = "enabled"
        self.stripe._stripe_make_request("customers", payload={})
        self.assertEqual(self.fake.urls[-1], "https://api.stripe.com/v1/customers")
        self.stripe.state = "test"
        ICP.set_param("ev_billing.stripe_api_base", "ftp://127.0.0.1/v1")
        with self.assertRaisesMessage(Exception, "ev_billing.stripe_api_base must be a bare http"):
            self.stripe._stripe_make_request("customers", payload={})
        ICP.set_param("ev_billing.stripe_api_base", "")
        self.stripe._stripe_make_request("customers", payload={})
        self.assertEqual(self.fake.urls[-1], "https://api.stripe.com/v1/customers")

    def test_fake_error_goes_through_odoo_error_handling(self):
        auth, tx, intent = self.authorize()
        self.fake.handle("POST", f"/v1/payment_intents/{intent['id']}/cancel")
        with self.assertRaisesMessage(Exception, "could not be captured because it has a status of canceled"):
            tx._send_capture_request(amount_to_capture=10.0)
