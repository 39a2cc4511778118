"""Edge limits over real websockets (issue 7.3/7.5): nesting depth, frame size, string sizes,
message ids, non-JSON numbers, unknown action names, all answered with the version's CALLERROR;
the connection stays up and the metric labels stay bounded."""

import asyncio
import json

import aiohttp
import pytest
import websockets
from bridge_helpers import charger, raw, raw_call, run, running_bridge, station
from ocpp.routing import on
from ocpp.v201 import ChargePoint as LibCP201
from ocpp.v201.enums import Action as Action201

BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
STATUS_201 = {"timestamp": "2026-11-21T04:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}


def deep(levels):
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "version, sub, format_code, type_code, rpc_code",
    [
        ("2.0.1", "ocpp2.0.1", "FormatViolation", "TypeConstraintViolation", "RpcFrameworkError"),
        ("1.6", "ocpp1.6", "FormationViolation", "TypeConstraintViolation", "ProtocolError"),
    ],
)
def test_limits_answered_per_version_and_connection_stays_up(
    tmp_path, odoo, version, sub, format_code, type_code, rpc_code
):
    odoo.chargers["CP1"] = station("CP1", version=version)

    async def scenario():
        async with running_bridge(tmp_path, odoo, ocpp_max_string=1000) as bridge:
            async with raw(bridge, "CP1", sub) as ws:
                # 600 levels (issue 7.3: RecursionError on every retry) and 100,000 levels
                for levels in (600, 100000):
                    answer = await raw_call(
                        ws, f'[2,"d{levels}","DataTransfer",{{"vendorId":"v","data":{deep(levels)}}}]'
                    )
                    assert answer[:3] == [4, f"d{levels}", format_code], answer
                    assert "deeper than 32" in answer[4]["cause"]
                # 32 levels in total (frame array included) is the limit, 33 is refused
                # (1.6 DataTransfer data is a string: there the schema refuses it, not the depth)
                answer = await raw_call(ws, [2, "d32", "DataTransfer", {"vendorId": "v", "data": json.loads(deep(30))}])
                assert answer[0] == 3 or "deeper" not in answer[4]["cause"], answer
                answer = await raw_call(ws, [2, "d33", "DataTransfer", {"vendorId": "v", "data": json.loads(deep(31))}])
                assert answer[:3] == [4, "d33", format_code] and "deeper" in answer[4]["cause"]
                # a frame over ocpp_max_frame: refused before parsing, the id is still echoed
                frame = json.dumps([2, "big", "DataTransfer", {"vendorId": "v", "data": ["x" * 900] * 300}])
                answer = await raw_call(ws, frame)
                assert answer[:3] == [4, "big", format_code] and "exceeds the limit of 262144" in answer[4]["cause"]
                # a string (or key) longer than ocpp_max_string
                answer = await raw_call(ws, [2, "long", "DataTransfer", {"vendorId": "v", "data": "y" * 1001}])
                assert answer[:3] == [4, "long", type_code]
                answer = await raw_call(ws, [2, "key", "DataTransfer", {"vendorId": "v", "data": {"k" * 1001: 1}}])
                assert answer[:3] == [4, "key", type_code]
                # message ids that cannot be one: too long, control characters -> answered with "-1"
                for bad_id in ("i" * 65, "a\x00b", "tab\there"):
                    answer = await raw_call(ws, [2, bad_id, "Heartbeat", {}])
                    assert answer[:3] == [4, "-1", rpc_code], answer
                # NaN / Infinity / 1e999 are not JSON numbers (PostgreSQL's jsonb refuses them too)
                for text in ('[2,"n1","Heartbeat",{"x":NaN}]', '[2,"n2","Heartbeat",{"x":1e999}]'):
                    answer = await raw_call(ws, text)
                    assert answer[0] == 4 and answer[2] in ("RpcFrameworkError", "FormationViolation"), answer
                # still up
                boot = (
                    [2, "boot", "BootNotification", BOOT_201]
                    if version == "2.0.1"
                    else [2, "boot", "BootNotification", {"chargePointModel": "M", "chargePointVendor": "V"}]
                )
                assert (await raw_call(ws, boot))[0] == 3
            await odoo.wait_for(lambda: bridge.outbox.depth == 0)
        # nothing of the refused frames went to Odoo but their CALLERROR in the message log
        assert not odoo.of("DataTransfer") or all(e["message_id"] == "d32" for e in odoo.of("DataTransfer"))

    run(scenario())


