"""Charging-profile templates applied to chargers and to a site (SetChargingProfile /
ClearChargingProfile, EV Manager), checked before sending, and composite schedules asked by an EV
User, stored and shown in the site's timezone (issue 9, item 11)."""

import xmlrpc.client

from odoo.tests import tagged
from odoo.tools import mute_logger

from .remote_common import RPC_LOGGERS, RemoteCase

PERIODS = [
    (0, 0, {"start_period": 0, "limit": 16.0, "number_phases": 3}),
    (0, 0, {"start_period": 1800, "limit": 10.0}),
]


@tagged("post_install", "-at_install")
class TestSmartCharging(RemoteCase):
    def template(self, who="manager", **vals):
        values = {"name": "Night 16 A", "purpose": "TxDefaultProfile", "kind": "Relative", "period_ids": PERIODS}
        values.update(vals)
        return self.env["ev.charging.profile"].browse(self.rpc(who, "ev.charging.profile", "create", values))

    def apply(self, profile, who="manager", **vals):
        values = {"profile_id": profile.id, "target": "chargers", "charger_ids": [(6, 0, [self.cp201.id])]}
        values.update(vals)
        wizard = self.rpc(who, "ev.charging.profile.apply.wizard", "create", values)
        return self.rpc(who, "ev.charging.profile.apply.wizard", "action_apply", [wizard])

    def test_apply_to_a_site_then_clear(self):
        profile = self.template()
        action = self.apply(profile, target="site", site_id=self.site.id, charger_ids=[(6, 0, [])])
        self.assertEqual(action["res_model"], "ev.charger.profile")
        assignments = self.env["ev.charger.profile"].search(action["domain"])
        self.assertEqual(set(assignments.charger_id.mapped("identity")), {"T-201", "T-16"})
        expected = {
            "evseId": 0,
            "chargingProfile": {
                "id": profile.id,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                            {"startPeriod": 1800, "limit": 10.0},
                        ],
                    }
                ],
            },
        }
        for assignment in assignments:
            pulled = self.deliver(assignment.set_command_id.id, {"status": "Accepted"})
            self.assertEqual((pulled["action"], pulled["params"]), ("SetChargingProfile", expected))
        self.assertEqual(assignments.mapped("state"), ["active", "active"])
        self.assertEqual(profile.assignment_count, 2)
        # applying it again replaces it on the station (same profile id)
        action = self.apply(profile)
        self.deliver(action["res_id"], {"status": "Accepted"})
        self.assertEqual(assignments.filtered(lambda a: a.charger_id == self.cp201).state, "replaced")
        current = self.cp201.charger_profile_ids.filtered(lambda a: a.state == "active")
        action = self.rpc("manager", "ev.charger.profile", "action_clear", [current.id])
        pulled = self.deliver(action["res_id"], {"status": "Accepted"})
        self.assertEqual(
            (pulled["action"], pulled["params"]), ("ClearChargingProfile", {"chargingProfileId": profile.id})
        )
        self.assertEqual(current.state, "cleared")
        on16 = assignments.filtered(lambda a: a.charger_id == self.cp16)
        action = self.rpc("manager", "ev.charger.profile", "action_clear", [on16.id])
        self.deliver(action["res_id"], {"status": "Unknown"}, state="rejected")
        self.assertEqual(on16.state, "cleared")
        self.assertIn("holds no such profile", on16.note)

    def test_station_refusal_and_not_delivered(self):
        profile = self.template()
        action = self.apply(profile)
        self.deliver(action["res_id"], {"status": "Rejected"}, state="rejected")
        self.assertEqual(self.cp201.charger_profile_ids.state, "rejected")
        action = self.apply(profile)
        self.deliver(action["res_id"], {"error": "no answer"}, state="timeout")
        self.assertEqual(self.cp201.charger_profile_ids[0].state, "failed")

    @mute_logger(*RPC_LOGGERS)
    def test_bad_templates_and_targets_are_refused_with_a_reason(self):
        for vals, reason in (
            ({"period_ids": [(0, 0, {"start_period": 60, "limit": 16})]}, "first period must start at 0"),
            ({"kind": "Recurring"}, "needs a recurrency"),
            ({"period_ids": []}, "at least one period"),
            ({"period_ids": [(0, 0, {"start_period": 0, "limit": -1})]}, "limit must be a number of 0 or more"),
            ({"purpose": "ChargingStationMaxProfile"}, "cannot be relative"),
            ({"valid_from": "2026-08-01 00:00:00", "valid_to": "2026-07-01 00:00:00"}, "valid to a time after"),
        ):
            with self.subTest(reason=reason), self.assertRaisesRegex(xmlrpc.client.Fault, reason):
                self.template(**vals)
        before = self.Command.search_count([])
        maximum = self.template(purpose="ChargingStationMaxProfile", kind="Absolute")
        with self.assertRaisesRegex(xmlrpc.client.Fault, r"whole station \(EVSE 0\)"):
            self.apply(maximum, evse_number=1)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "EVSE 3 is unknown on T-201"):
            self.apply(self.template(), evse_number=3)
        expired = self.template(valid_to="2020-01-01 00:00:00")
        with self.assertRaisesRegex(xmlrpc.client.Fault, "no longer valid"):
            self.apply(expired)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Choose the site"):
            self.apply(self.template(), target="site")
        # who may apply: an EV Manager
        profile = self.template()
        for who in ("ev_user", "technician"):
            with self.assertRaisesRegex(xmlrpc.client.Fault, "may not send 'Set charging profile'|not allowed"):
                self.apply(profile, who=who)
            with self.assertRaises(xmlrpc.client.Fault):
                self.template(who=who)
        self.assertEqual(self.Command.search_count([]), before)

    def test_composite_schedule_of_both_versions(self):
        schedule = self.rpc(
            "ev_user", "ev.composite.schedule", "create", {"charger_id": self.cp201.id, "evse_number": 1}
        )
        action = self.rpc("ev_user", "ev.composite.schedule", "action_request", [schedule])
        pulled = self.deliver(
            action["res_id"],
            {
                "status": "Accepted",
                "schedule": {
                    "evseId": 1,
                    "duration": 3600,
                    "scheduleStart": "2026-07-01T14:00:00Z",
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 1800, "limit": 10}],
                },
            },
        )
        self.assertEqual(
            (pulled["action"], pulled["params"]), ("GetCompositeSchedule", {"evseId": 1, "duration": 3600})
        )
        record = self.env["ev.composite.schedule"].browse(schedule)
        self.assertEqual((record.state, record.answered_unit, record.period_count), ("received", "A", 2))
        self.assertEqual(
            record.periods,
            [{"start": 0, "limit": 16.0}, {"start": 1800, "limit": 10.0}],
        )
        # shown in the site's timezone: 14:00 UTC is 10:00 in New York
        self.assertIn("2026-07-01 10:00:00", record.period_table)
        self.assertIn("2026-07-01 10:30:00", record.period_table)
        self.assertIn("2026-07-01 11:00:00", record.period_table)
        # 1.6 answers with chargingSchedule; a refusal is kept as such
        schedule16 = self.rpc(
            "ev_user",
            "ev.composite.schedule",
            "create",
            {"charger_id": self.cp16.id, "duration": 600, "rate_unit": "W"},
        )
        action = self.rpc("ev_user", "ev.composite.schedule", "action_request", [schedule16])
        pulled = self.deliver(
            action["res_id"],
            {
                "status": "Accepted",
                "connectorId": 0,
                "scheduleStart": "2026-07-01T14:00:00Z",
                "chargingSchedule": {
                    "duration": 600,
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}],
                },
            },
        )
        self.assertEqual(pulled["params"], {"evseId": 0, "duration": 600, "chargingRateUnit": "W"})
        record16 = self.env["ev.composite.schedule"].browse(schedule16)
        self.assertEqual(
            (record16.state, record16.answered_unit, record16.periods[0]["limit"]), ("received", "W", 7400.0)
        )
        refused = self.rpc("ev_user", "ev.composite.schedule", "create", {"charger_id": self.cp201.id})
        action = self.rpc("ev_user", "ev.composite.schedule", "action_request", [refused])
        self.deliver(action["res_id"], {"status": "Rejected"}, state="rejected")
        self.assertEqual(self.env["ev.composite.schedule"].browse(refused).state, "rejected")

    @mute_logger(*RPC_LOGGERS)
    def test_composite_schedule_bad_input(self):
        for vals, reason in (
            ({"duration": 0}, "duration must be 1 to 604800"),
            ({"duration": 700000}, "duration must be 1 to 604800"),
            ({"evse_number": 4}, "T-201 has no EVSE 4"),
            ({"evse_number": -1}, "EVSE must be 0"),
        ):
            record = self.rpc("ev_user", "ev.composite.schedule", "create", dict({"charger_id": self.cp201.id}, **vals))
            with self.subTest(reason=reason), self.assertRaisesRegex(xmlrpc.client.Fault, reason):
                self.rpc("ev_user", "ev.composite.schedule", "action_request", [record])
        record = self.rpc("ev_user", "ev.composite.schedule", "create", {"charger_id": self.cp201.id})
        with self.assertRaisesRegex(xmlrpc.client.Fault, "filled in by the station"):
            self.rpc("ev_user", "ev.composite.schedule", "write", [record], {"state": "received", "periods": []})
        for who in ("internal", "portal"):
            with self.assertRaises(xmlrpc.client.Fault):
                self.rpc(who, "ev.composite.schedule", "action_request", [record])
