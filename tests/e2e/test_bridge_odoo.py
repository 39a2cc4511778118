"""Simulated chargers ↔ the bridge process ↔ a running Odoo 18 over XML-RPC.

Chargers are the ``ocpp`` library's own ChargePoint classes over real websockets.
"""

import asyncio
from datetime import UTC, datetime

import pytest
import websockets
from e2e_helpers import charger_ws, exchange, wait_until
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as CP16
from ocpp.v16 import call as call16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as CP201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

PASSWORD = "e2e-password-0123456789"
pytestmark = pytest.mark.e2e


def now():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


class Charger201(CP201):
    remote_starts = None

    @on(Action201.request_start_transaction)
    def on_request_start(self, id_token, remote_start_id, **kw):
        self.remote_starts = (self.remote_starts or []) + [(id_token, remote_start_id)]
        return result201.RequestStartTransaction(status="Accepted")

    @after(Action201.request_start_transaction)
    async def after_request_start(self, id_token, remote_start_id, **kw):
        await self.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=now(),
                trigger_reason="RemoteStart",
                seq_no=0,
                transaction_info={
                    "transaction_id": f"REMOTE-{remote_start_id}",
                    "remote_start_id": remote_start_id,
                    "charging_state": "Charging",
                },
                id_token=id_token,
                evse={"id": kw.get("evse_id") or 1, "connector_id": 1},
                meter_value=[meter(500_000, "Transaction.Begin")],
            )
        )


def meter(wh, context="Sample.Periodic"):
    return {
        "timestamp": now(),
        "sampled_value": [
            {
                "value": wh,
                "measurand": "Energy.Active.Import.Register",
                "context": context,
                "unit_of_measure": {"unit": "Wh"},
            }
        ],
    }


async def connect(bridge, identity, version, password=PASSWORD, cls=None):
    ws = await charger_ws(bridge, identity, password, version)
    cp = (cls or (Charger201 if version == "2.0.1" else CP16))(identity, ws)
    task = asyncio.create_task(cp.start())
    return ws, cp, task


async def session_201(cp, tx_id, readings, start_ts=None):
    await cp.call(
        call201.TransactionEvent(
            event_type="Started",
            timestamp=start_ts or now(),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": tx_id, "charging_state": "Charging"},
            id_token={"id_token": "E2E-TOKEN", "type": "ISO14443"},
            evse={"id": 1, "connector_id": 1},
            meter_value=[meter(readings[0], "Transaction.Begin")],
        )
    )
    for seq, wh in enumerate(readings[1:-1], start=1):
        await cp.call(
            call201.TransactionEvent(
                event_type="Updated",
                timestamp=now(),
                trigger_reason="MeterValuePeriodic",
                seq_no=seq,
                transaction_info={"transaction_id": tx_id, "charging_state": "Charging"},
                meter_value=[meter(wh)],
            )
        )
    await cp.call(
        call201.TransactionEvent(
            event_type="Ended",
            timestamp=now(),
            trigger_reason="EVCommunicationLost",
            seq_no=len(readings) - 1,
            transaction_info={"transaction_id": tx_id, "stopped_reason": "EVDisconnected"},
            meter_value=[meter(readings[-1], "Transaction.End")],
        )
    )


def odoo_session(odoo, identity, tx_id):
    rows = odoo.search_read(
        "ev.session",
        [("charger_id.identity", "=", identity), ("transaction_id", "=", str(tx_id))],
        ["state", "energy_kwh", "meter_value_count", "partner_id", "connector_id"],
    )
    return rows[0] if rows else None


@pytest.fixture(scope="module")
def token(odoo):
    if not odoo.call("ev.id.token", "search", [("value", "=", "E2E-TOKEN")]):
        partner = odoo.call("res.partner", "create", {"name": "E2E Driver"})
        odoo.call("ev.id.token", "create", {"value": "E2E-TOKEN", "token_type": "ISO14443", "partner_id": partner})
    return "E2E-TOKEN"


