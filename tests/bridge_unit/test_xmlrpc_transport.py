"""XmlRpcTransport against a stand-in XML-RPC endpoint (stdlib server speaking the same
``/xmlrpc/2/common`` + ``/xmlrpc/2/object`` shape as Odoo): call shapes, error mapping, and
that the event loop keeps running while a call is in flight."""

import asyncio
import socket
import threading
import time
import xmlrpc.client
from xmlrpc.server import MultiPathXMLRPCServer, SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

import pytest
from bridge_helpers import run

from ocpp_bridge.odoo_client import OdooFault, OdooMethodMissing, OdooUnavailable, XmlRpcTransport


@pytest.fixture
def endpoint():
    calls = []
    state = {"old_odoo": False}

    def authenticate(db, login, key, env):
        return 7 if (db, login, key) == ("db1", "bridge", "api-key") else False

    def execute_kw(db, uid, key, model, method, args):
        calls.append((db, uid, model, method, args))
        if method == "ingest":
            time.sleep(0.3)  # a slow Odoo
            return [{"key": e["key"], "status": "applied"} for e in args[0]]
        if method == "bridge_station":
            return {"identity": args[0]} if args[0] == "CP1" else False
        if method == "bridge_stations" and not state["old_odoo"]:
            return {i: {"identity": i} for i in args[0] if i.startswith("CP")}
        if method == "bridge_stations":  # Odoo 18's answer to an unknown method
            raise xmlrpc.client.Fault(
                1,
                "Traceback (most recent call last):\n  ...\n"
                "AttributeError: The method 'ev.charger.bridge_stations'"
                " does not exist\n",
            )
        if method == "bridge_authorize":
            return {"status": "Accepted", "expiry": False, "cache_seconds": 60}
        if method == "bridge_pull":
            return []
        raise xmlrpc.client.Fault(2, "ValidationError: bad envelope")

    class Handler(SimpleXMLRPCRequestHandler):
        rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")

    server = MultiPathXMLRPCServer(("127.0.0.1", 0), requestHandler=Handler, logRequests=False, allow_none=True)
    for path, fn in (("/xmlrpc/2/common", authenticate), ("/xmlrpc/2/object", execute_kw)):
        dispatcher = SimpleXMLRPCDispatcher(allow_none=True)
        dispatcher.register_function(fn, fn.__name__)
        server.add_dispatcher(path, dispatcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", calls, state
    server.shutdown()
    server.server_close()


def test_xmlrpc_transport(endpoint):
    url, calls, _state = endpoint

    async def scenario():
        transport = XmlRpcTransport(url, "db1", "bridge", "api-key", timeout=5)
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        results = await transport.ingest([{"key": "n:1"}, {"key": "n:2"}])
        tick_task.cancel()
        assert [r["status"] for r in results] == ["applied", "applied"]
        assert ticks >= 8  # the loop ran during the 0.3 s call
        assert await transport.station("CP1") == {"identity": "CP1"}
        assert await transport.station("NOPE") is None
        assert (await transport.authorize("CP1", "TAG", "ISO14443"))["status"] == "Accepted"
        assert await transport.pull_commands("n", ["CP1"]) == []
        with pytest.raises(OdooFault, match="bad envelope"):
            await transport.command_result(3, "accepted", {"status": "Accepted"})
        assert calls[0][:4] == ("db1", 7, "ev.ocpp.event", "ingest")
        assert calls[3][4] == ["CP1", "TAG", "ISO14443"]
        assert [c[2:4] for c in calls] == [
            ("ev.ocpp.event", "ingest"),
            ("ev.charger", "bridge_station"),
            ("ev.charger", "bridge_station"),
            ("ev.id.token", "bridge_authorize"),
            ("ev.charger.command", "bridge_pull"),
            ("ev.charger.command", "bridge_result"),
        ]
        assert calls[-1][4] == [3, "accepted", {"status": "Accepted"}]
        await transport.close()

        bad_key = XmlRpcTransport(url, "db1", "bridge", "wrong", timeout=5)
        with pytest.raises(OdooFault, match="authentication failed"):
            await bad_key.station("CP1")
        await bad_key.close()

        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            dead_port = s.getsockname()[1]
        down = XmlRpcTransport(f"http://127.0.0.1:{dead_port}", "db1", "bridge", "api-key", timeout=2)
        with pytest.raises(OdooUnavailable):
            await down.ingest([{"key": "n:1"}])
        await down.close()

    run(scenario())


def test_xmlrpc_stations_and_missing_method(endpoint):
    url, calls, state = endpoint

    async def scenario():
        transport = XmlRpcTransport(url, "db1", "bridge", "api-key", timeout=5)
        assert await transport.stations(["CP1", "NOPE", "CP2"]) == {
            "CP1": {"identity": "CP1"},
            "CP2": {"identity": "CP2"},
        }
        assert calls[-1][2:] == ("ev.charger", "bridge_stations", [["CP1", "NOPE", "CP2"]])
        state["old_odoo"] = True
        with pytest.raises(OdooMethodMissing, match="does not exist"):
            await transport.stations(["CP1"])
        # an ordinary fault is not taken for a missing method
        with pytest.raises(OdooFault) as exc:
            await transport.command_result(3, "accepted", {})
        assert not isinstance(exc.value, OdooMethodMissing)
        await transport.close()

    run(scenario())
