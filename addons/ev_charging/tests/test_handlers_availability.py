"""Availability block (models/ev_ocpp_handlers/availability.py): Heartbeat, StatusNotification of both
versions, NotifyEvent availability."""

from odoo.tests import tagged

from ..models.ev_ocpp_handlers import availability
from .common import EvCase, iso


@tagged("post_install", "-at_install")
class TestAvailabilityHandlers(EvCase):
    def status201(self, evse, connector, status, minutes=0):
        ts = self.minutes(self.t0, minutes)
        payload = {"timestamp": iso(ts), "connectorStatus": status, "evseId": evse, "connectorId": connector}
        return self.ev("T-201", "StatusNotification", payload, ts)

    def status16(self, connector, status, minutes=0, error="NoError"):
        ts = self.minutes(self.t0, minutes)
        payload = {"connectorId": connector, "status": status, "errorCode": error, "timestamp": iso(ts)}
        return self.ev("T-16", "StatusNotification", payload, ts)

    def test_station_level_status_is_the_same_in_both_versions(self):
        """Issue 9, item 5: 2.0.1 evseId 0 / connectorId 0 was refused, 1.6 connector 0 was stored."""
        results = self.ingest([self.status201(0, 0, "Unavailable"), self.status16(0, "Unavailable")])
        self.assertEqual([r["status"] for r in results], ["applied", "applied"], results)
        self.assertEqual((self.cp201.station_status, self.cp16.station_status), ("Unavailable", "Unavailable"))
        self.assertFalse(self.cp201.connector_ids | self.cp16.connector_ids, "no connector 0 was created")
        # a station-level fault is told on the station's chatter, in both versions
        self.ingest([self.status201(0, 0, "Faulted", 5), self.status16(0, "Faulted", 5, error="PowerMeterFailure")])
        self.assertEqual((self.cp201.station_status, self.cp16.station_status), ("Faulted", "Faulted"))
        self.assertIn("Station reported Faulted", self.cp16.message_ids[0].body)
        self.assertIn("PowerMeterFailure", self.cp16.message_ids[0].body)
        self.assertIn("Station reported Faulted", self.cp201.message_ids[0].body)

    def test_a_connector_0_of_an_evse_is_refused_with_the_ids_it_got(self):
        """Issue 9, item 5: the error said "connector 1" for a connectorId 0."""
        result = self.ingest([self.status201(2, 0, "Available")])[0]
        self.assertEqual(result["status"], "rejected")
        self.assertIn("got EVSE 2, connector 0", result["error"])
        with self.assertRaisesRegex(Exception, "got EVSE 0, connector 0"):
            self.cp201._get_connector(0, 0)

    def test_16_sub_states_are_kept_in_the_history(self):
        """Issue 9, item 6: Preparing -> Charging -> SuspendedEV -> SuspendedEVSE -> Finishing appeared as
        the first of them only."""
        states = ["Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Charging", "Finishing"]
        events = [self.status16(1, state, minutes=10 * n) for n, state in enumerate(states)]
        events.append(self.status16(1, "Available", minutes=10 * len(states)))
        self.assertEqual({r["status"] for r in self.ingest(events)}, {"applied"})
        connector = self.cp16._get_connector(1, 1)
        history = connector.history_ids.sorted("date_start")
        self.assertEqual(history.mapped("ocpp_status"), [*states, "Available"])
        self.assertEqual(history.mapped("status"), ["Available", *["Occupied"] * 6, "Available"])
        self.assertEqual(history[1:7].mapped("duration_seconds"), [600] * 6)
        self.assertEqual(connector.status, "Available")
        self.assertEqual(connector.status_since, self.naive(self.minutes(self.t0, 70)))
        # the same sub-state again is no new period
        self.ingest([self.status16(1, "Available", minutes=80)])
        self.assertEqual(len(connector.history_ids), 8)

    def test_occupied_since_survives_a_sub_state_change(self):
        self.ingest([self.status16(1, "Preparing"), self.status16(1, "Charging", minutes=3)])
        connector = self.cp16._get_connector(1, 1)
        self.assertEqual((connector.status, connector.status_since), ("Occupied", self.naive(self.t0)))

    def test_handler_called_directly_with_its_batch(self):
        batch, result = self.handle(
            availability.status_notification,
            self.cp201,
            "StatusNotification",
            {"timestamp": iso(self.t0), "connectorStatus": "Reserved", "evseId": 3, "connectorId": 2},
        )
        self.assertIsNone(result)
        self.assertFalse(batch.sessions)
        self.assertEqual(self.cp201._get_connector(3, 2).status, "Reserved")
        self.handle(availability.heartbeat, self.cp201, "Heartbeat", {})
        self.assertEqual(self.cp201._get_connector(3, 2).status, "Reserved")

    def test_notify_event_fault_and_recovery(self):
        def notify(value, minutes, tech=None):
            data = {
                "eventId": minutes,
                "timestamp": iso(self.minutes(self.t0, minutes)),
                "trigger": "Delta",
                "actualValue": value,
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                "variable": {"name": "AvailabilityState"},
            }
            if tech:
                data["techCode"] = tech
            payload = {"generatedAt": iso(self.t0), "seqNo": 0, "eventData": [data]}
            return self.ev("T-201", "NotifyEvent", payload, self.minutes(self.t0, minutes))

        self.ingest([notify("Available", 0), notify("Faulted", 10, "GroundFailure"), notify("Available", 40)])
        history = self.cp201._get_connector(1, 1).history_ids.sorted("date_start")
        self.assertEqual(history.mapped("status"), ["Available", "Faulted", "Available"])
        self.assertEqual(history[1].error_code, "GroundFailure")
        self.assertEqual(history[1].duration_seconds, 1800)

    def test_unknown_status_is_rejected_alone(self):
        results = self.ingest([self.status16(1, "Plugged"), self.status16(1, "Available", minutes=1)])
        self.assertEqual([r["status"] for r in results], ["rejected", "applied"])
        self.assertIn("unknown OCPP 1.6 status 'Plugged'", results[0]["error"])
