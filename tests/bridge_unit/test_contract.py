"""The bridge side of contracts B-F over real websockets: outbox epochs, commands handed over
with ingest batches, wake-ups, 1.6 ids never reissued; batches in flight in parallel (ordered per
charger) and the outbox cap."""

import asyncio
import json
import sqlite3

import aiohttp
from bridge_helpers import (
    BOOT_16,
    FakeOdoo,
    charger,
    handshake_status,
    raw,
    raw_call,
    run,
    running_bridge,
    settled_after_boot,
    station,
)
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint as LibCP201
from ocpp.v201 import call
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from ocpp_bridge.outbox import TX_COUNTER_BITS, TX_LOST_OUTBOX_GAP, Outbox

BOOT = call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp")


class Charger201(LibCP201):
    received = []

    @on(Action201.trigger_message)
    def on_trigger(self, requested_message, **kw):
        self.received.append(("TriggerMessage", requested_message))
        return result201.TriggerMessage(status="Accepted")

    @on(Action201.cost_updated)
    def on_cost(self, total_cost, transaction_id, **kw):
        self.received.append(("CostUpdated", total_cost))
        return result201.CostUpdated()


def cmd(command_id, identity, action="TriggerMessage", params=None):
    return {
        "id": command_id,
        "charger": identity,
        "action": action,
        "params": params or {"requestedMessage": "Heartbeat"},
    }


# --- contract B ------------------------------------------------------------------------------
def test_lost_outbox_gets_a_new_epoch_and_old_files_keep_their_keys(tmp_path):
    async def scenario():
        first = Outbox(str(tmp_path / "a.sqlite3"), "n1")
        await first.open()
        keys_a = await first.append([{"charger": "CP1", "action": "Heartbeat", "payload": {}}])
        await first.close()
        lost = Outbox(str(tmp_path / "b.sqlite3"), "n1")  # same node, the file is gone
        await lost.open()
        keys_b = await lost.append([{"charger": "CP1", "action": "Heartbeat", "payload": {}}])
        await lost.close()
        assert keys_a[0].endswith(":1") and keys_b[0].endswith(":1")
        assert keys_a != keys_b, "a restarted node never reuses a key Odoo already has"
        assert len(keys_b[0]) <= 128

        # a file of a bridge before epochs: rows already there keep "<node>:<seq>" (a resend must
        # be recognised as a duplicate), new rows get the epoch
        path = tmp_path / "old.sqlite3"
        with sqlite3.connect(path) as db:
            db.executescript("""
                CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, node TEXT NOT NULL, body TEXT NOT NULL);
                CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO meta VALUES ('tx_counter', 77);
            """)
            for i in range(3):
                db.execute(
                    "INSERT INTO outbox(node, body) VALUES ('n1', ?)",
                    (json.dumps({"charger": "CP1", "action": "Heartbeat", "payload": {"i": i}}),),
                )
        old = Outbox(str(path), "n1", lanes=2)
        await old.open()
        assert not old.fresh
        rows = await old.fetch(10)
        assert [r[1]["key"] for r in rows] == ["n1:1", "n1:2", "n1:3"]
        new_key = (await old.append([{"charger": "CP1", "action": "Heartbeat", "payload": {}}]))[0]
        assert new_key == f"n1:{old.epoch}:4"
        assert (old.depth, old.lanes) == (4, 2)
        assert {len(await old.fetch(10, lane=lane)) for lane in (0, 1)} == {0, 4}, "one charger, one lane"
        await old.close()

    asyncio.run(scenario())


# --- contract C ------------------------------------------------------------------------------
def test_commands_queued_during_ingestion_come_back_with_the_batch(tmp_path, odoo):
    """CostUpdated created by Odoo while ingesting reaches the station through ingest_and_pull:
    no HTTP push from inside an ingest transaction."""
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP2"] = station("CP2")
    Charger201.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1", cls=Charger201) as cp, charger(bridge, "CP2") as cp2:
                await cp.call(BOOT)
                await cp2.call(BOOT)
                await odoo.wait_for(lambda: bridge.outbox.depth == 0)
                # Odoo queues a command while applying the next batch
                odoo.queued.append(cmd(31, "CP1", "CostUpdated", {"totalCost": 3.5, "transactionId": "T"}))
                odoo.queued.append(cmd(32, "ELSEWHERE"))
                await cp.call(call.Heartbeat())
                await odoo.wait_for(lambda: odoo.results)
        assert odoo.results == [(31, "accepted", {})]
        assert Charger201.received == [("CostUpdated", 3.5)]
        # identities passed: the batch's chargers held by this node, never others
        assert all(set(ids) <= {"CP1", "CP2"} for _node, ids in odoo.ingest_and_pull_calls)
        assert [c["id"] for c in odoo.queued] == [32]

    run(scenario())


