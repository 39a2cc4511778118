"""Ingestion of realistic OCPP 2.0.1 and 1.6 sequences through ev.ocpp.event.ingest()."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models import ev_batch, ev_session
from ..models.ev_bulk import write_each
from .common import EvCase, iso


def mv201(ts, wh, context="Sample.Periodic", power=None):
    values = [
        {"value": wh, "measurand": "Energy.Active.Import.Register", "context": context, "unitOfMeasure": {"unit": "Wh"}}
    ]
    if power is not None:
        values.append(
            {"value": power, "measurand": "Power.Active.Import", "context": context, "unitOfMeasure": {"unit": "kW"}}
        )
    return {"timestamp": iso(ts), "sampledValue": values}


def mv16(ts, wh, unit="Wh"):
    return {
        "timestamp": iso(ts),
        "sampledValue": [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": unit}],
    }


@tagged("post_install", "-at_install")
class TestIngestion201(EvCase):
    def _tx(self, event_type, seq, ts, meter=None, **info):
        payload = {
            "eventType": event_type,
            "timestamp": iso(ts),
            "triggerReason": "MeterValuePeriodic",
            "seqNo": seq,
            "transactionInfo": {"transactionId": "TX-201-A", **info},
            "evse": {"id": 1, "connectorId": 1},
        }
        if meter:
            payload["meterValue"] = meter
        return self.ev("T-201", "TransactionEvent", payload, ts)

    def test_full_session(self):
        t0, m = self.t0, self.minutes
        events = [
            self.ev("T-201", "Connection", {"state": "connected", "node": "node-a", "subprotocol": "ocpp2.0.1"}, t0),
            self.ev(
                "T-201",
                "BootNotification",
                {
                    "reason": "PowerUp",
                    "chargingStation": {
                        "model": "Terra 184",
                        "vendorName": "ABB",
                        "serialNumber": "ABB-42",
                        "firmwareVersion": "1.8.3",
                    },
                },
                t0,
            ),
            self.ev(
                "T-201",
                "StatusNotification",
                {"timestamp": iso(t0), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
                t0,
            ),
            self.ev("T-201", "Authorize", {"idToken": {"idToken": "TOKEN-0001", "type": "ISO14443"}}, m(t0, 1)),
            self.ev(
                "T-201",
                "StatusNotification",
                {"timestamp": iso(m(t0, 1)), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
                m(t0, 1),
            ),
        ]
        started = self._tx(
            "Started", 0, m(t0, 1), [mv201(m(t0, 1), 1_000_000, "Transaction.Begin")], chargingState="Charging"
        )
        started["payload"]["idToken"] = {"idToken": "TOKEN-0001", "type": "ISO14443"}
        events += [
            started,
            self._tx("Updated", 1, m(t0, 16), [mv201(m(t0, 16), 1_012_500, power=50.2)], chargingState="Charging"),
            self._tx("Updated", 2, m(t0, 31), [mv201(m(t0, 31), 1_025_000, power=49.8)], chargingState="Charging"),
            self._tx(
                "Ended",
                3,
                m(t0, 40),
                [mv201(m(t0, 40), 1_031_250, "Transaction.End")],
                chargingState="EVConnected",
                stoppedReason="EVDisconnected",
            ),
            self.ev(
                "T-201",
                "StatusNotification",
                {"timestamp": iso(m(t0, 42)), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
                m(t0, 42),
            ),
        ]
        results = self.ingest(events)
        self.assertEqual([r["status"] for r in results], ["applied"] * len(events), results)
        self.assertEqual(self.cp201.connection_state, "connected")
        self.assertEqual(self.cp201.node_id.name, "node-a")
        self.assertEqual(
            (self.cp201.vendor_reported, self.cp201.serial_number, self.cp201.firmware_version),
            ("ABB", "ABB-42", "1.8.3"),
        )
        s = self.session(self.cp201, "TX-201-A")
        self.assertEqual(s.state, "completed")
        self.assertAlmostEqual(s.energy_kwh, 31.25, places=3)
        self.assertEqual(s.id_token_id, self.token)
        self.assertEqual(s.partner_id, self.driver)
        self.assertEqual(s.stop_reason, "EVDisconnected")
        self.assertEqual(s.start_time, m(t0, 1).replace(tzinfo=None))
        self.assertEqual(s.stop_time, m(t0, 40).replace(tzinfo=None))
        self.assertAlmostEqual(s.duration_minutes, 39.0)
        self.assertAlmostEqual(s.max_power_kw, 50.2, places=2)  # kW normalised to W and back
        self.assertEqual(str(s.start_date_local), "2026-07-01")
        self.assertEqual(s.start_hour_local, 10)  # 14:01 UTC is 10:01 EDT
        self.assertEqual(s.connector_id, self.cp201._get_connector(1, 1))
        self.assertEqual(self.cp201.connector_ids.status, "Available")
        history = s.connector_id.history_ids.sorted("date_start")
        self.assertEqual(history.mapped("status"), ["Available", "Occupied", "Available"])
        self.assertEqual(history[1].duration_seconds, 41 * 60)
        self.assertEqual(len(s.meter_value_ids), 6)  # 4 register readings + 2 power readings

    def test_duplicate_events_stored_once(self):
        t0 = self.t0
        events = [
            self._tx("Started", 0, t0, [mv201(t0, 500, "Transaction.Begin")]),
            self._tx("Updated", 1, self.minutes(t0, 5), [mv201(self.minutes(t0, 5), 2500)]),
        ]
        self.ingest(events)
        again = self.ingest(events)  # bridge replays after a crash
        self.assertEqual([r["status"] for r in again], ["duplicate", "duplicate"])
        # the same key twice inside one batch
        dup = self._tx("Updated", 2, self.minutes(t0, 10), [mv201(self.minutes(t0, 10), 4500)])
        results = self.ingest([dup, dict(dup)])
        self.assertEqual([r["status"] for r in results], ["applied", "duplicate"])
        s = self.session(self.cp201, "TX-201-A")
        self.assertEqual(len(s.meter_value_ids), 3)
        self.assertEqual(self.Event.search_count([("charger_id", "=", self.cp201.id)]), 3)
        # a charger replaying the same meter value under a new message (new key) adds no sample
        replay = self._tx("Updated", 2, self.minutes(t0, 10), [mv201(self.minutes(t0, 10), 4500)])
        self.assertEqual(self.ingest([replay])[0]["status"], "applied")
        self.assertEqual(len(s.meter_value_ids), 3)
        self.assertAlmostEqual(s.energy_kwh, 4.0, places=3)

    def test_out_of_order_meter_values_and_updated_before_started(self):
        t0, m = self.t0, self.minutes
        # arrival order: Updated(seq 2), Ended(seq 3), Started(seq 0), Updated(seq 1)
        events = [
            self._tx("Updated", 2, m(t0, 20), [mv201(m(t0, 20), 120_000)], chargingState="Charging"),
            self._tx("Ended", 3, m(t0, 30), [mv201(m(t0, 30), 125_000, "Transaction.End")], stoppedReason="Local"),
            self._tx("Started", 0, t0, [mv201(t0, 100_000, "Transaction.Begin")], chargingState="Charging"),
            self._tx("Updated", 1, m(t0, 10), [mv201(m(t0, 10), 110_000)], chargingState="SuspendedEV"),
        ]
        for e in events:  # one by one, as separate batches, like a slow replay
            self.assertEqual(self.ingest([e])[0]["status"], "applied")
        s = self.session(self.cp201, "TX-201-A")
        self.assertEqual(s.state, "completed", "a late Updated must not reopen an ended session")
        self.assertEqual(s.start_time, t0.replace(tzinfo=None))
        self.assertAlmostEqual(s.energy_kwh, 25.0, places=3)
        self.assertEqual(s.last_seq_no, 3)
        self.assertFalse(s.orphan_stop, "the Ended came first but the Started arrived later")
        self.assertEqual(
            s.meter_value_ids.sorted("timestamp").mapped("value"), [100_000.0, 110_000.0, 120_000.0, 125_000.0]
        )

    def test_sequence_number_and_charging_state_of_one_batch_written_once(self):
        """Within one batch the highest seqNo wins, with the chargingState of the events that raised it
        (an event without one keeps the last, a late lower seqNo changes nothing), and the session is
        written with them once for the batch, with its pipeline's values, rather than at every event."""
        t0, m = self.t0, self.minutes
        events = [
            self._tx("Started", 0, t0, [mv201(t0, 100_000, "Transaction.Begin")], chargingState="Charging"),
            self._tx("Updated", 2, m(t0, 20), [mv201(m(t0, 20), 120_000)], chargingState="SuspendedEV"),
            self._tx("Updated", 1, m(t0, 21), [mv201(m(t0, 10), 110_000)], chargingState="Charging"),
            self._tx("Updated", 3, m(t0, 30), [mv201(m(t0, 30), 125_000)]),
        ]
        Session = type(self.env["ev.session"])
        written, write = [], Session.write

        def recording(records, vals):
            written.extend(set(vals) for _record in records)
            return write(records, vals)

        def recording_each(records_vals):
            written.extend(set(vals) for _record, vals in records_vals)
            return write_each(records_vals)

        with (
            patch.object(Session, "write", recording),
            patch.object(ev_batch, "write_each", recording_each),
            patch.object(ev_session, "write_each", recording_each),
        ):
            self.assertEqual({r["status"] for r in self.ingest(events)}, {"applied"})
        s = self.session(self.cp201, "TX-201-A")
        self.assertEqual((s.last_seq_no, s.charging_state), (3, "SuspendedEV"))
        self.assertEqual(sum("last_seq_no" in names for names in written), 1, "one write for the batch")
        self.assertIn(
            {"last_seq_no", "charging_state", "energy_kwh"},
            [names & {"last_seq_no", "charging_state", "energy_kwh"} for names in written],
            "the pipeline's write",
        )
        self.assertAlmostEqual(s.energy_kwh, 25.0, places=3)

    def test_status_history_out_of_order_and_fault_duration(self):
        t0, m = self.t0, self.minutes

        def status(ts, st):
            return self.ev(
                "T-201",
                "StatusNotification",
                {"timestamp": iso(ts), "connectorStatus": st, "evseId": 2, "connectorId": 1},
                ts,
            )

        self.ingest([status(t0, "Available"), status(m(t0, 90), "Available")])
        # the fault (t0+30 → t0+75) arrives late, after the station recovered
        self.ingest([status(m(t0, 75), "Available"), status(m(t0, 30), "Faulted")])
        conn = self.cp201._get_connector(2, 1)
        periods = conn.history_ids.sorted("date_start")
        self.assertEqual(periods.mapped("status"), ["Available", "Faulted", "Available"])
        fault = periods.filtered("is_fault")
        self.assertEqual(fault.duration_seconds, 45 * 60)
        self.assertEqual(conn.status, "Available")
        seconds = self.env["ev.status.history"]._fault_seconds(
            [("connector_id", "=", conn.id)], m(t0, 60).replace(tzinfo=None), m(t0, 240).replace(tzinfo=None)
        )
        self.assertEqual(seconds, {conn.id: 15 * 60}, "only the part of the fault inside the window counts")

    def test_notify_event_availability(self):
        t0 = self.t0
        payload = {
            "generatedAt": iso(t0),
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 1,
                    "timestamp": iso(t0),
                    "trigger": "Delta",
                    "actualValue": "Faulted",
                    "techCode": "GroundFailure",
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                    "variable": {"name": "AvailabilityState"},
                },
                {
                    "eventId": 2,
                    "timestamp": iso(t0),
                    "trigger": "Delta",
                    "actualValue": "42",
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "TemperatureSensor"},
                    "variable": {"name": "Temperature"},
                },
            ],
        }
        self.assertEqual(self.ingest([self.ev("T-201", "NotifyEvent", payload)])[0]["status"], "applied")
        conn = self.cp201._get_connector(1, 1)
        self.assertEqual((conn.status, conn.error_code), ("Faulted", "GroundFailure"))
        self.assertEqual(self.cp201.status, "Faulted")
        task = self.env["project.task"].search([("ev_connector_id", "=", conn.id)])
        self.assertEqual(len(task), 1, "a fault opens one field task")

    def test_clock_not_set_uses_receive_time(self):
        received = self.t0
        events = [
            self.ev(
                "T-201",
                "TransactionEvent",
                {
                    "eventType": "Started",
                    "timestamp": "1970-01-01T00:00:05Z",
                    "triggerReason": "Authorized",
                    "seqNo": 0,
                    "transactionInfo": {"transactionId": "TX-1970"},
                    "evse": {"id": 1, "connectorId": 1},
                    "meterValue": [mv201(self.minutes(self.t0, 0).replace(year=1970), 10, "Transaction.Begin")],
                },
                received,
            )
        ]
        self.assertEqual(self.ingest(events)[0]["status"], "applied")
        s = self.session(self.cp201, "TX-1970")
        self.assertTrue(s.clock_fixed)
        self.assertEqual(s.start_time, received.replace(tzinfo=None))
        self.assertTrue(all(v.timestamp.year == 2026 for v in s.meter_value_ids))

    def test_message_log_links_response_to_call(self):
        t0 = self.t0
        call = self.ev(
            "T-201",
            "MessageLog",
            {
                "direction": "in",
                "type": "CALL",
                "action": "Heartbeat",
                "unique_id": "abc-1",
                "payload": {},
                "ts": "2026-07-01T14:00:00.123Z",
            },
        )
        result = self.ev(
            "T-201",
            "MessageLog",
            {
                "direction": "out",
                "type": "CALLRESULT",
                "unique_id": "abc-1",
                "payload": {"currentTime": iso(t0)},
                "ts": "2026-07-01T14:00:00.131Z",
            },
        )
        self.assertEqual([r["status"] for r in self.ingest([call, result])], ["applied", "applied"])
        self.assertEqual(self.ingest([call])[0]["status"], "duplicate")
        msgs = self.env["ev.ocpp.message"].search([("charger_id", "=", self.cp201.id)])
        self.assertEqual(len(msgs), 2)
        answer = msgs.filtered(lambda x: x.message_type == "CALLRESULT")
        self.assertEqual(answer.request_id.action, "Heartbeat")
        self.assertEqual(answer.action, "Heartbeat")
        self.assertEqual(answer.timestamp_ms, "2026-07-01T14:00:00.131Z")
        found = self.env["ev.ocpp.message"].search(
            [
                ("charger_id", "=", self.cp201.id),
                ("action", "=", "Heartbeat"),
                ("message_type", "=", "CALL"),
                ("timestamp", ">=", "2026-07-01 14:00:00"),
            ]
        )
        self.assertEqual(len(found), 1)

    def test_stale_disconnect_from_old_node_is_ignored(self):
        t0, m = self.t0, self.minutes
        self.ingest(
            [
                self.ev("T-201", "Connection", {"state": "connected", "node": "node-a"}, t0),
                self.ev("T-201", "Connection", {"state": "connected", "node": "node-b"}, m(t0, 1)),
                # node-a notices its old socket closed after the station moved to node-b
                self.ev("T-201", "Connection", {"state": "disconnected", "node": "node-a"}, m(t0, 2)),
            ]
        )
        self.assertEqual((self.cp201.connection_state, self.cp201.node_id.name), ("connected", "node-b"))
        self.ingest([self.ev("T-201", "Connection", {"state": "disconnected", "node": "node-b"}, m(t0, 3))])
        self.assertEqual(self.cp201.connection_state, "disconnected")
        self.assertFalse(self.cp201.node_id)


