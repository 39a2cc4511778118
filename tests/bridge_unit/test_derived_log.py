"""Contract H (INGESTION.md): the message log of a handled CALL travels with its event.

Over real websockets against the bridge: with an Odoo offering ``derived_log`` a handled CALL is one
outbox row and one envelope (``log``), every other frame (CALLERRORs, unknown actions, the bridge's
own CALLs and their answers) is still a MessageLog envelope; with an older Odoo the same row is sent
with its two MessageLog envelopes (keys ``<key>:call`` / ``:result``), acknowledged together.
"""

import asyncio
import base64
import json
import sqlite3

import aiohttp
from bridge_helpers import FakeOdoo, charger, raw, raw_call, run, running_bridge, station
from ocpp.v201 import call

from ocpp_bridge.outbox import SHEDDING

BOOT = call.BootNotification(charging_station={"model": "M1", "vendor_name": "V"}, reason="PowerUp")
TX = {
    "eventType": "Started",
    "timestamp": "2026-11-30T10:00:00.000Z",
    "triggerReason": "CablePluggedIn",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "TX-1", "chargingState": "Charging"},
    "evse": {"id": 1, "connectorId": 1},
    "meterValue": [
        {
            "timestamp": "2026-11-30T10:00:00.000Z",
            "sampledValue": [{"value": 1000.0, "measurand": "Energy.Active.Import.Register"}],
        }
    ],
}


def _odoo(derived):
    odoo = FakeOdoo()
    odoo.derived_log = derived
    odoo.chargers["CP1"] = station("CP1")
    return odoo


def _rows(path):
    with sqlite3.connect(path) as db:
        return [json.loads(body) for (body,) in db.execute("SELECT body FROM outbox ORDER BY seq")]


async def _traffic(bridge, odoo):
    """A boot, a heartbeat, a transaction event, a frame refused by schema, an unknown action and a
    command the bridge sends to the charger (its CALL out and the charger's answer in)."""
    async with raw(bridge, "CP1") as ws:
        assert (
            await raw_call(
                ws,
                [
                    2,
                    "b1",
                    "BootNotification",
                    {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
                ],
            )
        )[0] == 3
        assert (await raw_call(ws, [2, "h1", "Heartbeat", {}]))[0] == 3
        assert (await raw_call(ws, [2, "t1", "TransactionEvent", TX]))[:3] == [3, "t1", {}]
        assert (await raw_call(ws, [2, "x1", "Heartbeat", {"extra": 1}]))[:3] == [4, "x1", "FormatViolation"]
        assert (await raw_call(ws, [2, "x2", "MakeCoffee", {}]))[:3] == [4, "x2", "NotImplemented"]
        url = f"http://127.0.0.1:{bridge.control_port}/commands"
        body = {"id": 7, "charger": "CP1", "action": "Reset", "params": {"type": "Immediate"}}

        async def answer_command():
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert frame[:3] == [2, frame[1], "Reset"]
            await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))

        async with aiohttp.ClientSession() as http:
            answering = asyncio.ensure_future(answer_command())
            async with http.post(url, json=body, headers={"Authorization": "Bearer secret-token"}) as response:
                assert (await response.json())["state"] == "accepted"
            await answering
    await odoo.wait_for(lambda: bridge.outbox.depth == 0 and odoo.of("Connection", "CP1")[1:])


def _handled(action, payload, response):
    """The outbox event of a CALL of CP1 the bridge handled (contract H: it carries its log)."""
    return {
        "charger": "CP1",
        "version": "2.0.1",
        "action": action,
        "payload": payload,
        "response": response,
        "ts": "2026-11-30T10:00:00.000Z",
        "message_id": "m1",
        "log": {"result_ts": "2026-11-30T10:00:00.007Z"},
    }


def _expected_log(frames):
    """What the log must hold, whichever way it travelled: (direction, type, action, unique id)."""
    return [f[:4] for f in frames]