def test_full_session_201_reaches_odoo(odoo, bridge, make_charger, token):
    make_charger("E2E-201-A", "2.0.1")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-201-A", "2.0.1")
        boot = await cp.call(
            call201.BootNotification(
                charging_station={"model": "E2E", "vendor_name": "Acme", "firmware_version": "9.9"}, reason="PowerUp"
            )
        )
        assert boot.status == "Accepted" and boot.interval == 60
        await cp.call(
            call201.StatusNotification(timestamp=now(), connector_status="Available", evse_id=1, connector_id=1)
        )
        auth = await cp.call(call201.Authorize(id_token={"id_token": token, "type": "ISO14443"}))
        assert auth.id_token_info["status"] == "Accepted"
        await cp.call(
            call201.StatusNotification(timestamp=now(), connector_status="Occupied", evse_id=1, connector_id=1)
        )
        await session_201(cp, "E2E-TX-201", [1_000_000, 1_004_000, 1_009_000, 1_012_345])
        await ws.close()
        task.cancel()

    run(scenario())
    s = wait_until(
        lambda: (r := odoo_session(odoo, "E2E-201-A", "E2E-TX-201")) and r["state"] == "completed" and r,
        timeout=30,
        message="the completed session in Odoo",
    )
    assert s["energy_kwh"] == pytest.approx(12.345)
    assert s["meter_value_count"] == 4
    assert s["partner_id"][1] == "E2E Driver"
    charger = wait_until(
        lambda: (
            (
                c := odoo.search_read(
                    "ev.charger",
                    [("identity", "=", "E2E-201-A")],
                    ["vendor_reported", "firmware_version", "node_id", "connection_state"],
                )[0]
            )["connection_state"]
            == "disconnected"
            and c
        ),
        message="the disconnection in Odoo",
    )
    assert (charger["vendor_reported"], charger["firmware_version"]) == ("Acme", "9.9")
    assert charger["node_id"] is False, "a disconnected station is held by no node"
    connections = odoo.search_read(
        "ev.ocpp.event",
        [("charger_identity", "=", "E2E-201-A"), ("action", "=", "Connection")],
        ["payload"],
        order="id",
    )
    assert [(c["payload"]["state"], c["payload"]["node"]) for c in connections] == [
        ("connected", "e2e-node"),
        ("disconnected", "e2e-node"),
    ]
    # every OCPP frame reached the message log, calls linked to their results
    wait_until(
        lambda: (
            odoo.call(
                "ev.ocpp.message",
                "search_count",
                [
                    ("charger_id.identity", "=", "E2E-201-A"),
                    ("message_type", "=", "CALLRESULT"),
                    ("request_id", "!=", False),
                ],
            )
            >= 8
        ),
        message="linked message log",
    )


def test_full_session_16_reaches_odoo(odoo, bridge, make_charger, token):
    make_charger("E2E-16-A", "1.6")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-16-A", "1.6")
        boot = await cp.call(call16.BootNotification(charge_point_vendor="Acme16", charge_point_model="M16"))
        assert boot.status == "Accepted"
        await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
        auth = await cp.call(call16.Authorize(id_tag=token))
        assert auth.id_tag_info["status"] == "Accepted"
        start = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag=token, meter_start=2_000_000, timestamp=now())
        )
        tx = start.transaction_id
        assert isinstance(tx, int) and tx > 0
        await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
        await cp.call(
            call16.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=[
                    {
                        "timestamp": now(),
                        "sampled_value": [
                            {"value": "2005000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
                        ],
                    }
                ],
            )
        )
        await cp.call(
            call16.StopTransaction(
                meter_stop=2_007_500, timestamp=now(), transaction_id=tx, reason="Local", id_tag=token
            )
        )
        await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
        await ws.close()
        task.cancel()
        return tx

    tx = run(scenario())
    s = wait_until(
        lambda: (r := odoo_session(odoo, "E2E-16-A", tx)) and r["state"] == "completed" and r,
        timeout=30,
        message="the completed 1.6 session in Odoo",
    )
    assert s["energy_kwh"] == pytest.approx(7.5)
    assert s["partner_id"][1] == "E2E Driver"
    statuses = wait_until(
        lambda: (
            (
                h := [
                    r["status"]
                    for r in odoo.search_read(
                        "ev.status.history", [("charger_id.identity", "=", "E2E-16-A")], ["status"], order="date_start"
                    )
                ]
            )
            and len(h) >= 3
            and h
        ),
        message="the last StatusNotification in Odoo",
    )
    assert statuses == ["Available", "Occupied", "Available"]