@tagged("post_install", "-at_install")
class TestIngestion16(EvCase):
    def test_full_session_with_bridge_issued_transaction_id(self):
        t0, m = self.t0, self.minutes
        events = [
            self.ev(
                "T-16",
                "BootNotification",
                {
                    "chargePointVendor": "EVRange",
                    "chargePointModel": "Sprint 60",
                    "chargePointSerialNumber": "EVR-7",
                    "firmwareVersion": "4.1",
                },
                t0,
            ),
            self.ev(
                "T-16", "StatusNotification", {"connectorId": 0, "status": "Available", "errorCode": "NoError"}, t0
            ),
            self.ev(
                "T-16",
                "StatusNotification",
                {"connectorId": 2, "status": "Available", "errorCode": "NoError", "timestamp": iso(t0)},
                t0,
            ),
            self.ev("T-16", "Authorize", {"idTag": "TOKEN-0001"}, m(t0, 1)),
            self.ev(
                "T-16",
                "StatusNotification",
                {"connectorId": 2, "status": "Preparing", "errorCode": "NoError", "timestamp": iso(m(t0, 1))},
                m(t0, 1),
            ),
            self.ev(
                "T-16",
                "StartTransaction",
                {"connectorId": 2, "idTag": "TOKEN-0001", "meterStart": 2_450_000, "timestamp": iso(m(t0, 1))},
                m(t0, 1),
                response={"transactionId": 268435457, "idTagInfo": {"status": "Accepted"}},
            ),
            self.ev(
                "T-16",
                "StatusNotification",
                {"connectorId": 2, "status": "Charging", "errorCode": "NoError", "timestamp": iso(m(t0, 1))},
                m(t0, 1),
            ),
            self.ev(
                "T-16",
                "MeterValues",
                {"connectorId": 2, "transactionId": 268435457, "meterValue": [mv16(m(t0, 15), "2455.5", "kWh")]},
                m(t0, 15),
            ),
            self.ev(
                "T-16",
                "MeterValues",
                {"connectorId": 2, "transactionId": 268435457, "meterValue": [mv16(m(t0, 30), 2_461_000)]},
                m(t0, 30),
            ),
            self.ev(
                "T-16",
                "StopTransaction",
                {
                    "transactionId": 268435457,
                    "meterStop": 2_463_750,
                    "timestamp": iso(m(t0, 35)),
                    "reason": "Local",
                    "idTag": "TOKEN-0001",
                },
                m(t0, 35),
            ),
            self.ev(
                "T-16",
                "StatusNotification",
                {"connectorId": 2, "status": "Finishing", "errorCode": "NoError", "timestamp": iso(m(t0, 35))},
                m(t0, 35),
            ),
            self.ev(
                "T-16",
                "StatusNotification",
                {"connectorId": 2, "status": "Available", "errorCode": "NoError", "timestamp": iso(m(t0, 37))},
                m(t0, 37),
            ),
        ]
        results = self.ingest(events)
        self.assertEqual([r["status"] for r in results], ["applied"] * len(events), results)
        s = self.session(self.cp16, 268435457)
        self.assertEqual(s.state, "completed")
        self.assertAlmostEqual(s.energy_kwh, 13.75, places=3)
        self.assertEqual((s.meter_start_wh, s.meter_stop_wh), (2_450_000.0, 2_463_750.0))
        self.assertEqual(s.connector_id.evse_number, 2, "1.6 connector 2 is EVSE 2, connector 1")
        self.assertEqual(s.id_token_id, self.token)
        self.assertEqual(self.cp16.station_status, "Available")
        self.assertEqual(self.cp16.serial_number, "EVR-7")
        hist = s.connector_id.history_ids.sorted("date_start")
        # Preparing/Charging/Finishing all map to Occupied, each sub-state kept as its own period (issue 9,
        # item 6); Preparing and Charging came at the same second: Preparing lasted 0 s and is not kept
        self.assertEqual(hist.mapped("status"), ["Available", "Occupied", "Occupied", "Available"])
        self.assertEqual(hist.mapped("ocpp_status"), ["Available", "Charging", "Finishing", "Available"])
        self.assertEqual(hist[1:3].mapped("duration_seconds"), [34 * 60, 2 * 60])
        self.assertEqual(s.connector_id.status_since, m(t0, 37).replace(tzinfo=None))
        self.assertEqual(self.cp16.last_meter_wh, 2_461_000.0)

    def test_stop_for_unknown_transaction_is_acknowledged_and_recorded(self):
        t0 = self.t0
        stop = self.ev(
            "T-16",
            "StopTransaction",
            {
                "transactionId": 999,
                "meterStop": 51_000,
                "timestamp": iso(self.minutes(t0, 50)),
                "reason": "PowerLoss",
                "transactionData": [mv16(t0, 40_000), mv16(self.minutes(t0, 25), 45_500)],
            },
            self.minutes(t0, 50),
        )
        result = self.ingest([stop])[0]
        self.assertEqual(result["status"], "applied")
        s = self.session(self.cp16, 999)
        self.assertTrue(s.orphan_stop)
        self.assertEqual(s.state, "completed")
        self.assertEqual(s.start_time, t0.replace(tzinfo=None), "start taken from the first transactionData sample")
        # no meterStart: the first reading stands in
        self.assertAlmostEqual(s.energy_kwh, 11.0, places=3)
        self.assertEqual(s.stop_reason, "PowerLoss")

    def test_meter_start_zero_on_cumulative_register(self):
        t0, m = self.t0, self.minutes
        # a normal session teaches Odoo the register is cumulative (lifetime ~4.5 MWh)
        self.ingest(
            [
                self.ev(
                    "T-16",
                    "StartTransaction",
                    {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 4_500_000, "timestamp": iso(t0)},
                    t0,
                    response={"transactionId": 1},
                ),
                self.ev(
                    "T-16",
                    "StopTransaction",
                    {"transactionId": 1, "meterStop": 4_520_000, "timestamp": iso(m(t0, 60))},
                    m(t0, 60),
                ),
            ]
        )
        self.assertAlmostEqual(self.session(self.cp16, 1).energy_kwh, 20.0, places=3)
        # an offline transaction replayed later reports meterStart = 0
        start, end = m(t0, 120), m(t0, 180)
        self.ingest(
            [
                self.ev(
                    "T-16",
                    "StartTransaction",
                    {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 0, "timestamp": iso(start)},
                    m(t0, 300),
                    response={"transactionId": 2},
                ),
                self.ev(
                    "T-16",
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": 2,
                        "meterValue": [mv16(m(start, 1), 4_520_500), mv16(m(start, 30), 4_530_000)],
                    },
                    m(t0, 300),
                ),
                self.ev(
                    "T-16",
                    "StopTransaction",
                    {"transactionId": 2, "meterStop": 4_538_500, "timestamp": iso(end)},
                    m(t0, 300),
                ),
            ]
        )
        s = self.session(self.cp16, 2)
        self.assertTrue(s.meter_start_fixed)
        self.assertAlmostEqual(s.energy_kwh, 18.0, places=3, msg="not the 4,538 kWh lifetime register")
        self.assertEqual(s.meter_start_reported, 0.0)

    def test_meter_starts_of_zero_of_two_stations_in_one_batch_take_their_own_previous_register(self):
        """The previous sessions' registers are looked up together for the batch (one query): each
        station's offline session is fixed with its own station's register, not the other's."""
        t0, m = self.t0, self.minutes
        other = self.env["ev.charger"].create({"identity": "T-16B", "site_id": self.site.id, "ocpp_version": "1.6"})
        registers = {"T-16": 4_500_000, "T-16B": 9_000_000}

        def start(identity, tx, meter, at, received):
            payload = {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": meter, "timestamp": iso(at)}
            return self.ev(identity, "StartTransaction", payload, received, {"transactionId": tx}, "1.6")

        def stop(identity, tx, meter, at, received):
            payload = {"transactionId": tx, "meterStop": meter, "timestamp": iso(at)}
            return self.ev(identity, "StopTransaction", payload, received, version="1.6")

        first = []
        for identity, wh in registers.items():  # a normal session each: 20 kWh, the register learnt
            first += [start(identity, 1, wh, t0, t0), stop(identity, 1, wh + 20_000, m(t0, 60), m(t0, 60))]
        self.ingest(first)
        late = m(t0, 300)
        replayed = []
        for n, (identity, wh) in enumerate(registers.items(), start=1):  # offline: meterStart 0
            replayed += [
                start(identity, 2, 0, m(t0, 120), late),
                stop(identity, 2, wh + 20_000 + 5_000 * n, m(t0, 180), late),
            ]
        self.assertEqual({r["status"] for r in self.ingest(replayed)}, {"applied"})
        for n, charger in enumerate((self.cp16, other), start=1):
            session = self.session(charger, 2)
            self.assertTrue(session.meter_start_fixed, charger.identity)
            self.assertEqual(session.meter_start_wh, registers[charger.identity] + 20_000)
            self.assertAlmostEqual(session.energy_kwh, 5.0 * n, places=3, msg=charger.identity)

    def test_meter_start_zero_on_configured_cumulative_register_without_history(self):
        t0, m = self.t0, self.minutes
        self.cp16.register_kind = "cumulative"  # a young station: lifetime register only 520 kWh
        self.ingest(
            [
                self.ev(
                    "T-16",
                    "StartTransaction",
                    {"connectorId": 1, "meterStart": 0, "idTag": "TOKEN-0001", "timestamp": iso(t0)},
                    t0,
                    response={"transactionId": 9},
                ),
                self.ev(
                    "T-16",
                    "MeterValues",
                    {"connectorId": 1, "transactionId": 9, "meterValue": [mv16(m(t0, 1), 520_000)]},
                    m(t0, 1),
                ),
                self.ev(
                    "T-16",
                    "StopTransaction",
                    {"transactionId": 9, "meterStop": 532_000, "timestamp": iso(m(t0, 60))},
                    m(t0, 60),
                ),
            ]
        )
        s = self.session(self.cp16, 9)
        self.assertTrue(s.meter_start_fixed)
        self.assertAlmostEqual(s.energy_kwh, 12.0, places=3)

    def test_meter_start_zero_on_per_transaction_register_is_real(self):
        t0, m = self.t0, self.minutes
        self.cp16.register_kind = "per_transaction"
        self.ingest(
            [
                self.ev(
                    "T-16",
                    "StartTransaction",
                    {"connectorId": 1, "meterStart": 0, "idTag": "X", "timestamp": iso(t0)},
                    t0,
                    response={"transactionId": 5},
                ),
                self.ev(
                    "T-16",
                    "StopTransaction",
                    {"transactionId": 5, "meterStop": 30_000, "timestamp": iso(m(t0, 60))},
                    m(t0, 60),
                ),
            ]
        )
        s = self.session(self.cp16, 5)
        self.assertFalse(s.meter_start_fixed)
        self.assertAlmostEqual(s.energy_kwh, 30.0, places=3)
        self.assertFalse(s.id_token_id)
        self.assertEqual(s.id_token_value, "X", "an unknown token is still recorded")

    def test_start_transaction_without_bridge_transaction_id_is_rejected(self):
        event = self.ev(
            "T-16",
            "StartTransaction",
            {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 5, "timestamp": iso(self.t0)},
        )
        result = self.ingest([event])[0]
        self.assertEqual(result["status"], "rejected")
        self.assertIn("transactionId", result["error"])
        self.assertFalse(self.env["ev.session"].search([("charger_id", "=", self.cp16.id)]))


@tagged("post_install", "-at_install")
class TestBadInput(EvCase):
    def test_unknown_charger_rejected_and_kept_for_review(self):
        good = self.ev("T-201", "Heartbeat", {})
        bad = self.ev(
            "NOPE-1",
            "StatusNotification",
            {"timestamp": iso(self.t0), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
        )
        results = self.ingest([good, bad])
        self.assertEqual(results[0]["status"], "applied")
        self.assertEqual(results[1]["status"], "rejected")
        self.assertIn("unknown charger 'NOPE-1'", results[1]["error"])
        kept = self.Event.search([("key", "=", bad["key"])])
        self.assertEqual(
            (kept.state, kept.charger_identity, kept.payload["connectorStatus"]), ("rejected", "NOPE-1", "Available")
        )
        # registering the charger and retrying applies the kept event
        charger = self.env["ev.charger"].create({"identity": "NOPE-1", "site_id": self.site.id})
        kept.action_retry()
        self.assertEqual(charger.connector_ids.status, "Available")
        self.assertEqual(self.Event.search([("key", "=", bad["key"])]).state, "applied")

    def test_malformed_payload_rejected_nothing_half_stored(self):
        t0 = self.t0
        # valid start, then an Updated whose second sampled value is not a number: the whole event must
        # roll back (no session change, no partial meter value)
        ok = self.ev(
            "T-201",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": iso(t0),
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": "TX-BAD"},
                "evse": {"id": 1, "connectorId": 1},
                "meterValue": [{"timestamp": iso(t0), "sampledValue": [{"value": 100}]}],
            },
        )
        broken = self.ev(
            "T-201",
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": iso(self.minutes(t0, 5)),
                "triggerReason": "StopAuthorized",
                "seqNo": 1,
                "transactionInfo": {"transactionId": "TX-BAD", "stoppedReason": "Local"},
                "meterValue": [
                    {
                        "timestamp": iso(self.minutes(t0, 5)),
                        "sampledValue": [{"value": 900}, {"value": "lots", "measurand": "Power.Active.Import"}],
                    }
                ],
            },
            self.minutes(t0, 5),
        )
        missing = self.ev("T-201", "StatusNotification", {"evseId": 1})
        results = self.ingest([ok, broken, missing])
        self.assertEqual([r["status"] for r in results], ["applied", "rejected", "rejected"])
        self.assertIn("not a number", results[1]["error"])
        self.assertIn("malformed StatusNotification payload", results[2]["error"])
        s = self.session(self.cp201, "TX-BAD")
        self.assertEqual(s.state, "active", "the rejected Ended left the session untouched")
        self.assertEqual(s.meter_value_ids.mapped("value"), [100.0])
        self.assertEqual(self.Event.search_count([("state", "=", "rejected"), ("charger_id", "=", self.cp201.id)]), 2)

    def test_unknown_status_and_action_rejected(self):
        results = self.ingest(
            [
                self.ev(
                    "T-201",
                    "StatusNotification",
                    {"timestamp": iso(self.t0), "connectorStatus": "Charging", "evseId": 1, "connectorId": 1},
                ),
                self.ev("T-201", "ReserveNow", {"id": 1}),
            ]
        )
        self.assertEqual([r["status"] for r in results], ["rejected", "rejected"])
        self.assertIn("unknown OCPP 2.0.1 connector status 'Charging'", results[0]["error"])
        self.assertIn("unsupported action 'ReserveNow'", results[1]["error"])
        self.assertFalse(self.cp201.connector_ids.filtered("status"))

    def test_malformed_batch_is_a_fault_and_stores_nothing(self):
        good = self.ev("T-201", "Heartbeat", {})
        cases = [
            ("not a list", "expects a list"),
            ([good, {"charger": "T-201", "action": "Heartbeat"}], "'key' is missing"),
            (
                [good, {"key": "k", "charger": "T-201", "action": "Heartbeat", "payload": [1]}],
                "'payload' must be an object",
            ),
            ([good, {"key": "k2", "charger": "T-201", "action": "Heartbeat", "version": "3.0"}], "version '3.0'"),
            ([good] * 5001, "at most 5000"),
        ]
        for batch, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ValidationError) as ctx:
                    self.Event.ingest(batch)
                self.assertIn(message, str(ctx.exception))
        self.assertFalse(self.Event.search_count([("key", "=", good["key"])]), "nothing of a faulty batch stored")


