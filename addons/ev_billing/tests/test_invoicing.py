from datetime import UTC, date, datetime, timedelta

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestInvoicing(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {"name": "EV test tax 10%", "amount": 10, "amount_type": "percent", "type_tax_use": "sale"}
        )
        cls.tariff.tax_ids = cls.tax
        cls.company.tax_calculation_rounding_method = "round_globally"

    def test_session_invoice_for_adhoc_driver(self):
        self.assertEqual(self.driver.ev_billing_mode, "session", "ad-hoc drivers are invoiced per session")
        self.cp201.price_multiplier = 1.1
        session = self.run_session(self.cp201)
        # 10 kWh x 0.50 = 5.00, multiplier +0.50, fee 1.00 -> 6.50 + 10% = 7.15
        self.assertAlmostEqual(session.cost_total, 7.15)
        self.assertEqual(session.billing_state, "invoiced", session.billing_error)
        invoice = session.invoice_id
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.driver)
        self.assertEqual(invoice.currency_id, self.usd)
        self.assertEqual(invoice.invoice_date, date(2026, 7, 1))
        self.assertAlmostEqual(invoice.amount_untaxed, session.cost_subtotal)
        self.assertAlmostEqual(invoice.amount_tax, session.cost_tax)
        self.assertAlmostEqual(invoice.amount_total, session.cost_total)
        lines = invoice.invoice_line_ids
        self.assertEqual(sorted(lines.mapped("ev_cost_kind")), ["energy", "multiplier", "session_fee"])
        self.assertEqual(
            lines.filtered(lambda ln: ln.ev_cost_kind == "energy").product_id,
            self.env.ref("ev_billing.product_ev_energy"),
        )
        self.assertEqual(
            lines.filtered(lambda ln: ln.ev_cost_kind == "session_fee").product_id,
            self.env.ref("ev_billing.product_ev_session_fee"),
        )
        self.assertEqual(lines.filtered(lambda ln: ln.ev_cost_kind == "energy").ev_energy_kwh, 10.0)
        self.assertTrue(all(line.tax_ids == self.tax for line in lines))
        analytic = self.site.analytic_account_id
        self.assertTrue(analytic, "the site got its analytic account")
        self.assertEqual(analytic.plan_id, self.env.ref("ev_billing.analytic_plan_ev_sites"))
        for line in lines:
            self.assertEqual(line.analytic_distribution, {str(analytic.id): 100.0})
        # the posted revenue reaches the site's analytic account
        analytic_lines = self.env["account.analytic.line"].search([("move_line_id", "in", lines.ids)])
        self.assertAlmostEqual(sum(analytic_lines.mapped("amount")), 6.50)
        self.assertEqual(invoice.ev_session_ids, session)
        energy = lines.filtered(lambda ln: ln.ev_cost_kind == "energy")
        self.assertEqual((energy.quantity, energy.price_unit), (10.0, 0.5))
        self.assertEqual(energy.product_uom_id, self.env.ref("ev_billing.uom_ev_kwh"))
        self.assertIn("Energy (base rate)", energy.name)

    def test_invoice_lines_show_kwh_and_minutes(self):
        """Issue 9 item 9: a posted invoice shows kWh x rate per kWh and minutes x price per minute for charging
        time and idle fee (not quantity 1), and still adds up to the session's bill to the cent."""
        self.tariff.write(
            {
                "energy_rate": 0.3456,
                "time_rate_per_hour": 1.0,
                "idle_fee_per_minute": 0.15,
                "idle_grace_minutes": 5,
            }
        )
        events, tx_id = self.session_events(self.cp201, minutes=47, power_kw=7.4)
        # the vehicle stays plugged in 23 minutes after charging ended
        ended = next(e for e in events if e["action"] == "TransactionEvent" and e["payload"]["eventType"] == "Ended")
        stop = datetime.fromisoformat(ended["payload"]["timestamp"].replace("Z", "+00:00")) + timedelta(minutes=23)
        ended["payload"]["timestamp"] = ended["ts"] = stop.isoformat().replace("+00:00", "Z")
        self.ingest(events)
        session = self.find_session(self.cp201, tx_id)
        invoice = session.invoice_id
        self.assertEqual(invoice.state, "posted")
        line = {ln.ev_cost_kind: ln for ln in invoice.invoice_line_ids}
        cost = {ln.kind: ln for ln in session.cost_line_ids}
        kwh, minute = self.env.ref("ev_billing.uom_ev_kwh"), self.env.ref("ev_billing.uom_ev_minute")
        # energy: the billed kWh (to the Wh) x the rate per kWh
        self.assertEqual(line["energy"].product_uom_id, kwh)
        self.assertAlmostEqual(line["energy"].quantity, cost["energy"].quantity, places=3)
        self.assertNotEqual(line["energy"].quantity, 1.0)
        self.assertAlmostEqual(line["energy"].price_unit, 0.3456, places=5)
        # charging time: 47 minutes, as the engine bills it (0.7833 h, hours to 0.36 s), x 1.00/h = 0.01667 per minute
        self.assertEqual(line["time"].product_uom_id, minute)
        self.assertEqual(cost["time"].quantity, 0.7833)
        self.assertAlmostEqual(line["time"].quantity, 46.998, places=3)
        self.assertAlmostEqual(line["time"].price_unit, 0.01667, places=5)
        # idle: 23 - 5 minutes of grace = 18 whole minutes x 0.15
        self.assertEqual(line["idle"].product_uom_id, minute)
        self.assertEqual((line["idle"].quantity, line["idle"].price_unit), (18.0, 0.15))
        self.assertEqual((line["session_fee"].quantity, line["session_fee"].price_unit), (1.0, 1.0))
        # every line's amount is the bill's, and so are the totals (taxes on the rounded lines)
        for kind in ("energy", "time", "idle", "session_fee"):
            self.assertAlmostEqual(line[kind].price_subtotal, cost[kind].amount, places=2, msg=kind)
        self.assertAlmostEqual(invoice.amount_untaxed, session.cost_subtotal, places=2)
        self.assertAlmostEqual(invoice.amount_tax, session.cost_tax, places=2)
        self.assertAlmostEqual(invoice.amount_total, session.cost_total, places=2)
        # the printed invoice shows the units next to the quantities
        html = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", invoice.ids)[0].decode()
        self.assertRegex(html, r"5\.79\d+\s*</span>\s*<span[^>]*>kWh</span>")
        self.assertRegex(html, r"18\.000\s*</span>\s*<span[^>]*>min</span>")
        # a credit note reverses it exactly
        refund = invoice._reverse_moves()
        refund.action_post()
        self.assertAlmostEqual(refund.amount_total, session.cost_total, places=2)
        self.assertEqual(refund.invoice_line_ids.filtered(lambda ln: ln.ev_cost_kind == "energy").product_uom_id, kwh)

    def test_free_session_not_invoiced(self):
        session = self.run_session(self.cp201, minutes=10, power_kw=6.0)
        self.assertEqual(session.billing_state, "free")
        self.assertFalse(session.invoice_id)

    def test_unknown_driver_is_not_invoiced(self):
        session = self.run_session(self.cp201, token="UNKNOWN-TAG-9")
        self.assertEqual(session.billing_state, "no_customer")
        self.assertIn("UNKNOWN-TAG-9", session.billing_error)

    def test_monthly_invoice_per_customer(self):
        fleet = self.env["res.partner"].create({"name": "Fleet Co", "is_company": True, "ev_billing_mode": "monthly"})
        employee = self.env["res.partner"].create({"name": "Fleet Employee", "parent_id": fleet.id})
        token = self.env["ev.id.token"].create({"value": "FLEET-TOKEN-1", "partner_id": employee.id})
        july_1 = self.run_session(self.cp201, token=token.value)
        july_2 = self.run_session(
            self.cp2, token=token.value, start=datetime(2026, 7, 20, 18, 0, tzinfo=UTC), minutes=30, power_kw=20.0
        )
        august = self.run_session(self.cp201, token=token.value, start=datetime(2026, 8, 2, 14, 0, tzinfo=UTC))
        for session in july_1 | july_2 | august:
            self.assertEqual(session.billing_state, "to_invoice")
            self.assertFalse(session.invoice_id)
        # the run on August 3rd bills July only
        moves = self.env["ev.session"]._cron_ev_invoicing(today=date(2026, 8, 3))
        self.assertEqual(len(moves), 1)
        invoice = moves
        self.assertEqual(invoice.partner_id, fleet, "invoiced to the customer, not the employee")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date, date(2026, 7, 31))
        self.assertEqual(invoice.ev_session_ids, july_1 | july_2)
        self.assertEqual(august.billing_state, "to_invoice")
        self.assertAlmostEqual(invoice.amount_untaxed, july_1.cost_subtotal + july_2.cost_subtotal)
        sections = invoice.line_ids.filtered(lambda ln: ln.display_type == "line_section")
        self.assertEqual(len(sections), 2)
        self.assertIn(july_1.transaction_id, sections[0].name)
        # revenue per site on each site's analytic account
        for session, site in ((july_1, self.site), (july_2, self.site2)):
            lines = invoice.invoice_line_ids.filtered(lambda ln, session=session: ln.ev_session_id == session)
            self.assertTrue(lines)
            self.assertEqual(
                {str(k): v for k, v in lines[0].analytic_distribution.items()},
                {str(site.analytic_account_id.id): 100.0},
            )
            self.assertAlmostEqual(sum(lines.mapped("price_subtotal")), session.cost_subtotal)
        # a second run does not bill twice
        self.assertFalse(self.env["ev.session"]._cron_ev_invoicing(today=date(2026, 8, 4)))
        # September's run bills August
        moves = self.env["ev.session"]._cron_ev_invoicing(today=date(2026, 9, 1))
        self.assertEqual(moves.ev_session_ids, august)

    def test_failed_session_invoice_is_retried_by_cron(self):
        journal = self.env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", self.company.id)])
        journal.active = False
        with mute_logger("odoo.addons.ev_billing.models.ev_session"):  # the expected warning
            session = self.run_session(self.cp201)
        self.assertEqual(session.state, "completed")
        self.assertEqual(session.billing_state, "to_invoice")
        self.assertIn("Invoicing failed", session.billing_error)
        journal.active = True
        moves = self.env["ev.session"]._cron_ev_invoicing(today=date(2026, 7, 2))
        self.assertEqual(moves, session.invoice_id)
        self.assertEqual(session.billing_state, "invoiced")
