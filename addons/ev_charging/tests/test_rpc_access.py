"""The public methods of ev_charging called over RPC (XML-RPC and /web/dataset/call_kw) by each role:
whoever may not call a method gets a fault and nothing changes (issue 7, item 1)."""

import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import EvCase
from .rpc_roles import FAULT_CODES, RpcRolesMixin
from .rpc_roles import RPC_LOGGERS as BASE_RPC_LOGGERS

#: a refused constraint (ValidationError) also goes through odoo.sql_db's log
RPC_LOGGERS = (*BASE_RPC_LOGGERS, "odoo.sql_db")
PASSWORD = "correct-horse-battery-0001"


@tagged("post_install", "-at_install")
class TestRpcAccess(RpcRolesMixin, EvCase, HttpCase):
    session = None  # HttpCase's web session (EvCase.session() is not used here)
    rpc_loggers = RPC_LOGGERS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver_user = new_test_user(cls.env, login="rpc_driver", groups="base.group_portal")
        cls.driver_user.partner_id = cls.driver
        cls.ev_user = new_test_user(cls.env, login="rpc_ev_user", groups="ev_charging.group_ev_user")
        cls.technician = new_test_user(cls.env, login="rpc_tech", groups="ev_charging.group_ev_technician")
        cls.manager = new_test_user(cls.env, login="rpc_manager", groups="ev_charging.group_ev_manager")
        cls.cp201.sudo().set_basic_auth_password(PASSWORD)
        cls.cp201.sudo().write({"connection_state": "connected"})
        cls.original_hash = cls.cp201.sudo().password_hash
        cls.company_b = cls.env["res.company"].create({"name": "Other SPV"})
        cls.site_b = cls.env["ev.site"].create({"name": "B", "tz": "UTC", "company_id": cls.company_b.id})
        cls.cp_b = cls.env["ev.charger"].create({"identity": "B-RPC", "site_id": cls.site_b.id})
        cls.manager_b = new_test_user(
            cls.env,
            login="rpc_manager_b",
            groups="ev_charging.group_ev_manager",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )

    def commands(self):
        return self.env["ev.charger.command"].sudo().search_count([("charger_id", "=", self.cp201.id)])

    # -- the charger takeover -------------------------------------------------------------------
    def test_only_a_manager_sets_a_station_password(self):
        for user in (self.driver_user, self.ev_user, self.technician):
            with self.subTest(user=user.login):
                self.assertRefused(
                    user, "ev.charger", "set_basic_auth_password", [self.cp201.id], "attacker-pw-0123456789"
                )
                self.assertRefused(user, "ev.charger", "action_set_password", [self.cp201.id])
                self.env.invalidate_all()
                self.assertEqual(self.cp201.sudo().password_hash, self.original_hash, "the password is unchanged")
        # a manager of another company cannot reach this company's charger either
        self.assertRefused(self.manager_b, "ev.charger", "set_basic_auth_password", [self.cp201.id], "x" * 20)
        self.env.invalidate_all()
        self.assertEqual(self.cp201.sudo().password_hash, self.original_hash)
        # the manager can, through the wizard's method as through RPC
        self.assertTrue(self.xmlrpc(self.manager, "ev.charger", "set_basic_auth_password", [self.cp201.id], "m" * 20))
        self.env.invalidate_all()
        self.assertTrue(self.cp201._check_basic_auth_password("m" * 20))

    def test_no_password_oracle(self):
        for user in (self.driver_user, self.ev_user, self.manager):
            with self.subTest(user=user.login):
                self.assertRefused(
                    user, "ev.charger", "check_basic_auth_password", [self.cp201.id], PASSWORD, error=None
                )
        self.assertTrue(self.cp201._check_basic_auth_password(PASSWORD))
        self.assertFalse(self.cp201._check_basic_auth_password("wrong-password-000000"))

    # -- remote commands ---------------------------------------------------------------------------
    def test_commands_by_role(self):
        before = self.commands()
        for method in ("action_reset_soft", "action_trigger_status", "action_reset_hard", "action_clear_cache"):
            with self.subTest(method=method):
                self.assertRefused(self.driver_user, "ev.charger", method, [self.cp201.id])
        # a hard reset stops a running session and clearing the cache changes authorizations: a field
        # technician's job (ev.charger.command's role policy), never an EV user's
        for method in ("action_reset_hard", "action_clear_cache"):
            with self.subTest(user=self.ev_user.login, method=method):
                self.assertRefused(self.ev_user, "ev.charger", method, [self.cp201.id])
        connector = self.cp201._get_connector(1, 1)
        for method in ("action_unlock", "action_make_unavailable", "action_make_available", "action_remote_start"):
            with self.subTest(method=method):
                self.assertRefused(self.driver_user, "ev.connector", method, [connector.id])
        self.assertEqual(self.commands(), before, "no command was created by a refused call")
        # an EV user of another company cannot command this company's charger
        other = new_test_user(
            self.env,
            login="rpc_user_b",
            groups="ev_charging.group_ev_user",
            company_id=self.company_b.id,
            company_ids=[self.company_b.id],
        )
        self.assertRefused(other, "ev.charger", "action_reset_soft", [self.cp201.id])
        self.assertEqual(self.commands(), before)
        # an EV user may send the everyday commands
        self.xmlrpc(self.ev_user, "ev.charger", "action_trigger_status", [self.cp201.id])
        self.assertEqual(self.commands(), before + 1)

    def test_field_task_needs_a_technician(self):
        tasks = self.env["project.task"].sudo().search_count([("ev_charger_id", "=", self.cp201.id)])
        for user in (self.driver_user, self.ev_user):
            with self.subTest(user=user.login):
                self.assertRefused(user, "ev.charger", "action_create_task", [self.cp201.id])
        self.assertEqual(self.env["project.task"].sudo().search_count([("ev_charger_id", "=", self.cp201.id)]), tasks)
        self.xmlrpc(self.technician, "ev.charger", "action_create_task", [self.cp201.id])
        self.assertEqual(
            self.env["project.task"].sudo().search_count([("ev_charger_id", "=", self.cp201.id)]), tasks + 1
        )

    # -- configuration and review ---------------------------------------------------------------
    def test_site_lifecycle_and_tokens_are_managers_business(self):
        self.site.sudo().write({"state": "operating", "commissioning_date": "2026-01-01"})
        # the technician may edit a site (access rights) but not decommission it
        self.assertRefused(self.technician, "ev.site", "action_decommission", [self.site.id])
        self.assertRefused(self.driver_user, "ev.site", "action_decommission", [self.site.id])
        for user in (self.driver_user, self.ev_user, self.technician):
            with self.subTest(user=user.login):
                self.assertRefused(user, "ev.id.token", "action_block", [self.token.id])
        self.env.invalidate_all()
        self.assertEqual(self.site.state, "operating")
        self.assertEqual(self.token.status, "accepted")

    def test_bridge_api_and_event_review_refused_to_others(self):
        rejected = self.Event.ingest([self.ev("NOT-REGISTERED", "Heartbeat", {})])
        event = self.Event.search([("key", "=", rejected[0]["key"])])
        self.assertEqual(event.state, "rejected")
        for user in (self.driver_user, self.ev_user, self.technician):
            with self.subTest(user=user.login):
                self.assertRefused(user, "ev.ocpp.event", "action_retry", [event.id])
                self.assertRefused(user, "ev.ocpp.event", "action_mark_reviewed", [event.id])
                self.assertRefused(
                    user, "ev.ocpp.event", "ingest", [self.ev("T-201", "Heartbeat", {})], error="ValidationError"
                )
                self.assertRefused(user, "ev.charger", "bridge_station", "T-201", error="ValidationError")
                self.assertRefused(
                    user, "ev.id.token", "bridge_authorize", "T-201", "TOKEN-0001", error="ValidationError"
                )
        self.env.invalidate_all()
        self.assertEqual(event.state, "rejected")
        self.assertTrue(event.exists())

    def test_remote_start_wizard_with_a_token_of_another_company(self):
        token_b = self.env["ev.id.token"].create({"value": "B-TOKEN-1", "company_id": self.company_b.id})
        connector = self.cp201._get_connector(1, 1)
        before = self.commands()
        for _transport in ("xmlrpc", "call_kw"):
            wizard_id = self.xmlrpc(
                self.ev_user,
                "ev.remote.start.wizard",
                "create",
                {"connector_id": connector.id, "id_token_id": token_b.id},
            )
            with mute_logger(*RPC_LOGGERS), self.assertRaises(xmlrpc.client.Fault) as ctx:
                self.xmlrpc(self.ev_user, "ev.remote.start.wizard", "action_start", [wizard_id])
            self.assertEqual(ctx.exception.faultCode, FAULT_CODES["AccessError"])
        self.assertEqual(self.commands(), before)