@tagged("post_install", "-at_install")
class TestLargeBatch(EvCase):
    def test_one_bad_event_in_a_large_batch_is_the_only_one_rejected(self):
        t0, m = self.t0, self.minutes
        events = [
            self.ev(
                "T-201",
                "TransactionEvent",
                {
                    "eventType": "Started",
                    "timestamp": iso(t0),
                    "triggerReason": "Authorized",
                    "seqNo": 0,
                    "transactionInfo": {"transactionId": "BIG"},
                    "evse": {"id": 1, "connectorId": 1},
                    "meterValue": [mv201(t0, 0, "Transaction.Begin")],
                },
            )
        ]
        for n in range(1, 250):  # spans three chunks of the optimistic path
            events.append(
                self.ev(
                    "T-201",
                    "TransactionEvent",
                    {
                        "eventType": "Updated",
                        "timestamp": iso(m(t0, n)),
                        "triggerReason": "MeterValuePeriodic",
                        "seqNo": n,
                        "transactionInfo": {"transactionId": "BIG"},
                        "meterValue": [mv201(m(t0, n), 100 * n)],
                    },
                    m(t0, n),
                )
            )
        events[150]["payload"]["meterValue"][0]["sampledValue"][0]["value"] = "garbage"
        results = self.ingest(events)
        statuses = [r["status"] for r in results]
        self.assertEqual(statuses.count("applied"), 249)
        self.assertEqual(statuses[150], "rejected")
        s = self.session(self.cp201, "BIG")
        self.assertEqual(len(s.meter_value_ids), 249)
        self.assertAlmostEqual(s.energy_kwh, 24.9, places=3)
        self.assertEqual(self.cp201.last_seen, m(t0, 249).replace(tzinfo=None))
        self.assertEqual(self.Event.search_count([("session_id", "=", s.id)]), 249)

    def test_a_rolled_back_chunk_forgets_the_sessions_it_created(self):
        """The session a Started event created is rolled back with its chunk when another event of the
        chunk is bad: replayed alone, the Started creates it again (the batch does not reuse the
        vanished record) and the updates after it find the new one."""
        t0, m = self.t0, self.minutes

        def tx(kind, n, tx_id):
            payload = {
                "eventType": kind,
                "timestamp": iso(m(t0, n)),
                "triggerReason": "Authorized" if kind == "Started" else "MeterValuePeriodic",
                "seqNo": n,
                "transactionInfo": {"transactionId": tx_id},
                "meterValue": [
                    mv201(m(t0, n), 100 * n, "Transaction.Begin" if kind == "Started" else "Sample.Periodic")
                ],
            }
            if kind == "Started":
                payload["evse"] = {"id": 1, "connectorId": 1}
            return self.ev("T-201", "TransactionEvent", payload, m(t0, n))

        events = [tx("Started", 0, "ROLLED")] + [tx("Updated", n, "ROLLED") for n in range(1, 20)]
        events[10]["payload"]["meterValue"][0]["sampledValue"][0]["value"] = "garbage"  # same chunk as the Started
        before = self.env["ev.session"].search([], order="id desc", limit=1).id or 0
        results = self.ingest(events)
        statuses = [r["status"] for r in results]
        self.assertEqual(statuses[0], "applied", results[0])
        self.assertEqual(statuses.count("applied"), 19)
        self.assertEqual(statuses[10], "rejected")
        s = self.session(self.cp201, "ROLLED")
        self.assertEqual(len(s), 1)
        self.assertGreater(s.id, before + 1, "the first creation was rolled back with its chunk")
        self.assertEqual(s.state, "active")
        self.assertEqual(s.last_seq_no, 19, "the highest sequence number of the replayed events")
        self.assertEqual(len(s.meter_value_ids), 19)
        self.assertEqual(self.Event.search_count([("session_id", "=", s.id)]), 19)


