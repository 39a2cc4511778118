"""Poison isolation always makes progress (issue 7.3) and contract A (b64 envelopes).

The XML-RPC cases run the real XmlRpcTransport against a real XML-RPC server (the stdlib one, with
expat like Odoo): a control character, a lone surrogate or a 64-bit integer cannot travel as plain
XML-RPC, and travels losslessly as b64."""

import asyncio
import base64
import json
import sqlite3
import threading
from xmlrpc.server import MultiPathXMLRPCServer, SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

import pytest
from bridge_helpers import FakeOdoo, make_config, raw, raw_call, run, running_bridge, station

from ocpp_bridge.__main__ import _requeue
from ocpp_bridge.odoo_client import OdooFault, OdooRequestInvalid, XmlRpcTransport
from ocpp_bridge.outbox import Outbox, encode_b64, needs_b64
from ocpp_bridge.sender import OutboxSender

STOP_16 = {"transactionId": 42, "meterStop": 5000, "timestamp": "2026-11-21T05:00:00Z", "reason": "Local"}


def _events(n, charger="CP1", **extra):
    return [
        {
            "charger": charger,
            "version": "2.0.1",
            "action": "Heartbeat",
            "payload": {"n": i, **extra},
            "ts": "2026-11-21T04:00:00.000Z",
        }
        for i in range(n)
    ]


async def _drain(outbox, odoo, **kw):
    sender = OutboxSender(outbox, odoo, backoff_initial=0.001, backoff_max=0.002, idle_interval=0.01, **kw)
    sender.start()
    await odoo.wait_for(lambda: outbox.depth == 0, timeout=20)
    await sender.stop()
    return sender


@pytest.fixture
def xmlrpc_odoo():
    """An XML-RPC endpoint shaped like Odoo's whose ingest decodes b64 as Odoo does."""
    received = []

    def authenticate(db, login, key, env):
        return 7

    def execute_kw(db, uid, key, model, method, args):
        assert method == "ingest"
        for event in args[0]:
            received.append(FakeOdoo.decode(event))
        return [{"key": e["key"], "status": "applied"} for e in args[0]]

    class Handler(SimpleXMLRPCRequestHandler):
        rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")

    server = MultiPathXMLRPCServer(("127.0.0.1", 0), requestHandler=Handler, logRequests=False, allow_none=True)
    for path, fn in (("/xmlrpc/2/common", authenticate), ("/xmlrpc/2/object", execute_kw)):
        dispatcher = SimpleXMLRPCDispatcher(allow_none=True)
        dispatcher.register_function(fn, fn.__name__)
        server.add_dispatcher(path, dispatcher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "value, plain_error",
    [
        ("TAG\x01\x1f", OdooFault),  # the XML is not well-formed: the server refuses it
        ("lone \ud800 surrogate", OdooFault),  # sent as &#55296;, which the XML parser refuses
        (2**40, OdooRequestInvalid),  # int exceeds XML-RPC limits
        ("cr\rlf", None),  # travels, but XML turns CR into LF: not lossless
    ],
)
def test_what_xmlrpc_cannot_carry_travels_as_b64(xmlrpc_odoo, value, plain_error):
    url, received = xmlrpc_odoo
    transport = XmlRpcTransport(url, "db1", "bridge", "api-key", timeout=5)
    envelope = {"key": "n:e:1", "charger": "CP1", "action": "StopTransaction", "payload": {**STOP_16, "idTag": value}}

    async def scenario():
        if plain_error is not None:
            with pytest.raises(plain_error):
                await transport.ingest([dict(envelope)])
        else:
            await transport.ingest([dict(envelope)])
            assert received.pop()["payload"]["idTag"] != value, "altered in transit"
        assert needs_b64(json.dumps(envelope))
        results = await transport.ingest([encode_b64(dict(envelope))])
        assert results[0]["status"] == "applied"
        assert received[-1]["payload"] == envelope["payload"], "lossless"
        await transport.close()

    run(scenario())


def test_plain_events_stay_plain():
    assert not needs_b64(json.dumps({"payload": {"idTag": "TAG-1", "meterStop": 2147483647, "x": "tab\tand\nlf"}}))
    assert not needs_b64(json.dumps({"payload": {"note": "emoji \U0001f600"}}, ensure_ascii=False))


def test_control_character_stop_transaction_reaches_odoo_over_websockets(tmp_path, odoo):
    """Issue 7.3: the charger's StopTransaction with a control character in idTag."""
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                answer = await raw_call(ws, [2, "s1", "StopTransaction", {**STOP_16, "idTag": "BAD\x01TAG"}])
                assert answer[0] == 3
            await odoo.wait_for(lambda: odoo.of("StopTransaction"))
        (stop,) = odoo.of("StopTransaction")
        assert stop["payload"]["idTag"] == "BAD\x01TAG"
        assert stop["meta"]["auth"]["id_token"] == "BAD\x01TAG"
        # no such token can exist in Odoo, and it must not travel in the authorize XML-RPC call
        assert stop["meta"]["auth"]["source"] == "invalid_token" and odoo.authorize_calls == []
        sent = [k for call in odoo.ingest_calls for k in call if k == stop["key"]]
        assert sent == [stop["key"]], "sent once, never refused"

    run(scenario())


