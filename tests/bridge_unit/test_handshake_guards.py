"""Handshake guards over real websockets (issue 7.5/7.6): bad identities refused without Odoo and
without failing concurrent handshakes, wrong-password throttling per identity and per source
address, connection churn; the same limits as unit rules (fake clock)."""

import asyncio

import aiohttp
from bridge_helpers import PASSWORD, FakeOdoo, charger, handshake_status, run, running_bridge, station
from websockets.headers import build_authorization_basic

from ocpp_bridge.directory import StationDirectory
from ocpp_bridge.odoo_client import OdooFault
from ocpp_bridge.throttle import FailureLockout, RateLimit


def basic(identity, password):
    return {"Authorization": build_authorization_basic(identity, password)}


def from_address(address, headers=None):
    return {"X-Forwarded-For": address, **(headers or {})}


async def metrics(bridge):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{bridge.metrics_port}/metrics") as response:
            return await response.text()


def test_bad_identities_refused_without_odoo_and_others_unharmed(tmp_path, odoo):
    """Issue 7.5: /ocpp/X%00Y made 20 of 20 concurrent legitimate handshakes fail with 503."""
    good = [f"CP{i:02d}" for i in range(20)]
    for identity in good:
        odoo.chargers[identity] = station(identity)
    bad = ["X%00Y", "a%20b", "%C3%A9t%C3%A9", "colon:id", "x" * 49, "%FF%FE", "semi;colon", "A%2FB"]

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            statuses = await asyncio.gather(*(handshake_status(bridge, i) for i in bad + good + bad))
            assert statuses[len(bad) : len(bad) + len(good)] == [101] * len(good)
            assert set(statuses[: len(bad)] + statuses[-len(bad) :]) == {400}
            assert all(identity in good for identity in odoo.station_calls), odoo.station_calls
            text = await metrics(bridge)
        assert f'ocpp_bridge_handshake_refused_total{{reason="bad_identity"}} {2.0 * len(bad)}' in text

    run(scenario())


def test_one_identity_odoo_refuses_does_not_fail_its_batch(tmp_path):
    """Defence in depth: a batched look-up Odoo faults on is split; only the culprit fails."""

    class Picky(FakeOdoo):
        async def stations(self, identities):
            if "CP-BAD" in identities:
                self.stations_calls.append(list(identities))
                raise OdooFault("ValueError: invalid identity")
            return await super().stations(identities)

    odoo = Picky()
    identities = [f"CP-{i:02d}" for i in range(12)] + ["CP-BAD"]
    for identity in identities:
        odoo.chargers[identity] = station(identity)

    async def scenario():
        directory = StationDirectory(odoo, batch_window=0.05)
        results = await asyncio.gather(*(directory.get(i) for i in identities), return_exceptions=True)
        assert [r["identity"] for r in results[:-1]] == identities[:-1]
        assert isinstance(results[-1], OdooFault)

    run(scenario())


def test_wrong_passwords_lock_out_the_guesser_not_the_station(tmp_path, odoo):
    """Issue 7.6: 193 guesses/s. After auth_fail_limit wrong passwords the identity is locked
    (429, no password check at all) for growing periods; the station that authenticated from its
    own address before keeps connecting; a new address is locked out too."""
    odoo.chargers["CP1"] = station("CP1", profile=1, password=PASSWORD)
    checks = []

    async def scenario():
        async with running_bridge(
            tmp_path, odoo, client_address_header="X-Forwarded-For", auth_fail_limit=3, auth_lockout_initial=30
        ) as bridge:
            original = bridge.directory.check_password

            async def counting(identity, station, password):
                checks.append(password)
                return await original(identity, station, password)

            bridge.directory.check_password = counting
            real = from_address("10.0.0.1", basic("CP1", PASSWORD))
            assert await handshake_status(bridge, "CP1", real) == 101
            attacker = from_address("10.6.6.6")
            for guess in range(3):
                assert await handshake_status(bridge, "CP1", {**attacker, **basic("CP1", f"guess-{guess}")}) == 401
            checks.clear()
            for guess in range(3, 10):
                assert await handshake_status(bridge, "CP1", {**attacker, **basic("CP1", f"guess-{guess}")}) == 429
            assert await handshake_status(bridge, "CP1", {**attacker, **basic("CP1", PASSWORD)}) == 429, "no oracle"
            assert checks == [], "a locked handshake costs no pbkdf2"
            assert await handshake_status(bridge, "CP1", from_address("10.0.0.2", basic("CP1", PASSWORD))) == 429
            assert await handshake_status(bridge, "CP1", real) == 101, "the station itself is not locked out"
            lock = bridge.server.auth_identity.locked_for("CP1")
            assert 25 < lock <= 30
            text = await metrics(bridge)
        assert "ocpp_bridge_auth_failures_total 3.0" in text
        assert 'ocpp_bridge_auth_lockouts_total{scope="identity"} 1.0' in text
        assert 'ocpp_bridge_handshake_refused_total{reason="auth_locked"} 9.0' in text

    run(scenario())


