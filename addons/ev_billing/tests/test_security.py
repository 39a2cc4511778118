from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestBillingSecurity(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver.ev_billing_mode = "wallet"
        cls.other = cls.env["res.partner"].create({"name": "Other Driver", "ev_billing_mode": "wallet"})
        cls.other_token = cls.env["ev.id.token"].create({"value": "OTHER-TOKEN-1", "partner_id": cls.other.id})
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id})
        cls.other_wallet = cls.env["ev.wallet"].create({"partner_id": cls.other.id})
        cls.wallet._ev_top_up(50.0, "cash")
        cls.other_wallet._ev_top_up(50.0, "cash")
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Bill Driver portal",
                "login": "bill-driver-portal",
                "partner_id": cls.driver.id,
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )
        cls.staff = cls.env["res.users"].create(
            {
                "name": "EV staff",
                "login": "ev-staff-billing",
                "groups_id": [Command.set([cls.env.ref("ev_charging.group_ev_user").id])],
            }
        )

    def test_driver_sees_only_own_sessions_and_payments(self):
        mine = self.run_session(self.cp201)
        theirs = self.run_session(self.cp201, token=self.other_token.value, start=self.t0.replace(hour=18))
        self.assertEqual(mine.billing_state, "wallet_paid")
        self.assertEqual(theirs.billing_state, "wallet_paid")
        env = self.env(user=self.portal_user)
        sessions = env["ev.session"].search([])
        self.assertEqual(sessions, mine)
        self.assertEqual(sessions.cost_total, 6.0)
        self.assertEqual(env["ev.session.cost.line"].search([]), mine.cost_line_ids)
        self.assertEqual(env["ev.wallet"].search([]), self.wallet)
        self.assertEqual(env["ev.wallet.transaction"].search([]), self.wallet.transaction_ids)
        with self.assertRaises(AccessError):
            env["ev.session"].browse(theirs.id).read(["cost_total"])
        with self.assertRaises(AccessError):
            env["ev.wallet.transaction"].browse(self.other_wallet.transaction_ids.ids).read(["amount"])
        with self.assertRaises(AccessError):
            env["ev.wallet"].browse(self.wallet.id).write({"credit_limit": 1000})
        with self.assertRaises(AccessError):
            env["ev.tariff"].browse(self.tariff.id).write({"energy_rate": 0})

    def test_staff_reads_but_does_not_configure(self):
        env = self.env(user=self.staff)
        self.assertTrue(env["ev.tariff"].search([("id", "=", self.tariff.id)]))
        self.assertTrue(env["ev.wallet"].search([("id", "=", self.wallet.id)]).balance)
        with self.assertRaises(AccessError):
            env["ev.tariff"].create({"name": "Staff tariff", "energy_rate": 1})
        with self.assertRaises(AccessError):
            env["ev.wallet"].browse(self.wallet.id).write({"credit_limit": 1000})
        with self.assertRaises(AccessError):
            env["ev.wallet.transaction"].with_context(ev_wallet_post=True).create(
                {"wallet_id": self.wallet.id, "kind": "topup", "amount": 100}
            )

    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Other CPO", "currency_id": self.usd.id})
        foreign_tariff = self.env["ev.tariff"].create(
            {"name": "Foreign", "company_id": other_company.id, "currency_id": self.usd.id, "energy_rate": 0.3}
        )
        foreign_partner = self.env["res.partner"].create({"name": "Foreign customer"})
        foreign_wallet = self.env["ev.wallet"].create(
            {"partner_id": foreign_partner.id, "company_id": other_company.id}
        )
        manager = self.env["res.users"].create(
            {
                "name": "EV manager A",
                "login": "ev-manager-a",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set([self.env.ref("ev_charging.group_ev_manager").id])],
            }
        )
        env = self.env(user=manager)
        self.assertFalse(env["ev.tariff"].search([("id", "=", foreign_tariff.id)]))
        self.assertFalse(env["ev.wallet"].search([("id", "=", foreign_wallet.id)]))
        with self.assertRaises(AccessError):
            env["ev.tariff"].browse(foreign_tariff.id).read(["energy_rate"])

    def test_only_managers_credit_wallets(self):
        wizard = self.env["ev.wallet.topup.wizard"].create({"wallet_id": self.wallet.id, "amount": 100.0})
        with self.assertRaisesMessage(UserError, "Only EV managers"):
            wizard.with_user(self.staff).action_confirm()
        self.assertEqual(self.wallet.balance, 50.0)
        manager = self.env["res.users"].create(
            {
                "name": "EV manager B",
                "login": "ev-manager-b",
                "groups_id": [Command.set([self.env.ref("ev_charging.group_ev_manager").id])],
            }
        )
        wizard.with_user(manager).action_confirm()
        self.assertEqual(self.wallet.balance, 150.0)
        self.assertEqual(self.wallet.transaction_ids.sorted("id")[-1].user_id, manager)

    def test_staff_opens_a_billed_session_without_accounting_rights(self):
        self.driver.ev_billing_mode = "session"
        session = self.run_session(self.cp201)
        self.assertEqual(session.billing_state, "invoiced")
        self.assertFalse(self.staff.has_group("account.group_account_invoice"))
        form = Form(session.with_user(self.staff))
        self.assertEqual(form.billing_state, "invoiced")
        self.assertAlmostEqual(form.cost_total, 6.0)
        wallet_form = Form(self.wallet.with_user(self.staff))
        self.assertEqual(wallet_form.balance, 50.0)
        charger_form = Form(self.cp201.with_user(self.staff))
        self.assertEqual(charger_form.effective_tariff_id, self.tariff)
        site_form = Form(self.site.with_user(self.staff))
        self.assertTrue(site_form.analytic_account_id)
        tariff_form = Form(self.tariff.with_user(self.staff))
        self.assertEqual(tariff_form.currency_id, self.usd)