def test_frame_over_ws_max_size_closes_the_connection(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(
            tmp_path, odoo, ws_max_size=65536, ocpp_max_frame=16384, ocpp_max_string=8000
        ) as bridge:
            async with raw(bridge, "CP1") as ws:
                await ws.send(json.dumps([2, "huge", "DataTransfer", {"vendorId": "v", "data": "z" * 70000}]))
                with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                assert closed.value.rcvd.code == 1009  # message too big

    run(scenario())


def test_unknown_action_names_keep_metric_labels_and_fields_bounded(tmp_path, odoo):
    """Issue 7.5: 811 MB of metrics from unique action names; an 8 KB name broke an index."""
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as ws:
                for i in range(300):
                    answer = await raw_call(ws, [2, f"u{i}", f"Made-Up-Action-{i}", {}])
                    assert answer[:3] == [4, f"u{i}", "NotImplemented"]
                answer = await raw_call(ws, [2, "long-name", "A" * 8000, {}])
                assert answer[:3] == [4, "long-name", "NotImplemented"]
                assert len(answer[4]["cause"]) < 200
            await odoo.wait_for(lambda: bridge.outbox.depth == 0 and len(odoo.of("MessageLog")) >= 602)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{bridge.metrics_port}/metrics") as response:
                    text = await response.text()
        labels = {
            line.split("action=")[1].split(",")[0]
            for line in text.splitlines()
            if "ocpp_bridge_messages_total{" in line
        }
        assert labels == {'"_unknown"'}, labels
        assert 'ocpp_bridge_messages_total{action="_unknown",direction="in",outcome="CALL"} 301.0' in text
        logged = [e["payload"]["action"] for e in odoo.of("MessageLog")]
        assert max(len(a) for a in logged if a) <= 64
        assert sum(1 for a in logged if a and a.startswith("AAAA") and a.endswith("…")) == 2  # CALL + CALLERROR

    run(scenario())


class DeepAnswer(LibCP201):
    @on(Action201.reset)
    def on_reset(self, type, **kw):
        return {"status": "Accepted"}


def test_answer_breaking_the_limits_fails_the_command_at_once(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as ws:
                await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
                from ocpp_bridge import commands

                task = asyncio.create_task(
                    commands.execute(
                        bridge, {"id": 1, "charger": "CP1", "action": "Reset", "params": {"type": "Immediate"}}
                    )
                )
                call = json.loads(await asyncio.wait_for(ws.recv(), 5))
                await ws.send(f'[3,"{call[1]}",{{"status":"Accepted","x":{deep(40)}}}]')
                answer = await asyncio.wait_for(task, 5)
        assert answer["state"] == "failed"
        assert answer["result"]["errorCode"] == "FormatViolation"
        assert "deeper than 32" in answer["result"]["error"]

    run(scenario())


def test_errorcode_of_a_charger_callerror_is_a_bounded_label(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as ws:
                await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
                from ocpp_bridge import commands

                task = asyncio.create_task(
                    commands.execute(
                        bridge, {"id": 2, "charger": "CP1", "action": "Reset", "params": {"type": "Immediate"}}
                    )
                )
                call = json.loads(await asyncio.wait_for(ws.recv(), 5))
                await ws.send(json.dumps([4, call[1], "Vendor-Specific-Code-12345", "nope", {}]))
                answer = await asyncio.wait_for(task, 5)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{bridge.metrics_port}/metrics") as response:
                    text = await response.text()
        assert answer["state"] == "failed" and answer["result"]["errorCode"] == "Vendor-Specific-Code-12345"
        assert 'ocpp_bridge_messages_total{action="Reset",direction="in",outcome="_other"} 1.0' in text
        assert "Vendor-Specific" not in text

    run(scenario())


def test_library_client_still_works(tmp_path, odoo):
    """The ocpp library's own client against the bridge's class-level routes."""
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1") as cp:
                from ocpp.v201 import call

                boot = await cp.call(
                    call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp")
                )
                assert boot.status == "Accepted"
                await cp.call(
                    call.StatusNotification(
                        **{
                            "timestamp": STATUS_201["timestamp"],
                            "connector_status": "Available",
                            "evse_id": 1,
                            "connector_id": 1,
                        }
                    )
                )

    run(scenario())
