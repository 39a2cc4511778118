"""Access as the roles concerned: EV Tax User / Manager, multi-company isolation of SPVs (ORM and XML-RPC),
the TIN visible to managers only, and portal partners reading their own capital accounts only."""

import xmlrpc.client
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import EvTaxCase


class EvTaxSecurityMixin:
    @classmethod
    def _ev_security_setup(cls):
        cls.spv_b = cls._make_spv("Fund B LLC", "82-1234567")
        cls.b_inv, cls.b_spn = cls._make_partners(cls.spv_b, "B Investor", "B Sponsor")
        cls._golden_year(cls.spv, cls.inv, cls.spn)
        cls._golden_year(cls.spv_b, cls.b_inv, cls.b_spn)
        for spv in (cls.spv, cls.spv_b):
            spv._ev_tax_year(2024)._ev_compute()
        company_a = cls.spv.company_id
        user_group = cls.env.ref("ev_tax_equity.group_ev_tax_user")
        manager_group = cls.env.ref("ev_tax_equity.group_ev_tax_manager")
        cls.tax_user_a = cls.env["res.users"].create(
            {
                "name": "Tax user A",
                "login": "ev-tax-user-a",
                "password": "ev-tax-user-a-pw",
                "company_id": company_a.id,
                "company_ids": [Command.set(company_a.ids)],
                "groups_id": [Command.set([user_group.id])],
            }
        )
        cls.tax_manager_a = cls.env["res.users"].create(
            {
                "name": "Tax manager A",
                "login": "ev-tax-manager-a",
                "password": "ev-tax-manager-a-pw",
                "company_id": company_a.id,
                "company_ids": [Command.set(company_a.ids)],
                "groups_id": [Command.set([manager_group.id])],
            }
        )
        investor_contact = cls.env["res.partner"].create(
            {"name": "Jane Investor", "parent_id": cls.inv.partner_id.id, "email": "jane@investor.example.com"}
        )
        cls.portal_inv = cls.env["res.users"].create(
            {
                "name": "Jane Investor",
                "login": "ev-tax-portal-inv",
                "password": "ev-tax-portal-inv-pw",
                "partner_id": investor_contact.id,
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )


@tagged("post_install", "-at_install")
class TestTaxSecurity(EvTaxSecurityMixin, EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ev_security_setup()

    def test_user_of_spv_a_never_reads_spv_b(self):
        env = self.env(user=self.tax_user_a)
        self.assertEqual(env["ev.spv"].search([]), self.spv)
        self.assertEqual(env["ev.spv.partner"].search([]), self.inv | self.spn)
        self.assertEqual(env["ev.spv.capital"].search([]).spv_id, self.spv)
        self.assertEqual(env["ev.spv.distribution.line"].search([]).spv_id, self.spv)
        self.assertEqual(env["ev.spv.tax.year"].search([]).spv_id, self.spv)
        self.assertEqual(env["ev.port.credit"].search([]).spv_id, self.spv)
        self.assertEqual(env["ev.spv.hlbv"].search([]).spv_id, self.spv)
        for record, field in (
            (self.spv_b, "name"),
            (self.b_inv, "commitment"),
            (self.spv_b.tax_year_ids.capital_ids[:1], "book_end"),
            (self.spv_b.distribution_ids[:1], "amount"),
            (self.spv_b.port_credit_ids[:1], "credit"),
        ):
            with self.assertRaises(AccessError, msg=record._name):
                env[record._name].browse(record.id).read([field])
        # even asking for B's company in the context does not help: the user is not allowed in it
        with self.assertRaises(AccessError):
            env["ev.spv"].with_context(allowed_company_ids=self.spv_b.company_id.ids).search([])

    def test_user_opens_the_spv_form(self):
        self.spv.action_create_steps()
        self.spv.action_generate_calendar()
        env = self.env(user=self.tax_user_a)
        spv = env["ev.spv"].browse(self.spv.id)
        view = env["ev.spv"].get_views([(False, "form")])["views"]["form"]
        self.assertIn("task_ids", view["arch"])
        values = spv.read(["task_ids", "obligation_ids", "partner_ids", "tax_year_ids", "site_ids", "flip_state"])[0]
        self.assertTrue(values["task_ids"] and values["obligation_ids"])
        tasks = env["project.task"].browse(values["task_ids"]).read(["name", "ev_spv_phase", "state"])
        self.assertEqual(len(tasks), len(self.spv.task_ids))
        self.assertTrue(env["ev.spv.obligation"].browse(values["obligation_ids"]).mapped("due_date"))

    def test_user_reads_and_computes_but_does_not_configure(self):
        env = self.env(user=self.tax_user_a)
        spv = env["ev.spv"].browse(self.spv.id)
        self.assertEqual(
            spv.tax_year_ids.capital_ids.mapped("book_end"), self.spv.tax_year_ids.capital_ids.mapped("book_end")
        )
        spv.tax_year_ids.action_compute()  # allowed: a computation from the ledger
        spv.action_compute_flip()
        with self.assertRaises(AccessError):
            spv.write({"target_irr": 5})
        with self.assertRaises(AccessError):
            spv.action_confirm_allocations()
        with self.assertRaises(AccessError):
            env["ev.spv.contribution"].create(
                {
                    "spv_id": spv.id,
                    "member_id": self.inv.id,
                    "date": date(2024, 3, 1),
                    "amount": 1,
                    "journal_id": self.spv.bank_journal_id.id,
                }
            )
        with self.assertRaises(AccessError):
            env["ev.spv.distribution"]._ev_distribute(spv, date(2024, 3, 1), 10, self.spv.bank_journal_id)

    def test_tin_is_visible_to_managers_only(self):
        user_env, manager_env = self.env(user=self.tax_user_a), self.env(user=self.tax_manager_a)
        member = user_env["ev.spv.partner"].browse(self.inv.id)
        self.assertEqual(member.tin_masked, "***-**-4567")
        with self.assertRaises(AccessError):
            member.read(["tin"])
        self.assertNotIn("tin", user_env["ev.spv.partner"].fields_get())
        self.assertEqual(manager_env["ev.spv.partner"].browse(self.inv.id).tin, "82-1234567")
        # the manager of A does not reach B either
        with self.assertRaises(AccessError):
            manager_env["ev.spv.partner"].browse(self.b_inv.id).read(["tin"])

    def test_manager_posts_in_own_spv(self):
        env = self.env(user=self.tax_manager_a)
        contribution = env["ev.spv.contribution"].create(
            {
                "spv_id": self.spv.id,
                "member_id": self.inv.id,
                "date": date(2024, 3, 1),
                "amount": 10,
                "journal_id": self.spv.bank_journal_id.id,
            }
        )
        contribution.action_post()
        self.assertEqual(contribution.move_id.state, "posted")

    def test_portal_partner_reads_only_its_own_records(self):
        self._portal_invite(self.portal_inv, self.spv)
        env = self.env(user=self.portal_inv)
        self.assertEqual(env["ev.spv"].search([]), self.spv)
        self.assertEqual(env["ev.spv.partner"].search([]), self.inv)
        capital = env["ev.spv.capital"].search([])
        self.assertEqual(capital.member_id, self.inv)
        self.assertEqual(capital.book_end, 409480.0)
        self.assertEqual(env["ev.spv.distribution.line"].search([]).member_id, self.inv)
        sponsor_line = self.spv.tax_year_ids.capital_ids.filtered(lambda c: c.member_id == self.spn)
        with self.assertRaises(AccessError):
            env["ev.spv.capital"].browse(sponsor_line.id).read(["book_end"])
        with self.assertRaises(AccessError):
            env["ev.spv.partner"].browse(self.inv.id).read(["tin"])
        with self.assertRaises(AccessError):
            env["ev.spv.tax.year"].search([])


@tagged("post_install", "-at_install")
class TestTaxSecurityRpc(EvTaxSecurityMixin, EvTaxCase, HttpCase):
    """The same isolation over XML-RPC, as the bridge or a script would call it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ev_security_setup()

    def _rpc(self, login, password, model, method, *args, **kwargs):
        """``execute_kw`` over XML-RPC (HttpCase's proxies, served by the test server on this transaction)."""
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, password, {})
        self.assertTrue(uid, f"{login} can log in")
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, password, model, method, list(args), kwargs)

    def test_rpc_isolation_and_tin(self):
        login, password = "ev-tax-user-a", "ev-tax-user-a-pw"
        rows = self._rpc(login, password, "ev.spv", "search_read", [], fields=["name"])
        self.assertEqual([r["name"] for r in rows], [self.spv.name])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed|access"):
            self._rpc(login, password, "ev.spv", "read", [self.spv_b.id], fields=["name"])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed|access"):
            self._rpc(login, password, "ev.spv.partner", "read", [self.inv.id], fields=["tin"])
        masked = self._rpc(login, password, "ev.spv.partner", "read", [self.inv.id], fields=["tin_masked"])
        self.assertEqual(masked[0]["tin_masked"], "***-**-4567")
        tin = self._rpc(
            "ev-tax-manager-a", "ev-tax-manager-a-pw", "ev.spv.partner", "read", [self.inv.id], fields=["tin"]
        )
        self.assertEqual(tin[0]["tin"], "82-1234567")
        # a private method is not callable over RPC; a public one checks the caller's rights
        with self.assertRaisesRegex(xmlrpc.client.Fault, "(?i)private"):
            self._rpc(login, password, "ev.spv", "_ev_compute_flip", [self.spv.id])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Only EV Tax Manager"):
            self._rpc(login, password, "ev.spv", "action_confirm_allocations", [self.spv.id])
        # bad input over RPC: a fault with the reason, nothing stored
        with self.assertRaisesRegex(xmlrpc.client.Fault, "is not a bank or cash journal"):
            self._rpc(
                "ev-tax-manager-a",
                "ev-tax-manager-a-pw",
                "ev.spv.contribution",
                "create",
                {
                    "spv_id": self.spv.id,
                    "member_id": self.inv.id,
                    "date": "2024-03-01",
                    "amount": 5,
                    "journal_id": self.spv.journal_id.id,
                },
            )
        self.assertFalse(self.env["ev.spv.contribution"].search([("amount", "=", 5)]), "nothing stored")
