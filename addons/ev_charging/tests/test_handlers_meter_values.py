"""Meter values block (models/ev_ocpp_handlers/meter_values.py and readings.py)."""

from odoo.tests import tagged

from ..models.ev_ocpp_handlers import meter_values
from .common import EvCase, iso


def sample(ts, wh, measurand="Energy.Active.Import.Register"):
    return {
        "timestamp": iso(ts),
        "sampledValue": [{"value": wh, "measurand": measurand, "unitOfMeasure": {"unit": "Wh"}}],
    }


@tagged("post_install", "-at_install")
class TestMeterValueHandlers(EvCase):
    def start(self, tx, evse, wh):
        payload = {
            "eventType": "Started",
            "timestamp": iso(self.t0),
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": tx},
            "evse": {"id": evse, "connectorId": 1},
        }
        return self.ev("T-201", "TransactionEvent", payload)

    def updated(self, tx, seq, minutes, wh):
        return self.updated201(tx, seq, self.minutes(self.t0, minutes), wh)

    def test_two_evses_sampling_at_the_same_second_keep_their_readings(self):
        """Issue 7, item 4: readings were deduplicated per charger, one EVSE lost its readings."""
        events = [self.start("EVSE-1", 1, 0), self.start("EVSE-2", 2, 0)]
        for n in range(1, 5):
            events += [self.updated("EVSE-1", n, 5 * n, 1_000 * n), self.updated("EVSE-2", n, 5 * n, 2_000 * n)]
        self.assertEqual({r["status"] for r in self.ingest(events)}, {"applied"})
        one, two = self.session(self.cp201, "EVSE-1"), self.session(self.cp201, "EVSE-2")
        self.assertEqual(len(one.meter_value_ids), 4)
        self.assertEqual(len(two.meter_value_ids), 4)
        # no meter start reported: the first reading stands in
        self.assertAlmostEqual(one.energy_kwh, 3.0, places=3)
        self.assertAlmostEqual(two.energy_kwh, 6.0, places=3)
        # a replay (same messages under new keys, as after a lost outbox) adds nothing
        replay = [self.updated("EVSE-1", 4, 20, 4_000), self.updated("EVSE-2", 4, 20, 8_000)]
        self.assertEqual({r["status"] for r in self.ingest(replay)}, {"applied"})
        self.assertEqual(len(one.meter_value_ids) + len(two.meter_value_ids), 8)

    def test_station_meter_and_evse_meters_at_the_same_second(self):
        """MeterValues without a transaction: the station's main meter (EVSE 0) and each EVSE's meter."""
        ts = self.t0
        batch = [
            self.ev("T-201", "MeterValues", {"evseId": evse, "meterValue": [sample(ts, 1_000 + evse)]})
            for evse in (0, 1, 2)
        ]
        self.assertEqual({r["status"] for r in self.ingest(batch)}, {"applied"})
        values = self.env["ev.meter.value"].search([("charger_id", "=", self.cp201.id)])
        self.assertEqual(sorted(values.mapped("value")), [1_000.0, 1_001.0, 1_002.0])
        self.assertEqual(sorted(values.connector_id.mapped("evse_number")), [1, 2])
        self.ingest([self.ev("T-201", "MeterValues", {"evseId": 2, "meterValue": [sample(ts, 1_002)]})])
        self.assertEqual(self.env["ev.meter.value"].search_count([("charger_id", "=", self.cp201.id)]), 3)

    def test_handler_called_directly_attaches_to_the_active_session(self):
        self.ingest([self.start("DIRECT", 1, 0)])
        session = self.session(self.cp201, "DIRECT")
        payload = {"evseId": 1, "meterValue": [sample(self.minutes(self.t0, 3), 750)]}
        batch, result = self.handle(meter_values.meter_values, self.cp201, "MeterValues", payload)
        self.assertEqual(result, session)
        self.assertEqual(batch.sessions, {session.id: False})
        self.assertEqual(session.meter_value_ids.mapped("value"), [750.0])
        self.assertEqual(self.cp201.last_meter_wh, 750.0)

    def test_16_meter_values_with_transaction_id(self):
        start = {"connectorId": 2, "idTag": "TOKEN-0001", "meterStart": 100, "timestamp": iso(self.t0)}
        values = {
            "connectorId": 2,
            "transactionId": 31,
            "meterValue": [
                {
                    "timestamp": iso(self.minutes(self.t0, 5)),
                    "sampledValue": [
                        {"value": "1.1", "unit": "kWh"},
                        {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
                    ],
                }
            ],
        }
        self.ingest(
            [
                self.ev("T-16", "StartTransaction", start, response={"transactionId": 31}),
                self.ev("T-16", "MeterValues", values, self.minutes(self.t0, 5)),
            ]
        )
        session = self.session(self.cp16, 31)
        self.assertAlmostEqual(session.energy_kwh, 1.0, places=3)
        self.assertAlmostEqual(session.max_power_kw, 7.4, places=2)
