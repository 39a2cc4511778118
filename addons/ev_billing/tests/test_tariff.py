from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestTariff(EvBillingCase):
    def test_engine_conversion(self):
        tariff = self.env["ev.tariff"].create(
            {
                "name": "Conv",
                "currency_id": self.usd.id,
                "energy_rate": 0.3456,
                "session_fee": 0.5,
                "idle_fee_per_minute": 0.1,
                "idle_grace_minutes": 10,
                "min_price": 2,
                "max_price": 0,
                "window_ids": [
                    Command.create(
                        {
                            "name": "Night",
                            "start_hour": 22.5,
                            "end_hour": 6,
                            "energy_rate": 0.2,
                            "sat": False,
                            "sun": False,
                        }
                    )
                ],
            }
        )
        engine = tariff._ev_engine_tariff()
        self.assertEqual(str(engine.energy_rate), "0.34560")
        self.assertEqual(str(engine.session_fee), "0.50")
        self.assertEqual(str(engine.min_price), "2.00")
        self.assertIsNone(engine.max_price, "0 means no maximum")
        window = engine.windows[0]
        self.assertEqual((window.start.hour, window.start.minute, window.end.hour), (22, 30, 6))
        self.assertEqual(window.days, frozenset({0, 1, 2, 3, 4}))
        self.assertIsNone(window.time_rate_per_hour)

    def test_negative_rate_rejected(self):
        with self.assertRaisesMessage(ValidationError, "energy rate must not be negative, got -0.10000"):
            self.env["ev.tariff"].create({"name": "Neg", "currency_id": self.usd.id, "energy_rate": -0.1})
        with self.assertRaisesMessage(ValidationError, "idle fee per minute must not be negative"):
            self.tariff.idle_fee_per_minute = -1
        with self.assertRaisesMessage(ValidationError, "Window 'Peak' energy rate must not be negative"):
            self.tariff.write(
                {
                    "window_ids": [
                        Command.create({"name": "Peak", "start_hour": 16, "end_hour": 20, "energy_rate": -0.5})
                    ]
                }
            )

    def test_overlapping_windows_of_equal_priority_rejected(self):
        with self.assertRaises(ValidationError) as ctx:
            self.env["ev.tariff"].create(
                {
                    "name": "Overlap",
                    "currency_id": self.usd.id,
                    "energy_rate": 0.4,
                    "window_ids": [
                        Command.create(
                            {"name": "Peak", "start_hour": 16, "end_hour": 21, "energy_rate": 0.6, "priority": 10}
                        ),
                        Command.create(
                            {"name": "Evening", "start_hour": 20, "end_hour": 23, "energy_rate": 0.5, "priority": 10}
                        ),
                    ],
                }
            )
        message = str(ctx.exception)
        self.assertIn("'Peak' and 'Evening' have the same priority (10)", message)
        self.assertIn("20:00", message)
        self.assertIn("give one a higher priority", message)
        # different priorities are fine
        tariff = self.env["ev.tariff"].create(
            {
                "name": "Layered",
                "currency_id": self.usd.id,
                "energy_rate": 0.4,
                "window_ids": [
                    Command.create(
                        {"name": "Peak", "start_hour": 16, "end_hour": 21, "energy_rate": 0.6, "priority": 20}
                    ),
                    Command.create(
                        {"name": "Evening", "start_hour": 20, "end_hour": 23, "energy_rate": 0.5, "priority": 10}
                    ),
                ],
            }
        )
        # editing one window directly is validated against the others
        with self.assertRaisesMessage(ValidationError, "same priority"):
            tariff.window_ids.filtered(lambda w: w.name == "Peak").priority = 10
        # a wrapping window overlapping Monday morning from Sunday night
        with self.assertRaisesMessage(ValidationError, "Sun|Mon"):
            self.env["ev.tariff"].create(
                {
                    "name": "Wrap",
                    "currency_id": self.usd.id,
                    "energy_rate": 0.4,
                    "window_ids": [
                        Command.create(
                            {
                                "name": "Sunday night",
                                "mon": False,
                                "tue": False,
                                "wed": False,
                                "thu": False,
                                "fri": False,
                                "sat": False,
                                "start_hour": 22,
                                "end_hour": 6,
                                "energy_rate": 0.2,
                            }
                        ),
                        Command.create(
                            {
                                "name": "Monday early",
                                "tue": False,
                                "wed": False,
                                "thu": False,
                                "fri": False,
                                "sat": False,
                                "sun": False,
                                "start_hour": 5,
                                "end_hour": 8,
                                "energy_rate": 0.3,
                            }
                        ),
                    ],
                }
            )

    def test_swapping_priorities_in_one_write_is_validated_once(self):
        tariff = self.env["ev.tariff"].create(
            {
                "name": "Swap",
                "currency_id": self.usd.id,
                "energy_rate": 0.4,
                "window_ids": [
                    Command.create({"name": "A", "start_hour": 16, "end_hour": 21, "energy_rate": 0.6, "priority": 20}),
                    Command.create({"name": "B", "start_hour": 20, "end_hour": 23, "energy_rate": 0.5, "priority": 10}),
                ],
            }
        )
        a, b = tariff.window_ids.sorted("name")
        tariff.write({"window_ids": [Command.update(a.id, {"priority": 10}), Command.update(b.id, {"priority": 20})]})
        self.assertEqual((a.priority, b.priority), (10, 20))

    def test_unknown_currency_rejected(self):
        currency = self.env["res.currency"].create({"name": "ABQ", "symbol": "Q", "rounding": 0.01})
        with self.assertRaisesMessage(ValidationError, "Unknown currency 'ABQ': not an ISO 4217 currency code"):
            self.env["ev.tariff"].create({"name": "Bad cur", "currency_id": currency.id, "energy_rate": 0.4})

    def test_currency_rounding_must_match_iso(self):
        jpy = self.env.ref("base.JPY")
        jpy.rounding = 0.01  # ISO: 0 decimals
        with self.assertRaisesMessage(ValidationError, "JPY rounds to 2 decimals in Odoo but ISO 4217 uses 0"):
            self.env["ev.tariff"].create({"name": "Yen", "currency_id": jpy.id, "energy_rate": 40})

    def test_window_hours_and_rates(self):
        with self.assertRaisesMessage(ValidationError, "25 is not a time of day"):
            self.tariff.write(
                {"window_ids": [Command.create({"name": "Late", "start_hour": 25, "end_hour": 2, "energy_rate": 0.2})]}
            )
        with self.assertRaisesMessage(ValidationError, "sets neither an energy rate nor a time rate"):
            self.tariff.write(
                {
                    "window_ids": [
                        Command.create({"name": "Empty", "start_hour": 1, "end_hour": 2, "has_energy_rate": False})
                    ]
                }
            )
        with self.assertRaisesMessage(ValidationError, "applies on no day"):
            self.tariff.write(
                {
                    "window_ids": [
                        Command.create(
                            {
                                "name": "Never",
                                "start_hour": 1,
                                "end_hour": 2,
                                "energy_rate": 0.1,
                                "mon": False,
                                "tue": False,
                                "wed": False,
                                "thu": False,
                                "fri": False,
                                "sat": False,
                                "sun": False,
                            }
                        )
                    ]
                }
            )

    def test_min_above_max_and_bad_taxes(self):
        with self.assertRaisesMessage(ValidationError, "minimum price 5.00 is above its maximum price 3.00"):
            self.tariff.write({"min_price": 5, "max_price": 3})
        included = self.env["account.tax"].create(
            {
                "name": "Incl 10",
                "amount": 10,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        with self.assertRaisesMessage(ValidationError, "only exclusive"):
            self.tariff.tax_ids = included
        fixed = self.env["account.tax"].create(
            {"name": "Fixed 1", "amount": 1, "amount_type": "fixed", "type_tax_use": "sale"}
        )
        with self.assertRaisesMessage(ValidationError, "only exclusive"):
            self.tariff.tax_ids = fixed

    def test_precedence_charger_site_company(self):
        site_tariff = self.env["ev.tariff"].create({"name": "Site", "currency_id": self.usd.id, "energy_rate": 0.6})
        charger_tariff = self.env["ev.tariff"].create(
            {"name": "Charger", "currency_id": self.usd.id, "energy_rate": 0.7}
        )
        self.assertEqual(self.cp201._ev_tariff_and_source(), (self.tariff, "company"))
        self.site.tariff_id = site_tariff
        self.assertEqual(self.cp201._ev_tariff_and_source(), (site_tariff, "site"))
        self.cp201.tariff_id = charger_tariff
        self.assertEqual(self.cp201._ev_tariff_and_source(), (charger_tariff, "charger"))
        self.assertEqual(self.cp16._ev_tariff(), site_tariff, "the other charger of the site keeps the site's")
        self.assertEqual(self.cp2._ev_tariff(), self.tariff, "another site falls back on the company default")
        charger_tariff.active = False
        self.assertEqual(self.cp201._ev_tariff(), site_tariff, "an archived tariff is skipped")
        self.company.ev_default_tariff_id = False
        self.assertFalse(self.cp2._ev_tariff())
        self.assertEqual(self.cp2.tariff_source, "none")

    def test_price_multiplier_must_be_positive(self):
        with self.assertRaisesMessage(ValidationError, "price multiplier must be above 0"):
            self.cp201.price_multiplier = 0
        with self.assertRaisesMessage(ValidationError, "price multiplier must be above 0"):
            self.cp201.price_multiplier = -1.1
        self.cp201.price_multiplier = 1.1
