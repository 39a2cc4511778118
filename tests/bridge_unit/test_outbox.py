"""Outbox durability, the sender (batches, acknowledgements, backoff), restarts, 1.6 ids."""

import asyncio
import json
import sqlite3
import time

import pytest
from bridge_helpers import FakeOdoo, charger, raw, raw_call, run, running_bridge, station
from ocpp.v16 import call as call16
from ocpp.v201 import call

from ocpp_bridge.outbox import TX_COUNTER_BITS, Outbox, OutboxLocked
from ocpp_bridge.sender import OutboxSender


def _rows(path):
    with sqlite3.connect(path) as db:
        return [(seq, json.loads(body)) for seq, body in db.execute("SELECT seq, body FROM outbox ORDER BY seq")]


def _events(n, charger="CP1"):
    return [
        {
            "charger": charger,
            "version": "2.0.1",
            "action": "Heartbeat",
            "payload": {"n": i},
            "ts": "2026-11-21T04:00:00.000Z",
        }
        for i in range(n)
    ]


def test_event_committed_before_the_charger_gets_the_answer(tmp_path, odoo, monkeypatch):
    """The writer is slowed down: an answer sent before the commit would arrive while the row
    is still missing from SQLite."""
    odoo.chargers["CP1"] = station("CP1")
    odoo.ingest_down = True  # keep everything in SQLite
    original = Outbox._write

    def slow_write(self, ops):
        time.sleep(0.2)
        return original(self, ops)

    monkeypatch.setattr(Outbox, "_write", slow_write)
    path = str(tmp_path / "outbox.sqlite3")

    async def scenario():
        async with running_bridge(tmp_path, odoo, outbox_path=path) as bridge:
            async with raw(bridge, "CP1") as ws:
                status = {
                    "timestamp": "2026-11-21T04:00:00Z",
                    "connectorStatus": "Available",
                    "evseId": 1,
                    "connectorId": 1,
                }
                answer = await raw_call(ws, [2, "st-1", "StatusNotification", status])
                assert answer == [3, "st-1", {}]
                # checked synchronously, right when the answer arrived
                stored = [b for _s, b in _rows(path) if b["action"] == "StatusNotification"]
                assert len(stored) == 1
                assert stored[0]["payload"] == status and stored[0]["message_id"] == "st-1"

    run(scenario())


def test_sender_batches_acknowledges_and_backs_off(tmp_path, odoo):
    delays = []

    async def recording_sleep(delay):
        delays.append(delay)
        await asyncio.sleep(0)

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        keys = await outbox.append(_events(25))
        assert outbox.epoch.startswith("e") and len(outbox.epoch) == 13
        assert keys == [f"n1:{outbox.epoch}:{i}" for i in range(1, 26)]
        assert outbox.depth == 25
        odoo.fail_ingest = 4  # Odoo down for four attempts
        odoo.ack_plan = [4]  # then it acknowledges only 4 of the first batch
        sender = OutboxSender(
            outbox, odoo, batch_size=10, backoff_initial=0.1, backoff_max=0.3, idle_interval=0.01, sleep=recording_sleep
        )
        sender.start()
        await odoo.wait_for(lambda: len(odoo.events) == 25)
        await odoo.wait_for(lambda: outbox.depth == 0)
        await sender.stop()
        # four failures: exponential backoff capped at 0.3; the partial ack backs off again
        assert delays[:4] == [0.1, 0.2, 0.3, 0.3]
        assert delays[4] == 0.3 and len(delays) == 5
        sizes = [len(c) for c in odoo.ingest_calls]
        assert sizes == [10, 10, 10, 10, 10, 10, 10, 1]
        # rows 1-4 were deleted; the next batch starts at row 5 (not acknowledged = resent)
        assert odoo.ingest_calls[5][0] == f"n1:{outbox.epoch}:5"
        assert odoo.duplicates == 0
        assert sorted(odoo.events, key=lambda k: int(k.split(":")[2])) == keys
        assert sender.odoo_ok is True
        await outbox.close()
        assert _rows(str(tmp_path / "o.sqlite3")) == []

    run(scenario())


def test_rejected_events_count_as_acknowledged(tmp_path):
    class Rejecting(FakeOdoo):
        async def ingest(self, events):
            self.ingest_calls.append([e["key"] for e in events])
            return [{"key": e["key"], "status": "rejected", "error": "unknown charger"} for e in events]

    odoo = Rejecting()

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        await outbox.append(_events(3))
        sender = OutboxSender(outbox, odoo, idle_interval=0.01)
        sender.start()
        await odoo.wait_for(lambda: outbox.depth == 0)
        await sender.stop()
        assert len(odoo.ingest_calls) == 1
        await outbox.close()

    run(scenario())


def test_poison_event_is_set_aside_but_a_systemic_fault_is_not(tmp_path, odoo):
    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        keys = await outbox.append(_events(8))
        odoo.fault_keys = {keys[2]}
        sender = OutboxSender(outbox, odoo, batch_size=8, backoff_initial=0.001, backoff_max=0.002, idle_interval=0.01)
        sender.start()
        await odoo.wait_for(lambda: outbox.depth == 0)
        await sender.stop()
        assert sorted(odoo.events) == sorted(k for k in keys if k != keys[2])
        assert outbox.dead == 1
        await outbox.close()
        with sqlite3.connect(tmp_path / "o.sqlite3") as db:
            ((seq, error),) = db.execute("SELECT seq, error FROM dead_letter").fetchall()
        assert f"n1:{outbox.epoch}:{seq}" == keys[2] and "ValidationError" in error

        # Odoo refuses every call, even an empty one (e.g. access rights revoked): no event is to
        # blame, nothing is thrown away
        odoo2 = FakeOdoo()
        odoo2.refuse_all = True
        outbox = Outbox(str(tmp_path / "o2.sqlite3"), "n1")
        await outbox.open()
        await outbox.append(_events(5))
        sender = OutboxSender(outbox, odoo2, batch_size=5, backoff_initial=0.001, backoff_max=0.002, idle_interval=0.01)
        sender.start()
        await odoo2.wait_for(lambda: len(odoo2.ingest_calls) > 30)
        await sender.stop()
        assert (outbox.depth, outbox.dead) == (5, 0)
        assert sender.odoo_ok is False and "refuses every call" in sender.last_error
        await outbox.close()

    run(scenario())


