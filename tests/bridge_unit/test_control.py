"""Control endpoint: commands pushed by Odoo, queued commands pulled, metrics, health."""

import asyncio
import time

import aiohttp
from bridge_helpers import charger, run, running_bridge, station
from ocpp.routing import on
from ocpp.v16 import ChargePoint as LibCP16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as LibCP201
from ocpp.v201 import call
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

AUTH = {"Authorization": "Bearer secret-token"}


class Charger201(LibCP201):
    received = []

    @on(Action201.request_start_transaction)
    def on_start(self, id_token, remote_start_id, **kw):
        self.received.append(("RequestStartTransaction", id_token, remote_start_id, kw))
        return result201.RequestStartTransaction(status="Accepted", transaction_id="TX-9")

    @on(Action201.reset)
    async def on_reset(self, type, **kw):
        if type == "OnIdle":  # slow charger, for the timeout case
            await asyncio.sleep(1)
        self.received.append(("Reset", type))
        return result201.Reset(status="Rejected" if type == "OnIdle" else "Accepted")


class Charger16(LibCP16):
    received = []

    @on(Action16.remote_start_transaction)
    def on_remote_start(self, id_tag, **kw):
        self.received.append(("RemoteStartTransaction", id_tag, kw))
        return result16.RemoteStartTransaction(status="Accepted")

    @on(Action16.reset)
    def on_reset(self, type, **kw):
        self.received.append(("Reset", type))
        return result16.Reset(status="Accepted")

    @on(Action16.change_configuration)
    def on_change_configuration(self, key, value, **kw):
        self.received.append(("ChangeConfiguration", key, value))
        return result16.ChangeConfiguration(status="Rejected" if key == "Locked" else "Accepted")


async def post(bridge, body, headers=AUTH):
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"http://127.0.0.1:{bridge.control_port}/commands", json=body, headers=headers
        ) as response:
            return response.status, await response.json()