def test_wrong_passwords_from_one_address_across_identities(tmp_path, odoo):
    for i in range(6):
        odoo.chargers[f"CP{i}"] = station(f"CP{i}", profile=1, password=PASSWORD)

    async def scenario():
        async with running_bridge(
            tmp_path, odoo, client_address_header="X-Forwarded-For", auth_fail_address_limit=4, auth_fail_limit=10
        ) as bridge:
            sweeper = from_address("192.0.2.9")
            statuses = [
                await handshake_status(bridge, f"CP{i}", {**sweeper, **basic(f"CP{i}", "nope")}) for i in range(6)
            ]
            assert statuses == [401] * 4 + [429] * 2
            assert await handshake_status(bridge, "CP5", {**sweeper, **basic("CP5", PASSWORD)}) == 429
            assert await handshake_status(bridge, "CP5", from_address("192.0.2.10", basic("CP5", PASSWORD))) == 101
            text = await metrics(bridge)
        assert 'ocpp_bridge_auth_lockouts_total{scope="address"} 1.0' in text

    run(scenario())


def test_connection_churn_throttled_per_identity_and_address(tmp_path, odoo):
    for i in range(4):
        odoo.chargers[f"CP{i}"] = station(f"CP{i}")

    async def scenario():
        async with running_bridge(
            tmp_path,
            odoo,
            client_address_header="X-Forwarded-For",
            churn_identity_per_minute=3,
            churn_address_rate=0.5,
            churn_address_burst=6,
        ) as bridge:
            loop_ = [await handshake_status(bridge, "CP0", from_address(f"10.1.0.{n}")) for n in range(5)]
            assert loop_ == [101, 101, 101, 429, 429], "a charger reconnecting in a loop"
            assert await handshake_status(bridge, "CP1", from_address("10.1.0.99")) == 101, "others unaffected"
            storm = [await handshake_status(bridge, f"CP{2 + n % 2}", from_address("10.9.9.9")) for n in range(8)]
            assert storm.count(429) >= 2 and storm[:3] == [101] * 3
            text = await metrics(bridge)
        assert 'ocpp_bridge_handshake_refused_total{reason="churn"}' in text

    run(scenario())


def test_lockout_and_rate_rules():
    now = [0.0]
    lock = FailureLockout(free=2, window=60, initial=1, maximum=8, clock=lambda: now[0])
    assert lock.failure("k") == 0.0
    assert [lock.failure("k") for _i in range(5)] == [1, 2, 4, 8, 8]  # from the 2nd: doubling, capped
    assert lock.locked_for("k") == 8
    now[0] = 20
    assert lock.locked_for("k") == 0
    lock.success("k")
    assert lock.failure("k") == 0.0
    # failures spread wider than the window are forgiven
    lock2 = FailureLockout(free=2, window=10, initial=1, maximum=8, clock=lambda: now[0])
    lock2.failure("a")
    now[0] += 11
    assert lock2.failure("a") == 0.0 and lock2.failure("a") == 1
    rate = RateLimit(rate=2, burst=3, clock=lambda: now[0])
    assert [rate.take("x") for _i in range(4)] == [0, 0, 0, 0.5]
    now[0] += 0.5
    assert rate.take("x") == 0
    assert RateLimit(rate=0, burst=1).take("x") == 0, "0 = unlimited"
    bounded = RateLimit(rate=1, burst=1, max_keys=10)
    for i in range(100):
        bounded.take(i)
    assert len(bounded._state) == 10, "state stays bounded"


def test_legit_reconnects_unaffected_by_defaults(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1", profile=1, password=PASSWORD)

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            for _i in range(5):
                async with charger(bridge, "CP1", password=PASSWORD):
                    await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)

    run(scenario())
