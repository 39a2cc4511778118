"""End to end (chargers -> bridge process -> Odoo 18), the defects of issues 7, 8 and 9 the bridge
contract fixes: poison frames, bad identities, a lost outbox, commands per role with the answer
shown at once, a silent bridge node, and a station that does not implement CostUpdated."""

import asyncio
import json
import re
import socket
import threading
import urllib.request
from pathlib import Path

import pytest
import websockets
from e2e_helpers import charger_ws, exchange, wait_until
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint as CP201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201
from test_bridge_odoo import PASSWORD, connect, meter, now, odoo_session, run, token  # noqa: F401

pytestmark = pytest.mark.e2e


class Answering201(CP201):
    """A station that implements TriggerMessage and CostUpdated."""

    costs = None

    @on(Action201.trigger_message)
    def on_trigger(self, requested_message, **kw):
        return result201.TriggerMessage(status="Accepted")

    @on(Action201.reset)
    def on_reset(self, type, **kw):
        return result201.Reset(status="Accepted")

    @on(Action201.cost_updated)
    def on_cost(self, total_cost, transaction_id, **kw):
        self.costs = (self.costs or []) + [total_cost]
        return result201.CostUpdated()


class NoCost201(CP201):
    """A third-party station without CostUpdated (the ocpp library answers NotSupported)."""


def charger_id(odoo, identity):
    return odoo.call("ev.charger", "search", [("identity", "=", identity)])[0]