def test_remote_start_pressed_in_odoo_reaches_charger(odoo, bridge, make_charger, token):
    make_charger("E2E-RS-1", "2.0.1")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-RS-1", "2.0.1")
        await cp.call(
            call201.BootNotification(charging_station={"model": "E2E", "vendor_name": "Acme"}, reason="PowerUp")
        )
        await cp.call(
            call201.StatusNotification(timestamp=now(), connector_status="Available", evse_id=1, connector_id=1)
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None,
            lambda: wait_until(
                lambda: (
                    odoo.search_read("ev.charger", [("identity", "=", "E2E-RS-1")], ["connection_state"])[0][
                        "connection_state"
                    ]
                    == "connected"
                ),
                message="the station connected in Odoo",
            ),
        )
        connector = (
            await loop.run_in_executor(
                None,
                lambda: wait_until(
                    lambda: odoo.call("ev.connector", "search", [("charger_id.identity", "=", "E2E-RS-1")]),
                    message="the connector reported by StatusNotification",
                ),
            )
        )[0]
        token_id = odoo.call("ev.id.token", "search", [("value", "=", token)])[0]
        wizard = odoo.call("ev.remote.start.wizard", "create", {"connector_id": connector, "id_token_id": token_id})
        # the operator presses "Start": Odoo commits the command, then wakes the node up and waits
        # (outside any transaction) until the node reported the station's answer
        action = await loop.run_in_executor(None, lambda: odoo.call("ev.remote.start.wizard", "action_start", [wizard]))
        # what the client does next: read the command the action opens - the answer is there
        notification = odoo.call("ev.charger.command", "read", [action["res_id"]], ["state", "result_status"])[0]
        await asyncio.sleep(0.5)  # let the @after handler send its TransactionEvent
        await ws.close()
        task.cancel()
        return notification, cp.remote_starts

    notification, starts = run(scenario())
    assert starts and starts[0][0]["id_token"] == token
    assert (notification["state"], notification["result_status"]) == ("accepted", "Accepted"), notification
    cmd = odoo.search_read(
        "ev.charger.command",
        [("charger_id.identity", "=", "E2E-RS-1"), ("action", "=", "RequestStartTransaction")],
        ["state", "result_status", "latency_ms", "action"],
    )[0]
    assert (cmd["action"], cmd["state"], cmd["result_status"]) == ("RequestStartTransaction", "accepted", "Accepted")
    assert 0 < cmd["latency_ms"] < 10_000, "round trip Odoo → bridge → charger → Odoo recorded in ms"
    remote_id = starts[0][1]
    s = wait_until(
        lambda: odoo_session(odoo, "E2E-RS-1", f"REMOTE-{remote_id}"),
        timeout=30,
        message="the remotely started session in Odoo",
    )
    assert s["state"] == "active"


def test_command_for_disconnected_charger_fails_fast(odoo, bridge, make_charger):
    cid = make_charger("E2E-OFF-1", "2.0.1")
    action = odoo.call("ev.charger", "action_reset_soft", [cid])
    assert action["params"]["type"] == "danger"
    assert "not connected" in action["params"]["message"]


def test_wrong_password_refused_and_unknown_station_404(odoo, bridge, make_charger):
    make_charger("E2E-PW-1", "2.0.1")

    async def scenario():
        with pytest.raises(websockets.exceptions.InvalidStatus) as bad_pw:
            await connect(bridge, "E2E-PW-1", "2.0.1", password="not-the-right-password")
        with pytest.raises(websockets.exceptions.InvalidStatus) as unknown:
            await connect(bridge, "E2E-NOBODY", "2.0.1")
        return bad_pw.value.response.status_code, unknown.value.response.status_code

    assert run(scenario()) == (401, 404)