EXPECTED = [
    ("in", "CALL", "BootNotification", "b1"),
    ("out", "CALLRESULT", "BootNotification", "b1"),
    ("in", "CALL", "Heartbeat", "h1"),
    ("out", "CALLRESULT", "Heartbeat", "h1"),
    ("in", "CALL", "TransactionEvent", "t1"),
    ("out", "CALLRESULT", "TransactionEvent", "t1"),
    ("in", "CALL", "Heartbeat", "x1"),
    ("out", "CALLERROR", "Heartbeat", "x1"),
    ("in", "CALL", "MakeCoffee", "x2"),
    ("out", "CALLERROR", "MakeCoffee", "x2"),
    ("out", "CALL", "Reset"),
    ("in", "CALLRESULT", "Reset"),
]


def _same_log(frames):
    got = _expected_log(frames)
    # the bridge's own CALL gets a uuid: compare it without its id
    assert [g[:3] if g[2] == "Reset" else g for g in got] == EXPECTED, got
    reset_ids = {g[3] for g in got if g[2] == "Reset"}
    assert len(reset_ids) == 1


def test_handled_calls_carry_their_log_and_the_rest_stays_message_log(tmp_path):
    odoo = _odoo(derived=True)

    async def scenario():
        async with running_bridge(tmp_path, odoo, outbox_b64="always") as bridge:
            await _traffic(bridge, odoo)
            assert bridge.sender.features == {"derived_log"}
        handled = [
            e for e in odoo.events.values() if e["action"] in ("BootNotification", "Heartbeat", "TransactionEvent")
        ]
        assert [e["message_id"] for e in handled] == ["b1", "h1", "t1"]
        for event in handled:
            assert event["log"]["result_ts"] >= event["ts"], "the answer is decided after the CALL arrived"
        logs = odoo.of("MessageLog", "CP1")
        # only the frames that are no event: 2 refused CALLs + their CALLERRORs, the command and its answer
        assert sorted((e["payload"]["type"], e["payload"]["action"]) for e in logs) == sorted(
            [
                ("CALL", "Heartbeat"),
                ("CALLERROR", "Heartbeat"),
                ("CALL", "MakeCoffee"),
                ("CALLERROR", "MakeCoffee"),
                ("CALL", "Reset"),
                ("CALLRESULT", "Reset"),
            ]
        )
        refused = next(e for e in logs if e["payload"]["unique_id"] == "x1" and e["payload"]["type"] == "CALL")
        assert refused["payload"]["payload"] == {"extra": 1}, "the refused CALL is logged as it arrived"
        frames = odoo.frames("CP1")
        _same_log(frames)
        tx_call = next(f for f in frames if f[3] == "t1" and f[1] == "CALL")
        assert tx_call[4] == TX
        assert odoo.features_calls == 1, "asked once, not per batch"

    run(scenario())


def test_an_older_odoo_gets_the_message_log_envelopes_around_the_event(tmp_path):
    odoo = _odoo(derived=False)
    order = []
    original = odoo._ingest

    def recording(events, keys):
        order.append([(FakeOdoo.decode(e)["action"], e["key"]) for e in events])
        return original(events, keys)

    odoo._ingest = recording

    async def scenario():
        async with running_bridge(tmp_path, odoo, outbox_b64="always") as bridge:
            await _traffic(bridge, odoo)
            assert bridge.sender.features == frozenset()
        handled = [
            e for e in odoo.events.values() if e["action"] in ("BootNotification", "Heartbeat", "TransactionEvent")
        ]
        assert all("log" not in e for e in handled), "an older Odoo is not sent what it does not know"
        _same_log(odoo.frames("CP1"))
        for event in handled:
            call_log, result_log = odoo.events[event["key"] + ":call"], odoo.events[event["key"] + ":result"]
            assert call_log["payload"]["payload"] == event["payload"]
            assert result_log["payload"]["payload"] == event.get("response", {})
            assert result_log["payload"]["ts"] >= call_log["payload"]["ts"]
            sent = next(batch for batch in order if (event["action"], event["key"]) in batch)
            at = sent.index((event["action"], event["key"]))
            assert sent[at - 1 : at + 2] == [
                ("MessageLog", event["key"] + ":call"),
                (event["action"], event["key"]),
                ("MessageLog", event["key"] + ":result"),
            ], "the CALL, the event and the answer, in that order, in one call"

    run(scenario())


