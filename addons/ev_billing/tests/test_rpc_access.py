"""ev_billing's public methods called over RPC (XML-RPC and /web/dataset/call_kw) by each role (issue 7,
item 1): a refused call is a fault and changes nothing."""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.ev_charging.tests.rpc_roles import RpcRolesMixin

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestBillingRpcAccess(RpcRolesMixin, EvBillingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="bill_rpc_driver", groups="base.group_portal")
        cls.portal.partner_id = cls.driver
        cls.ev_user = new_test_user(cls.env, login="bill_rpc_user", groups="ev_charging.group_ev_user")
        cls.technician = new_test_user(cls.env, login="bill_rpc_tech", groups="ev_charging.group_ev_technician")
        cls.manager = new_test_user(cls.env, login="bill_rpc_manager", groups="ev_charging.group_ev_manager")
        cls.connector = cls.cp201._get_connector(1, 1)
        cls.company_b = cls.env["res.company"].create({"name": "Billing SPV B"})
        cls.manager_b = new_test_user(
            cls.env,
            login="bill_rpc_manager_b",
            groups="ev_charging.group_ev_manager",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.wallet = cls.env["ev.wallet"].create({"partner_id": cls.driver.id})

    def test_only_a_manager_voids_qr_labels(self):
        token = self.connector.ev_pay_token
        for user in (self.portal, self.ev_user, self.technician, self.manager_b):
            with self.subTest(user=user.login):
                self.assertRefused(user, "ev.connector", "action_ev_regenerate_pay_token", [self.connector.id])
        self.env.invalidate_all()
        self.assertEqual(self.connector.ev_pay_token, token, "the printed label still works")
        self.assertTrue(
            self.xmlrpc(self.manager, "ev.connector", "action_ev_regenerate_pay_token", [self.connector.id])
        )
        self.env.invalidate_all()
        self.assertNotEqual(self.connector.ev_pay_token, token)

    def test_reprice_rebill_and_wallet_credit_are_managers_business(self):
        session = self.run_session(self.cp201)
        priced_at, total = session.priced_at, session.cost_total
        for user in (self.portal, self.ev_user, self.technician):
            for method in ("action_ev_reprice", "action_ev_retry_billing"):
                with self.subTest(user=user.login, method=method):
                    self.assertRefused(user, "ev.session", method, [session.id])
            with self.subTest(user=user.login, method="action_top_up"):
                self.assertRefused(user, "ev.wallet", "action_top_up", [self.wallet.id])
        self.env.invalidate_all()
        self.assertEqual((session.priced_at, session.cost_total), (priced_at, total))
        self.assertFalse(self.wallet.transaction_ids)