def bridge_counter(bridge, name, label):
    """The bridge's counter ``name`` by the value of its one ``label`` (its /metrics)."""
    with urllib.request.urlopen(bridge.metrics_url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    pattern = rf'^{name}\{{{label}="(\w+)"\}} (\S+)$'
    return {key: float(value) for key, value in re.findall(pattern, text, re.M)}


def command_reports(bridge):
    """``ocpp_bridge_command_reports_total`` by method."""
    return bridge_counter(bridge, "ocpp_bridge_command_reports_total", "method")


def wait_connected(odoo, identity):
    wait_until(
        lambda: (
            odoo.search_read("ev.charger", [("identity", "=", identity)], ["connection_state"])[0]["connection_state"]
            == "connected"
        ),
        message=f"{identity} connected in Odoo",
    )


def test_control_character_and_deep_frames_never_stop_delivery(odoo, bridge, make_charger, token):  # noqa: F811
    """Issue 7.3: a StopTransaction with a control character in idTag used to make the XML-RPC
    body ill-formed and stop all delivery from the node, for good; a 600-level frame raised
    RecursionError on every retry."""
    make_charger("E2E-POISON-16", "1.6")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-POISON-16", "1.6")
        await cp.call(call16.BootNotification(charge_point_vendor="Acme16", charge_point_model="M16"))
        start = await cp.call(call16.StartTransaction(connector_id=1, id_tag=token, meter_start=1_000, timestamp=now()))
        await cp.call(
            call16.StopTransaction(
                meter_stop=4_500, timestamp=now(), transaction_id=start.transaction_id, id_tag="E2E\x01TAG\x1f"
            )
        )
        raw = await charger_ws(bridge, "E2E-POISON-16", PASSWORD, "1.6")
        deep = "[" * 600 + "]" * 600
        await raw.send(f'[2,"deep-1","DataTransfer",{{"vendorId":"x","data":{deep}}}]')
        answer = json.loads(await asyncio.wait_for(raw.recv(), 10))
        await raw.send(json.dumps([2, "after", "Heartbeat", {}]))
        after = json.loads(await asyncio.wait_for(raw.recv(), 10))
        await raw.close()
        task.cancel()
        await ws.close()
        return start.transaction_id, answer, after

    tx, deep_answer, after = run(scenario())
    assert deep_answer[:3] == [4, "deep-1", "FormationViolation"], deep_answer
    assert after[0] == 3
    s = wait_until(
        lambda: (r := odoo_session(odoo, "E2E-POISON-16", tx)) and r["state"] == "completed" and r,
        message="the session completed in Odoo",
    )
    assert s["energy_kwh"] == pytest.approx(3.5)
    (stop,) = odoo.jsonrpc(
        "ev.ocpp.event",
        "search_read",
        [("charger_identity", "=", "E2E-POISON-16"), ("action", "=", "StopTransaction")],
        fields=["payload", "state"],
    )
    assert (stop["state"], stop["payload"]["idTag"]) == ("applied", "E2E\x01TAG\x1f")
    wait_until(lambda: bridge.health()["outbox_depth"] == 0, message="the outbox drained")
    assert bridge.health()["outbox_dead_letters"] == 0
    # contract J: this Odoo offers json_envelopes, so every envelope travelled as its JSON text
    sent = envelopes_sent(bridge)
    assert sent.get("json", 0) >= 5 and not sent.get("b64") and not sent.get("plain"), sent


def envelopes_sent(bridge):
    """``ocpp_bridge_ingest_envelopes_total`` by encoding."""
    return bridge_counter(bridge, "ocpp_bridge_ingest_envelopes_total", "encoding")


def test_bad_identity_does_not_fail_concurrent_handshakes(odoo, bridge):
    """Issue 7.5: a handshake to /ocpp/X%00Y made 20 of 20 concurrent legitimate handshakes fail."""
    site = odoo.call("ev.site", "search", [], limit=1)[0]
    identities = [f"E2E-CONC-{i:02d}" for i in range(20)]
    odoo.call(
        "ev.charger",
        "create",
        [{"identity": i, "site_id": site, "security_profile": "0", "heartbeat_interval": 60} for i in identities],
    )

    async def status(path):
        try:
            async with websockets.connect(f"{bridge.url}/{path}", subprotocols=["ocpp2.0.1"], open_timeout=20):
                return 101
        except websockets.exceptions.InvalidStatus as exc:
            return exc.response.status_code

    async def scenario():
        return await asyncio.gather(*(status(p) for p in ["X%00Y", *identities, "X%00Y", "bad%20id"]))

    statuses = run(scenario())
    assert statuses[1:21] == [101] * 20
    assert (statuses[0], statuses[21], statuses[22]) == (400, 400, 400)


def test_lost_outbox_new_keys_and_16_ids_never_reissued(odoo, bridge, make_charger, token):  # noqa: F811
    """Issue 7.4: a node restarted without its outbox reused event keys (Odoo answered
    'duplicate', a session vanished) and restarted its 1.6 ids below ids already issued."""
    make_charger("E2E-LOST-16", "1.6")

    async def session(meter_start):
        ws, cp, task = await connect(bridge, "E2E-LOST-16", "1.6")
        await cp.call(call16.BootNotification(charge_point_vendor="Acme16", charge_point_model="M16"))
        start = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag=token, meter_start=meter_start, timestamp=now())
        )
        await cp.call(
            call16.StopTransaction(meter_stop=meter_start + 2_000, timestamp=now(), transaction_id=start.transaction_id)
        )
        await ws.close()
        task.cancel()
        return start.transaction_id

    first = run(session(10_000))
    wait_until(lambda: odoo_session(odoo, "E2E-LOST-16", first), message="the first session in Odoo")
    wait_until(lambda: bridge.health()["outbox_depth"] == 0, message="the outbox drained")
    epoch = bridge.health()["outbox_epoch"]
    bridge.kill()
    for path in Path(bridge.outbox).parent.glob(Path(bridge.outbox).name + "*"):
        path.unlink()  # the disk is replaced: the outbox is gone
    bridge.start()
    assert bridge.health()["outbox_epoch"] != epoch
    second = run(session(20_000))
    assert second != first and second > first, "never reissued (Odoo's highest id seeds the counter)"
    s = wait_until(
        lambda: (r := odoo_session(odoo, "E2E-LOST-16", second)) and r["state"] == "completed" and r,
        message="the second session in Odoo: its events were not taken for duplicates",
    )
    assert s["energy_kwh"] == pytest.approx(2.0)
    first_s = odoo_session(odoo, "E2E-LOST-16", first)
    assert first_s["state"] == "completed" and first_s["energy_kwh"] == pytest.approx(2.0), "the old one untouched"


@pytest.fixture(scope="module")
def staff(odoo):
    users = {}
    for role, group in (("ev_user", "group_ev_user"), ("technician", "group_ev_technician")):
        login = f"e2e-{role}"
        ids = odoo.call("res.users", "search", [("login", "=", login)])
        if not ids:
            group_id = odoo.call("ir.model.data", "check_object_reference", "ev_charging", group)[1]
            odoo.call(
                "res.users",
                "create",
                {
                    "name": f"E2E {role}",
                    "login": login,
                    "password": f"{login}-pw-123",
                    "groups_id": [(6, 0, [group_id])],
                },
            )
        users[role] = (login, f"{login}-pw-123")
    return users