def test_bad_frames_get_callerrors_and_connection_stays_up(odoo, bridge, make_charger):
    make_charger("E2E-RAW-1", "2.0.1")

    frames = [
        "this is not json",
        [2, "u1", "NoSuchAction", {}],
        [2, "u2", "Heartbeat", {"unexpected": 1}],
        [2, "u3", "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "Raw", "vendorName": "Raw"}}],
    ]
    not_json, unknown, bad_payload, boot = run(exchange(bridge, "E2E-RAW-1", PASSWORD, frames))
    assert not_json[0] == 4 and not_json[2] == "RpcFrameworkError"
    assert unknown[:3] == [4, "u1", "NotImplemented"]
    assert bad_payload[0] == 4 and bad_payload[1] == "u2"
    assert boot[0] == 3 and boot[2]["status"] == "Accepted", "the connection stayed up"


def test_odoo_outage_loses_nothing(odoo, bridge, make_charger, token):
    make_charger("E2E-OUT-1", "2.0.1")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-OUT-1", "2.0.1")
        await cp.call(
            call201.BootNotification(charging_station={"model": "E2E", "vendor_name": "Acme"}, reason="PowerUp")
        )
        start_ts = now()
        await cp.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=start_ts,
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={"transaction_id": "OUTAGE-1"},
                evse={"id": 1, "connector_id": 1},
                meter_value=[meter(300_000, "Transaction.Begin")],
            )
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None,
            lambda: wait_until(
                lambda: odoo_session(odoo, "E2E-OUT-1", "OUTAGE-1"), message="the session started in Odoo"
            ),
        )
        await loop.run_in_executor(None, odoo.stop)  # Odoo goes down mid-session
        for seq, wh in enumerate([302_000, 304_000, 306_000], start=1):
            # the bridge keeps answering the charger while Odoo is away
            await asyncio.wait_for(
                cp.call(
                    call201.TransactionEvent(
                        event_type="Updated",
                        timestamp=now(),
                        trigger_reason="MeterValuePeriodic",
                        seq_no=seq,
                        transaction_info={"transaction_id": "OUTAGE-1"},
                        meter_value=[meter(wh)],
                    )
                ),
                5,
            )
        await asyncio.wait_for(
            cp.call(
                call201.TransactionEvent(
                    event_type="Ended",
                    timestamp=now(),
                    trigger_reason="StopAuthorized",
                    seq_no=4,
                    transaction_info={"transaction_id": "OUTAGE-1", "stopped_reason": "Local"},
                    meter_value=[meter(307_500, "Transaction.End")],
                )
            ),
            5,
        )
        await ws.close()
        task.cancel()

    try:
        run(scenario(), timeout=120)
    finally:
        if odoo.proc.poll() is not None:
            odoo.start()
    s = wait_until(
        lambda: (r := odoo_session(odoo, "E2E-OUT-1", "OUTAGE-1")) and r["state"] == "completed" and r,
        timeout=60,
        message="the session completed once Odoo is back",
    )
    assert s["energy_kwh"] == pytest.approx(7.5)
    assert s["meter_value_count"] == 5
    events = odoo.call(
        "ev.ocpp.event", "search_count", [("charger_identity", "=", "E2E-OUT-1"), ("action", "=", "TransactionEvent")]
    )
    assert events == 5


def test_bridge_sigkill_and_restart_drains_outbox_without_duplicates(odoo, bridge, make_charger, token):
    make_charger("E2E-KILL-1", "1.6")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-KILL-1", "1.6")
        await cp.call(call16.BootNotification(charge_point_vendor="Acme16", charge_point_model="M16"))
        await asyncio.get_running_loop().run_in_executor(None, odoo.stop)  # events now pile up in the outbox
        start = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag=token, meter_start=10_000, timestamp=now())
        )
        for wh in (11_000, 12_000):
            await cp.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=start.transaction_id,
                    meter_value=[{"timestamp": now(), "sampled_value": [{"value": str(wh), "unit": "Wh"}]}],
                )
            )
        await cp.call(call16.StopTransaction(meter_stop=13_250, timestamp=now(), transaction_id=start.transaction_id))
        task.cancel()
        return start.transaction_id

    try:
        tx = run(scenario())
        bridge.kill()  # SIGKILL: whatever is in the outbox must survive
    finally:
        odoo.start()
        bridge.start()
    s = wait_until(
        lambda: (r := odoo_session(odoo, "E2E-KILL-1", tx)) and r["state"] == "completed" and r,
        timeout=60,
        message="the session drained from the restarted bridge",
    )
    assert s["energy_kwh"] == pytest.approx(3.25)
    assert s["meter_value_count"] == 2
    counts = {
        a: odoo.call("ev.ocpp.event", "search_count", [("charger_identity", "=", "E2E-KILL-1"), ("action", "=", a)])
        for a in ("BootNotification", "StartTransaction", "MeterValues", "StopTransaction")
    }
    assert counts == {"BootNotification": 1, "StartTransaction": 1, "MeterValues": 2, "StopTransaction": 1}


