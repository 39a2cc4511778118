"""Transactions block (models/ev_ocpp_handlers/transactions.py): 2.0.1 TransactionEvent and 1.6
Start/StopTransaction, read into one TransactionUpdate and applied by the same code."""

from decimal import Decimal

from odoo.tests import tagged

from ..lib.ev_ocpp_messages import ENDED, STARTED, TransactionUpdate
from ..models.ev_ocpp_handlers import transactions
from .common import EvCase, iso
from .common import register_reading as reading

LIFETIME_WH = 45_000_000  # the register of a station that has delivered 45 MWh


def reading16(ts, wh):
    return {"timestamp": iso(ts), "sampledValue": [{"value": str(wh), "measurand": "Energy.Active.Import.Register"}]}


@tagged("post_install", "-at_install")
class TestTransactionHandlers(EvCase):
    def tx201(self, tx, event_type, seq, minutes, meter, **info):
        ts = self.minutes(self.t0, minutes)
        payload = {
            "eventType": event_type,
            "timestamp": iso(ts),
            "triggerReason": "MeterValuePeriodic",
            "seqNo": seq,
            "offline": True,
            "transactionInfo": {"transactionId": tx, **info},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": meter,
            "idToken": {"idToken": "TOKEN-0001", "type": "ISO14443"},
        }
        return self.ev("T-201", "TransactionEvent", payload, self.minutes(self.t0, 60))

    def offline_session_201(self, tx="OFFLINE-201"):
        """A 2.0.1 transaction replayed after an outage: its start reported as a Transaction.Begin reading of
        0 on a lifetime register at 45,000 kWh; 5.5 kWh delivered."""
        t0, m = self.t0, self.minutes
        return [
            self.tx201(tx, "Started", 0, 0, [reading(t0, 0, "Transaction.Begin"), reading(t0, LIFETIME_WH)]),
            self.tx201(tx, "Updated", 1, 15, [reading(m(t0, 15), LIFETIME_WH + 2_500)]),
            self.tx201(tx, "Ended", 2, 30, [reading(m(t0, 30), LIFETIME_WH + 5_500, "Transaction.End")]),
        ]

    def offline_session_16(self, tx=77):
        """The same session from a 1.6 station: meterStart 0, then the lifetime register."""
        t0, m = self.t0, self.minutes
        late = m(t0, 60)
        start = {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 0, "timestamp": iso(t0)}
        values = {"connectorId": 1, "transactionId": tx, "meterValue": [reading16(t0, LIFETIME_WH)]}
        values2 = {"connectorId": 1, "transactionId": tx, "meterValue": [reading16(m(t0, 15), LIFETIME_WH + 2_500)]}
        stop = {"transactionId": tx, "meterStop": LIFETIME_WH + 5_500, "timestamp": iso(m(t0, 30)), "reason": "Local"}
        return [
            self.ev("T-16", "StartTransaction", start, late, response={"transactionId": tx}),
            self.ev("T-16", "MeterValues", values, late),
            self.ev("T-16", "MeterValues", values2, late),
            self.ev("T-16", "StopTransaction", stop, late),
        ]

    def assertFiveAndAHalf(self, session):
        self.assertEqual(session.state, "completed")
        self.assertTrue(session.meter_start_fixed, "the start of 0 was replaced by the lifetime register")
        self.assertEqual(session.meter_start_reported, 0.0)
        self.assertEqual((session.meter_start_wh, session.meter_stop_wh), (LIFETIME_WH, LIFETIME_WH + 5_500))
        self.assertAlmostEqual(session.energy_kwh, 5.5, places=3, msg="not the 45,005.5 kWh lifetime register")
        self.assertFalse(session.energy_unreliable)

    def test_lifetime_register_201_transaction_begin_of_zero(self):
        """Issue 7, item 2: 45,005.5 kWh were billed for 5.5 kWh."""
        self.assertEqual({r["status"] for r in self.ingest(self.offline_session_201())}, {"applied"})
        session = self.session(self.cp201, "OFFLINE-201")
        self.assertFiveAndAHalf(session)
        self.assertTrue(session.offline)
        self.assertEqual(len(session.meter_value_ids), 4, "the Begin reading of 0 and the periodic one both kept")

    def test_lifetime_register_16_meter_start_of_zero(self):
        self.assertEqual({r["status"] for r in self.ingest(self.offline_session_16())}, {"applied"})
        self.assertFiveAndAHalf(self.session(self.cp16, 77))

    def test_both_versions_hand_the_same_update_to_the_same_code(self):
        """The 2.0.1 and 1.6 messages of one session become the same TransactionUpdates."""
        t0, m = self.t0, self.minutes
        begin = self.handle(
            transactions.transaction_event,
            self.cp201,
            "TransactionEvent",
            self.offline_session_201("SAME")[0]["payload"],
            settle=False,
        )[1]
        start = self.handle(
            transactions.start_transaction,
            self.cp16,
            "StartTransaction",
            {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 0, "timestamp": iso(t0)},
            response={"transactionId": 5},
            settle=False,
        )[1]
        for session in (begin, start):
            self.assertEqual((session.has_meter_start, session.meter_start_reported), (True, 0.0))
            self.assertEqual((session.state, session.start_time), ("active", self.naive(t0)))
            self.assertEqual(session.id_token_id, self.token)
        # a TransactionUpdate applied directly, as either version's parser makes it
        batch, session = self.handle(
            lambda batch, event: transactions.apply_transaction(
                batch,
                event,
                TransactionUpdate("DIRECT", STARTED, iso(t0), evse_id=2, meter_start=Decimal(1000), id_token="X"),
            ),
            self.cp201,
            "TransactionEvent",
            {},
            settle=False,
        )
        self.assertEqual(batch.sessions, {session.id: False})
        self.assertEqual((session.connector_id.evse_number, session.meter_start_reported), (2, 1000.0))
        self.assertTrue(self.cp201.register_learnt, "a start above 0: the register is cumulative")
        batch, session = self.handle(
            lambda batch, event: transactions.apply_transaction(
                batch,
                event,
                TransactionUpdate("DIRECT", ENDED, iso(m(t0, 10)), meter_stop=Decimal(4000), stop_reason="Local"),
            ),
            self.cp201,
            "TransactionEvent",
            {},
        )
        self.assertEqual((session.state, session.stop_reason), ("completed", "Local"))
        self.assertAlmostEqual(session.energy_kwh, 3.0, places=3)

    def test_orphan_stop_201_starts_at_its_first_reading(self):
        t0, m = self.t0, self.minutes
        ended = self.tx201(
            "ORPHAN", "Ended", 5, 40, [reading(m(t0, 10), 1_000), reading(m(t0, 40), 9_000, "Transaction.End")]
        )
        self.assertEqual(self.ingest([ended])[0]["status"], "applied")
        session = self.session(self.cp201, "ORPHAN")
        self.assertTrue(session.orphan_stop)
        self.assertEqual(session.start_time, self.naive(m(t0, 10)))
        self.assertAlmostEqual(session.energy_kwh, 8.0, places=3)
