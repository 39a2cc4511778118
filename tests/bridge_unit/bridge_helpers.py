"""Helpers of the bridge unit tests (imported as ``bridge_helpers``: a name of its own, so a
whole-repository pytest run with several ``conftest.py`` files cannot shadow it).

``FakeOdoo`` is an in-memory ``OdooTransport`` (allowed only at this boundary): it stores
ingested events once per key, like Odoo, decodes ``b64`` (contract A) and ``json`` (contract J)
envelopes and can be told to fail.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sys
import time
from pathlib import Path

import websockets
from ocpp.v16 import ChargePoint as LibCP16
from ocpp.v201 import ChargePoint as LibCP201
from passlib.hash import pbkdf2_sha256
from websockets.headers import build_authorization_basic

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ocpp_bridge.app import Bridge  # noqa: E402
from ocpp_bridge.config import load_config  # noqa: E402
from ocpp_bridge.odoo_client import (  # noqa: E402
    OdooFault,
    OdooMethodMissing,
    OdooPayloadTooLarge,
    OdooTransport,
    OdooUnavailable,
)

PASSWORD = "correct-horse-battery-staple"
FAST_HASH = pbkdf2_sha256.using(rounds=1000)


def station(identity, registration="accepted", profile=0, password=None, heartbeat=300, relaxed=False, version="2.0.1"):
    return {
        "identity": identity,
        "registration_status": registration,
        "security_profile": profile,
        "password_hash": FAST_HASH.hash(password) if password else False,
        "heartbeat_interval": heartbeat,
        "relaxed_validation": relaxed,
        "ocpp_version": version,
    }


class FakeOdoo(OdooTransport):
    def __init__(self):
        self.chargers: dict[str, dict] = {}  # identity -> station facts (ev.charger)
        self.tokens: dict[str, dict] = {}
        self.events: dict[str, dict] = {}  # key -> envelope (stored once)
        self.ingest_calls: list[list[str]] = []  # keys per call
        self.duplicates = 0
        self.fail_ingest = 0  # next N ingest calls raise OdooUnavailable
        self.ingest_down = False  # every ingest raises OdooUnavailable
        self.fault_keys: set[str] = set()  # a batch containing one of these faults
        self.ack_plan: list[int] = []  # per call: acknowledge only the first N
        self.lose_responses = 0  # store the batch, then raise (lost answer)
        self.fault_all = False  # every ingest holding events faults (the empty canary passes)
        self.refuse_all = False  # every ingest faults, even an empty one (access revoked...)
        self.fault_if = None  # predicate on a (decoded) event: a batch holding one faults
        self.too_large_over = 0  # a batch of more events than this answers HTTP 413
        self.pull_missing = False  # an older Odoo without ingest_and_pull
        self.max_tx = 0  # bridge_max_transaction_id's answer
        self.max_tx_down = False
        self.max_tx_calls = []
        self.ingest_delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.ingest_and_pull_calls = []
        self.auth_down = False
        self.authorize_calls = []
        self.station_calls = []  # every identity looked up, either way
        self.stations_calls: list[list[str]] = []  # identities per bridge_stations call
        self.stations_missing = False  # an older Odoo without bridge_stations
        self.station_down = False  # station look-ups raise OdooUnavailable
        self.station_delay = 0.0  # seconds each look-up call takes
        self.queued: list[dict] = []
        self.results: list[tuple] = []
        self.pull_calls = []
        self.derived_log = False  # contract H: bridge_features offers "derived_log"
        self.command_results_offered = False  # contract I: bridge_features offers "command_results"
        self.json_envelopes_offered = False  # contract J: bridge_features offers "json_envelopes"
        self.json_events = 0  # envelopes received as JSON text
        self.results_calls: list[list] = []  # command ids per bridge_results call
        self.results_delay = 0.0  # seconds each bridge_results call takes
        self.results_fault_ids: set = set()  # a bridge_results call holding one of these faults
        self.results_down = 0  # next N bridge_results calls raise OdooUnavailable
        self.features_calls = 0

    # -- OdooTransport
    @staticmethod
    def decode(event):
        """Contracts A and J, as Odoo does it: b64 holds payload/response/meta, json all but the key,
        charger and action."""
        if "json" in event:
            event = dict(event)
            event.update(json.loads(event.pop("json")))
            return event
        if "b64" not in event:
            return event
        event = dict(event)
        event.update(json.loads(base64.b64decode(event.pop("b64")).decode("utf-8")))
        return event

    async def ingest(self, events):
        keys = [e["key"] for e in events]
        self.ingest_calls.append(keys)
        if self.refuse_all:
            raise OdooFault("AccessError: Only the OCPP bridge user may call this method.")
        if not events:
            return []
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.ingest_delay:
                await asyncio.sleep(self.ingest_delay)
            return self._ingest(events, keys)
        finally:
            self.in_flight -= 1

    def _ingest(self, events, keys):
        if self.ingest_down:
            raise OdooUnavailable("connection refused")
        if self.fail_ingest:
            self.fail_ingest -= 1
            raise OdooUnavailable("connection refused")
        if self.too_large_over and len(events) > self.too_large_over:
            raise OdooPayloadTooLarge("ev.ocpp.event.ingest: HTTP 413 Request Entity Too Large")
        if self.fault_all or self.fault_keys & set(keys):
            raise OdooFault("ValidationError: malformed envelope")
        self.json_events += sum("json" in e for e in events)
        events = [self.decode(e) for e in events]
        if self.fault_if and any(self.fault_if(e) for e in events):
            raise OdooFault("ExpatError: not well-formed (invalid token)")
        limit = self.ack_plan.pop(0) if self.ack_plan else len(events)
        results = []
        for i, event in enumerate(events):
            if i >= limit:
                break
            if event["key"] in self.events:
                self.duplicates += 1
                results.append({"key": event["key"], "status": "duplicate"})
            else:
                self.events[event["key"]] = event
                results.append({"key": event["key"], "status": "applied"})
        if self.lose_responses:
            self.lose_responses -= 1
            raise OdooUnavailable("connection reset after the request was processed")
        return results

    async def ingest_and_pull(self, events, node, identities):
        if self.pull_missing:
            raise OdooMethodMissing(
                "ev.ocpp.event.ingest_and_pull: AttributeError: "
                "The method 'ev.ocpp.event.ingest_and_pull' does not exist"
            )
        self.ingest_and_pull_calls.append((node, list(identities)))
        results = await self.ingest(events)
        return {"results": results, "commands": await self.pull_commands(node, identities, record=False)}

    async def features(self):
        self.features_calls += 1
        if not (self.derived_log or self.command_results_offered or self.json_envelopes_offered):  # an older Odoo
            raise OdooMethodMissing(
                "ev.ocpp.event.bridge_features: AttributeError: "
                "The method 'ev.ocpp.event.bridge_features' does not exist"
            )
        return (
            ["derived_log"] * self.derived_log
            + ["command_results"] * self.command_results_offered
            + ["json_envelopes"] * self.json_envelopes_offered
        )

    async def max_transaction_id(self, node_number):
        self.max_tx_calls.append(node_number)
        if self.max_tx_down:
            raise OdooUnavailable("connection refused")
        return self.max_tx

    async def station(self, identity):
        self.station_calls.append(identity)
        if self.station_delay:
            await asyncio.sleep(self.station_delay)
        if self.station_down:
            raise OdooUnavailable("connection refused")
        return self.chargers.get(identity)

    async def stations(self, identities):
        if self.stations_missing:
            raise OdooMethodMissing(
                "ev.charger.bridge_stations: AttributeError: The method 'ev.charger.bridge_stations' does not exist"
            )
        assert len(identities) <= 5000
        self.stations_calls.append(list(identities))
        self.station_calls.extend(identities)
        if self.station_delay:
            await asyncio.sleep(self.station_delay)
        if self.station_down:
            raise OdooUnavailable("connection refused")
        return {i: dict(self.chargers[i]) for i in identities if i in self.chargers}

    async def authorize(self, identity, id_token, token_type):
        self.authorize_calls.append((identity, id_token, token_type))
        if self.auth_down:
            raise OdooUnavailable("timeout")
        return self.tokens.get(id_token, {"status": "Unknown", "expiry": False, "cache_seconds": 0})

    async def pull_commands(self, node, identities, ids=None, record=True):
        if record:
            self.pull_calls.append((node, list(identities)) if ids is None else (node, list(identities), list(ids)))
        out = [c for c in self.queued if c["charger"] in identities and (ids is None or c["id"] in ids)]
        self.queued = [c for c in self.queued if c not in out]
        return out

    async def command_result(self, command_id, state, result):
        if command_id in self.results_fault_ids:
            raise OdooFault(f"ValidationError: command {command_id} cannot be recorded")
        self.results.append((command_id, state, result))

    async def command_results(self, items):
        """Contract I as Odoo answers it: per item ``ok``, ``error`` for an unknown state."""
        if not self.command_results_offered:
            raise OdooMethodMissing(
                "ev.charger.command.bridge_results: AttributeError: "
                "The method 'ev.charger.command.bridge_results' does not exist"
            )
        self.results_calls.append([item["id"] for item in items])
        if self.results_delay:
            await asyncio.sleep(self.results_delay)
        if self.results_down:
            self.results_down -= 1
            raise OdooUnavailable("connection refused")
        if any(item["id"] in self.results_fault_ids for item in items):
            raise OdooFault("ValidationError: a command cannot be recorded")
        answers = []
        for item in items:
            if item["state"] in ("accepted", "rejected", "failed", "timeout"):
                self.results.append((item["id"], item["state"], item["result"]))
                answers.append({"id": item["id"], "status": "ok"})
            else:
                answers.append({"id": item["id"], "status": "error", "error": f"got {item['state']!r}"})
        return answers

    # -- helpers for tests
    def of(self, action, charger=None):
        return [
            e for e in self.events.values() if e["action"] == action and (charger is None or e["charger"] == charger)
        ]

    def frames(self, charger=None):
        """The message log as Odoo writes it: (direction, type, action, unique id, payload, ts) per frame,
        from MessageLog envelopes and, contract H, from events carrying ``log``; in time order."""
        out = []
        for event in self.events.values():
            if charger is not None and event["charger"] != charger:
                continue
            if event["action"] == "MessageLog":
                p = event["payload"]
                out.append((p["direction"], p["type"], p["action"], p["unique_id"], p["payload"], p["ts"]))
            elif "log" in event:
                action, uid = event["action"], event.get("message_id")
                out.append(("in", "CALL", action, uid, event["payload"], event["ts"]))
                result_ts = event["log"].get("result_ts") or event["ts"]
                out.append(("out", "CALLRESULT", action, uid, event.get("response") or {}, result_ts))
        return sorted(out, key=lambda frame: frame[5])

    async def wait_for(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.01)


async def settled_after_boot(bridge, odoo, identity):
    """Nothing of the booted ``identity`` is left to reach Odoo: the Boot's CALL and CALLRESULT logs are in
    (a message-log line is queued without waiting and written with a later group commit, so an empty
    outbox alone proves nothing) and the outbox is empty - no later batch's ``ingest_and_pull`` will take
    the commands a test queues next."""
    await odoo.wait_for(lambda: len(odoo.of("MessageLog", identity)) >= 2)
    await bridge.outbox.flush()
    await odoo.wait_for(lambda: bridge.outbox.depth == 0)


def make_config(tmp_path, **overrides):
    values = dict(
        node="node-t",
        listen_host="127.0.0.1",
        listen_port=0,
        control_host="127.0.0.1",
        control_port=0,
        control_token="secret-token",
        metrics_port=0,
        outbox_path=str(tmp_path / "outbox.sqlite3"),
        outbox_backoff_initial=0.01,
        outbox_backoff_max=0.05,
        outbox_idle_interval=0.05,
        command_poll_interval=0,
        node_report_interval=0,
        command_timeout=5,
        command_ready_wait=2,
        auth_timeout=1,
    )
    values.update(overrides)
    return load_config(env={}, **values)


@contextlib.asynccontextmanager
async def running_bridge(tmp_path, odoo, **overrides):
    bridge = Bridge(make_config(tmp_path, **overrides), transport=odoo)
    await bridge.start()
    try:
        yield bridge
    finally:
        await bridge.stop(drain_timeout=0.5)


def run(coro, timeout=30):
    async def guarded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(guarded())


def ws_url(bridge, identity, scheme="ws"):
    return f"{scheme}://127.0.0.1:{bridge.ws_port}/ocpp/{identity}"


@contextlib.asynccontextmanager
async def charger(bridge, identity, version="2.0.1", cls=None, password=None, headers=None, **connect_kw):
    """An ocpp library client (the simulated charger) connected to the bridge."""
    headers = dict(headers or {})
    if password:
        headers["Authorization"] = build_authorization_basic(identity, password)
    sub = "ocpp2.0.1" if version == "2.0.1" else "ocpp1.6"
    cls = cls or (LibCP201 if version == "2.0.1" else LibCP16)
    async with websockets.connect(
        ws_url(bridge, identity), subprotocols=[sub], additional_headers=headers, **connect_kw
    ) as ws:
        cp = cls(identity, ws)
        task = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            task.cancel()


@contextlib.asynccontextmanager
async def raw(bridge, identity, subprotocol="ocpp2.0.1", **connect_kw):
    async with websockets.connect(ws_url(bridge, identity), subprotocols=[subprotocol], **connect_kw) as ws:
        yield ws


async def handshake_status(bridge, path_identity, headers=None, subprotocol="ocpp2.0.1"):
    """HTTP status of a handshake (101 when the websocket opened, then closed at once)."""
    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{bridge.ws_port}/ocpp/{path_identity}",
            subprotocols=[subprotocol],
            additional_headers=headers,
            open_timeout=10,
        ):
            return 101
    except websockets.exceptions.InvalidStatus as exc:
        return exc.response.status_code


async def raw_call(ws, frame):
    """Send a raw text frame and return the decoded answer."""
    import json

    await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


BOOT_16 = {"chargePointModel": "M1", "chargePointVendor": "V"}
