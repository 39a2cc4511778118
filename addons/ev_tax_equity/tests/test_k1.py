"""Schedules K-1 from the locked golden year (mid-year flip): values computed by hand, the sum of the K-1s
equal to Schedule K line by line, the batched generation job, release (electronic with consent, paper
otherwise), filing, amendments keeping the versions they replace, and who reads which K-1."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..lib import ev_tax_1065
from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestK1(EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._golden_year(cls.spv, cls.inv, cls.spn)
        cls.year = cls.spv._ev_tax_year(2024)
        contact = cls.env["res.partner"].create(
            {"name": "Ivy Investor", "parent_id": cls.inv.partner_id.id, "email": "ivy@investor.example.com"}
        )
        cls.portal_inv = cls.env["res.users"].create(
            {
                "name": "Ivy Investor",
                "login": "ev-k1-portal-inv",
                "partner_id": contact.id,
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    def _generate(self, batch_size=1):
        self.year.action_lock()
        run = self.env["ev.spv.k1.run"]._ev_start(self.year)
        run.batch_size = batch_size
        steps = []
        while self.env["ev.spv.k1.run"]._cron_process():
            steps.append((run.done_count, run.progress))
        return run, steps

    def test_releasing_k1s_of_an_unlocked_year_is_refused(self):
        with self.assertRaisesRegex(UserError, "Lock the return of Test EV Fund I LLC 2024 before generating"):
            self.env["ev.spv.k1.run"]._ev_start(self.year)
        with self.assertRaisesRegex(UserError, "lock Test EV Fund I LLC 2024 first"):
            self.year._ev_generate_k1s()
        run, _steps = self._generate()
        self.env["ev.spv.unlock.wizard"].create({"tax_year_id": self.year.id, "reason": "correction"}).action_apply()
        with self.assertRaisesRegex(UserError, "is not locked: lock it"):
            self.year.k1_ids.action_release()

    def test_golden_k1s_and_batched_run(self):
        run, steps = self._generate(batch_size=1)
        # two partners, one per batch: progress reported after each
        self.assertEqual(steps, [(1, 50.0)])
        self.assertEqual((run.state, run.done_count, run.total), ("done", 2, 2))
        k1s = {k.member_id: k for k in self.year.k1_ids}
        inv, spn = k1s[self.inv], k1s[self.spn]
        # box 1: -102,650 split at the 1 July flip: -51,325 x 99 % + -51,325 x 5 %; sponsor 1 % / 95 %
        self.assertEqual((inv.box_1, spn.box_1), (-53378.0, -49272.0))
        self.assertEqual((inv.box_15, spn.box_15), (89100.0, 900.0))
        self.assertEqual((inv.box_19, spn.box_19), (9500.0, 10500.0))
        self.assertEqual(
            inv.data["part2"]["L"],
            {
                "beginning": "0.00",
                "contributed": "400000.00",
                "income": "-53378.00",
                "other": "-89100.00",
                "withdrawals": "9500.00",
                "ending": "248022.00",
            },
        )
        self.assertEqual(inv.data["part2"]["J"]["profit"], ["99.000000", "5.000000"])
        self.assertEqual(inv.data["part1"]["ein"], "94-3123457")
        self.assertEqual(inv.data["part2"]["tin"], "***-**-4567", "the partner's copy shows a truncated TIN")
        self.assertEqual([row[:2] for row in inv._ev_boxes()], [("1", ""), ("15", "P"), ("19", "A")])
        # the K-1s add up to Schedule K line by line, to the cent
        for line in ev_tax_1065.K_LINES:
            total = sum(float(k.data["boxes"].get(line, 0)) for k in self.year.k1_ids)
            self.assertAlmostEqual(total, float(self.year.return_data["k"].get(line, 0)), 2, line)
        self.assertFalse(self.year.k1_rounding_note)
        self.assertIn("Ordinary business income", inv.html)

    def test_generation_through_the_cron_reports_progress(self):
        self.year.action_lock()
        run = self.env["ev.spv.k1.run"]._ev_start(self.year)
        run.batch_size = 1
        cron = self.env.ref("ev_tax_equity.ir_cron_k1_runs")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the run wakes the cron up")
        cron.method_direct_trigger()
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertEqual((progress.done, progress.remaining), (1, 1))
        self.assertEqual((run.state, run.progress), ("running", 50.0))
        cron.method_direct_trigger()
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertEqual((progress.done, progress.remaining), (2, 0))
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self.year.k1_ids), 2)

    def test_release_electronic_with_consent_paper_otherwise(self):
        self.env["ev.spv.consent"].with_user(self.portal_inv).give_consent()
        self._generate(batch_size=10)
        self.year.k1_ids.action_release()
        k1s = {k.member_id: k for k in self.year.k1_ids}
        inv, spn = k1s[self.inv], k1s[self.spn]
        self.assertEqual((inv.state, inv.delivery, spn.delivery), ("released", "electronic", "paper"))
        self.assertEqual(inv.released_by, self.env.user)
        self.assertEqual(sorted(inv.furnishing_ids.mapped("channel")), ["email", "portal"])
        self.assertEqual(spn.furnishing_ids.mapped("channel"), ["paper"])
        self.assertEqual(spn.furnishing_ids.state, "pending")
        spn.action_mark_paper_sent()
        self.assertEqual(spn.furnishing_ids.state, "done")
        # the portal contact reads its partner's released K-1, never the sponsor's
        self._portal_invite(self.portal_inv, self.spv)
        env = self.env(user=self.portal_inv)
        self.assertEqual(env["ev.spv.k1"].search([]), inv)
        self.assertEqual(env["ev.spv.k1"].browse(inv.id).box_1, -53378.0)
        self.assertIn("-53,378.00", env["ev.spv.k1"].browse(inv.id).html, "the portal renders its own K-1")
        with self.assertRaises(AccessError):
            env["ev.spv.k1"].browse(spn.id).read(["box_1"])
        self.assertEqual(env["ev.spv.consent"].search([]).state, "active")
        # filed with the return
        self.year.k1_ids.action_mark_filed()
        self.assertEqual(set(self.year.k1_ids.mapped("state")), {"filed"})
        self.assertTrue(inv.filed_at and inv.filed_by == self.env.user)
        with self.assertRaisesRegex(UserError, "Only draft K-1s"):
            inv.action_release()

    def test_draft_k1s_are_not_on_the_portal(self):
        self._portal_invite(self.portal_inv, self.spv)
        self._generate(batch_size=10)
        self.assertFalse(self.env(user=self.portal_inv)["ev.spv.k1"].search([]))

    def test_consent_withdrawal_sends_later_k1s_on_paper(self):
        consent_model = self.env["ev.spv.consent"].with_user(self.portal_inv)
        consent_model.give_consent()
        consent_model.withdraw_consent()
        consent = self.env["ev.spv.consent"].search([("partner_id", "=", self.inv.partner_id.id)])
        self.assertEqual((consent.state, consent.withdrawn_by), ("withdrawn", self.portal_inv))
        self._generate(batch_size=10)
        self.year.k1_ids.action_release()
        self.assertEqual(set(self.year.k1_ids.mapped("delivery")), {"paper"})
        with self.assertRaisesRegex(UserError, "no electronic consent"):
            consent_model.withdraw_consent()
        stranger = self.env["res.users"].create(
            {
                "name": "Stranger",
                "login": "ev-k1-stranger",
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        with self.assertRaisesRegex(AccessError, "Only the contacts of an SPV's partner"):
            self.env["ev.spv.consent"].with_user(stranger).give_consent()
        with self.assertRaisesRegex(UserError, "disclosures changed"):
            consent_model.give_consent("2019-0")

    def test_amendment_keeps_the_versions_it_replaces(self):
        self._generate(batch_size=10)
        self.year.k1_ids.action_release()
        original = self.year.k1_ids.filtered(lambda k: k.member_id == self.inv)
        self.env["ev.spv.unlock.wizard"].create(
            {"tax_year_id": self.year.id, "reason": "Missed revenue"}
        ).action_apply()
        with self.assertRaisesRegex(UserError, "Lock the corrected return"):
            original.action_amend()
        # a forgotten 1,000 of revenue in December: the return is corrected and locked again
        bank = self.spv.bank_journal_id.default_account_id
        self._entry(self.spv, date(2024, 12, 20), [(bank, 1000, 0), (self._account(self.spv, "income"), 0, 1000)])
        self.year.action_lock()
        amendment = original.action_amend()
        self.assertEqual((amendment.version, amendment.amended_from_id, amendment.state), (2, original, "draft"))
        # 1,000 more, half after the flip: box 1 grows by 500 x 99 % + 500 x 5 % = 520
        self.assertEqual(amendment.box_1, -53378.0 + 520.0)
        with self.assertRaisesRegex(UserError, "already has a draft amendment"):
            original.action_amend()
        amendment.action_release()
        self.assertEqual((original.state, amendment.state), ("superseded", "released"))
        self.assertIn("amended, v2", amendment.display_name)
        versions = self.env["ev.spv.k1"].search([("member_id", "=", self.inv.id), ("year", "=", 2024)])
        self.assertEqual(versions.mapped("version"), [2, 1])

    def test_tax_user_of_another_spv_reads_no_k1(self):
        self._generate(batch_size=10)
        other = self._make_spv("Other Fund LLC", "82-1234567")
        user = self.env["res.users"].create(
            {
                "name": "Other tax user",
                "login": "ev-k1-other-user",
                "company_id": other.company_id.id,
                "company_ids": [Command.set(other.company_id.ids)],
                "groups_id": [Command.set(self.env.ref("ev_tax_equity.group_ev_tax_user").ids)],
            }
        )
        env = self.env(user=user)
        self.assertFalse(env["ev.spv.k1"].search([]))
        with self.assertRaises(AccessError):
            env["ev.spv.k1"].browse(self.year.k1_ids[0].id).read(["box_1"])
        with self.assertRaises(AccessError):
            env["ev.spv.k1"].browse(self.year.k1_ids.ids).action_release()
