"""Websocket handshake, security profiles, replacement of connections, stale connections."""

import asyncio
import shutil
import ssl
import subprocess

import pytest
import websockets
from bridge_helpers import PASSWORD, charger, raw, run, running_bridge, station, ws_url
from ocpp.v201 import call
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.headers import build_authorization_basic

from ocpp_bridge.config import load_config
from ocpp_bridge.server import build_ssl_context


def _status(exc_info):
    return exc_info.value.response.status_code


def test_unknown_station_gets_404(tmp_path, odoo):
    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            with pytest.raises(InvalidStatus) as exc:
                async with websockets.connect(ws_url(bridge, "NOPE"), subprotocols=["ocpp2.0.1"]):
                    pass
            assert _status(exc) == 404
            assert odoo.station_calls == ["NOPE"]
            with pytest.raises(InvalidStatus) as exc:  # path outside /ocpp/
                async with websockets.connect(f"ws://127.0.0.1:{bridge.ws_port}/other/X", subprotocols=["ocpp2.0.1"]):
                    pass
            assert _status(exc) == 404

    run(scenario())


def test_basic_auth_profile_1(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1", profile=1, password=PASSWORD)

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            url = ws_url(bridge, "CP1")
            for headers in (
                None,  # missing
                {"Authorization": build_authorization_basic("CP1", "wrong-pass")},
                {"Authorization": build_authorization_basic("CP2", PASSWORD)},
            ):
                with pytest.raises(InvalidStatus) as exc:
                    async with websockets.connect(url, subprotocols=["ocpp2.0.1"], additional_headers=headers):
                        pass
                assert _status(exc) == 401
                assert "Basic" in exc.value.response.headers["WWW-Authenticate"]
            async with charger(bridge, "CP1", password=PASSWORD) as cp:
                result = await cp.call(call.Heartbeat())
                assert result.current_time
            assert odoo.events == {} or all(e["charger"] == "CP1" for e in odoo.events.values())

    run(scenario())


def test_profile_2_refused_without_tls(tmp_path, odoo):
    odoo.chargers["CP2"] = station("CP2", profile=2, password=PASSWORD)

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            with pytest.raises(InvalidStatus) as exc:
                async with charger(bridge, "CP2", password=PASSWORD):
                    pass
            assert _status(exc) == 403

    run(scenario())


@pytest.mark.parametrize("old_odoo", [False, True], ids=["bridge_stations", "bridge_station"])
def test_odoo_unreachable_at_handshake_gives_503(tmp_path, odoo, old_odoo):
    odoo.station_down = True
    odoo.stations_missing = old_odoo

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            with pytest.raises(InvalidStatus) as exc:
                async with charger(bridge, "CPX"):
                    pass
            assert _status(exc) == 503
            assert exc.value.response.headers["Retry-After"] == "30"

    run(scenario())


def test_subprotocol_mismatch_closed_with_1002(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1", subprotocol="ocpp1.5") as ws:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
                assert ws.close_code == 1002
            assert bridge.server.sessions == {}

    run(scenario())


def test_station_version_preferred_when_both_offered(tmp_path, odoo):
    odoo.chargers["CP16"] = station("CP16", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with websockets.connect(ws_url(bridge, "CP16"), subprotocols=["ocpp2.0.1", "ocpp1.6"]) as ws:
                assert ws.subprotocol == "ocpp1.6"

    run(scenario())


def test_second_connection_replaces_first(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as first:
                await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
                old_session = bridge.server.sessions["CP1"]
                async with charger(bridge, "CP1") as cp:
                    with pytest.raises(ConnectionClosed):
                        await asyncio.wait_for(first.recv(), 5)
                    assert first.close_code == 1000
                    assert (await cp.call(call.Heartbeat())).current_time
                    assert bridge.server.sessions["CP1"] is not old_session
                    states = await odoo.wait_for(
                        lambda: (
                            [
                                (e["payload"]["state"], e["payload"]["reason"])
                                for e in sorted(odoo.of("Connection"), key=lambda e: int(e["key"].rsplit(":", 1)[1]))
                            ]
                            if len(odoo.of("Connection")) == 3
                            else None
                        )
                    )
            assert states == [("connected", ""), ("disconnected", "replaced by a new connection"), ("connected", "")]
            assert all(e["payload"]["node"] == "node-t" for e in odoo.of("Connection"))

    run(scenario())


def test_replaced_dead_connection_reported_before_the_new_one(tmp_path, odoo):
    """The first connection's peer is dead (never answers the close): the bridge still records
    its end before the new connection's start, so Odoo ends up with the station connected."""
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            reader, writer = await asyncio.open_connection("127.0.0.1", bridge.ws_port)
            writer.write(
                b"GET /ocpp/CP1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n"
            )
            assert b" 101 " in await reader.readline()
            await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
            async with charger(bridge, "CP1") as cp:  # the dead peer never answers
                assert (await cp.call(call.Heartbeat())).current_time
                connection = await odoo.wait_for(
                    lambda: (
                        len(odoo.of("Connection")) >= 3
                        and sorted(odoo.of("Connection"), key=lambda e: int(e["key"].rsplit(":", 1)[1]))
                    )
                )
            writer.close()
        assert [(e["payload"]["state"], e["payload"]["reason"]) for e in connection[:3]] == [
            ("connected", ""),
            ("disconnected", "replaced by a new connection"),
            ("connected", ""),
        ]
        assert connection[1]["ts"] <= connection[2]["ts"]
        assert len([e for e in odoo.of("Connection") if e["payload"]["reason"].startswith("replaced")]) == 1

    run(scenario())


def test_stale_connection_closed_and_reported(tmp_path, odoo):
    odoo.chargers["QUIET"] = station("QUIET", heartbeat=1)
    odoo.chargers["CHATTY"] = station("CHATTY", heartbeat=1)

    async def scenario():
        async with running_bridge(tmp_path, odoo, stale_margin=0.3, stale_check_interval=0.05) as bridge:
            async with raw(bridge, "QUIET") as quiet, charger(bridge, "CHATTY") as chatty:
                loop = asyncio.get_running_loop()
                started = loop.time()
                with pytest.raises(ConnectionClosed):
                    while True:  # keep CHATTY talking while QUIET stays silent
                        await chatty.call(call.Heartbeat())
                        try:
                            await asyncio.wait_for(quiet.recv(), 0.4)
                        except TimeoutError:
                            pass
                elapsed = loop.time() - started
                assert 1.2 <= elapsed < 3.0
                assert quiet.close_code == 1001
                assert "CHATTY" in bridge.server.sessions
                assert (await chatty.call(call.Heartbeat())).current_time
            down = await odoo.wait_for(
                lambda: [e for e in odoo.of("Connection", "QUIET") if e["payload"]["state"] == "disconnected"]
            )
            assert down[0]["payload"]["reason"].startswith("stale: no traffic")

    run(scenario())


# ---------------------------------------------------------------- TLS (profiles 2 and 3)
def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available")
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA", cwd=d)
    for name, cn, ext in (
        ("server", "localhost", "subjectAltName=IP:127.0.0.1"),
        ("cp3", "CP3", None),
        ("other", "OTHER", None),
    ):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
        sign = [
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
        ]
        if ext:
            (d / f"{name}.ext").write_text(ext + "\n")
            sign += ["-extfile", f"{name}.ext"]
        _openssl(*sign, cwd=d)
    return d


def _client_ctx(pki, cert=None, max_version=None):
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if cert:
        ctx.load_cert_chain(str(pki / f"{cert}.pem"), str(pki / f"{cert}.key"))
    if max_version:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = max_version
    return ctx


def test_tls_context_refuses_below_tls12(pki, tmp_path):
    cfg = load_config(
        env={},
        tls_cert=str(pki / "server.pem"),
        tls_key=str(pki / "server.key"),
        outbox_path=str(tmp_path / "o.sqlite3"),
    )
    assert build_ssl_context(cfg).minimum_version == ssl.TLSVersion.TLSv1_2


def test_wss_profiles_2_and_3(tmp_path, odoo, pki):
    odoo.chargers["CP2"] = station("CP2", profile=2, password=PASSWORD)
    odoo.chargers["CP3"] = station("CP3", profile=3)
    tls = dict(tls_cert=str(pki / "server.pem"), tls_key=str(pki / "server.key"), tls_ca=str(pki / "ca.pem"))

    async def connect(bridge, identity, ctx, password=None):
        headers = {"Authorization": build_authorization_basic(identity, password)} if password else None
        return websockets.connect(
            ws_url(bridge, identity, "wss"), ssl=ctx, subprotocols=["ocpp2.0.1"], additional_headers=headers
        )

    async def scenario():
        async with running_bridge(tmp_path, odoo, **tls) as bridge:
            async with await connect(bridge, "CP2", _client_ctx(pki), PASSWORD) as ws:
                assert ws.subprotocol == "ocpp2.0.1"
            with pytest.raises(InvalidStatus) as exc:
                async with await connect(bridge, "CP2", _client_ctx(pki), "bad-password"):
                    pass
            assert _status(exc) == 401
            with pytest.raises((ssl.SSLError, OSError)):
                async with await connect(bridge, "CP2", _client_ctx(pki, max_version=ssl.TLSVersion.TLSv1_1), PASSWORD):
                    pass
            # profile 3: client certificate whose CN is the identity
            async with await connect(bridge, "CP3", _client_ctx(pki, cert="cp3")) as ws:
                assert ws.subprotocol == "ocpp2.0.1"
            with pytest.raises(InvalidStatus) as exc:
                async with await connect(bridge, "CP3", _client_ctx(pki)):
                    pass
            assert _status(exc) == 401
            with pytest.raises(InvalidStatus) as exc:
                async with await connect(bridge, "CP3", _client_ctx(pki, cert="other")):
                    pass
            assert _status(exc) == 403

    run(scenario())
