"""The bridge <-> Odoo contract (INGESTION.md, contracts A-J) over XML-RPC as the bridge user,
and refused to every other role."""

import base64
import json
import xmlrpc.client

from odoo.tests import tagged
from odoo.tools import mute_logger

from .bridge_rpc import EvRpcCase
from .common import iso
from .test_ingestion import mv201

RPC_LOGGERS = ("odoo.http", "odoo.addons.base.controllers.rpc")
INGEST_LOGGER = "odoo.addons.ev_charging.models.ev_ocpp_event"


def b64(**inner):
    return base64.b64encode(json.dumps(inner).encode()).decode("ascii")


def nested(levels):
    value = {"leaf": 1}
    for _i in range(levels - 1):
        value = {"a": value}
    return value


@tagged("post_install", "-at_install")
class TestBridgeContract(EvRpcCase):
    def ingest_rpc(self, events):
        return self.rpc("bridge", "ev.ocpp.event", "ingest", events)

    def b64_event(self, charger, action, payload, response=None, meta=None, ts=None):
        event = self.ev(charger, action, payload, ts, response)
        inner = {k: event.pop(k) for k in ("payload", "response") if k in event}
        if meta is not None:
            inner["meta"] = meta
        event["b64"] = b64(**inner)
        return event

    def start_stop16(self, transaction_id, stop_id_tag):
        """A 1.6 transaction of T-16 from 1,000 to 6,000 Wh over an hour (plain envelopes), stopped with
        ``stop_id_tag``, which Odoo answered Invalid."""
        start = self.ev(
            "T-16",
            "StartTransaction",
            {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 1000, "timestamp": "2026-07-01T14:00:00Z"},
            self.t0,
            response={"transactionId": transaction_id},
        )
        stop = self.ev(
            "T-16",
            "StopTransaction",
            {
                "transactionId": transaction_id,
                "idTag": stop_id_tag,
                "meterStop": 6000,
                "timestamp": "2026-07-01T15:00:00Z",
            },
            self.minutes(self.t0, 60),
            response={"idTagInfo": {"status": "Invalid"}},
        )
        return start, stop

    # --- contract A -------------------------------------------------------------------------
    def test_b64_carries_what_xmlrpc_cannot(self):
        """Issue 7.3: a 1.6 StopTransaction with a control character in idTag reaches Odoo and
        is applied; its neighbours too."""
        t0 = self.t0
        start, stop = self.start_stop16(4242, "TOK\x01EN\x1f")
        stop = self.b64_event(
            "T-16",
            "StopTransaction",
            stop["payload"],
            response=stop["response"],
            meta={"auth": {"id_token": "TOK\x01EN\x1f", "source": "odoo"}},
            ts=self.minutes(t0, 60),
        )
        beat = self.ev("T-16", "Heartbeat", {}, self.minutes(t0, 61))
        results = self.ingest_rpc([start, stop, beat])
        self.assertEqual([r["status"] for r in results], ["applied"] * 3, results)
        session = self.session(self.cp16, 4242)
        self.assertEqual((session.state, session.energy_kwh), ("completed", 5.0))
        event = self.Event.search([("key", "=", stop["key"])])
        self.assertEqual(event.payload["idTag"], "TOK\x01EN\x1f", "stored exactly as the station sent it")
        self.assertEqual(event.meta["auth"]["id_token"], "TOK\x01EN\x1f")

    def test_nul_and_lone_surrogates_are_kept_losslessly(self):
        payload = {"vendorId": "acme", "data": "a\x00b\ud800c\r\n"}
        event = self.b64_event("T-201", "DataTransfer", payload)
        (result,) = self.ingest_rpc([event])
        self.assertEqual(result["status"], "applied", result)
        stored = self.Event.search([("key", "=", event["key"])])
        self.assertEqual(
            stored.payload["data"], "a\ufffdb\ufffdc\r\n", "PostgreSQL cannot store NUL or a lone surrogate"
        )
        original = json.loads(base64.b64decode(stored.meta["lossless_b64"]))
        self.assertEqual(original["payload"], payload, "the original is kept, exactly")

    @mute_logger(INGEST_LOGGER)
    def test_bad_b64_events_are_rejected_alone(self):
        good = self.ev("T-201", "Heartbeat", {})
        not_base64 = dict(self.ev("T-201", "Heartbeat", {}), b64="%%% not base64 %%%")
        not_base64.pop("payload")
        too_deep = self.b64_event("T-201", "DataTransfer", {"vendorId": "x", "data": nested(40)})
        too_large = self.b64_event("T-201", "DataTransfer", {"vendorId": "x", "data": "x" * (2 * 1024 * 1024)})
        both = dict(self.ev("T-201", "Heartbeat", {}), b64=b64(payload={}))
        not_object = dict(self.ev("T-201", "Heartbeat", {}), b64=base64.b64encode(b"[1, 2]").decode())
        not_object.pop("payload")
        events = [good, not_base64, too_deep, too_large, both, not_object]
        results = self.ingest_rpc(events)
        self.assertEqual([r["key"] for r in results], [e["key"] for e in events], "same order")
        self.assertEqual([r["status"] for r in results], ["applied"] + ["rejected"] * 5, results)
        reasons = [r["error"] for r in results[1:]]
        for reason, expected in zip(
            reasons,
            ["not valid base64", "nests deeper than 32", "per-event cap", "must not carry payload", "an object"],
            strict=True,
        ):
            self.assertIn(expected, reason)
        kept = self.Event.search([("key", "=", not_base64["key"])])
        self.assertEqual((kept.state, kept.meta["b64"]), ("rejected", "%%% not base64 %%%"), "kept for review")
        kept_both = self.Event.search([("key", "=", both["key"])])
        self.assertEqual(kept_both.meta["top_level"], {"payload": {}}, "what came at the top level is kept too")
        # sent again (the bridge did not get the answer): duplicate, not a second row
        again = self.ingest_rpc([not_base64])
        self.assertEqual(again[0]["status"], "duplicate")
        self.assertEqual(self.Event.search_count([("key", "=", not_base64["key"])]), 1)

    # --- contract J -------------------------------------------------------------------------
    def json_event(self, event, **extra):
        """``event`` as contract J sends it: all but key, charger and action in one JSON text, as the
        bridge stores it (ASCII)."""
        inner = {k: v for k, v in event.items() if k not in ("key", "charger", "action")}
        inner.update(extra)
        out = {k: event[k] for k in ("key", "charger", "action")}
        out["json"] = json.dumps(inner, ensure_ascii=True)
        return out

    def test_json_envelopes_are_applied_as_plain_ones(self):
        """Contract J: a session started, updated and stopped through JSON text envelopes is the one the
        same events as XML-RPC structs give; a control character, a NUL and a 64-bit integer travel too."""
        self.assertIn("json_envelopes", self.rpc("bridge", "ev.ocpp.event", "bridge_features"))
        t0 = self.t0
        start, stop = self.start_stop16(4343, "TOK\x01EN")
        data = self.ev("T-201", "DataTransfer", {"vendorId": "acme", "data": "a\x00b", "big": 2**40}, t0)
        events = [self.json_event(start, message_id="m-1"), self.json_event(stop), self.json_event(data)]
        results = self.ingest_rpc(events)
        self.assertEqual([r["status"] for r in results], ["applied"] * 3, results)
        session = self.session(self.cp16, 4343)
        self.assertEqual((session.state, session.energy_kwh), ("completed", 5.0))
        stored = self.Event.search([("key", "in", [e["key"] for e in events])], order="id")
        self.assertEqual(stored[0].message_id, "m-1", "the keys of the text are the envelope's")
        self.assertEqual(stored[0].received_at, self.naive(t0), "its ts too")
        self.assertEqual(stored[1].payload["idTag"], "TOK\x01EN", "stored exactly as the station sent it")
        self.assertEqual(stored[2].payload["big"], 2**40, "beyond XML-RPC's 32 bits")
        self.assertEqual(stored[2].payload["data"], "a\ufffdb", "PostgreSQL cannot store NUL")
        original = json.loads(stored[2].meta["lossless_json"])
        self.assertEqual(original["payload"]["data"], "a\x00b", "the original text is kept")

    @mute_logger(INGEST_LOGGER)
    def test_bad_json_envelopes_are_rejected_alone(self):
        good = self.json_event(self.ev("T-201", "Heartbeat", {}))
        broken = dict(self.json_event(self.ev("T-201", "Heartbeat", {})), json='{"payload": {')
        not_object = dict(self.json_event(self.ev("T-201", "Heartbeat", {})), json="[1, 2]")
        stranger = self.json_event(self.ev("T-201", "Heartbeat", {}), charger="T-16")
        both = dict(self.json_event(self.ev("T-201", "Heartbeat", {})), payload={})
        too_deep = self.json_event(self.ev("T-201", "DataTransfer", {"vendorId": "x", "data": nested(40)}))
        events = [good, broken, not_object, stranger, both, too_deep]
        results = self.ingest_rpc(events)
        self.assertEqual([r["key"] for r in results], [e["key"] for e in events], "same order")
        self.assertEqual([r["status"] for r in results], ["applied"] + ["rejected"] * 5, results)
        for result, expected in zip(
            results[1:],
            [
                "not valid JSON",
                "an object with payload",
                "an object with payload",
                "must carry its other keys",
                "nests deeper than 32",
            ],
            strict=True,
        ):
            self.assertIn(expected, result["error"])
        kept = self.Event.search([("key", "=", broken["key"])])
        self.assertEqual((kept.state, kept.meta["json"]), ("rejected", '{"payload": {'), "kept for review")
        self.assertEqual((kept.charger_id, kept.action), (self.cp201, "Heartbeat"))
        kept_both = self.Event.search([("key", "=", both["key"])])
        self.assertEqual(kept_both.meta["top_level"], {"payload": {}}, "what came at the top level is kept too")
        self.assertEqual(self.ingest_rpc([broken])[0]["status"], "duplicate")

    # --- contract B -------------------------------------------------------------------------
    def test_keys_of_two_outbox_epochs_never_collide(self):
        first = dict(self.ev("T-201", "Heartbeat", {}), key="node-k:e0123456789ab:5")
        lost_and_recreated = dict(self.ev("T-201", "Heartbeat", {}), key="node-k:efedcba987654:5")
        self.assertEqual(
            [r["status"] for r in self.ingest_rpc([first, lost_and_recreated, first])],
            ["applied", "applied", "duplicate"],
        )

    # --- contracts C and E ------------------------------------------------------------------
    def test_ingest_and_pull_hands_over_the_batch_chargers_commands(self):
        self.connect(self.cp201, "node-c")
        self.connect(self.cp16, "node-c")
        Command = self.env["ev.charger.command"].sudo()
        c201 = Command._queue_for_station(self.cp201, "TriggerMessage", {"requestedMessage": "Heartbeat"})
        c16 = Command._queue_for_station(self.cp16, "TriggerMessage", {"requestedMessage": "Heartbeat"})
        answer = self.rpc(
            "bridge", "ev.ocpp.event", "ingest_and_pull", [self.ev("T-201", "Heartbeat", {})], "node-c", []
        )
        self.assertEqual(answer["commands"], [], "identities given: only theirs (none)")
        events = [self.ev("T-201", "Heartbeat", {})]
        answer = self.rpc("bridge", "ev.ocpp.event", "ingest_and_pull", events, "node-c")
        self.assertEqual(answer["results"], [{"key": events[0]["key"], "status": "applied", "error": False}])
        self.assertEqual([c["id"] for c in answer["commands"]], c201.ids, "the batch's chargers by default")
        answer = self.rpc("bridge", "ev.ocpp.event", "ingest_and_pull", [], "node-c", ["T-16", "T-201"])
        self.assertEqual([c["id"] for c in answer["commands"]], c16.ids, "each command is handed over once")
        (c201 | c16).invalidate_recordset()
        self.assertEqual(set((c201 | c16).mapped("state")), {"sent"})
        self.assertEqual((c201 | c16).node_id.name, "node-c")

    def test_bridge_pull_by_ids(self):
        self.connect(self.cp201, "node-e")
        self.connect(self.cp16, "node-e")
        Command = self.env["ev.charger.command"].sudo()
        a, b = (Command._queue_for_station(self.cp201, "ClearCache", {}) for _i in range(2))
        other = Command._queue_for_station(self.cp16, "ClearCache", {})
        pull = lambda *args: self.rpc("bridge", "ev.charger.command", "bridge_pull", "node-e", *args)  # noqa: E731
        self.assertEqual(pull(["T-201"], []), [])
        self.assertEqual(
            [c["id"] for c in pull(["T-201"], [b.id, other.id])], b.ids, "only those ids, of those chargers"
        )
        self.assertEqual(pull(["T-201"], [b.id]), [], "only queued ones")
        self.assertEqual([c["id"] for c in pull(["T-201", "T-16"])], (a | other).ids)

    # --- contract F -------------------------------------------------------------------------
    def test_highest_16_transaction_id_per_node_number(self):
        node3, node4 = 3 << 27, 4 << 27
        events = []
        for n, tx in enumerate((node3 + 7, node3 + 900, node4 + 5)):
            events.append(
                self.ev(
                    "T-16",
                    "StartTransaction",
                    {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 0, "timestamp": "2026-07-01T14:00:00Z"},
                    self.minutes(self.t0, n),
                    response={"transactionId": tx},
                )
            )
        # a 2.0.1 station's numeric transaction id is its own, never the bridge's
        events.append(
            self.ev(
                "T-201",
                "TransactionEvent",
                {
                    "eventType": "Started",
                    "timestamp": "2026-07-01T14:00:00Z",
                    "triggerReason": "Authorized",
                    "seqNo": 0,
                    "transactionInfo": {"transactionId": str(node3 + 5000)},
                    "evse": {"id": 1, "connectorId": 1},
                },
            )
        )
        self.assertEqual({r["status"] for r in self.ingest_rpc(events)}, {"applied"})
        highest = lambda n: self.rpc("bridge", "ev.charger", "bridge_max_transaction_id", n)  # noqa: E731
        self.assertEqual((highest(3), highest(4), highest(5)), (node3 + 900, node4 + 5, 0))
        with mute_logger(*RPC_LOGGERS), self.assertRaisesRegex(xmlrpc.client.Fault, "between 0 and 15"):
            highest(16)

    # --- contract G -------------------------------------------------------------------------
    def test_no_node_secret_is_stored_or_returned(self):
        self.assertNotIn("token", self.env["ev.bridge.node"].fields_get())
        creds = self.env["ev.bridge.node"].provision_bridge("node-g", "http://127.0.0.1:9001")
        self.assertEqual(set(creds), {"login", "api_key", "node"})

    # --- contract H ---------------------------------------------------------------------------
    def logged(self, unique_id):
        return self.env["ev.ocpp.message"].search([("unique_id", "=", unique_id)], order="id")

    def test_bridge_features_offer_the_derived_log(self):
        self.assertIn("derived_log", self.rpc("bridge", "ev.ocpp.event", "bridge_features"))

    def test_derived_log_writes_the_call_and_its_answer_with_the_event(self):
        """One envelope with ``log`` stands for the CALL, the event and the CALLRESULT: Odoo writes both
        log lines, linked, in the same call; a resend adds nothing."""
        t0 = self.t0
        payload = {
            "eventType": "Started",
            "timestamp": iso(t0),
            "triggerReason": "CablePluggedIn",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "TX-H1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [mv201(t0, 1000, "Transaction.Begin")],
        }
        event = self.ev("T-201", "TransactionEvent", payload, t0, response={})
        event.update(message_id="h-1", log={"result_ts": "2026-07-01T14:00:00.042Z"})
        beat = self.ev("T-201", "Heartbeat", {}, self.minutes(t0, 1), response={"currentTime": iso(t0)})
        beat.update(message_id="h-2", log={"result_ts": "2026-07-01T14:01:00.003Z"})
        plain = self.ev("T-201", "Heartbeat", {}, self.minutes(t0, 2))  # an older bridge's event: no log
        results = self.ingest_rpc([event, beat, plain])
        self.assertEqual([r["status"] for r in results], ["applied"] * 3, results)
        self.assertEqual(self.session(self.cp201, "TX-H1").state, "active")
        call, answer = self.logged("h-1")
        self.assertEqual(
            (call.direction, call.message_type, call.action, call.payload, call.timestamp_ms),
            ("in", "CALL", "TransactionEvent", payload, "2026-07-01T14:00:00.000Z"),
        )
        self.assertEqual(
            (answer.direction, answer.message_type, answer.action, answer.payload, answer.timestamp_ms),
            ("out", "CALLRESULT", "TransactionEvent", {}, "2026-07-01T14:00:00.042Z"),
        )
        self.assertEqual(answer.request_id, call)
        self.assertEqual((call.charger_id, call.company_id), (self.cp201, self.cp201.company_id))
        self.assertEqual(self.logged("h-2")[1].payload, {"currentTime": iso(t0)})
        self.assertEqual(self.logged("h-2")[1].request_id.action, "Heartbeat")
        self.assertEqual(self.env["ev.ocpp.message"].search_count([("charger_id", "=", self.cp201.id)]), 4)
        self.assertEqual([r["status"] for r in self.ingest_rpc([event, beat])], ["duplicate"] * 2)
        self.assertEqual(self.env["ev.ocpp.message"].search_count([("charger_id", "=", self.cp201.id)]), 4)

    def test_derived_log_next_to_message_log_envelopes(self):
        """An older bridge's MessageLog envelopes and derived lines in the same batch: both kept, each
        answer linked to its own CALL (also across batches)."""
        call = self.ev(
            "T-16",
            "MessageLog",
            {"direction": "in", "type": "CALL", "action": "Heartbeat", "unique_id": "m-1", "payload": {}},
        )
        answer = self.ev(
            "T-16",
            "MessageLog",
            {"direction": "out", "type": "CALLRESULT", "unique_id": "m-1", "payload": {"currentTime": "x"}},
        )
        derived = self.ev("T-16", "Heartbeat", {}, response={"currentTime": iso(self.t0)})
        derived.update(message_id="m-2", log={})
        results = self.ingest_rpc([call, derived])
        self.assertEqual([r["status"] for r in results], ["applied"] * 2, results)
        self.assertEqual(self.ingest_rpc([answer])[0]["status"], "applied")
        first, second = self.logged("m-1"), self.logged("m-2")
        self.assertEqual(second[1].request_id, second[0])
        self.assertEqual(second[1].timestamp_ms, second[0].timestamp_ms, "no result_ts: the event's time")
        self.assertEqual(first[1].request_id, first[0])
        self.assertEqual(first[1].action, "Heartbeat")

    @mute_logger(INGEST_LOGGER)
    def test_derived_log_of_a_rejected_event_is_kept(self):
        """The frames were exchanged even when Odoo cannot apply the event: its lines are written (an
        unknown charger has no log); a ``log`` that is not an object faults the call, like ``meta``."""
        bad = self.ev("T-201", "DataTransfer", {"data": "no vendor"}, response={"status": "UnknownVendorId"})
        bad.update(message_id="r-1", log={"result_ts": "not a time"})
        stranger = self.ev("NOBODY", "Heartbeat", {}, response={"currentTime": iso(self.t0)})
        stranger.update(message_id="r-2", log={})
        results = self.ingest_rpc([bad, stranger])
        self.assertEqual([r["status"] for r in results], ["rejected"] * 2, results)
        call, answer = self.logged("r-1")
        self.assertEqual((call.payload, answer.payload), ({"data": "no vendor"}, {"status": "UnknownVendorId"}))
        self.assertEqual(answer.timestamp_ms, call.timestamp_ms, "an unreadable result_ts: the event's time")
        self.assertFalse(self.logged("r-2"))
        malformed = self.ev("T-201", "Heartbeat", {})
        malformed["log"] = "yes"
        with mute_logger(*RPC_LOGGERS), self.assertRaisesRegex(xmlrpc.client.Fault, "'log' must be an object"):
            self.ingest_rpc([malformed])

    # --- contract J -------------------------------------------------------------------------
    def test_bridge_results_record_several_answers_in_one_call(self):
        """The answers the bridge collected while its previous report was in flight, in one call; an
        item that cannot be recorded is answered ``error`` with the reason, the others are recorded."""
        self.assertIn("command_results", self.rpc("bridge", "ev.ocpp.event", "bridge_features"))
        self.connect(self.cp201, "node-i")
        Command = self.env["ev.charger.command"].sudo()
        ok, refused, cost = (
            Command._queue_for_station(self.cp201, "TriggerMessage", {"requestedMessage": "Heartbeat"}),
            Command._queue_for_station(self.cp201, "ClearCache", {}),
            Command._queue_for_station(self.cp201, "CostUpdated", {"totalCost": 1.5, "transactionId": "T-I"}),
        )
        pulled = self.rpc("bridge", "ev.charger.command", "bridge_pull", "node-i", ["T-201"])
        self.assertEqual([c["id"] for c in pulled], (ok | refused | cost).ids)
        missing = max((ok | refused | cost).ids) + 1000
        answers = self.rpc(
            "bridge",
            "ev.charger.command",
            "bridge_results",
            [
                {"id": ok.id, "state": "accepted", "result": {"status": "Accepted"}},
                {"id": missing, "state": "accepted", "result": {}},
                {"id": refused.id, "state": "rejected", "result": {"status": "Rejected"}},
                {"id": cost.id, "state": "maybe", "result": {}},
                {"id": True, "state": "accepted", "result": {}},
                {
                    "id": cost.id,
                    "state": "failed",
                    "result": {"error": "NotImplemented", "errorCode": "NotImplemented"},
                },
            ],
        )
        self.assertEqual(
            [(a["id"], a["status"]) for a in answers],
            [
                (ok.id, "ok"),
                (missing, "error"),
                (refused.id, "ok"),
                (cost.id, "error"),
                (True, "error"),
                (cost.id, "ok"),
            ],
        )
        self.assertIn(f"Unknown command id {missing}", answers[1]["error"])
        self.assertIn("got 'maybe'", answers[3]["error"])
        (ok | refused | cost).invalidate_recordset()
        self.assertEqual(
            [(c.state, c.result_status or c.error) for c in ok | refused | cost],
            [("accepted", "Accepted"), ("rejected", "Rejected"), ("failed", "NotImplemented")],
        )
        self.assertTrue(cost.unsupported, "the same bookkeeping as one bridge_result each")
        with mute_logger(*RPC_LOGGERS), self.assertRaisesRegex(xmlrpc.client.Fault, "list of"):
            self.rpc("bridge", "ev.charger.command", "bridge_results", {"id": ok.id})
        self.assertEqual(self.rpc("bridge", "ev.charger.command", "bridge_results", []), [])

    # --- the bridge methods refuse every other role -----------------------------------------
    @mute_logger(*RPC_LOGGERS)
    def test_bridge_methods_refused_to_other_roles(self):
        calls = [
            ("ev.ocpp.event", "ingest", [[]]),
            ("ev.ocpp.event", "ingest_and_pull", [[], "node-x", []]),
            ("ev.charger.command", "bridge_pull", ["node-x", ["T-201"], []]),
            ("ev.charger", "bridge_max_transaction_id", [0]),
            ("ev.charger", "bridge_stations", [["T-201"]]),
            ("ev.ocpp.event", "bridge_features", []),
            ("ev.charger.command", "bridge_results", [[]]),
        ]
        for who in ("ev_user", "technician", "internal", "portal"):
            for model, method, args in calls:
                with self.subTest(who=who, method=method), self.assertRaises(xmlrpc.client.Fault):
                    self.rpc(who, model, method, *args)
        for model, method, args in calls:
            self.rpc("bridge", model, method, *args)
