"""The demo (installed by ./ev test): two SPVs owning demo sites, one before and one after its flip, with
capital accounts that tie to their ledgers."""

from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestTaxDemo(TransactionCase):
    def test_two_spvs_one_before_one_after_the_flip(self):
        bay = self.env.ref("ev_tax_equity.demo_spv_bay", raise_if_not_found=False)
        lake = self.env.ref("ev_tax_equity.demo_spv_lake", raise_if_not_found=False)
        self.assertTrue(bay and lake, "./ev test builds its database with demo data")
        self.assertEqual((bay.flip_state, lake.flip_state), ("pre", "post"))
        self.assertGreater(lake.irr_at_flip, lake.target_irr)
        self.assertTrue(bay.expected_flip_year > bay.formation_date.year)
        for spv in (bay, lake):
            self.assertEqual(spv.company_id.chart_template, "generic_coa")
            self.assertTrue(spv.site_ids, "the SPV owns a demo site")
            sessions = self.env["ev.session"].search([("company_id", "=", spv.company_id.id)])
            self.assertGreater(len(sessions), 100)
            invoices = sessions.invoice_id
            self.assertTrue(invoices and set(invoices.mapped("company_id")) == {spv.company_id})
            self.assertTrue(spv.distribution_ids)
            years = spv.tax_year_ids
            self.assertEqual(len(years), 2, "last year and this year")
            for year in years:
                self.assertTrue(year.capital_ids)
                self.assertEqual(year.tie_difference, 0.0)
                self.assertEqual(sum(year.capital_ids.mapped("book_end")), year.ledger_equity)
            revenue = spv._ev_ledger_balance([("account_id.account_type", "=", "income")])
            self.assertLess(revenue, 0, "session revenue is booked in the SPV's ledger")

    def test_last_year_locked_with_released_k1s_this_year_in_draft(self):
        for xmlid in ("ev_tax_equity.demo_spv_bay", "ev_tax_equity.demo_spv_lake"):
            spv = self.env.ref(xmlid)
            last, this = spv.tax_year_ids.sorted("year")
            self.assertEqual((last.state, this.state), ("locked", "open"))
            self.assertTrue(last.checks_passed and this.return_data)
            self.assertEqual(spv.company_id.fiscalyear_lock_date, last.date_to)
            self.assertEqual(set(last.k1_ids.mapped("state")), {"released"})
            self.assertEqual(len(last.k1_ids), len(spv.partner_ids))
            self.assertFalse(this.k1_ids)
            self.assertTrue(spv.obligation_ids and spv.task_ids)
            self.assertEqual(spv.phase, "operations")
        golden_gate = self.env.ref("ev_tax_equity.demo_user_portal_investor").partner_id.commercial_partner_id
        k1 = self.env["ev.spv.k1"].search([("partner_id", "=", golden_gate.id)])
        self.assertEqual(k1.delivery, "electronic")
        self.assertEqual(
            set(self.env["ev.spv.k1"].search([("partner_id", "!=", golden_gate.id)]).mapped("delivery")), {"paper"}
        )
