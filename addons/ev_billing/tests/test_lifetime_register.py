"""Issue 7, item 2: a session whose start is reported as 0 on a lifetime (cumulative) register is billed
its own energy, not the register's lifetime total, whatever the OCPP version (one rule:
ev_charging/lib/ev_ocpp.py session_energy)."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.ev_charging.demo.ev_demo_streams import iso

from .common import EvBillingCase

LIFETIME_WH = 45_000_000


def reading201(ts, wh, context="Sample.Periodic"):
    value = {"value": wh, "measurand": "Energy.Active.Import.Register", "context": context}
    return {"timestamp": iso(ts), "sampledValue": [dict(value, unitOfMeasure={"unit": "Wh"})]}


def reading16(ts, wh):
    return {"timestamp": iso(ts), "sampledValue": [{"value": str(wh), "measurand": "Energy.Active.Import.Register"}]}


@tagged("post_install", "-at_install")
class TestLifetimeRegisterBilling(EvBillingCase):
    def event(self, charger, action, payload, response=None):
        event = {
            "key": f"lifetime:{self.next_tx()}",
            "charger": charger.identity,
            "version": charger.ocpp_version,
            "action": action,
            "payload": payload,
            "ts": iso(self.t0 + timedelta(hours=2)),  # replayed after the outage
        }
        if response:
            event["response"] = response
        return event

    def tx201(self, event_type, seq, minutes, readings):
        ts = self.t0 + timedelta(minutes=minutes)
        payload = {
            "eventType": event_type,
            "timestamp": iso(ts),
            "triggerReason": "MeterValuePeriodic",
            "seqNo": seq,
            "offline": True,
            "transactionInfo": {"transactionId": "LIFETIME-201", "stoppedReason": "Local"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": self.token.value, "type": "ISO14443"},
            "meterValue": readings,
        }
        return self.event(self.cp201, "TransactionEvent", payload)

    def assertBilledFiveAndAHalf(self, session):
        self.assertAlmostEqual(session.energy_kwh, 5.5, places=3)
        self.assertAlmostEqual(session.billed_energy_kwh, 5.5, places=3)
        # 5.5 kWh x 0.50 + 1.00 session fee, not 45,005.5 kWh x 0.50 + 1.00 = 22,503.75
        self.assertEqual(session.cost_total, 3.75)
        self.assertEqual(session.billing_state, "invoiced")
        self.assertEqual(session.invoice_id.state, "posted")
        self.assertEqual(session.invoice_id.amount_total, 3.75)
        energy_line = session.invoice_id.invoice_line_ids.filtered(lambda line: line.ev_cost_kind == "energy")
        self.assertAlmostEqual(sum(energy_line.mapped("price_subtotal")), 2.75, places=2)

    def test_201_transaction_begin_of_zero(self):
        t0 = self.t0
        self.ingest(
            [
                self.tx201("Started", 0, 0, [reading201(t0, 0, "Transaction.Begin"), reading201(t0, LIFETIME_WH)]),
                self.tx201("Updated", 1, 15, [reading201(t0 + timedelta(minutes=15), LIFETIME_WH + 2_500)]),
                self.tx201(
                    "Ended", 2, 30, [reading201(t0 + timedelta(minutes=30), LIFETIME_WH + 5_500, "Transaction.End")]
                ),
            ]
        )
        self.assertBilledFiveAndAHalf(self.find_session(self.cp201, "LIFETIME-201"))

    def test_16_meter_start_of_zero(self):
        t0, tx = self.t0, 4242
        start = {"connectorId": 1, "idTag": self.token.value, "meterStart": 0, "timestamp": iso(t0)}
        stop = {"transactionId": tx, "meterStop": LIFETIME_WH + 5_500, "timestamp": iso(t0 + timedelta(minutes=30))}
        self.ingest(
            [
                self.event(self.cp16, "StartTransaction", start, response={"transactionId": tx}),
                self.event(
                    self.cp16,
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": tx,
                        "meterValue": [
                            reading16(t0, LIFETIME_WH),
                            reading16(t0 + timedelta(minutes=15), LIFETIME_WH + 2_500),
                        ],
                    },
                ),
                self.event(self.cp16, "StopTransaction", dict(stop, reason="Local")),
            ]
        )
        self.assertBilledFiveAndAHalf(self.find_session(self.cp16, tx))