def test_every_batch_faulting_still_progresses_event_by_event(tmp_path):
    """Every call holding events faults (e.g. 20,000 hostile frames): the batch is split down to
    single events and each is set aside; the empty canary call passes, so Odoo is not to blame."""
    odoo = FakeOdoo()
    odoo.fault_all = True

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        keys = await outbox.append(_events(13))
        await _drain(outbox, odoo, batch_size=8)
        assert (outbox.depth, outbox.dead) == (0, 13)
        # bounded work: ~2 calls per event plus one canary per top-level batch
        assert len(odoo.ingest_calls) <= 2 * 13 + 4
        await outbox.close()
        with sqlite3.connect(tmp_path / "o.sqlite3") as db:
            buried = [f"n1:{outbox.epoch}:{seq}" for (seq,) in db.execute("SELECT seq FROM dead_letter ORDER BY seq")]
        assert buried == keys

    run(scenario())


def test_adjacent_poison_events_whatever_their_neighbours(tmp_path, odoo):
    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        keys = await outbox.append(_events(20))
        odoo.fault_keys = {keys[0], keys[1], keys[7], keys[19]}
        await _drain(outbox, odoo, batch_size=20)
        assert outbox.dead == 4
        assert sorted(odoo.events) == sorted(set(keys) - odoo.fault_keys)
        await outbox.close()

    run(scenario())


def test_http_413_splits_the_batch_instead_of_backing_off(tmp_path, odoo):
    """Issue 7.3: a batch over Odoo's (or a proxy's) request size limit after an outage."""
    odoo.too_large_over = 3

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        keys = await outbox.append(_events(10))
        sender = await _drain(outbox, odoo, batch_size=10)
        assert (outbox.dead, sorted(odoo.events)) == (0, sorted(keys))
        assert sender.failures == 0 and sender.odoo_ok is True, "not treated as Odoo unavailable"
        # a single event too large for any request is set aside
        odoo.too_large_over = 0
        single = await outbox.append(_events(1, blob="x" * 100))
        odoo.fault_keys = set()

        class TooLarge(FakeOdoo):
            async def ingest(self, events):
                from ocpp_bridge.odoo_client import OdooPayloadTooLarge

                if any("blob" in FakeOdoo.decode(e)["payload"] for e in events):
                    raise OdooPayloadTooLarge("HTTP 413")
                return await super().ingest(events)

        await _drain(outbox, TooLarge(), batch_size=10)
        assert outbox.dead == 1
        await outbox.close()
        assert single

    run(scenario())


def test_batches_sized_by_bytes(tmp_path, odoo):
    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        await outbox.append(_events(30, blob="b" * 1000))  # ~1.1 KB each
        await _drain(outbox, odoo, batch_size=500, batch_bytes=4096)
        sizes = [len(call) for call in odoo.ingest_calls]
        assert max(sizes) == 3 and sum(sizes) == 30
        await outbox.close()

    run(scenario())


def test_local_encoding_error_buries_without_blaming_odoo(tmp_path, odoo):
    class Strict(FakeOdoo):
        async def ingest(self, events):
            if any(FakeOdoo.decode(e)["payload"].get("n") == 3 for e in events):
                self.ingest_calls.append([e["key"] for e in events])
                raise OdooRequestInvalid("cannot encode the request: OverflowError")
            return await super().ingest(events)

    strict = Strict()

    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1")
        await outbox.open()
        await outbox.append(_events(6))
        await _drain(outbox, strict, batch_size=6)
        assert outbox.dead == 1 and len(strict.events) == 5
        assert [] not in strict.ingest_calls, "no canary: the error is local and deterministic"
        await outbox.close()

    run(scenario())


def test_dead_letters_requeued_with_their_keys(tmp_path, odoo):
    path = str(tmp_path / "o.sqlite3")

    async def scenario():
        outbox = Outbox(path, "n1")
        await outbox.open()
        keys = await outbox.append(_events(4))
        odoo.fault_keys = {keys[2]}
        await _drain(outbox, odoo, batch_size=4)
        assert outbox.dead == 1
        await outbox.close()
        config = make_config(tmp_path, node="n1", outbox_path=path, outbox_parallel=1)
        assert await _requeue(config) == 0
        outbox = Outbox(path, "n1")
        await outbox.open()
        assert (outbox.depth, outbox.dead) == (1, 0)
        odoo.fault_keys = set()  # Odoo fixed
        await _drain(outbox, odoo)
        assert keys[2] in odoo.events, "same key as the first time"
        await outbox.close()

    run(scenario())


def test_outbox_always_keeps_going_when_odoo_faults_on_a_real_bridge(tmp_path, odoo):
    """Hostile frames interleaved with good ones, every hostile one poison for Odoo."""
    odoo.chargers["CP1"] = station("CP1", relaxed=True)
    odoo.fault_if = lambda event: "POISON" in json.dumps(event.get("payload"))

    async def scenario():
        async with running_bridge(tmp_path, odoo, outbox_batch_size=50, message_log=False) as bridge:
            async with raw(bridge, "CP1") as ws:
                for i in range(40):
                    data = "POISON" if i % 3 == 0 else f"ok-{i}"
                    await raw_call(ws, [2, f"m{i}", "DataTransfer", {"vendorId": "v", "data": data}])
            await odoo.wait_for(lambda: bridge.outbox.depth == 0, timeout=20)
            assert bridge.outbox.dead == 14
        good = [e["payload"]["data"] for e in odoo.of("DataTransfer")]
        assert sorted(good) == sorted(f"ok-{i}" for i in range(40) if i % 3)

    run(scenario())


def test_b64_always_mode(tmp_path):
    async def scenario():
        outbox = Outbox(str(tmp_path / "o.sqlite3"), "n1", b64="always")
        await outbox.open()
        await outbox.append(_events(2))
        rows = await outbox.fetch(10)
        assert all(set(r[1]) == {"charger", "version", "action", "ts", "key", "b64"} for r in rows)
        assert json.loads(base64.b64decode(rows[0][1]["b64"])) == {"payload": {"n": 0}}
        await outbox.close()

    asyncio.run(scenario())