class Charger16(CP16):
    remote_starts = None

    @on(Action16.remote_start_transaction)
    def on_remote_start(self, id_tag, **kw):
        self.remote_starts = (self.remote_starts or []) + [(id_tag, kw.get("connector_id"))]
        from ocpp.v16 import call_result as result16

        return result16.RemoteStartTransaction(status="Accepted")


def test_two_bridge_nodes_commands_go_to_the_node_holding_the_charger(
    odoo, bridge, make_charger, token, tmp_path_factory, e2e_logdir
):
    from e2e_helpers import BridgeProcess, free_port

    control_port = free_port()
    creds = odoo.call("ev.bridge.node", "provision_bridge", "e2e-node-2", f"http://127.0.0.1:{control_port}")
    creds["control_port"] = control_port
    second = BridgeProcess(
        odoo, creds, tmp_path_factory.mktemp("bridge2"), e2e_logdir, node="e2e-node-2", node_number=4
    ).start()
    make_charger("E2E-N1", "2.0.1")
    make_charger("E2E-N2", "1.6")
    token_id = odoo.call("ev.id.token", "search", [("value", "=", token)])[0]

    def holder(identity):
        row = odoo.search_read("ev.charger", [("identity", "=", identity)], ["connection_state", "node_id"])[0]
        return row["connection_state"] == "connected" and row["node_id"] and row["node_id"][1]

    async def scenario():
        ws1, cp1, t1 = await connect(bridge, "E2E-N1", "2.0.1")
        ws2, cp2, t2 = await connect(second, "E2E-N2", "1.6", cls=Charger16)
        await cp1.call(
            call201.BootNotification(charging_station={"model": "E2E", "vendor_name": "Acme"}, reason="PowerUp")
        )
        await cp2.call(call16.BootNotification(charge_point_vendor="Acme16", charge_point_model="M16"))
        await cp2.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
        loop = asyncio.get_running_loop()
        nodes = await loop.run_in_executor(
            None,
            lambda: wait_until(
                lambda: (a := holder("E2E-N1")) and (b := holder("E2E-N2")) and (a, b), message="both nodes"
            ),
        )
        connector = (
            await loop.run_in_executor(
                None,
                lambda: wait_until(
                    lambda: odoo.call("ev.connector", "search", [("charger_id.identity", "=", "E2E-N2")]),
                    message="the 1.6 connector",
                ),
            )
        )[0]
        wizard = odoo.call("ev.remote.start.wizard", "create", {"connector_id": connector, "id_token_id": token_id})
        action = await loop.run_in_executor(None, lambda: odoo.call("ev.remote.start.wizard", "action_start", [wizard]))
        answer = odoo.call("ev.charger.command", "read", [action["res_id"]], ["state"])[0]
        for ws, task in ((ws1, t1), (ws2, t2)):
            await ws.close()
            task.cancel()
        return nodes, answer, cp2.remote_starts

    try:
        nodes, answer, starts = run(scenario())
    finally:
        second.stop()
    assert nodes == ("e2e-node", "e2e-node-2")
    assert answer["state"] == "accepted", answer
    assert starts == [(token, 1)], "RemoteStartTransaction (1.6) reached the charger through node 2"
    cmd = odoo.search_read("ev.charger.command", [("charger_id.identity", "=", "E2E-N2")], ["node_id", "state"])[0]
    assert (cmd["node_id"][1], cmd["state"]) == ("e2e-node-2", "accepted")