@tagged("post_install", "-at_install")
class TestBatchesInOneTransaction(EvCase):
    def test_second_batch_in_same_transaction_settles_its_sessions(self):
        """Two ingest() calls in one transaction (tests, demo code) must not share batch state."""
        t0 = self.t0
        # a Connection batch leaves its batch state empty, so both states compare equal
        self.ingest([self.ev("T-201", "Connection", {"state": "connected", "node": "n1"}, t0)])
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "TransactionEvent",
                    {
                        "eventType": "Started",
                        "timestamp": iso(t0),
                        "triggerReason": "Authorized",
                        "seqNo": 0,
                        "transactionInfo": {"transactionId": "TWO"},
                        "evse": {"id": 1, "connectorId": 1},
                        "meterValue": [mv201(t0, 1000, "Transaction.Begin"), mv201(self.minutes(t0, 5), 3500)],
                    },
                )
            ]
        )
        self.assertAlmostEqual(
            self.session(self.cp201, "TWO").energy_kwh,
            2.5,
            places=3,
            msg="energy computed at the end of the second batch",
        )


@tagged("post_install", "-at_install")
class TestNeverClosed(EvCase):
    def _start(self, tx, ts, wh):
        return self.ev(
            "T-201",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": iso(ts),
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": tx},
                "evse": {"id": 1, "connectorId": 1},
                "meterValue": [mv201(ts, wh, "Transaction.Begin")],
            },
            ts,
        )

    def test_new_session_on_connector_closes_the_one_never_ended(self):
        t0, m = self.t0, self.minutes
        self.ingest([self._start("LOST", t0, 10_000), self.updated201("LOST", 1, m(t0, 20), 14_000)])
        # the station rebooted and never sent Ended; a new transaction starts on the same connector
        self.ingest([self._start("NEXT", m(t0, 90), 15_000)])
        lost = self.session(self.cp201, "LOST")
        self.assertEqual((lost.state, lost.stop_reason, lost.closed_by_odoo), ("completed", "Superseded", True))
        self.assertEqual(lost.stop_time, m(t0, 20).replace(tzinfo=None), "stopped at its last reading")
        self.assertAlmostEqual(lost.energy_kwh, 4.0, places=3)
        self.assertEqual(self.session(self.cp201, "NEXT").state, "active")

    def test_superseded_within_one_batch_and_only_on_its_connector(self):
        """The connectors holding an active session are read once per batch: a session started and
        superseded in the same batch is closed all the same, one on another connector is not."""
        t0, m = self.t0, self.minutes
        self.ingest([self._start("OTHER", t0, 1_000)])
        other = self.session(self.cp201, "OTHER")
        other.connector_id = self.cp201._get_connector(1, 2)  # as if started on connector 2
        self.ingest(
            [
                self._start("FIRST", m(t0, 1), 10_000),
                self.updated201("FIRST", 1, m(t0, 20), 14_000),
                self._start("SECOND", m(t0, 30), 15_000),
            ]
        )
        first = self.session(self.cp201, "FIRST")
        self.assertEqual((first.state, first.stop_reason), ("completed", "Superseded"))
        self.assertEqual(first.stop_time, m(t0, 20).replace(tzinfo=None))
        self.assertEqual(self.session(self.cp201, "SECOND").state, "active")
        self.assertEqual(other.state, "active", "another connector's session is not superseded")

    def test_cron_closes_silent_sessions(self):
        now = datetime.now(UTC)
        old, fresh = now - timedelta(hours=30), now - timedelta(hours=2)
        self.ingest(
            [self._start("SILENT", old, 1_000), self.updated201("SILENT", 1, old + timedelta(minutes=10), 2_000)]
        )
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "TransactionEvent",
                    {
                        "eventType": "Started",
                        "timestamp": iso(fresh),
                        "triggerReason": "Authorized",
                        "seqNo": 0,
                        "transactionInfo": {"transactionId": "ALIVE"},
                        "evse": {"id": 2, "connectorId": 1},
                    },
                    fresh,
                )
            ]
        )
        self.env["ev.session"]._cron_close_stale_sessions()
        silent, alive = self.session(self.cp201, "SILENT"), self.session(self.cp201, "ALIVE")
        self.assertEqual((silent.state, silent.stop_reason), ("completed", "Timeout"))
        self.assertAlmostEqual(silent.energy_kwh, 1.0, places=3)
        self.assertEqual(alive.state, "active")