def test_a_row_is_deleted_only_when_all_its_envelopes_are_acknowledged(tmp_path):
    """An older Odoo that acknowledges only part of a batch: the row whose CALLRESULT envelope was not
    acknowledged stays, and is sent again whole (its acknowledged envelopes come back as duplicates)."""
    odoo = _odoo(derived=False)
    path = str(tmp_path / "outbox.sqlite3")

    async def scenario():
        odoo.ingest_down = True
        async with running_bridge(tmp_path, odoo, outbox_path=path) as bridge:
            async with charger(bridge, "CP1") as cp:
                await cp.call(BOOT)
        assert [e["action"] for e in _rows(path)] == ["Connection", "BootNotification", "Connection"]
        odoo.ingest_down = False
        odoo.ack_plan = [2]  # Connection, then Boot's CALL MessageLog; not the Boot nor its answer
        async with running_bridge(tmp_path, odoo, outbox_path=path) as bridge:
            await odoo.wait_for(lambda: bridge.outbox.depth == 0)
        assert len(odoo.of("BootNotification")) == 1 and len(odoo.of("MessageLog")) == 2
        assert odoo.duplicates == 1, "the CALL envelope was sent again with its row"

    run(scenario())


def test_message_log_off_or_shedding_adds_no_log(tmp_path):
    odoo = _odoo(derived=True)

    async def scenario():
        async with running_bridge(tmp_path, odoo, message_log=False) as bridge:
            async with charger(bridge, "CP1") as cp:
                await cp.call(BOOT)
            await odoo.wait_for(lambda: bridge.outbox.depth == 0 and odoo.of("BootNotification"))
        assert "log" not in odoo.of("BootNotification")[0]
        assert odoo.frames() == []
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1") as cp:
                await cp.call(BOOT)
                shed_bytes, bridge.outbox.shed_bytes = bridge.outbox.shed_bytes, 0  # the log goes first
                bridge.outbox._update_level()
                assert bridge.outbox.level == SHEDDING
                await cp.call(call.Heartbeat())
                bridge.outbox.shed_bytes = shed_bytes
                bridge.outbox._update_level()
                text = bridge.metrics.render().decode()
            await odoo.wait_for(lambda: bridge.outbox.depth == 0 and odoo.of("Heartbeat"))
        assert "log" in odoo.of("BootNotification")[1]
        assert "log" not in odoo.of("Heartbeat")[0]
        assert 'ocpp_bridge_outbox_shed_total{action="MessageLog"} 2.0' in text, "the CALL and its answer"

    run(scenario())


def test_b64_rows_of_an_older_odoo_keep_their_log_lossless(tmp_path):
    """A frame XML-RPC cannot carry (contract A): its MessageLog envelopes are b64 too."""
    odoo = _odoo(derived=False)

    async def scenario():
        async with running_bridge(tmp_path, odoo, data_transfer_vendors=["acme"]) as bridge:
            async with raw(bridge, "CP1") as ws:
                answer = await raw_call(ws, [2, "d1", "DataTransfer", {"vendorId": "acme", "data": "a\x01\rb"}])
                assert answer[:3] == [3, "d1", {"status": "Accepted"}]
            await odoo.wait_for(lambda: bridge.outbox.depth == 0 and odoo.of("DataTransfer"))
        event = odoo.of("DataTransfer")[0]
        sent = [k for keys in odoo.ingest_calls for k in keys]
        assert event["key"] + ":call" in sent
        call_log = odoo.events[event["key"] + ":call"]
        assert call_log["payload"]["payload"]["data"] == "a\x01\rb"

    run(scenario())


