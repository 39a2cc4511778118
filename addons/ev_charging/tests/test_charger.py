from datetime import UTC, datetime, timedelta

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import EvCase, iso


@tagged("post_install", "-at_install")
class TestCharger(EvCase):
    def test_identity_unique_and_case_sensitive(self):
        self.env["ev.charger"].create({"identity": "t-201", "site_id": self.site.id})  # other case: another station
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["ev.charger"].create({"identity": "T-201", "site_id": self.site.id})

    def test_identity_charset(self):
        for bad in ("has space", "a/b", "", "x" * 49, "ünï"):
            with self.subTest(identity=bad), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.env["ev.charger"].create({"identity": bad, "site_id": self.site.id})
        ok = self.env["ev.charger"].create({"identity": "EVB-P1234*5_6=7+8|9@0.x", "site_id": self.site.id})
        self.assertEqual(ok.identity, "EVB-P1234*5_6=7+8|9@0.x")

    def test_password_stored_only_as_hash(self):
        with self.assertRaises(ValidationError):
            self.cp201.set_basic_auth_password("short")
        self.cp201.set_basic_auth_password("correct-horse-battery-1")
        stored = self.cp201.sudo().password_hash
        self.assertTrue(stored.startswith("$pbkdf2-sha256$"))
        self.assertNotIn("correct-horse", stored)
        self.assertTrue(self.cp201._check_basic_auth_password("correct-horse-battery-1"))
        self.assertFalse(self.cp201._check_basic_auth_password("correct-horse-battery-2"))
        station = self.env["ev.charger"].bridge_station("T-201")
        self.assertEqual(station["password_hash"], stored)
        self.assertEqual(station["registration_status"], "accepted")
        self.assertFalse(self.env["ev.charger"].bridge_station("t-201"), "identities are case-sensitive")

    def test_bridge_stations_in_one_call(self):
        stations = self.env["ev.charger"].bridge_stations(["T-201", "T-16", "NOPE", "t-201"])
        self.assertEqual(set(stations), {"T-201", "T-16"})
        self.assertEqual(stations["T-16"]["ocpp_version"], "1.6")
        self.assertEqual(stations["T-201"], self.env["ev.charger"].bridge_station("T-201"))
        with self.assertRaises(ValidationError):
            self.env["ev.charger"].bridge_stations("T-201")

    def test_site_lifecycle(self):
        site = self.env["ev.site"].create({"name": "Lifecycle", "tz": "Europe/Berlin"})
        self.assertEqual(site.state, "prospect")
        site.action_construction()
        site.action_commission()
        self.assertEqual(site.state, "commissioned")
        self.assertTrue(site.commissioning_date)
        site.action_operate()
        with self.assertRaises(ValidationError):
            site.action_construction()
        with self.assertRaises(ValidationError):
            site.write({"commissioning_date": False})
        site.action_decommission()
        self.assertEqual(site.state, "decommissioned")

    def test_site_map_link_and_bad_coordinates(self):
        site = self.env["ev.site"].create(
            {"name": "Geo", "tz": "America/Chicago", "latitude": 41.88, "longitude": -87.65}
        )
        self.assertIn("mlat=41.880000", site.map_url)
        self.assertEqual(site.action_open_map()["url"], site.map_url)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                site.latitude = 123

    def test_command_to_disconnected_charger_fails_fast_with_reason(self):
        action = self.cp201.action_reset_soft()
        cmd = self.cp201.command_ids
        self.assertEqual(cmd.state, "failed")
        self.assertIn("not connected", cmd.error)
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("not connected", action["params"]["message"])

    def test_bridge_pull_and_result(self):
        self.ingest([self.ev("T-201", "Connection", {"state": "connected", "node": "node-z"})])
        cmd = self.env["ev.charger.command"].create(
            {"charger_id": self.cp201.id, "action": "UnlockConnector", "params": {"evseId": 1, "connectorId": 1}}
        )
        pulled = self.env["ev.charger.command"].bridge_pull("node-z", ["T-201"])
        self.assertEqual(
            pulled,
            [
                {
                    "id": cmd.id,
                    "charger": "T-201",
                    "action": "UnlockConnector",
                    "version": "2.0.1",
                    "params": {"evseId": 1, "connectorId": 1},
                }
            ],
        )
        self.assertEqual(cmd.state, "sent")
        self.assertFalse(self.env["ev.charger.command"].bridge_pull("node-z", ["T-201"]), "pulled once")
        self.env["ev.charger.command"].bridge_result(cmd.id, "accepted", {"status": "Unlocked"})
        self.assertEqual((cmd.state, cmd.result_status), ("accepted", "Unlocked"))
        with self.assertRaises(ValidationError):
            self.env["ev.charger.command"].bridge_result(cmd.id, "maybe", {})

    def test_authorize_answers(self):
        Token = self.env["ev.id.token"]
        self.assertEqual(Token.bridge_authorize("T-201", "TOKEN-0001", "ISO14443")["status"], "Accepted")
        self.assertEqual(Token.bridge_authorize("T-16", "TOKEN-0001", None)["status"], "Accepted")
        self.assertEqual(Token.bridge_authorize("T-201", "NOBODY", "ISO14443")["status"], "Unknown")
        self.token.expiry = "2020-01-01 00:00:00"
        self.assertEqual(Token.bridge_authorize("T-201", "TOKEN-0001", "ISO14443")["status"], "Expired")
        self.token.write({"expiry": False, "status": "blocked"})
        self.assertEqual(Token.bridge_authorize("T-201", "TOKEN-0001", "ISO14443")["status"], "Blocked")

    def test_message_retention(self):
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "MessageLog",
                    {
                        "direction": "in",
                        "type": "CALL",
                        "action": "Heartbeat",
                        "unique_id": "old",
                        "payload": {},
                        "ts": "2020-01-01T00:00:00Z",
                    },
                ),
                self.ev(
                    "T-201",
                    "MessageLog",
                    {
                        "direction": "in",
                        "type": "CALL",
                        "action": "Heartbeat",
                        "unique_id": "new",
                        "payload": {},
                        "ts": iso(datetime.now(UTC) - timedelta(days=29)),
                    },
                ),
            ]
        )
        self.env["ir.config_parameter"].sudo().set_param("ev_charging.message_retention_days", 30)
        self.env["ev.ocpp.message"]._gc_messages()
        left = self.env["ev.ocpp.message"].search([("charger_id", "=", self.cp201.id)]).mapped("unique_id")
        self.assertEqual(left, ["new"])
