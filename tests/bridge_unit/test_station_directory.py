"""Station look-ups: coalesced into batched ``bridge_stations`` calls, cached (also negatively),
stale data when Odoo is down, per-identity fallback for an Odoo without ``bridge_stations``, and
the BootNotification reusing the handshake's look-up."""

import asyncio
import json

import pytest
import websockets
from bridge_helpers import charger, run, running_bridge, station, ws_url
from ocpp.v201 import call
from websockets.exceptions import InvalidStatus

from ocpp_bridge.directory import StationDirectory
from ocpp_bridge.odoo_client import OdooError

BOOT = call.BootNotification(charging_station={"model": "M1", "vendor_name": "V"}, reason="PowerUp")
BOOT_FRAME = json.dumps(
    [2, "b1", "BootNotification", {"chargingStation": {"model": "M1", "vendorName": "V"}, "reason": "PowerUp"}]
)


async def _connect_and_boot(bridge, identity):
    """Handshake + BootNotification; the boot status, or the HTTP status of a refused
    handshake."""
    try:
        async with websockets.connect(ws_url(bridge, identity), subprotocols=["ocpp2.0.1"]) as ws:
            await ws.send(BOOT_FRAME)
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return answer[2]["status"]
    except InvalidStatus as exc:
        return exc.response.status_code


def test_simultaneous_handshakes_share_few_lookups(tmp_path, odoo):
    known = [f"CP{i:02d}" for i in range(50)]
    unknown = [f"NOPE{i}" for i in range(5)]
    for identity in known:
        odoo.chargers[identity] = station(identity)
    odoo.station_delay = 0.05  # an Odoo call takes a while

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            results = await asyncio.gather(*(_connect_and_boot(bridge, i) for i in known + unknown))
            assert results == ["Accepted"] * 50 + [404] * 5
            assert 1 <= len(odoo.stations_calls) <= 4, odoo.stations_calls
            # one look-up per identity: the boot reused the handshake's (< 5 s old)
            assert sorted(odoo.station_calls) == sorted(known + unknown)
            # unknown identities are cached negatively: no new call within negative_ttl
            assert await _connect_and_boot(bridge, "NOPE0") == 404
            assert sorted(odoo.station_calls) == sorted(known + unknown)

    run(scenario())


