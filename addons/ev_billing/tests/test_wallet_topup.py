"""Wallet top-up through the payment framework: a Stripe payment transaction linked to the wallet
credits it once confirmed, exactly once (idempotent), against the fake Stripe server at Stripe's HTTP
boundary (EvStripeCase: payment_stripe's own request code runs) and Stripe's webhook over HTTP."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import EvStripeCase


@tagged("post_install", "-at_install")
class TestWalletTopUp(EvStripeCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver.ev_billing_mode = "wallet"
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id})

    def signed_webhook(self, event_type, intent):
        """Stripe's webhook, signed, over HTTP to Odoo's route."""
        body, headers = self.stripe_event(event_type, intent)
        response = self.url_open("/payment/stripe/webhook", data=body, headers=headers, allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()

    def balance(self):
        self.wallet.invalidate_recordset(["balance"])
        return self.wallet.balance

    def pay(self, amount):
        """The driver pays a top-up: transaction, PaymentIntent, card confirmation, Stripe's webhook."""
        tx = self.wallet._ev_create_topup_transaction(self.stripe, self.card, amount)
        processing = tx._get_processing_values()  # payment_stripe creates the PaymentIntent
        intent = self.fake.intents[processing["client_secret"].split("_secret_")[0]]
        self.assertEqual(intent["capture_method"], "automatic")  # captured at once, unlike pay by QR
        intent = self.fake.confirm_card(intent["id"])
        self.assertEqual(intent["status"], "succeeded")
        self.signed_webhook("payment_intent.succeeded", intent)
        return tx, intent

    def test_topup_credits_once(self):
        tx, intent = self.pay(25.0)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.ev_wallet_id, self.wallet)
        self.assertEqual(self.balance(), 0.0)  # credited at post-processing, not before
        tx._post_process()
        self.assertEqual(self.balance(), 25.0)
        credit = self.wallet.transaction_ids
        self.assertEqual(len(credit), 1)
        self.assertEqual(
            (credit.kind, credit.amount, credit.balance_after, credit.payment_transaction_id), ("topup", 25.0, 25.0, tx)
        )
        self.assertTrue(tx.payment_id)  # account_payment booked the received money
        # replays: the webhook again, post-processing again, the payment cron
        self.signed_webhook("payment_intent.succeeded", intent)
        tx._post_process()
        tx.is_post_processed = False
        with patch.object(self.env.cr, "commit", lambda: None):  # the cron commits per transaction
            self.env["payment.transaction"]._cron_post_process()
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(self.wallet._ev_credit_from_transaction(tx), credit)
        self.assertEqual(self.balance(), 25.0)
        self.assertEqual(len(self.wallet.transaction_ids), 1)

    def test_unconfirmed_or_foreign_payment_is_not_credited(self):
        tx = self.wallet._ev_create_topup_transaction(self.stripe, self.card, 10.0)
        tx._post_process()  # draft: nothing
        self.assertEqual(self.balance(), 0.0)
        with self.assertRaisesMessage(UserError, "only a confirmed payment credits a wallet"):
            self.wallet._ev_credit_from_transaction(tx)
        other = self.env["res.partner"].create({"name": "Someone else"})
        tx.write({"partner_id": other.id, "state": "done"})
        with self.assertRaisesMessage(UserError, "not by the wallet's customer"):
            self.wallet._ev_credit_from_transaction(tx)
        with mute_logger("odoo.addons.ev_billing.models.payment_transaction"):
            tx._post_process()  # logged on the wallet, never raised to the payment framework
        self.assertEqual(self.balance(), 0.0)
        self.assertIn("was not credited", self.wallet.message_ids[0].body)

    def test_bad_topup_amounts_are_refused(self):
        with self.assertRaisesMessage(UserError, "positive amount"):
            self.wallet._ev_create_topup_transaction(self.stripe, self.card, 0.0)
        with self.assertRaisesMessage(UserError, "positive amount"):
            self.wallet._ev_create_topup_transaction(self.stripe, self.card, -5.0)
        eur = self.env.ref("base.EUR")
        with self.assertRaisesMessage(UserError, "pay the top-up in USD, not EUR"):
            self.wallet._ev_check_topup(10.0, eur)

    def test_topup_pays_unpaid_sessions(self):
        session = self.run_session(self.cp201)  # 6.00, empty wallet -> unpaid
        self.assertEqual(session.billing_state, "unpaid")
        tx, _intent = self.pay(10.0)
        tx._post_process()
        self.assertEqual(session.billing_state, "wallet_paid")
        self.assertEqual(self.balance(), 4.0)