def test_commands_per_role_answered_at_once(odoo, bridge, make_charger, staff):
    """Issue 9.2: a Field Technician or EV User pressing a command got 'Only the OCPP bridge user
    may call this method' after the station had already executed it. Now the node records the
    answer with its own rights, and the command the button opens already shows it."""
    make_charger("E2E-ROLES-1", "2.0.1")
    cid = charger_id(odoo, "E2E-ROLES-1")

    async def scenario():
        ws, cp, task = await connect(bridge, "E2E-ROLES-1", "2.0.1", cls=Answering201)
        await cp.call(
            call201.BootNotification(charging_station={"model": "E2E", "vendor_name": "Acme"}, reason="PowerUp")
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, wait_connected, odoo, "E2E-ROLES-1")
        seen = {}
        for role, method in (("ev_user", "action_trigger_status"), ("technician", "action_reset_hard")):
            login, password = staff[role]
            action = await loop.run_in_executor(
                None, lambda m=method, lg=login, pw=password: odoo.call_as(lg, pw, "ev.charger", m, [cid])
            )
            (cmd,) = await loop.run_in_executor(
                None,
                lambda a=action, lg=login, pw=password: odoo.call_as(
                    lg,
                    pw,
                    "ev.charger.command",
                    "read",
                    [a["res_id"]],
                    ["state", "result_status", "error", "requested_by"],
                ),
            )
            seen[role] = cmd
        await ws.close()
        task.cancel()
        return seen

    seen = run(scenario())
    for role, cmd in seen.items():
        assert (cmd["state"], cmd["result_status"], cmd["error"]) == ("accepted", "Accepted", False), (role, cmd)
        assert cmd["requested_by"][1] == f"E2E {role}"


class SilentListener:
    """Accepts TCP connections and never answers: a bridge control port that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self._held = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self._held:
            conn.close()


def test_cost_updated_with_a_silent_node_url_and_a_station_without_it(odoo, bridge, make_charger, token):  # noqa: F811
    """Issues 7.5/8.3/9.7: CostUpdated is never pushed from inside ingestion (the node's control
    URL may hang: ingestion is not slowed, the running cost still reaches the station with the
    node's next batch); a station that answered NotSupported is not sent it again."""
    usd = odoo.call("res.currency", "search", [("name", "=", "USD")], limit=1)[0]
    tariff = odoo.call(
        "ev.tariff", "create", {"name": "E2E cost", "currency_id": usd, "energy_rate": 0.5, "session_fee": 1.0}
    )
    site = odoo.call("ev.site", "create", {"name": "E2E cost site", "tz": "UTC", "tariff_id": tariff})
    make_charger("E2E-COST-OK", "2.0.1", site=site)
    make_charger("E2E-COST-NO", "2.0.1", site=site)
    node = odoo.call("ev.bridge.node", "search", [("name", "=", "e2e-node")])[0]
    node_url = odoo.search_read("ev.bridge.node", [("id", "=", node)], ["url"])[0]["url"]
    silent = SilentListener()
    odoo.call("ev.bridge.node", "write", [node], {"url": silent.url})
    odoo.call("ir.config_parameter", "set_param", "ev_billing.cost_update_interval", "0")

    async def drive(identity, cls):
        ws, cp, task = await connect(bridge, identity, "2.0.1", cls=cls)
        await cp.call(
            call201.BootNotification(charging_station={"model": "E2E", "vendor_name": "Acme"}, reason="PowerUp")
        )
        tx = f"{identity}-TX"
        readings = [100_000, 102_000, 104_000, 106_000, 108_000]
        await cp.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=now(),
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={"transaction_id": tx, "charging_state": "Charging"},
                id_token={"id_token": token, "type": "ISO14443"},
                evse={"id": 1, "connector_id": 1},
                meter_value=[meter(readings[0], "Transaction.Begin")],
            )
        )
        await asyncio.sleep(2.0)  # the first estimate: priced, handed over, answered
        for seq, wh in enumerate(readings[1:], start=1):
            await asyncio.sleep(0.6)  # let each estimate be priced and handed over
            await cp.call(
                call201.TransactionEvent(
                    event_type="Updated",
                    timestamp=now(),
                    trigger_reason="MeterValuePeriodic",
                    seq_no=seq,
                    transaction_info={"transaction_id": tx, "charging_state": "Charging"},
                    meter_value=[meter(wh)],
                )
            )
        await asyncio.sleep(1.5)
        await cp.call(call201.Heartbeat())
        await asyncio.sleep(1.0)
        await ws.close()
        task.cancel()
        return cp

    try:

        async def both():
            return await asyncio.gather(drive("E2E-COST-OK", Answering201), drive("E2E-COST-NO", NoCost201))

        ok, _no = run(both(), timeout=90)
    finally:
        odoo.call("ev.bridge.node", "write", [node], {"url": node_url})
        odoo.call("ir.config_parameter", "set_param", "ev_billing.cost_update_interval", "60")
        silent.close()
    assert silent.connections == 0, "ingestion never called the node"
    assert ok.costs and len(ok.costs) >= 2 and ok.costs == sorted(ok.costs), ok.costs
    commands = odoo.search_read(
        "ev.charger.command",
        [("charger_id.identity", "=", "E2E-COST-NO"), ("action", "=", "CostUpdated")],
        ["state", "unsupported"],
    )
    assert [(c["state"], c["unsupported"]) for c in commands] == [("failed", True)], commands
    s = odoo_session(odoo, "E2E-COST-OK", "E2E-COST-OK-TX")
    assert s["meter_value_count"] == 5, "every reading ingested"
    # contract I: the answers reached Odoo through bridge_results, never one bridge_result each
    reports = command_reports(bridge)
    assert reports.get("bridge_results", 0) >= 1 and reports.get("bridge_result", 0) == 0, reports


