"""Hostile or broken events are rejected on their own, never faulting their batch (issue 7, items 3 and 5,
Odoo side): over-long names, deep nesting, oversized payloads, what PostgreSQL cannot store."""

import base64
import json

from odoo.tests import tagged

from ..lib import ev_ocpp_limits
from .common import EvCase, iso


@tagged("post_install", "-at_install")
class TestIngestLimits(EvCase):
    def heartbeat(self):
        return self.ev("T-201", "Heartbeat", {})

    def assertAloneRejected(self, bad, message):
        """``bad`` between two good events: only it is rejected, kept with the reason."""
        before, after = self.heartbeat(), self.heartbeat()
        results = self.ingest([before, bad, after])
        self.assertEqual([r["status"] for r in results], ["applied", "rejected", "applied"], results)
        self.assertIn(message, results[1]["error"])
        kept = self.Event.search([("key", "=", bad["key"])])
        self.assertEqual((kept.state, kept.error), ("rejected", results[1]["error"]))
        return kept

    def test_action_names_are_bounded(self):
        kept = self.assertAloneRejected(self.ev("T-201", "A" * 65, {}), "'action' is 65 characters long (at most 64)")
        self.assertEqual(kept.action, "A" * 64 + "... (65 characters)")
        # far over the size a PostgreSQL index entry can hold (~2.7 kB)
        kept = self.assertAloneRejected(self.ev("T-201", "X" * 12_000, {}), "'action' is 12000 characters long")
        self.assertTrue(kept.action.endswith("(12000 characters)"))
        self.assertEqual(
            self.ingest([self.ev("T-201", "NoSuchAction", {})])[0]["error"], "unsupported action 'NoSuchAction'"
        )

    def test_identities_and_message_ids_are_bounded(self):
        kept = self.assertAloneRejected(self.ev("Z" * 9_000, "Heartbeat", {}), "'charger' is 9000 characters long")
        self.assertFalse(kept.charger_id)
        event = self.heartbeat()
        event["message_id"] = "m" * 5_000
        self.assertAloneRejected(event, "'message_id' is 5000 characters long")

    def test_free_text_in_payloads_is_bounded(self):
        ts = iso(self.t0)
        values = {
            "evseId": 1,
            "meterValue": [{"timestamp": ts, "sampledValue": [{"value": 1, "measurand": "M" * 10_000}]}],
        }
        self.assertAloneRejected(self.ev("T-201", "MeterValues", values), "measurand is 10000 characters long")
        status = {"connectorId": 1, "status": "Faulted", "errorCode": "E" * 3_000, "timestamp": ts}
        self.assertAloneRejected(self.ev("T-16", "StatusNotification", status), "errorCode is 3000 characters long")
        log = {"direction": "in", "type": "CALL", "action": "Q" * 9_000, "unique_id": "u1", "payload": {}, "ts": ts}
        self.assertAloneRejected(self.ev("T-201", "MessageLog", log), "MessageLog action is 9000 characters long")
        self.assertFalse(self.env["ev.meter.value"].search([("charger_id", "=", self.cp201.id)]))
        self.assertFalse(self.env["ev.ocpp.message"].search([("charger_id", "=", self.cp201.id)]))

    def test_deep_nesting_is_rejected_alone(self):
        deep = {}
        node = deep
        for _level in range(600):
            node["x"] = {}
            node = node["x"]
        kept = self.assertAloneRejected(self.ev("T-201", "DataTransfer", {"vendorId": "V", "data": deep}), "32 levels")
        self.assertFalse(kept.payload, "a payload over the limits is not stored")
        # 32 levels are fine
        ok = {}
        node = ok
        for _level in range(ev_ocpp_limits.MAX_DEPTH - 2):
            node["x"] = {}
            node = node["x"]
        self.assertEqual(
            self.ingest([self.ev("T-201", "DataTransfer", {"vendorId": "V", "data": ok})])[0]["status"], "applied"
        )

    def test_oversized_payload_is_rejected_alone(self):
        big = {"vendorId": "V", "data": "x" * (ev_ocpp_limits.MAX_EVENT_CHARS + 1)}
        kept = self.assertAloneRejected(self.ev("T-201", "DataTransfer", big), "at most 1048576")
        self.assertFalse(kept.payload)

    def test_oversized_payload_in_a_b64_envelope_is_rejected_alone(self):
        """Contract A: the bridge's JSON text is under the b64 cap (2 MiB) but its payload over the event's
        limit; a small b64 event beside it is screened from its decoded size and applied."""
        big = self.ev("T-201", "DataTransfer", {"vendorId": "V", "data": "x" * (ev_ocpp_limits.MAX_EVENT_CHARS + 1)})
        small = self.ev("T-201", "DataTransfer", {"vendorId": "V", "data": "ok"})
        for event in (big, small):
            event["b64"] = base64.b64encode(json.dumps({"payload": event.pop("payload")}).encode()).decode()
        results = self.ingest([big, small])
        self.assertEqual([r["status"] for r in results], ["rejected", "applied"])
        self.assertIn("at most 1048576", results[0]["error"])

    def test_nul_characters_and_lone_surrogates_reach_odoo(self):
        """Issue 7, item 3: a schema-valid StopTransaction with a control character in idTag."""
        t0 = self.t0
        start = {"connectorId": 1, "idTag": "TAG\x00ONE", "meterStart": 1_000, "timestamp": iso(t0)}
        stop = {
            "transactionId": 9,
            "idTag": "TAG\x00ONE",
            "meterStop": 4_000,
            "timestamp": iso(self.minutes(t0, 30)),
            "reason": "Local\ud800",
        }
        events = [
            self.heartbeat(),
            self.ev("T-16", "StartTransaction", start, response={"transactionId": 9}),
            self.ev("T-16", "StopTransaction", stop, self.minutes(t0, 30)),
            self.heartbeat(),
        ]
        self.assertEqual({r["status"] for r in self.ingest(events)}, {"applied"})
        session = self.session(self.cp16, 9)
        self.assertEqual((session.state, session.id_token_value), ("completed", "TAG\ufffdONE"))
        self.assertEqual(session.stop_reason, "Local\ufffd")
        self.assertAlmostEqual(session.energy_kwh, 3.0, places=3)
        stored = self.Event.search([("key", "=", events[2]["key"])])
        self.assertEqual(stored.payload["idTag"], "TAG\ufffdONE")
        self.assertTrue(stored.meta["unstorable_replaced"])

    def test_a_rejected_event_with_unstorable_text_is_kept(self):
        bad = self.ev("T-201", "StatusNotification", {"evseId": 1, "connectorId": 1, "connectorStatus": "On\x00Fire"})
        kept = self.assertAloneRejected(bad, "unknown OCPP 2.0.1 connector status")
        self.assertEqual(kept.payload["connectorStatus"], "On\ufffdFire")
