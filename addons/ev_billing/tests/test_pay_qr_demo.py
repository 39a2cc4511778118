"""The demo's pay-by-QR session over real HTTP: Odoo's payment_stripe requests, and the demo's card
confirmation (what stripe.js does), go unpatched to the fake Stripe server (tests/fake_stripe.py, the one
scripts/fake_stripe.py runs for ./ev run) through the ``ev_billing.stripe_api_base`` boundary."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.ev_billing.models.payment_provider import STRIPE_API_BASE_PARAM

from .common import EvBillingCase
from .fake_stripe import running_server


@tagged("post_install", "-at_install")
class TestPayQrDemoOverHttp(EvBillingCase):
    """The demo generator runs at install time as the superuser: so does it here (sudo)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evse = cls.env["ev.evse"].create({"charger_id": cls.cp201.id, "evse_number": 1})
        cls.connector = cls.env["ev.connector"].create({"evse_id": cls.evse.id, "connector_number": 1})
        cls.provider = cls.env["ev.billing.demo"].sudo()._ev_demo_stripe_provider()

    def test_demo_session_priced_captured_invoiced_and_reported(self):
        with running_server() as (base_url, fake):
            self.env["ir.config_parameter"].sudo().set_param(STRIPE_API_BASE_PARAM, base_url)
            auth = (
                self.env["ev.billing.demo"]
                .sudo()
                ._ev_demo_pay_qr(self.provider, self.connector, self.t0, 60, 10.0, email="demo.qr@example.com")
            )
        session = auth.session_id
        self.assertTrue(session, "the TransactionEvents with the generated id token started the linked session")
        self.assertEqual(session.id_token_value, auth.id_token_value)
        self.assertEqual(session.state, "completed")
        self.assertAlmostEqual(session.cost_total, 6.0)  # 10 kWh * 0.50 + 1.00
        # Stripe side (the fake's state, reached over HTTP by Odoo's own request code)
        self.assertEqual(
            [c["path"].split("/")[-1] for c in fake.calls if c["method"] == "POST"],
            ["customers", "payment_intents", "confirm", "capture"],
        )
        intent = fake.intents[auth.transaction_id.provider_reference]
        self.assertEqual(intent["capture_method"], "manual")
        self.assertEqual(intent["amount"], 5000)
        self.assertEqual(intent["status"], "succeeded")
        self.assertEqual(intent["amount_received"], 600)
        capture = fake.calls_to("/capture")[0]
        self.assertEqual(capture["data"], {"amount_to_capture": "600"})
        self.assertEqual(capture["headers"]["authorization"], f"Bearer {self.provider.stripe_secret_key}")
        confirm = fake.calls_to("/confirm")[0]  # the browser's call: publishable key, Stripe's test card
        self.assertEqual(confirm["headers"]["authorization"], f"Bearer {self.provider.stripe_publishable_key}")
        self.assertEqual(confirm["data"], {"payment_method": "pm_card_visa"})
        self.assertTrue(capture["headers"].get("idempotency-key"))
        # Odoo side
        self.assertEqual(auth.state, "captured")
        self.assertAlmostEqual(auth.captured_amount, 6.0)
        self.assertEqual(auth.command_id.state, "accepted")
        self.assertEqual(auth.command_id.action, "RequestStartTransaction")
        invoice = session.invoice_id
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 6.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertAlmostEqual(auth.capture_transaction_id.payment_id.amount, 6.0)
        costs = self.env["ev.charger.command"].search(
            [("session_id", "=", session.id), ("action", "=", "CostUpdated")], order="id"
        )
        # the running estimate at the last meter value (7.5 kWh), then the final total
        self.assertEqual([c.params["totalCost"] for c in costs], [4.75, 6.0])
        self.assertEqual(set(costs.mapped("state")), {"accepted"})
        self.assertEqual(self.cp201.connection_state, "disconnected")
        # Revenue report
        row = self.env["ev.billing.report"].search([("session_id", "=", session.id)])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.pay_qr_state, "captured")
        self.assertAlmostEqual(row.captured_amount, 6.0)
        self.assertEqual(row.invoice_id, invoice)
        self.assertEqual(row.billing_state, "invoiced")
        self.assertAlmostEqual(row.revenue_total, 6.0)
        self.assertEqual(row.site_id, self.site)

    def test_free_demo_session_voids_over_http(self):
        with running_server() as (base_url, fake):
            self.env["ir.config_parameter"].sudo().set_param(STRIPE_API_BASE_PARAM, base_url)
            auth = (
                self.env["ev.billing.demo"]
                .sudo()
                ._ev_demo_pay_qr(
                    self.provider, self.connector, self.t0 + timedelta(hours=3), 60, 1.0, email="f@example.com"
                )
            )
        self.assertTrue(auth.session_id.is_free)
        self.assertEqual(auth.state, "cancelled")
        self.assertEqual(fake.intents[auth.transaction_id.provider_reference]["status"], "canceled")
        self.assertFalse(fake.calls_to("/capture"))

    def test_demo_secrets_are_generated_at_install(self):
        """Issue 7 item 6: no demo secret is committed; each install generates its own."""
        first = {f: self.provider[f] for f in ("stripe_secret_key", "stripe_publishable_key", "stripe_webhook_secret")}
        again = self.env["ev.billing.demo"].sudo()._ev_demo_stripe_provider()
        for field, value in first.items():
            self.assertNotEqual(again[field], value, field)
            self.assertGreaterEqual(len(value), 40, field)
        self.assertTrue(first["stripe_webhook_secret"].startswith("whsec_"))
        self.assertNotIn("fake_ev_demo", "".join(first.values()))
