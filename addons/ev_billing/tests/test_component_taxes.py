"""Taxes per price component: tariff fields, engine breakdown, cost lines and invoice lines."""

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestComponentTaxes(EvBillingCase):
    """The common USD tariff (0.50/kWh + 1.00 per session) with no tariff-level taxes; a default
    session delivers 10 kWh: energy 5.00, session fee 1.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales = cls.env["account.tax"].create(
            {
                "name": "EV sales tax",
                "amount": 8.25,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.company.tax_calculation_rounding_method = "round_globally"

    def assert_invoice_matches(self, session):
        invoice = session.invoice_id
        self.assertEqual(session.billing_state, "invoiced", session.billing_error)
        self.assertEqual(invoice.state, "posted")
        cur = invoice.currency_id
        for field, cost in (
            ("amount_untaxed", "cost_subtotal"),
            ("amount_tax", "cost_tax"),
            ("amount_total", "cost_total"),
        ):
            self.assertFalse(
                cur.compare_amounts(invoice[field], session[cost]),
                f"{field} {invoice[field]} != {cost} {session[cost]}",
            )
        self.assertFalse(invoice.message_ids.filtered(lambda m: "differs" in (m.body or "")))
        self.assertFalse(session.message_ids.filtered(lambda m: "differs from the session cost" in (m.body or "")))
        return invoice

    def test_energy_taxed_session_fee_untaxed(self):
        self.tariff.energy_tax_ids = self.sales
        session = self.run_session(self.cp201)
        # energy 10 kWh x 0.50 = 5.00 taxed 8.25 % -> 0.4125 -> 0.41 ; fee 1.00 untaxed ; total 6.41
        self.assertAlmostEqual(session.cost_subtotal, 6.00)
        self.assertAlmostEqual(session.cost_tax, 0.41)
        self.assertAlmostEqual(session.cost_total, 6.41)
        self.assertEqual(self.lines_by_kind(session, "energy").tax_ids, self.sales)
        self.assertFalse(self.lines_by_kind(session, "session_fee").tax_ids)
        tax_line = self.lines_by_kind(session, "tax")
        self.assertEqual(tax_line.tax_ids, self.sales)
        self.assertEqual((tax_line.quantity, tax_line.amount), (5.0, 0.41))
        self.assertEqual(tax_line.label, "EV sales tax 8.25% on 5.00 USD (energy)")
        self.assertEqual(
            session.cost_breakdown["lines"][0]["taxes"],
            [{"name": "EV sales tax", "rate": "0.0825", "ref": self.sales.id}],
        )

        invoice = self.assert_invoice_matches(session)
        lines = invoice.invoice_line_ids
        energy = lines.filtered(lambda ln: ln.ev_cost_kind == "energy")
        fee = lines.filtered(lambda ln: ln.ev_cost_kind == "session_fee")
        self.assertEqual(energy.tax_ids, self.sales)
        self.assertFalse(fee.tax_ids)
        self.assertEqual(fee.product_id, self.env.ref("ev_billing.product_ev_session_fee"))
        self.assertAlmostEqual(invoice.amount_tax, 0.41)
        self.assertAlmostEqual(invoice.amount_total, 6.41)

    def test_multiplier_and_minimum_price_split_per_tax_group(self):
        self.tariff.write({"energy_tax_ids": [Command.set(self.sales.ids)], "min_price": 10.00})
        self.cp201.price_multiplier = 1.1
        session = self.run_session(self.cp201)
        # energy 5.00 (sales) ; fee 1.00 (untaxed) ; multiplier x1.1 on energy 5.00 -> 0.50 (sales)
        # pre-clamp 6.50 < 10.00 -> +3.50 shared 5.50 : 1.00 -> 2.961538 / 0.538462 -> floors 2.96 + 0.53,
        # the last cent to the larger remainder -> 2.96 (sales) + 0.54 (untaxed)
        # sales on 5.00 + 0.50 + 2.96 = 8.46 -> 0.69795 -> 0.70 ; total 10.70
        rows = [(ln.kind, round(ln.amount, 2), ln.tax_ids) for ln in session.cost_line_ids.sorted("sequence")]
        empty = self.env["account.tax"]
        self.assertEqual(
            rows,
            [
                ("energy", 5.00, self.sales),
                ("session_fee", 1.00, empty),
                ("multiplier", 0.50, self.sales),
                ("min_adjust", 2.96, self.sales),
                ("min_adjust", 0.54, empty),
                ("tax", 0.70, self.sales),
            ],
        )
        self.assertAlmostEqual(session.cost_total, 10.70)

        invoice = self.assert_invoice_matches(session)
        lines = invoice.invoice_line_ids
        self.assertEqual(len(lines), 5)
        adjust = lines.filtered(lambda ln: ln.ev_cost_kind == "min_adjust").sorted("price_unit")
        self.assertEqual(adjust.mapped("price_unit"), [0.54, 2.96])
        self.assertEqual([line.tax_ids for line in adjust], [empty, self.sales])
        self.assertEqual(adjust.product_id, self.env.ref("ev_billing.product_ev_adjustment"))
        self.assertIn("share of session fee (1.00 of 6.50 USD)", adjust[0].name)
        self.assertAlmostEqual(invoice.amount_tax, 0.70)
        self.assertAlmostEqual(invoice.amount_total, 10.70)

    def test_round_per_line_difference_is_reported(self):
        # same as above but the company rounds taxes per line: 0.41 + 0.04 + 0.24 = 0.69 instead of 0.70
        self.company.tax_calculation_rounding_method = "round_per_line"
        self.tariff.write({"energy_tax_ids": [Command.set(self.sales.ids)], "min_price": 10.00})
        self.cp201.price_multiplier = 1.1
        session = self.run_session(self.cp201)
        self.assertAlmostEqual(session.cost_total, 10.70)
        self.assertAlmostEqual(session.invoice_id.amount_total, 10.69)
        self.assertTrue(session.message_ids.filtered(lambda m: "Round globally" in (m.body or "")))

    def test_component_taxes_override_the_tariff_taxes(self):
        vat = self.make_tax(10.0, "EV VAT")
        exempt = self.make_tax(0.0, "EV exempt")
        self.tariff.write({"tax_ids": [Command.set(vat.ids)], "session_fee_tax_ids": [Command.set(exempt.ids)]})
        session = self.run_session(self.cp201)
        # energy 5.00 with the tariff's 10 % = 0.50 ; fee 1.00 with its own 0 % = 0.00 ; total 6.50
        self.assertEqual(self.lines_by_kind(session, "energy").tax_ids, vat)
        self.assertEqual(self.lines_by_kind(session, "session_fee").tax_ids, exempt)
        self.assertEqual(
            sorted((ln.label, ln.amount) for ln in self.lines_by_kind(session, "tax")),
            [("EV VAT 10% on 5.00 USD (energy)", 0.5), ("EV exempt 0% on 1.00 USD (session fee)", 0.0)],
        )
        self.assertAlmostEqual(session.cost_total, 6.50)
        invoice = self.assert_invoice_matches(session)
        self.assertEqual(invoice.invoice_line_ids.filtered(lambda ln: ln.ev_cost_kind == "session_fee").tax_ids, exempt)
        self.assertEqual(invoice.invoice_line_ids.filtered(lambda ln: ln.ev_cost_kind == "energy").tax_ids, vat)

    def test_component_taxes_are_validated(self):
        included = self.env["account.tax"].create(
            {
                "name": "Incl 10",
                "amount": 10,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        fixed = self.env["account.tax"].create(
            {"name": "Fixed 1", "amount": 1, "amount_type": "fixed", "type_tax_use": "sale"}
        )
        for field in ("energy_tax_ids", "time_tax_ids", "idle_tax_ids", "session_fee_tax_ids"):
            with self.assertRaisesMessage(ValidationError, "Incl 10 cannot be used on a tariff: only exclusive"):
                self.tariff[field] = included
            with self.assertRaisesMessage(ValidationError, "Fixed 1 cannot be used on a tariff: only exclusive"):
                self.tariff[field] = fixed
        other = self.env["res.company"].create({"name": "Other EV company"})
        group = self.env["account.tax.group"].create({"name": "Other group", "company_id": other.id})
        foreign = self.env["account.tax"].create(
            {
                "name": "Foreign 5",
                "amount": 5,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": other.id,
                "tax_group_id": group.id,
                "country_id": self.env.ref("base.us").id,
            }
        )
        with self.assertRaisesMessage(UserError, "Incompatible companies"):
            self.tariff.energy_tax_ids = foreign

    def test_half_cent_tax_rounds_up_in_engine_and_invoice(self):
        self.tariff.energy_tax_ids = self.sales
        session = self.run_session(self.cp201, minutes=120)
        # 20 kWh x 0.50 = 10.00 ; 10.00 x 8.25 % = 0.825 -> 0.83 (HALF_UP, engine and Odoo) ; total 11.83
        self.assertAlmostEqual(session.billed_energy_kwh, 20.0)
        self.assertAlmostEqual(session.cost_tax, 0.83)
        invoice = self.assert_invoice_matches(session)
        self.assertAlmostEqual(invoice.amount_total, 11.83)