def test_older_odoo_without_ingest_and_pull(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.pull_missing = True

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1") as cp:
                await cp.call(BOOT)
                await odoo.wait_for(lambda: bridge.outbox.depth == 0 and len(odoo.of("BootNotification")) == 1)
        assert odoo.ingest_and_pull_calls == []

    run(scenario())


# --- contract D / E --------------------------------------------------------------------------
async def wake(bridge, body, raw_body=None):
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"http://127.0.0.1:{bridge.control_port}/commands/wake",
            data=raw_body if raw_body is not None else json.dumps(body),
        ) as response:
            return response.status, await response.json()


def test_wake_up_pulls_through_the_nodes_own_channel_and_waits(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    Charger201.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo, command_poll_interval=0) as bridge:
            async with charger(bridge, "CP1", cls=Charger201) as cp:
                await cp.call(BOOT)
                await odoo.wait_for(lambda: odoo.pull_calls)  # the connect-time pull
                await settled_after_boot(bridge, odoo, "CP1")
                odoo.pull_calls.clear()
                odoo.queued.append(cmd(41, "CP1"))
                odoo.queued.append(cmd(42, "CP1"))
                # a wake-up carries ids only, and no secret; whatever else the body says is ignored
                status, answer = await wake(
                    bridge,
                    {"ids": [41], "chargers": ["CP1"], "wait": 5, "action": "Reset", "params": {"type": "Immediate"}},
                )
                assert (status, answer) == (200, {"done": [41]})
                assert odoo.results == [(41, "accepted", {"status": "Accepted"})], "answer reported before HTTP 200"
                assert odoo.pull_calls == [("node-t", ["CP1"], [41])]
                assert Charger201.received == [("TriggerMessage", "Heartbeat")]
                # wait 0: 202 at once; the command still runs and is reported
                status, answer = await wake(bridge, {"ids": [42], "chargers": ["CP1"], "wait": 0})
                assert (status, answer) == (202, {"accepted": [42]})
                await odoo.wait_for(lambda: len(odoo.results) == 2)
                # forged: ids Odoo did not queue for this node -> nothing runs, done is empty
                status, answer = await wake(bridge, {"ids": [999], "chargers": ["CP1"], "wait": 5})
                assert (status, answer) == (200, {"done": []})
                # a charger not held here: nothing to pull
                status, answer = await wake(bridge, {"ids": [7], "chargers": ["NOT-HERE"], "wait": 5})
                assert (status, answer) == (200, {"done": [], "held": []})
                for bad in ({"ids": "1"}, {"ids": [True]}, {"chargers": ["a b"]}, {"ids": list(range(1, 300))}, [1]):
                    assert (await wake(bridge, bad))[0] == 400
                assert (await wake(bridge, None, raw_body=b"\xff"))[0] == 400
        assert len(odoo.results) == 2 and Charger201.received[-1] == ("TriggerMessage", "Heartbeat")

    run(scenario())


