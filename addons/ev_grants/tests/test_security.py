"""Grant data only for grant users of that company: groups and multi-company record rules, checked
as each role in the ORM and through XML-RPC."""

from datetime import date
from xmlrpc.client import Fault

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import GrantCase


class SecurityMixin:
    @classmethod
    def setup_roles(cls):
        cls.company_b = cls.env["res.company"].create({"name": "Grant SPV B", "currency_id": cls.usd.id})
        program_b = cls.env["ev.grant.program"].create(
            {"name": "State program", "code": "ST-B", "company_id": cls.company_b.id}
        )
        cls.grant_b = cls.env["ev.grant"].create(
            {
                "name": "B award",
                "fain": "B-FAIN-1",
                "program_id": program_b.id,
                "company_id": cls.company_b.id,
                "date_start": date(2025, 1, 1),
                "date_end": date(2027, 12, 31),
                "federal_amount": 5000,
            }
        )
        cls.cost_b = cls.env["ev.grant.cost"].create(
            {"grant_id": cls.grant_b.id, "name": "B cost", "date": date(2025, 6, 1), "category": "h", "amount": 10}
        )
        cls.cost_a = cls.env["ev.grant.cost"].create(
            {"grant_id": cls.grant.id, "name": "A cost", "date": date(2026, 6, 1), "category": "g", "amount": 10}
        )

        def user(login, groups, companies=None):
            companies = companies or cls.company
            return cls.env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "password": f"{login}-Passw0rd!",
                    "company_id": companies[0].id,
                    "company_ids": [Command.set(companies.ids)],
                    "groups_id": [Command.set([cls.env.ref(g).id for g in groups])],
                }
            )

        cls.grant_user = user("sec-grant-user-a", ["ev_grants.group_grant_user"])
        cls.grant_manager = user("sec-grant-manager-a", ["ev_grants.group_grant_manager"])
        cls.ev_user = user("sec-ev-user-a", ["ev_charging.group_ev_user"])
        cls.grant_user_b = user("sec-grant-user-b", ["ev_grants.group_grant_user"], cls.company_b)


@tagged("post_install", "-at_install")
class TestGrantAccess(SecurityMixin, GrantCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_roles()

    def test_grant_user_sees_only_the_grants_of_their_company(self):
        env = self.env(user=self.grant_user)
        both = [("id", "in", (self.grant | self.grant_b).ids)]
        self.assertEqual(env["ev.grant"].search(both), self.grant)
        self.assertEqual(env["ev.grant.cost"].search([("grant_id", "in", both[0][2])]).grant_id, self.grant)
        self.assertNotIn(self.company_b, env["ev.grant"].search([]).company_id)
        with self.assertRaises(AccessError):
            env["ev.grant"].browse(self.grant_b.id).read(["fain"])
        with self.assertRaises(AccessError):
            env["ev.grant.cost"].browse(self.cost_b.id).write({"amount": 0})
        env_b = self.env(user=self.grant_user_b)
        self.assertEqual(env_b["ev.grant"].search([]), self.grant_b)  # company B has no demo grant
        self.assertFalse(env_b["ev.grant.program"].search([("id", "=", self.program.id)]))

    def test_roles(self):
        user = self.env(user=self.grant_user)
        # grant users record costs but do not configure awards, budgets or rates
        cost = user["ev.grant.cost"].create(
            {"grant_id": self.grant.id, "name": "Permit", "date": date(2026, 2, 1), "category": "h", "amount": 90}
        )
        self.assertTrue(cost.analytic_line_id)
        with self.assertRaises(AccessError):
            user["ev.grant"].browse(self.grant.id).write({"federal_amount": 1})
        with self.assertRaises(AccessError):
            user["ev.grant.labor.rate"].create(
                {"employee_id": self.engineer.id, "date_from": date(2030, 1, 1), "hourly_rate": 99}
            )
        manager = self.env(user=self.grant_manager)
        manager["ev.grant"].browse(self.grant.id).write({"federal_amount": 900000})
        self.assertEqual(self.grant.federal_amount, 900000)
        # an EV user without a grant group sees no grant data at all, and still reads sites and ports whole
        ev_user = self.env(user=self.ev_user)
        self.assertEqual(ev_user["ev.site"].browse(self.site.id).read()[0]["evchart_station_id"], "IL-TEST-0001")
        self.assertEqual(ev_user["ev.evse"].browse(self.conn1.evse_id.id).read()[0]["evchart_port_id"], "GT-DC-1-1")
        for model in (
            "ev.grant",
            "ev.grant.cost",
            "ev.grant.trip",
            "ev.grant.receipt",
            "ev.grant.outage",
            "ev.evchart.export",
        ):
            with self.assertRaises(AccessError, msg=model):
                ev_user[model].search([])


@tagged("post_install", "-at_install")
class TestGrantAccessRpc(SecurityMixin, GrantCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_roles()

    def rpc(self, user, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, user.login, f"{user.login}-Passw0rd!", {})
        self.assertTrue(uid, user.login)
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{user.login}-Passw0rd!", model, method, list(args), kwargs
        )

    def test_rpc_as_each_role(self):
        both = [["fain", "in", ["TEST-FAIN-0001", "B-FAIN-1"]]]
        grants = self.rpc(self.grant_user, "ev.grant", "search_read", both, fields=["fain"])
        self.assertEqual([g["fain"] for g in grants], ["TEST-FAIN-0001"])
        grants_b = self.rpc(self.grant_user_b, "ev.grant", "search_read", [], fields=["fain"])
        self.assertEqual([g["fain"] for g in grants_b], ["B-FAIN-1"])
        with mute_logger("odoo.http"), self.assertRaisesRegex(Fault, "not allowed to access"):
            self.rpc(self.ev_user, "ev.grant", "search_read", [], fields=["fain"])
        with (
            mute_logger("odoo.http"),
            self.assertRaisesRegex(Fault, "read. access to:.*Grant cost line.*multi-company issue"),
        ):
            self.rpc(self.grant_user, "ev.grant.cost", "read", [self.cost_b.id], fields=["amount"])
        with mute_logger("odoo.http"), self.assertRaisesRegex(Fault, "not allowed to modify"):
            self.rpc(self.grant_user, "ev.grant", "write", [self.grant.id], {"federal_amount": 1})
        with mute_logger("odoo.http"), self.assertRaisesRegex(Fault, "Private methods"):
            self.rpc(self.grant_manager, "ev.grant", "_sf425", [self.grant.id], "2026-01-01", "2026-03-31")
        # bad input through RPC: a fault with the reason, nothing stored
        with mute_logger("odoo.http"), self.assertRaisesRegex(Fault, "outside the period of performance"):
            # the server rolls the call back: nothing is stored
            self.rpc(
                self.grant_user,
                "ev.grant.cost",
                "create",
                {"grant_id": self.grant.id, "name": "Late", "date": "2029-01-01", "category": "g", "amount": 5},
            )
        self.assertFalse(self.env["ev.grant.cost"].search([("name", "=", "Late")]))
        ok = self.rpc(
            self.grant_user,
            "ev.grant.cost",
            "create",
            {"grant_id": self.grant.id, "name": "Permit fee", "date": "2026-03-02", "category": "h", "amount": 75},
        )
        self.assertEqual(self.env["ev.grant.cost"].browse(ok).analytic_line_id.amount, -75)
