"""Access by record rules (issue 12 item 3): a portal investor reads only the SPVs it is invited to (access not
ended, not revoked) and only its own partner's K-1s, capital accounts and distributions; the same through the
ORM, /web/dataset/call_kw, JSON-RPC and XML-RPC, as the portal user."""

import json
import xmlrpc.client

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import EvPortalCase

MODELS = ("ev.spv", "ev.spv.partner", "ev.spv.capital", "ev.spv.distribution.line", "ev.spv.k1", "ev.spv.k1.furnishing")


@tagged("post_install", "-at_install")
class TestPortalRules(EvPortalCase):
    def visible(self, user, model):
        return self.env(user=user)[model].search([])

    def test_a_partner_contact_reads_nothing_before_being_invited(self):
        for model in MODELS:
            self.assertFalse(self.visible(self.ivy, model), model)
        with self.assertRaises(AccessError):
            self.env(user=self.ivy)["ev.spv"].browse(self.spv.id).read(["name"])

    def test_invited_to_one_spv_reads_that_spv_and_its_own_records_only(self):
        self._grant(self.ivy, self.spv)
        env = self.env(user=self.ivy)
        self.assertEqual(env["ev.spv"].search([]), self.spv)
        self.assertEqual(env["ev.spv.partner"].search([]), self.inv)
        self.assertEqual(env["ev.spv.k1"].search([]), self.k1)
        self.assertEqual(env["ev.spv.capital"].search([]).member_id, self.inv)
        self.assertEqual(set(env["ev.spv.distribution.line"].search([]).mapped("member_id")), {self.inv})
        # Investor Co is a partner of the second SPV too, but Ivy is not invited there
        self.assertIn(self.inv.partner_id, self.spv_b.partner_ids.partner_id)
        for record in (self.spv_b, self.k1_b, self.k1_spn, self.spn):
            with self.assertRaises(AccessError, msg=record):
                env[record._name].browse(record.id).read(["display_name"])
        with self.assertRaises(AccessError):
            env["ev.spv.tax.year"].search([])
        # the sponsor's contact, invited to the same SPV, reads the sponsor's K-1 and not the investor's
        self._grant(self.sam, self.spv)
        self.assertEqual(self.visible(self.sam, "ev.spv.k1"), self.k1_spn)

    def test_ended_and_revoked_accesses_read_nothing(self):
        invitation = self._grant(self.ivy, self.spv | self.spv_b, access_end_date=self.days(5))
        self.assertEqual(self.visible(self.ivy, "ev.spv"), self.spv | self.spv_b)
        self.assertEqual(self.visible(self.ivy, "ev.spv.k1"), self.k1 | self.k1_b)
        access_b = invitation.access_ids.filtered(lambda a: a.spv_id == self.spv_b)
        access_b.date_end = self.days(-1)
        self.assertEqual(self.visible(self.ivy, "ev.spv"), self.spv)
        self.assertEqual(self.visible(self.ivy, "ev.spv.k1"), self.k1)
        invitation.action_revoke()
        for model in MODELS:
            self.assertFalse(self.visible(self.ivy, model), model)

    def test_draft_k1s_only_when_the_spv_shows_them(self):
        self._grant(self.ivy, self.spv)
        self.year.sudo().action_unlock(reason="correction")
        self.year._ev_lock()
        amended = self.k1.action_amend()
        self.assertEqual(amended.state, "draft")
        self.assertEqual(self.visible(self.ivy, "ev.spv.k1"), self.k1)
        self.spv.ev_portal_show_draft_k1 = True
        self.assertEqual(self.visible(self.ivy, "ev.spv.k1"), self.k1 | amended)
        drafts_of_others = self.year.k1_ids.filtered(lambda k: k.state == "draft" and k.member_id != self.inv)
        self.assertFalse(drafts_of_others & self.visible(self.ivy, "ev.spv.k1"))

    def test_portal_users_cannot_write(self):
        self._grant(self.ivy, self.spv)
        env = self.env(user=self.ivy)
        with self.assertRaises(AccessError):
            env["ev.spv"].browse(self.spv.id).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            env["ev.portal.access"].create({"user_id": self.ivy.id, "spv_id": self.spv_b.id})
        with self.assertRaises(AccessError):
            env["ev.portal.invitation"].search([])
        # its own access is readable (end date on its pages), not the others'
        self._grant(self.sam, self.spv)
        self.assertEqual(env["ev.portal.access"].search([]).user_id, self.ivy)

    def test_internal_users_are_not_restricted_by_invitations(self):
        self.assertEqual(self.env(user=self.tax_manager)["ev.spv"].search([]), self.spv | self.spv_b)