def test_wake_ups_are_rate_limited_and_coalesced(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(
            tmp_path, odoo, command_wake_rate=1, command_wake_burst=5, command_wake_window=0.2
        ) as bridge:
            async with charger(bridge, "CP1") as cp:
                await cp.call(BOOT)
                await odoo.wait_for(lambda: odoo.pull_calls)  # the connect-time pull
                await settled_after_boot(bridge, odoo, "CP1")
                odoo.pull_calls.clear()
                answers = await asyncio.gather(*(wake(bridge, {"ids": [i], "chargers": ["CP1"]}) for i in range(1, 9)))
                statuses = sorted(status for status, _a in answers)
                assert statuses == [202] * 5 + [429] * 3
                await asyncio.sleep(0.5)
                assert len(odoo.pull_calls) == 1, "wake-ups within the window share one pull"
                assert sorted(odoo.pull_calls[0][2]) == sorted(a["accepted"][0] for s, a in answers if s == 202)

    run(scenario())


# --- contract F ------------------------------------------------------------------------------
def test_16_ids_seeded_above_odoos_highest_for_a_lost_outbox(tmp_path, odoo):
    odoo.chargers["CP6"] = station("CP6", version="1.6")
    highest = (2 << TX_COUNTER_BITS) | 5_000_000  # far above the clock seed
    odoo.max_tx = highest
    start = call16.StartTransaction(connector_id=1, id_tag="T", meter_start=0, timestamp="2026-11-21T04:00:00Z")

    async def scenario():
        async with running_bridge(tmp_path, odoo, node="n2", node_number=2) as bridge:
            async with charger(bridge, "CP6", "1.6") as cp:
                await cp.call(call16.BootNotification(**{"charge_point_model": "M", "charge_point_vendor": "V"}))
                tx = (await cp.call(start)).transaction_id
        assert odoo.max_tx_calls == [2]
        assert tx >> TX_COUNTER_BITS == 2
        assert tx > highest + TX_LOST_OUTBOX_GAP, "ids a lost outbox handed out are skipped too"

    run(scenario())


def test_new_outbox_issues_no_16_id_before_odoo_answered(tmp_path, odoo):
    odoo.chargers["CP6"] = station("CP6", version="1.6")
    odoo.max_tx_down = True
    path = str(tmp_path / "fresh.sqlite3")

    async def scenario():
        async with running_bridge(tmp_path, odoo, outbox_path=path, tx_seed_wait=0.3) as bridge:
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                start = {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-21T04:00:00Z"}
                answer = await raw_call(ws, [2, "s1", "StartTransaction", start])
                assert answer[:3] == [4, "s1", "InternalError"], "the charger keeps it and retries"
                odoo.max_tx_down = False
                await odoo.wait_for(lambda: bridge.outbox.tx_seeded.is_set(), timeout=10)
                answer = await raw_call(ws, [2, "s2", "StartTransaction", start])
                assert answer[0] == 3 and answer[2]["transactionId"] > 0
        # the same file afterwards: its persisted counter is enough, Odoo down or not
        odoo.max_tx_down = True
        async with running_bridge(tmp_path, odoo, outbox_path=path, tx_seed_wait=0.3) as bridge:
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                answer = await raw_call(ws, [2, "s3", "StartTransaction", {**start, "meterStart": 5}])
                assert answer[0] == 3

    run(scenario())


# --- issue 8.5: batches in flight ------------------------------------------------------------
def test_batches_in_flight_in_parallel_ordered_per_charger(tmp_path):
    odoo = FakeOdoo()
    odoo.ingest_delay = 0.05
    arrivals = []
    original = odoo._ingest

    def recording(events, keys):
        arrivals.extend((FakeOdoo.decode(e)["charger"], e["key"]) for e in events)
        return original(events, keys)

    odoo._ingest = recording
    identities = [f"CP{i:02d}" for i in range(12)]
    for identity in identities:
        odoo.chargers[identity] = station(identity)

    async def one(bridge, identity):
        async with charger(bridge, identity) as cp:
            await cp.call(BOOT)
            for _i in range(15):
                await cp.call(call.Heartbeat())

    async def scenario():
        async with running_bridge(tmp_path, odoo, outbox_parallel=4, outbox_batch_size=20) as bridge:
            await asyncio.gather(*(one(bridge, i) for i in identities))
            await odoo.wait_for(lambda: bridge.outbox.depth == 0, timeout=20)
        assert odoo.max_in_flight >= 2, "more than one ingest batch in flight"
        for identity in identities:
            # "<node>:<epoch>:<seq>", or ":call"/":result" after it: the MessageLog envelopes of a row
            # sent to an Odoo without contract H, around their event
            seqs = [int(key.split(":")[2]) for who, key in arrivals if who == identity]
            assert seqs == sorted(seqs), f"{identity}'s events arrived out of order"

    run(scenario())


# --- issue 7.6: the outbox cap ---------------------------------------------------------------
def test_outbox_cap_sheds_the_message_log_then_refuses_and_recovers(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.ingest_down = True
    blob = "d" * 9000

    async def scenario():
        async with running_bridge(
            tmp_path, odoo, outbox_max_bytes=1048576, outbox_shed_ratio=0.5, ocpp_max_string=10000
        ) as bridge:
            outbox = bridge.outbox
            async with raw(bridge, "CP1") as ws:
                answers = []
                for i in range(200):
                    answers.append(await raw_call(ws, [2, f"d{i}", "DataTransfer", {"vendorId": "v", "data": blob}]))
                    if answers[-1][0] == 4:
                        break
                assert answers[-1][:3] == [4, f"d{len(answers) - 1}", "InternalError"]
                assert "storage full" in answers[-1][4]["cause"]
                assert outbox.level == 2 and outbox.bytes >= 1048576
                logs_before = outbox.depth
                assert (await raw_call(ws, [2, "hb", "Heartbeat", {}]))[0] == 4
                assert outbox.depth == logs_before, "nothing more is stored"
                assert await handshake_status(bridge, "CP1") == 503, "no new connection while full"
                async with aiohttp.ClientSession() as http:
                    async with http.get(f"http://127.0.0.1:{bridge.metrics_port}/metrics") as response:
                        text = await response.text()
                    async with http.get(f"http://127.0.0.1:{bridge.metrics_port}/health") as response:
                        health = await response.json()
                assert "ocpp_bridge_outbox_level 2.0" in text
                assert 'ocpp_bridge_outbox_shed_total{action="MessageLog"}' in text
                assert 'ocpp_bridge_outbox_shed_total{action="DataTransfer"} 1.0' in text
                assert health["outbox_level"] == 2
                # Odoo is back: the outbox drains, the charger is answered again
                odoo.ingest_down = False
                await odoo.wait_for(lambda: outbox.depth == 0, timeout=20)
                assert outbox.level == 0
                assert (await raw_call(ws, [2, "again", "DataTransfer", {"vendorId": "v", "data": "x"}]))[0] == 3
        stored = [e for e in odoo.of("MessageLog")]
        assert len(stored) < 2 * len(answers), "MessageLog frames were shed above the shedding level"
        assert len(odoo.of("Connection")) == 2, "connections are always recorded"

    run(scenario())


def test_boot_16_still_fine(tmp_path, odoo):
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                assert (await raw_call(ws, [2, "b", "BootNotification", BOOT_16]))[2]["status"] == "Accepted"

    run(scenario())