def test_unknown_identities_in_a_batch_get_404(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            results = await asyncio.gather(*(_connect_and_boot(bridge, i) for i in ("NOPE1", "CP1", "NOPE2")))
            assert results == [404, "Accepted", 404]
            assert len(odoo.stations_calls) == 1
            assert sorted(odoo.stations_calls[0]) == ["CP1", "NOPE1", "NOPE2"]

    run(scenario())


def test_batch_size_capped_and_window_coalesces():
    from bridge_helpers import FakeOdoo

    odoo = FakeOdoo()
    for i in range(25):
        odoo.chargers[f"S{i}"] = station(f"S{i}")

    async def scenario():
        directory = StationDirectory(odoo, batch_window=0.02, batch_max=10)
        first = [asyncio.create_task(directory.get(f"S{i}")) for i in range(12)]
        await asyncio.sleep(0.005)  # still inside the window
        later = [asyncio.create_task(directory.get(f"S{i}")) for i in range(12, 25)]
        found = await asyncio.gather(*first, *later)
        assert [s["identity"] for s in found] == [f"S{i}" for i in range(25)]
        assert [len(c) for c in odoo.stations_calls] == [10, 10, 5]

    run(scenario())


def test_lookups_while_a_call_is_in_flight_share_the_next_call():
    from bridge_helpers import FakeOdoo

    odoo = FakeOdoo()
    for name in ("A", "B", "C"):
        odoo.chargers[name] = station(name)
    odoo.station_delay = 0.1

    async def scenario():
        directory = StationDirectory(odoo, batch_window=0.0)
        a = asyncio.create_task(directory.get("A"))
        await asyncio.sleep(0.03)  # the call for A is in flight
        a_again = asyncio.create_task(directory.get("A"))  # joins it
        a_fresh = asyncio.create_task(directory.get("A", fresh=True))  # must not: next call
        b = asyncio.create_task(directory.get("B"))
        c = asyncio.create_task(directory.get("C"))
        results = await asyncio.gather(a, a_again, a_fresh, b, c)
        assert [r["identity"] for r in results] == ["A", "A", "A", "B", "C"]
        assert odoo.stations_calls == [["A"], ["A", "B", "C"]]

    run(scenario())


def test_a_waiter_giving_up_does_not_cancel_the_others():
    from bridge_helpers import FakeOdoo

    odoo = FakeOdoo()
    odoo.chargers["A"] = station("A")
    odoo.station_delay = 0.05

    async def scenario():
        directory = StationDirectory(odoo, batch_window=0.0)
        impatient = asyncio.create_task(directory.get("A"))
        patient = asyncio.create_task(directory.get("A"))
        await asyncio.sleep(0.01)
        impatient.cancel()
        assert (await patient)["identity"] == "A"
        assert len(odoo.stations_calls) == 1

    run(scenario())


def test_odoo_down_stale_cache_else_error():
    from bridge_helpers import FakeOdoo

    odoo = FakeOdoo()
    odoo.chargers["A"] = station("A", registration="pending")

    async def scenario():
        directory = StationDirectory(odoo, ttl=0.05, negative_ttl=0.05, batch_window=0.0)
        assert (await directory.get("A"))["registration_status"] == "pending"
        assert await directory.get("NOPE") is None
        await asyncio.sleep(0.06)  # both entries expired
        odoo.station_down = True
        odoo.chargers["A"]["registration_status"] = "accepted"
        results = await asyncio.gather(
            directory.get("A"),
            directory.get("NOPE"),
            directory.get("A", fresh=True),
            directory.get("NEW"),
            return_exceptions=True,
        )
        assert results[0]["registration_status"] == "pending"  # stale, served
        assert results[1] is None  # stale negative entry
        assert results[2]["registration_status"] == "pending"
        assert isinstance(results[3], OdooError)  # nothing cached: 503
        assert len(odoo.stations_calls) == 2 + 1  # the fresh one joined the pending batch
        odoo.station_down = False
        assert (await directory.get("A"))["registration_status"] == "accepted"
        assert directory.cached("A")["registration_status"] == "accepted"

    run(scenario())


def test_older_odoo_without_bridge_stations_one_call_each(tmp_path, odoo):
    odoo.stations_missing = True
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP2"] = station("CP2", registration="pending")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            results = await asyncio.gather(*(_connect_and_boot(bridge, i) for i in ("CP1", "CP2", "NOPE")))
            assert results == ["Accepted", "Pending", 404]
            assert odoo.stations_calls == []
            assert sorted(odoo.station_calls) == ["CP1", "CP2", "NOPE"]
            # not asked again for bridge_stations until the re-probe delay
            odoo.stations_missing = False
            assert await bridge.directory.get("CP3", fresh=True) is None
            assert odoo.stations_calls == []
            assert odoo.station_calls[-1] == "CP3"

    run(scenario())


def test_boot_reuses_handshake_lookup_then_rechecks(tmp_path, odoo):
    odoo.chargers["P"] = station("P", registration="pending")

    async def scenario():
        async with running_bridge(tmp_path, odoo, station_boot_max_age=0.5) as bridge:
            async with charger(bridge, "P") as cp:
                assert (await cp.call(BOOT)).status == "Pending"
                assert odoo.station_calls == ["P"]  # handshake only
                odoo.chargers["P"]["registration_status"] = "accepted"
                assert (await cp.call(BOOT)).status == "Accepted"  # a later boot asks Odoo
                assert odoo.station_calls == ["P", "P"]
            # a new connection within the cache TTL: handshake from the cache, but that entry
            # is older than station_boot_max_age, so the boot asks Odoo
            odoo.chargers["P"]["registration_status"] = "rejected"
            await asyncio.sleep(0.6)
            async with charger(bridge, "P") as cp:
                assert (await cp.call(BOOT)).status == "Rejected"
            assert odoo.station_calls == ["P", "P", "P"]

    run(scenario(), timeout=30)


@pytest.mark.parametrize("max_age", [0.0, 5.0])
def test_boot_max_age_setting(tmp_path, odoo, max_age):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo, station_boot_max_age=max_age, station_cache_ttl=60) as bridge:
            async with charger(bridge, "CP1") as cp:
                assert (await cp.call(BOOT)).status == "Accepted"
            # 0 = the old behaviour: a second, fresh look-up at every boot
            assert odoo.station_calls == (["CP1", "CP1"] if max_age == 0 else ["CP1"])

    run(scenario())