def test_command_to_201_charger_returns_its_answer(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    Charger201.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1", cls=Charger201):
                await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
                started = time.monotonic()
                status, answer = await post(
                    bridge,
                    {
                        "id": 1,
                        "charger": "CP1",
                        "action": "RequestStartTransaction",
                        "params": {"idToken": {"idToken": "TAG1", "type": "Central"}, "remoteStartId": 42, "evseId": 1},
                    },
                )
                assert status == 200
                assert answer == {"state": "accepted", "result": {"status": "Accepted", "transactionId": "TX-9"}}
                assert time.monotonic() - started < 1.0
                assert Charger201.received[0][:3] == (
                    "RequestStartTransaction",
                    {"id_token": "TAG1", "type": "Central"},
                    42,
                )
                # the charger answers Rejected -> state rejected; no answer in time -> timeout
                status, answer = await post(
                    bridge, {"id": 2, "charger": "CP1", "action": "Reset", "params": {"type": "OnIdle"}, "timeout": 0.2}
                )
                assert answer["state"] == "timeout"
                # an action the charger does not implement -> its CALLERROR -> failed
                status, answer = await post(bridge, {"id": 3, "charger": "CP1", "action": "ClearCache", "params": {}})
                assert answer["state"] == "failed"
                assert answer["result"]["error"].startswith("Not")  # library's code
                # parameters that violate the schema are refused before sending
                status, answer = await post(
                    bridge, {"id": 4, "charger": "CP1", "action": "Reset", "params": {"type": "Now"}}
                )
                assert answer["state"] == "failed" and "invalid parameters" in answer["result"]["error"]
            calls = await odoo.wait_for(
                lambda: [
                    e
                    for e in odoo.of("MessageLog", "CP1")
                    if e["payload"]["direction"] == "out" and e["payload"]["type"] == "CALL"
                ]
            )
            assert calls[0]["payload"]["action"] == "RequestStartTransaction"

    run(scenario())


def test_command_to_16_charger_is_translated(tmp_path, odoo):
    odoo.chargers["CP6"] = station("CP6", version="1.6")
    Charger16.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP6", "1.6", cls=Charger16):
                await odoo.wait_for(lambda: "CP6" in bridge.server.sessions)
                status, answer = await post(
                    bridge,
                    {
                        "id": 1,
                        "charger": "CP6",
                        "action": "RequestStartTransaction",
                        "params": {
                            "idToken": {"idToken": "TAG1", "type": "ISO14443"},
                            "remoteStartId": 42,
                            "evseId": 2,
                        },
                    },
                )
                assert (status, answer) == (200, {"state": "accepted", "result": {"status": "Accepted"}})
                assert Charger16.received[-1] == ("RemoteStartTransaction", "TAG1", {"connector_id": 2})
                status, answer = await post(
                    bridge, {"id": 2, "charger": "CP6", "action": "Reset", "params": {"type": "Immediate"}}
                )
                assert answer["state"] == "accepted"
                assert Charger16.received[-1] == ("Reset", "Hard")
                status, answer = await post(
                    bridge,
                    {
                        "id": 3,
                        "charger": "CP6",
                        "action": "SetVariables",
                        "params": {
                            "setVariableData": [
                                {
                                    "component": {"name": "OCPPCommCtrlr"},
                                    "variable": {"name": "HeartbeatInterval"},
                                    "attributeValue": "60",
                                },
                                {"component": {"name": "X"}, "variable": {"name": "Locked"}, "attributeValue": "1"},
                            ]
                        },
                    },
                )
                assert answer["state"] == "rejected"
                assert [r["response"]["status"] for r in answer["result"]["results"]] == ["Accepted", "Rejected"]
                assert Charger16.received[-2:] == [
                    ("ChangeConfiguration", "HeartbeatInterval", "60"),
                    ("ChangeConfiguration", "Locked", "1"),
                ]
                status, answer = await post(
                    bridge, {"id": 4, "charger": "CP6", "action": "Reset", "params": {"type": "Immediate", "evseId": 1}}
                )
                assert answer["state"] == "failed" and "1.6" in answer["result"]["error"]

    run(scenario())


def test_command_to_disconnected_charger_fails_fast(tmp_path, odoo):
    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            started = time.monotonic()
            status, answer = await post(
                bridge, {"id": 5, "charger": "GHOST", "action": "Reset", "params": {"type": "Immediate"}}
            )
            assert time.monotonic() - started < 0.5
            assert status == 200
            assert answer == {"state": "failed", "result": {"error": "charger GHOST is not connected to node node-t"}}

    run(scenario())


def test_bad_bearer_token_is_refused(tmp_path, odoo):
    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            body = {"id": 1, "charger": "CP1", "action": "Reset", "params": {"type": "Immediate"}}
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic c2VjcmV0LXRva2Vu"}):
                status, answer = await post(bridge, body, headers)
                assert status == 401 and answer == {"error": "unauthorized"}
            status, _ = await post(bridge, {"charger": "CP1"})  # no action
            assert status == 400

    run(scenario())


def test_queued_commands_pulled_when_charger_connects(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    # an Odoo without ingest_and_pull: else the batch carrying the Connection event may bring the
    # command back first (contract C) and the charger be gone before the connect-time pull is made
    odoo.pull_missing = True
    odoo.queued = [
        {"id": 7, "charger": "CP1", "action": "Reset", "params": {"type": "Immediate"}},
        {"id": 8, "charger": "OTHER", "action": "Reset", "params": {"type": "Immediate"}},
    ]
    Charger201.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1", cls=Charger201) as cp:
                await cp.call(
                    call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp")
                )
                await odoo.wait_for(lambda: odoo.results)
            assert odoo.pull_calls[0] == ("node-t", ["CP1"])
            assert odoo.results == [(7, "accepted", {"status": "Accepted"})]
            assert Charger201.received == [("Reset", "Immediate")]
            assert [c["id"] for c in odoo.queued] == [8]

    run(scenario())


def test_simultaneous_connects_share_command_pulls(tmp_path, odoo):
    identities = [f"CP{i:02d}" for i in range(30)]
    for identity in identities:
        odoo.chargers[identity] = station(identity)
    odoo.queued = [{"id": 9, "charger": "CP07", "action": "Reset", "params": {"type": "Immediate"}}]
    Charger201.received = []

    async def one(bridge, identity):
        async with charger(bridge, identity, cls=Charger201) as cp:
            await cp.call(call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"))
            await odoo.wait_for(lambda: sorted(i for _node, ids in odoo.pull_calls for i in ids) == identities)
            if identity == "CP07":
                await odoo.wait_for(lambda: odoo.results)

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            await asyncio.gather(*(one(bridge, i) for i in identities))
            assert 1 <= len(odoo.pull_calls) <= 4, odoo.pull_calls
            assert odoo.results == [(9, "accepted", {"status": "Accepted"})]
            assert Charger201.received == [("Reset", "Immediate")]

    run(scenario())


def test_metrics_and_health(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1") as cp, charger(bridge, "CP6", "1.6") as cp6:
                await cp.call(call.Heartbeat())
                await cp.call(call.Heartbeat())
                await cp6.call(call16.Heartbeat())
                await post(bridge, {"id": 1, "charger": "GHOST", "action": "Reset", "params": {"type": "Immediate"}})
                await bridge.outbox.flush()  # the message log frames queued for the next group commit
                await odoo.wait_for(lambda: bridge.outbox.depth == 0 and odoo.ingest_calls)
                async with aiohttp.ClientSession() as http:
                    # contract G: not on the published control port any more ...
                    for path in ("/metrics", "/health"):
                        async with http.get(f"http://127.0.0.1:{bridge.control_port}{path}") as response:
                            assert response.status == 404
                    # ... but on the metrics listener, bound to 127.0.0.1 (no token needed there)
                    base = f"http://127.0.0.1:{bridge.metrics_port}"
                    async with http.get(f"{base}/metrics") as response:
                        assert response.status == 200
                        text = await response.text()
                    async with http.get(f"{base}/health") as response:
                        health = await response.json()
            for line in [
                'ocpp_bridge_connections{version="2.0.1"} 1.0',
                'ocpp_bridge_connections{version="1.6"} 1.0',
                'ocpp_bridge_messages_total{action="Heartbeat",direction="in",outcome="CALL"} 3.0',
                'ocpp_bridge_messages_total{action="Heartbeat",direction="out",outcome="CALLRESULT"} 3.0',
                "ocpp_bridge_outbox_depth 0.0",
                'ocpp_bridge_odoo_push_seconds_count{outcome="ok"}',
                'ocpp_bridge_command_seconds_count{action="Reset",state="failed"} 1.0',
            ]:
                assert line in text, line
            assert health["status"] == "ok" and health["connections"] == 2
            assert health["node"] == "node-t" and health["odoo_reachable"] is True

    run(scenario())


def test_metrics_off_loopback_require_the_control_token(tmp_path, odoo):
    """Contract G: /metrics and /health bound elsewhere than loopback need the bearer token."""

    async def scenario():
        async with running_bridge(tmp_path, odoo, metrics_host="0.0.0.0") as bridge:
            base = f"http://127.0.0.1:{bridge.metrics_port}"
            async with aiohttp.ClientSession() as http:
                for path in ("/metrics", "/health"):
                    async with http.get(base + path) as response:
                        assert response.status == 401
                    async with http.get(base + path, headers={"Authorization": "Bearer wrong"}) as response:
                        assert response.status == 401
                    async with http.get(base + path, headers=AUTH) as response:
                        assert response.status == 200
        async with running_bridge(tmp_path, odoo, metrics_host="0.0.0.0", control_token="") as bridge:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{bridge.metrics_port}/health") as response:
                    assert response.status == 401, "no token configured: refused, never open"

    run(scenario())
