"""Trips: one method per trip, GSA per diem from the rates table (standard CONUS rate, CSV import,
lodging by month) and from the GSA API when a key is configured (only its HTTP answer is
replaced, by a recorded answer shaped like api.gsa.gov's)."""

import base64
from datetime import date
from unittest.mock import patch

import requests

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import GrantCase

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def gsa_city_answer(city, state, meals, lodging):
    """A recorded answer of /travel/perdiem/v2/rates/city/{city}/state/{ST}/year/2026."""
    return {
        "request": None,
        "errors": [],
        "rates": [
            {
                "oconus_info": None,
                "rate": [
                    {
                        "months": {
                            "month": [
                                {"value": lodging[i], "number": i + 1, "short": MONTHS[i][:3], "long": MONTHS[i]}
                                for i in range(12)
                            ]
                        },
                        "meals": meals,
                        "zip": None,
                        "county": "Denver",
                        "city": city,
                        "standardRate": "false",
                    }
                ],
                "state": state,
                "year": 2026,
                "isOconus": "false",
            }
        ],
        "version": None,
    }


@tagged("post_install", "-at_install")
class TestTravel(GrantCase):
    def trip(self, **vals):
        values = {
            "name": "Site visit",
            "grant_id": self.grant.id,
            "employee_id": self.engineer.id,
            "dest_city": "Chicago",
            "dest_state_id": self.env.ref("base.state_us_14").id,
            "depart_date": date(2026, 3, 10),
            "return_date": date(2026, 3, 12),
            "method": "per_diem",
        }
        values.update(vals)
        return self.env["ev.grant.trip"].create(values)

    def test_per_diem_at_the_standard_conus_rate(self):
        trip = self.trip()
        trip.action_compute_per_diem()
        self.assertEqual(trip.per_diem_lodging, 220.00)
        self.assertEqual(trip.per_diem_mie, 170.00)  # 51 + 68 + 51
        self.assertEqual(trip.per_diem_total, 390.00)
        self.assertIn("Standard CONUS rate", trip.per_diem_detail)
        self.assertIn("2026-03-10: lodging 110.00 (rate 110.00), M&IE 51.00 (75 % of 68.00)", trip.per_diem_detail)

    def test_rates_csv_import_and_lodging_by_month(self):
        csv_text = (
            "fiscal_year,state,city,county,zip,month_from,month_to,lodging,mie\n"
            "2026,MA,Boston,Suffolk,,10,3,200,92\n"
            "2026,MA,Boston,Suffolk,,4,9,300,92\n"
        )
        wizard = self.env["ev.grant.rate.import.wizard"].create({"file": base64.b64encode(csv_text.encode())})
        wizard.action_import()
        self.assertEqual(wizard.imported, 12)
        trip = self.trip(
            dest_city="Boston",
            dest_state_id=self.env.ref("base.state_us_34").id,
            depart_date=date(2026, 3, 30),
            return_date=date(2026, 4, 2),
        )
        trip.action_compute_per_diem()
        # nights of 30 and 31 March at 200, 1 April at 300; M&IE 69.00 + 92 + 92 + 69.00
        self.assertEqual(trip.per_diem_lodging, 700.00)
        self.assertEqual(trip.per_diem_mie, 322.00)
        self.assertEqual(trip.per_diem_total, 1022.00)

    def test_bad_rates_csv_imports_nothing(self):
        before = self.env["ev.grant.per.diem.rate"].search_count([])
        bad = "fiscal_year,state,month_from,month_to,lodging,mie\n2026,MA,1,12,200,92\n2026,XYZ,1,12,abc,92\n"
        wizard = self.env["ev.grant.rate.import.wizard"].create({"file": base64.b64encode(bad.encode())})
        with self.refused(
            UserError,
            r"Nothing was imported; fix these lines of the CSV:\nline 3: state "
            r"'XYZ' is not a two-letter code; lodging 'abc' is not an amount",
        ):
            wizard.action_import()
        self.assertEqual(self.env["ev.grant.per.diem.rate"].search_count([]), before)

    def test_one_method_per_trip(self):
        trip = self.trip()
        with self.refused(
            ValidationError,
            "uses GSA per diem, which already pays lodging and meals: remove the actual lodging expense",
        ):
            self.env["ev.grant.trip.expense"].create({"trip_id": trip.id, "kind": "lodging", "amount": 189})
        self.assertFalse(trip.expense_ids)
        with self.refused(ValidationError, "one method per trip"):
            self.trip(expense_ids=[(0, 0, {"kind": "meals", "amount": 40})])
        # airfare is an actual expense under either method
        self.env["ev.grant.trip.expense"].create({"trip_id": trip.id, "kind": "airfare", "amount": 412.60})
        trip.action_compute_per_diem()
        trip.method = "actual"  # switching clears the per diem
        self.assertEqual(trip.per_diem_total, 0)
        with self.refused(UserError, "uses actual expenses: it has no per diem"):
            trip.action_compute_per_diem()
        self.env["ev.grant.trip.expense"].create({"trip_id": trip.id, "kind": "lodging", "amount": 189})
        self.assertEqual(trip.total, 601.60)

    def test_posting_a_trip_charges_travel(self):
        trip = self.trip(expense_ids=[(0, 0, {"kind": "airfare", "amount": 412.60, "date": date(2026, 3, 10)})])
        trip.action_post()
        self.assertEqual(trip.state, "posted")
        self.assertEqual(sorted(trip.cost_ids.mapped("amount")), [390.00, 412.60])
        self.assertEqual(set(trip.cost_ids.mapped("category")), {"c"})
        with self.refused(UserError, "Posted trips cannot change"):
            trip.return_date = date(2026, 3, 14)
        with self.refused(UserError, "The trip is posted"):
            trip.expense_ids.amount = 1
        with self.refused(ValidationError, "outside the period of performance"):
            self.trip(depart_date=date(2025, 9, 29), return_date=date(2025, 10, 2))

    def test_gsa_api_is_used_when_a_key_is_configured(self):
        client = self.registry["ev.grant.gsa.client"]
        lodging = [150, 150, 160, 170, 190, 210, 210, 200, 190, 180, 160, 150]
        denver = {
            "dest_city": "Denver",
            "dest_state_id": self.env.ref("base.state_us_6").id,
            "depart_date": date(2026, 5, 31),
            "return_date": date(2026, 6, 2),
        }
        with patch.object(client, "_http_get", autospec=True) as http_get:
            trip = self.trip(**denver)
            trip.action_compute_per_diem()
            http_get.assert_not_called()  # no key: the standard rate
            self.assertEqual(trip.per_diem_total, 390.00)
        self.env["ir.config_parameter"].set_param("ev_grants.gsa_api_key", "test-key")
        with patch.object(
            client, "_http_get", autospec=True, return_value=gsa_city_answer("Denver", "CO", 92, lodging)
        ) as http_get:
            trip = self.trip(**denver)
            trip.action_compute_per_diem()
            self.assertEqual(http_get.call_count, 1)
            self.assertEqual(http_get.call_args.args[1], "/city/Denver/state/CO/year/2026")
            # nights of 31 May (190) and 1 June (210); M&IE 69 + 92 + 69
            self.assertEqual(trip.per_diem_lodging, 400.00)
            self.assertEqual(trip.per_diem_mie, 230.00)
            # stored in the table: the next trip needs no call
            again = self.trip(**denver)
            again.action_compute_per_diem()
            self.assertEqual(http_get.call_count, 1)
        rows = self.env["ev.grant.per.diem.rate"].search([("city", "=", "Denver")])
        self.assertEqual(len(rows), 12)
        self.assertEqual(set(rows.mapped("source")), {"api"})

    def test_gsa_api_failure_is_a_clear_error(self):
        self.env["ir.config_parameter"].set_param("ev_grants.gsa_api_key", "test-key")
        client = self.registry["ev.grant.gsa.client"]
        with (
            patch.object(client, "_http_get", autospec=True, side_effect=requests.ConnectionError("refused")),
            self.assertLogs("odoo.addons.ev_grants.models.ev_grant_gsa_client", "WARNING"),
        ):
            trip = self.trip(dest_city="Denver", dest_state_id=self.env.ref("base.state_us_6").id)
            with self.refused(
                UserError, "The GSA per diem API did not answer for /city/Denver/state/CO/year/2026: refused"
            ):
                trip.action_compute_per_diem()