def test_restart_resends_the_rest_without_duplicates(tmp_path, odoo):
    """Bridge A answers chargers while Odoo is down, then stops. One batch even reached Odoo
    but the answer was lost. Bridge B on the same file drains everything; Odoo stores each
    event once."""
    odoo.chargers["CP1"] = station("CP1")
    path = str(tmp_path / "outbox.sqlite3")

    async def scenario():
        odoo.ingest_down = True
        async with running_bridge(tmp_path, odoo, outbox_path=path) as bridge_a:
            async with charger(bridge_a, "CP1") as cp:
                await cp.call(
                    call.BootNotification(charging_station={"model": "M1", "vendor_name": "V"}, reason="PowerUp")
                )
                for _ in range(5):
                    await cp.call(call.Heartbeat())
        left = _rows(path)
        # connected, Boot, 5 Heartbeats, disconnected: a handled CALL is one row carrying its log
        assert [b["action"] for _s, b in left] == ["Connection", "BootNotification"] + ["Heartbeat"] * 5 + [
            "Connection"
        ]
        assert all("log" in b for _s, b in left[1:-1])
        assert odoo.events == {}
        max_seq_a = left[-1][0]
        calls_a = len(odoo.ingest_calls)

        odoo.ingest_down = False
        odoo.lose_responses = 1  # first batch stored, answer lost
        async with running_bridge(tmp_path, odoo, outbox_path=path, outbox_batch_size=7) as bridge_b:
            await odoo.wait_for(lambda: bridge_b.outbox.depth == 0)
            async with charger(bridge_b, "CP1") as cp:
                await cp.call(call.Heartbeat())
            await odoo.wait_for(lambda: len(odoo.of("Heartbeat")) == 6)
        first_batch = next(keys for keys in odoo.ingest_calls[calls_a:] if keys)
        # 7 rows: with this (older) Odoo their MessageLog envelopes travel with them
        assert len({k.split(":")[2] for k in first_batch}) == 7
        assert odoo.duplicates == len(first_batch)  # the lost batch came back as duplicates
        keys = [k for call_keys in odoo.ingest_calls[-50:] for k in call_keys]
        assert all(k.startswith("node-t:") for k in keys)
        stored = {int(k.split(":")[2]) for k in odoo.events}
        assert {seq for seq, _b in left} <= stored
        assert max(stored) > max_seq_a  # keys of new events never reuse old ones
        assert len(odoo.of("Heartbeat")) == 6 and len(odoo.of("BootNotification")) == 1
        assert _rows(path) == []

    run(scenario())


def test_outbox_file_cannot_be_used_by_two_processes(tmp_path):
    async def scenario():
        first = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await first.open()
        second = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        with pytest.raises(OutboxLocked):
            await second.open()
        await first.close()

    run(scenario())


def test_16_transaction_ids_unique_across_nodes_and_restarts(tmp_path):
    async def start_transactions(bridge, identity, n, base=0):
        ids = []
        async with charger(bridge, identity, "1.6") as cp:
            await cp.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            for i in range(n):
                start = call16.StartTransaction(
                    connector_id=1, id_tag="TAG", meter_start=1000 * i + base, timestamp="2026-11-21T04:00:00Z"
                )
                r = await cp.call(start)
                ids.append(r.transaction_id)
                # the charger replays the same start (it never got the answer): same id
                assert (await cp.call(start)).transaction_id == r.transaction_id
        return ids

    async def scenario():
        odoo = FakeOdoo()
        odoo.chargers["A"] = station("A", version="1.6")
        odoo.chargers["B"] = station("B", version="1.6")
        path1, path2 = str(tmp_path / "n1.sqlite3"), str(tmp_path / "n2.sqlite3")
        async with (
            running_bridge(tmp_path, odoo, node="n1", node_number=1, outbox_path=path1) as n1,
            running_bridge(tmp_path, odoo, node="n2", node_number=2, outbox_path=path2) as n2,
        ):
            ids1 = await start_transactions(n1, "A", 3)
            ids2 = await start_transactions(n2, "B", 3)
        async with running_bridge(tmp_path, odoo, node="n1", node_number=1, outbox_path=path1) as n1_again:
            ids1_after = await start_transactions(n1_again, "A", 3, base=5)
        all_ids = ids1 + ids2 + ids1_after
        assert len(set(all_ids)) == 9
        assert all(0 < i < 2**31 for i in all_ids)
        assert {i >> TX_COUNTER_BITS for i in ids1 + ids1_after} == {1}
        assert {i >> TX_COUNTER_BITS for i in ids2} == {2}
        assert min(ids1_after) > max(ids1)
        # Odoo gets each id in the StartTransaction event's response
        await odoo.wait_for(lambda: len(odoo.of("StartTransaction")) == 18)
        starts = odoo.of("StartTransaction")
        assert sorted(e["response"]["transactionId"] for e in starts) == sorted(all_ids * 2)
        assert sum(1 for e in starts if e.get("meta", {}).get("replayed_start")) == 9

    run(scenario())