@tagged("post_install", "-at_install")
class TestPortalRulesRpc(EvPortalCase, HttpCase):
    """The same rules through /web/dataset/call_kw (the web client's route), JSON-RPC and XML-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._grant(cls.ivy, cls.spv)

    def call_kw(self, model, method, args, kwargs=None):
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def jsonrpc(self, login, model, method, args, kwargs=None):
        def call(service, method_name, *arguments):
            response = self.url_open(
                "/jsonrpc",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "id": 1,
                        "params": {"service": service, "method": method_name, "args": list(arguments)},
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            self.assertEqual(response.status_code, 200)
            return response.json()

        uid = call("common", "login", self.env.cr.dbname, login, login)["result"]
        self.assertTrue(uid)
        return call("object", "execute_kw", self.env.cr.dbname, uid, login, model, method, args, kwargs or {})

    def test_call_kw_as_the_portal_user(self):
        self.authenticate("ev-portal-ivy", "ev-portal-ivy")
        rows = self.call_kw("ev.spv", "search_read", [[]], {"fields": ["name"]})["result"]
        self.assertEqual([r["name"] for r in rows], [self.spv.name])
        k1s = self.call_kw("ev.spv.k1", "search_read", [[]], {"fields": ["year", "box_1"]})["result"]
        self.assertEqual([r["id"] for r in k1s], self.k1.ids)
        with mute_logger("odoo.http"):
            error = self.call_kw("ev.spv", "read", [self.spv_b.ids, ["name"]])["error"]
            self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
            error = self.call_kw("ev.spv.k1", "read", [self.k1_spn.ids, ["box_1"]])["error"]
            self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
            # the aggregates behind the pages are private methods: not callable
            error = self.call_kw("ev.spv", "_ev_portal_statements", [self.spv_b.ids, "2024-01-01", "2024-12-31"])
            self.assertIn("Private methods", error["error"]["data"]["message"])

    def test_jsonrpc_as_the_portal_user(self):
        result = self.jsonrpc("ev-portal-ivy", "ev.spv.capital", "search_read", [[]], {"fields": ["member_id"]})
        self.assertEqual({r["member_id"][0] for r in result["result"]}, {self.inv.id})
        with mute_logger("odoo.http"):
            error = self.jsonrpc("ev-portal-ivy", "ev.spv.k1", "read", [self.k1_b.ids], {"fields": ["box_1"]})
        self.assertIn("AccessError", error["error"]["data"]["name"])

    def test_xmlrpc_as_the_portal_user(self):
        db = self.env.cr.dbname
        uid = self.xmlrpc_common.authenticate(db, "ev-portal-ivy", "ev-portal-ivy", {})
        self.assertTrue(uid)

        def execute(model, method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(db, uid, "ev-portal-ivy", model, method, list(args), kwargs)

        self.assertEqual(execute("ev.spv", "search", []), self.spv.ids)
        self.assertEqual(execute("ev.spv.distribution.line", "search_count", [("member_id", "!=", self.inv.id)]), 0)
        with mute_logger("odoo.http"):
            with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed|access"):
                execute("ev.spv", "read", self.spv_b.ids, fields=["name"])
            with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed|access"):
                execute(
                    "ev.spv.capital",
                    "read",
                    self.spv.tax_year_ids.capital_ids.filtered(lambda c: c.member_id == self.spn).ids,
                    fields=["book_end"],
                )
            with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed|access"):
                execute("ev.portal.access", "create", {"user_id": uid, "spv_id": self.spv_b.id})
