from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestWallet(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver.ev_billing_mode = "wallet"
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id})

    def later(self, hours):
        return self.t0 + timedelta(hours=hours)

    def test_top_up_and_deduction_with_running_balance(self):
        self.wallet._ev_top_up(10.0, "cash")
        self.assertEqual(self.wallet.balance, 10.0)
        session = self.run_session(self.cp201)  # 6.00
        self.assertEqual(session.billing_state, "wallet_paid", session.billing_error)
        self.assertFalse(session.invoice_id)
        self.assertEqual(self.wallet.balance, 4.0)
        tx = session.wallet_transaction_id
        self.assertEqual((tx.kind, tx.amount, tx.balance_after, tx.session_id), ("deduction", -6.0, 4.0, session))
        history = self.wallet.transaction_ids.sorted("id")
        self.assertEqual(history.mapped("balance_after"), [10.0, 4.0])
        self.assertEqual(history.mapped("amount"), [10.0, -6.0])

    def test_negative_balance_policy_and_retry(self):
        self.wallet._ev_top_up(4.0, "cash")
        session = self.run_session(self.cp201)  # 6.00 > 4.00 and no negative balance allowed
        self.assertEqual(session.billing_state, "unpaid")
        self.assertEqual(session.billing_attempts, 1)
        self.assertIn("cannot pay 6.0", session.billing_error)
        self.assertEqual(self.wallet.balance, 4.0, "nothing deducted")
        failed_since = session.billing_failed_since
        self.assertEqual(session.billing_next_retry, failed_since + timedelta(minutes=30))
        # retried by the cron, still failing, within 24 h
        Session = self.env["ev.session"]
        # (the database's demo sessions may be retried too: only this session is looked at)
        self.assertNotIn(
            session,
            Session._cron_ev_retry_billing(now=failed_since + timedelta(minutes=10)),
            "not before the retry time",
        )
        Session._cron_ev_retry_billing(now=failed_since + timedelta(minutes=30))
        self.assertEqual((session.billing_state, session.billing_attempts), ("unpaid", 2))
        Session._cron_ev_retry_billing(now=failed_since + timedelta(hours=23, minutes=30))
        self.assertEqual(session.billing_state, "unpaid")
        # after 24 hours: flagged for review, no more automatic retries
        Session._cron_ev_retry_billing(now=failed_since + timedelta(hours=24))
        self.assertEqual(session.billing_state, "review")
        self.assertFalse(session.billing_next_retry)
        self.assertNotIn(session, Session._cron_ev_retry_billing(now=failed_since + timedelta(hours=25)))
        self.assertEqual(self.wallet.balance, 4.0)

    def test_allowed_negative_balance(self):
        self.wallet.write({"credit_limit": 2.0})
        self.wallet._ev_top_up(4.0, "cash")
        session = self.run_session(self.cp201)  # 4.00 - 6.00 = -2.00: allowed
        self.assertEqual(session.billing_state, "wallet_paid")
        self.assertEqual(self.wallet.balance, -2.0)
        second = self.run_session(self.cp201, start=self.later(3))  # -8.00: below -2.00
        self.assertEqual(second.billing_state, "unpaid")
        self.assertEqual(self.wallet.balance, -2.0)

    def test_top_up_pays_unpaid_sessions(self):
        session = self.run_session(self.cp201)
        self.assertEqual(session.billing_state, "unpaid")
        self.wallet._ev_top_up(20.0, "card")
        self.assertEqual(session.billing_state, "wallet_paid")
        self.assertEqual(self.wallet.balance, 14.0)
        self.assertEqual(self.wallet.transaction_ids.sorted("id").mapped("balance_after"), [20.0, 14.0])

    def test_no_wallet_flags_for_review(self):
        other = self.env["res.partner"].create({"name": "No Wallet", "ev_billing_mode": "wallet"})
        token = self.env["ev.id.token"].create({"value": "NO-WALLET-1", "partner_id": other.id})
        session = self.run_session(self.cp201, token=token.value)
        self.assertEqual(session.billing_state, "review")
        self.assertIn("has no wallet", session.billing_error)

    def test_transactions_are_immutable(self):
        tx = self.wallet._ev_top_up(5.0, "cash")
        with self.assertRaises(UserError):
            tx.write({"amount": 500.0})
        with self.assertRaises(UserError):
            tx.unlink()
        with self.assertRaises(UserError):
            self.env["ev.wallet.transaction"].create({"wallet_id": self.wallet.id, "kind": "topup", "amount": 1.0})
        with self.assertRaisesMessage(UserError, "positive amount"):
            self.wallet._ev_top_up(-5.0)
        with self.assertRaisesMessage(UserError, "reason"):
            self.wallet._ev_adjust(-1.0, "")
        self.wallet._ev_adjust(-1.0, "goodwill correction")
        self.assertEqual(self.wallet.balance, 4.0)

    def test_wallet_constraints(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.env["ev.wallet"].create({"partner_id": self.driver.id})
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self.env["ev.wallet"].create(
                {"partner_id": self.env["res.partner"].create({"name": "X"}).id, "credit_limit": -5}
            )
        contact = self.env["res.partner"].create({"name": "Contact", "parent_id": self.driver.id})
        with self.assertRaisesMessage(ValidationError, "belongs to the customer"):
            self.env["ev.wallet"].create({"partner_id": contact.id})

    def test_deduction_locks_the_wallet_row(self):
        queries = []
        cr = self.env.cr
        original = type(cr).execute

        def spy(this, query, params=None, log_exceptions=True):
            queries.append(str(query))
            return original(this, query, params, log_exceptions)

        self.wallet._ev_top_up(50.0)
        with patch.object(type(cr), "execute", spy):
            self.run_session(self.cp201)
        locks = [q for q in queries if "FOR UPDATE" in q and "ev_wallet" in q]
        self.assertTrue(locks, "the deduction takes a row lock on the wallet")


@tagged("post_install", "-at_install")
class TestWalletAuthorization(EvBillingCase, HttpCase):
    """Issue 9 item 9: the negative-balance policy applies when the token is presented, through the method
    the bridge calls (ev.id.token.bridge_authorize over XML-RPC, as the bridge user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver.ev_billing_mode = "wallet"
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id, "credit_limit": 20.0})
        cls.bridge_user = new_test_user(
            cls.env, login="ev_bill_bridge", password="ev_bill_bridge_pw", groups="ev_charging.group_ev_bridge"
        )

    def authorize(self, charger, token=None):
        """The bridge's call, over XML-RPC as the bridge user."""
        return self.xmlrpc_object.execute(
            self.env.cr.dbname,
            self.bridge_user.id,
            "ev_bill_bridge_pw",
            "ev.id.token",
            "bridge_authorize",
            charger.identity,
            (token or self.token).value,
            "ISO14443",
        )

    def test_wallet_without_credit_gets_no_credit(self):
        # the field trial: -18.84 with 20.00 allowed leaves 1.16 of credit: accepted
        self.wallet._ev_adjust(-18.84, "opening balance")
        self.assertEqual(self.authorize(self.cp201)["status"], "Accepted")
        session = self.run_session(self.cp201)  # 6.00: -24.84 would be below -20.00
        self.assertEqual(session.billing_state, "unpaid")
        self.assertAlmostEqual(self.wallet.balance, -18.84)
        # what the wallet owes counts: no credit left, for a 2.0.1 and a 1.6 station alike (the bridge
        # answers Invalid to 1.6, which has no NoCredit)
        for charger in (self.cp201, self.cp16):
            answer = self.authorize(charger)
            self.assertEqual(answer["status"], "NoCredit", charger.identity)
            self.assertEqual(answer["cache_seconds"], 60)
        # still refused once the unpaid session is flagged for review after 24 hours
        self.env["ev.session"]._cron_ev_retry_billing(now=session.billing_failed_since + timedelta(hours=24))
        self.assertEqual(session.billing_state, "review")
        self.assertEqual(self.authorize(self.cp201)["status"], "NoCredit")
        # a top-up pays what is owed and gives credit back
        self.wallet._ev_top_up(30.0, "cash")
        session.action_ev_retry_billing()
        self.assertEqual(session.billing_state, "wallet_paid")
        self.assertAlmostEqual(self.wallet.balance, 5.16)
        self.assertEqual(self.authorize(self.cp201)["status"], "Accepted")

    def test_balance_at_the_limit_and_other_modes(self):
        self.wallet.credit_limit = 0.0
        self.assertEqual(self.authorize(self.cp201)["status"], "NoCredit", "an empty wallet with no overdraft")
        self.wallet._ev_top_up(0.01, "cash")
        self.assertEqual(self.authorize(self.cp201)["status"], "Accepted")
        self.wallet.active = False  # archived: the customer has no usable wallet
        self.assertEqual(self.authorize(self.cp201)["status"], "NoCredit")
        # drivers billed by invoice are not concerned; a blocked token stays Blocked
        self.driver.ev_billing_mode = "session"
        self.assertEqual(self.authorize(self.cp201)["status"], "Accepted")
        self.token.status = "blocked"
        self.assertEqual(self.authorize(self.cp201)["status"], "Blocked")