def test_b64_encoding_of_expanded_rows(tmp_path):
    """The outbox itself: rows fetched for an older Odoo hold both envelopes, b64 when needed."""
    from ocpp_bridge.outbox import Outbox

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1", b64="always")
        await outbox.open()
        event = _handled("Heartbeat", {}, {"currentTime": "t"})
        await outbox.append([event])
        (row,) = await outbox.fetch(10, derived_log=False)
        call_log, ev, result_log = row.envelopes()
        assert ev["key"] == f"n1:{outbox.epoch}:1" and "log" not in ev
        assert (call_log["key"], result_log["key"]) == (ev["key"] + ":call", ev["key"] + ":result")
        inner = json.loads(base64.b64decode(result_log["b64"]))
        assert inner["payload"] == {
            "direction": "out",
            "type": "CALLRESULT",
            "action": "Heartbeat",
            "unique_id": "m1",
            "payload": {"currentTime": "t"},
            "ts": "2026-11-30T10:00:00.007Z",
        }
        (row,) = await outbox.fetch(10, derived_log=True)
        assert row.envelopes() == [row.envelope] and "log" in row.envelope
        await outbox.close()

    asyncio.run(scenario())


def test_an_odoo_offering_json_envelopes_gets_each_event_as_its_json_text(tmp_path):
    """Contract J: to an Odoo offering ``json_envelopes`` every envelope travels as its JSON text (what
    XML-RPC cannot carry included), unless ``outbox_json`` is off (then b64, contract A)."""

    async def traffic(odoo, **settings):
        async with running_bridge(tmp_path, odoo, data_transfer_vendors=["acme"], **settings) as bridge:
            async with raw(bridge, "CP1") as ws:
                data = {"vendorId": "acme", "data": {"s": "a\x01\rb", "n": 2**40}}
                answer = await raw_call(ws, [2, "d1", "DataTransfer", data])
                assert answer[:3] == [3, "d1", {"status": "Accepted"}]
            await odoo.wait_for(lambda: bridge.outbox.depth == 0 and odoo.of("Connection", "CP1")[1:])
        return odoo.of("DataTransfer")[0]

    odoo = _odoo(derived=True)
    odoo.json_envelopes_offered = True
    event = asyncio.run(traffic(odoo))
    assert event["payload"] == {"vendorId": "acme", "data": {"s": "a\x01\rb", "n": 2**40}}, "exactly as sent"
    assert event["log"]["result_ts"] >= event["ts"] and event["message_id"] == "d1"
    assert odoo.json_events == len(odoo.events) == 3, "the connection, the event and the disconnection"

    odoo = _odoo(derived=True)
    odoo.json_envelopes_offered = True
    event = asyncio.run(traffic(odoo, outbox_json=False))
    assert event["payload"]["data"]["s"] == "a\x01\rb" and odoo.json_events == 0


def test_json_encoding_of_fetched_rows(tmp_path):
    """The outbox itself: a row fetched for contract J is its key, charger and action plus the ASCII JSON
    text of the rest; for an Odoo without contract H its MessageLog envelopes too."""
    from ocpp_bridge.outbox import Outbox

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1", b64="always")
        await outbox.open()
        event = _handled("DataTransfer", {"vendorId": "acme", "data": "é\x00\ud800"}, {"status": "Accepted"})
        await outbox.append([event])
        (row,) = await outbox.fetch(10, derived_log=True, json_text=True)
        assert set(row.envelope) == {"key", "charger", "action", "json"}
        assert row.envelope["json"].isascii()
        inner = json.loads(row.envelope["json"])
        assert inner == {k: v for k, v in event.items() if k not in ("charger", "action")}
        (row,) = await outbox.fetch(10, derived_log=False, json_text=True)
        call_log, ev, result_log = row.envelopes()
        assert "log" not in json.loads(ev["json"])
        assert json.loads(result_log["json"])["payload"]["payload"] == {"status": "Accepted"}
        assert (call_log["key"], call_log["action"]) == (ev["key"] + ":call", "MessageLog")
        await outbox.close()

    asyncio.run(scenario())