def test_message_log_derived_from_events(odoo, bridge, make_charger):
    """Contract H: a handled CALL reaches Odoo as one envelope; Odoo writes its CALL and CALLRESULT
    lines, linked, from the event. A refused CALL and its CALLERROR still travel as MessageLog."""
    make_charger("E2E-LOG-201", "2.0.1")

    frames = [
        [2, "l1", "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "L", "vendorName": "L"}}],
        [2, "l2", "Heartbeat", {}],
        [2, "l3", "MakeCoffee", {"sugar": 2}],
    ]
    boot, beat, coffee = run(exchange(bridge, "E2E-LOG-201", PASSWORD, frames))
    assert (boot[0], beat[0], coffee[:3]) == (3, 3, [4, "l3", "NotImplemented"])

    def lines(unique_id):
        return odoo.search_read(
            "ev.ocpp.message",
            [("charger_id.identity", "=", "E2E-LOG-201"), ("unique_id", "=", unique_id)],
            ["direction", "message_type", "action", "payload", "request_id", "event_key", "timestamp_ms"],
            order="id",
        )

    call_line, result_line = wait_until(lambda: len(lines("l2")) == 2 and lines("l2"), message="Heartbeat's log")
    assert (call_line["direction"], call_line["message_type"], call_line["payload"]) == ("in", "CALL", {})
    assert (result_line["direction"], result_line["message_type"]) == ("out", "CALLRESULT")
    assert result_line["payload"] == beat[2], "the answer the station got"
    assert result_line["request_id"][0] == call_line["id"]
    assert call_line["event_key"] is False, "derived from the event, not sent as MessageLog"
    assert result_line["timestamp_ms"] >= call_line["timestamp_ms"]
    event = odoo.search_read(
        "ev.ocpp.event", [("charger_identity", "=", "E2E-LOG-201"), ("message_id", "=", "l2")], ["action", "state"]
    )
    assert [(e["action"], e["state"]) for e in event] == [("Heartbeat", "applied")]
    refused = wait_until(lambda: len(lines("l3")) == 2 and lines("l3"), message="the refused CALL's log")
    assert [(r["message_type"], r["action"]) for r in refused] == [("CALL", "MakeCoffee"), ("CALLERROR", "MakeCoffee")]
    assert refused[0]["payload"] == {"sugar": 2}
    assert refused[1]["payload"]["errorCode"] == "NotImplemented"
    assert all(r["event_key"] for r in refused), "MessageLog envelopes"
    assert refused[1]["request_id"][0] == refused[0]["id"]
