"""The OCPP websocket server: handshake checks, one session per charger, stale connections.

* path ``<ocpp_path>/<identity>``; an identity outside Odoo's charset (``[A-Za-z0-9*-_=+|@.]``,
  1-48 characters, after percent-decoding) -> HTTP 400 without asking Odoo; unknown identity (per
  Odoo) -> HTTP 404; Odoo unreachable and identity not cached -> HTTP 503 (the charger retries).
* throttles (``throttle.py``), checked before any Odoo call or password hash: connection churn
  per identity and per source address, wrong Basic-auth passwords per identity and per address
  (lockout with backoff) -> HTTP 429 + Retry-After; outbox full -> HTTP 503.
* subprotocols ``ocpp2.0.1`` and ``ocpp1.6``; when none matches, websockets would accept the
  socket without one, so the server closes it with 1002 (protocol error).
* Security profiles (from the station): 0 none; 1 HTTP Basic; 2 TLS + HTTP Basic; 3 TLS
  client certificate. Basic auth: username = identity, password checked with passlib
  pbkdf2_sha256 against ``password_hash``. Failure -> 401.
* A second connection for an identity closes the first (1000, "replaced by a new connection").
* No traffic for heartbeat interval + margin -> closed (1001) and reported as disconnected.
"""

from __future__ import annotations

import asyncio
import http
import logging
import ssl
import time
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidHeader
from websockets.headers import build_www_authenticate_basic, parse_authorization_basic

from .core import Session, valid_identity
from .cp_v16 import ChargePoint16
from .cp_v201 import ChargePoint201
from .logs import charger_logger, quiet_aborted_handshakes
from .odoo_client import OdooError
from .outbox import FULL
from .throttle import FailureLockout, RateLimit, _Bounded, retry_after

_logger = logging.getLogger("ocpp_bridge.server")

SUBPROTOCOLS = {"ocpp2.0.1": "2.0.1", "ocpp1.6": "1.6"}
CP_CLASSES = {"2.0.1": ChargePoint201, "1.6": ChargePoint16}


def build_ssl_context(config) -> ssl.SSLContext | None:
    if not config.tls_enabled:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # OCPP security: TLS 1.2 or higher
    ctx.load_cert_chain(config.tls_cert, config.tls_key)
    if config.tls_ca:
        ctx.load_verify_locations(config.tls_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED if config.tls_require_client_cert else ssl.CERT_OPTIONAL
    return ctx


def _peer_cn(ssl_object) -> str | None:
    cert = ssl_object.getpeercert() if ssl_object else None
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class OcppServer:
    def __init__(self, bridge):
        self.bridge = bridge
        self.config = bridge.config
        self.sessions: dict[str, Session] = {}
        self._server = None
        self._stale_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port: int | None = None
        cfg = self.config
        self.auth_identity = FailureLockout(
            cfg.auth_fail_limit, cfg.auth_fail_window, cfg.auth_lockout_initial, cfg.auth_lockout_max
        )
        self.auth_address = FailureLockout(
            cfg.auth_fail_address_limit, cfg.auth_fail_window, cfg.auth_lockout_initial, cfg.auth_lockout_max
        )
        # (identity, address) pairs that passed Basic auth recently: a lockout of the identity
        # caused by guesses from elsewhere does not lock the real station out
        self._good_pairs = _Bounded(100_000)
        self.churn_identity = RateLimit(cfg.churn_identity_per_minute / 60.0, cfg.churn_identity_per_minute)
        self.churn_address = RateLimit(cfg.churn_address_rate, cfg.churn_address_burst)

    # ------------------------------------------------------------------ lifecycle
    async def start(self):
        cfg = self.config
        quiet_aborted_handshakes()
        self._server = await serve(
            self.handler,
            cfg.listen_host,
            cfg.listen_port,
            subprotocols=list(SUBPROTOCOLS),
            select_subprotocol=self.select_subprotocol,
            process_request=self.process_request,
            ssl=build_ssl_context(cfg),
            compression="deflate" if cfg.ws_compression else None,
            ping_interval=cfg.ws_ping_interval or None,
            ping_timeout=cfg.ws_ping_interval or None,
            open_timeout=cfg.ws_open_timeout,
            close_timeout=5,
            max_size=cfg.ws_max_size,
            server_header=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._stale_task = asyncio.get_running_loop().create_task(self._stale_loop(), name="stale-check")
        _logger.info(
            "OCPP server listening on %s:%s (%s)", cfg.listen_host, self.port, "wss" if cfg.tls_enabled else "ws"
        )

    async def stop(self):
        if self._stale_task:
            self._stale_task.cancel()
        for session in list(self.sessions.values()):
            session.close_reason = session.close_reason or "node shutting down"
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()

    def spawn(self, coro, name=None) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ handshake
    def _reject(self, connection, status, text, identity=None, reason="refused", **headers):
        _logger.info(
            "handshake refused: %s %s",
            int(status),
            text.strip(),
            extra={"charger": identity, "remote": _remote(connection)},
        )
        self.bridge.metrics.handshake_refused.labels(reason).inc()
        response = connection.respond(status, text)
        for key, value in headers.items():
            response.headers[key.replace("_", "-")] = value
        return response

    def _address(self, connection, request) -> str:
        header = self.config.client_address_header
        if header:
            forwarded = request.headers.get(header)
            if forwarded:
                return forwarded.split(",")[0].strip()[:64]
        addr = connection.remote_address
        return addr[0] if addr else ""

    async def process_request(self, connection, request):
        path = unquote(urlsplit(request.path).path, errors="replace")
        prefix = self.config.ocpp_path.rstrip("/") + "/"
        if not path.startswith(prefix):
            return self._reject(connection, http.HTTPStatus.NOT_FOUND, "Unknown path\n", reason="unknown_path")
        identity = path[len(prefix) :]
        if not valid_identity(identity):
            # never sent to Odoo (nor logged as given): one bad identity must not fail the
            # station look-ups of other chargers' concurrent handshakes
            return self._reject(
                connection,
                http.HTTPStatus.BAD_REQUEST,
                "Invalid charge point identity (1-48 characters among A-Z a-z 0-9 * - _ = + | @ .)\n",
                reason="bad_identity",
            )
        address = self._address(connection, request)
        connection.ev_address = address
        if self.bridge.outbox.level == FULL:
            return self._reject(
                connection,
                http.HTTPStatus.SERVICE_UNAVAILABLE,
                "Central system storage full\n",
                identity,
                reason="outbox_full",
                Retry_After="60",
            )
        wait = self.churn_address.take(address) or self.churn_identity.take(identity)
        if wait:
            return self._reject(
                connection,
                http.HTTPStatus.TOO_MANY_REQUESTS,
                "Too many connection attempts\n",
                identity,
                reason="churn",
                Retry_After=retry_after(wait),
            )
        locked = self.auth_address.locked_for(address)
        if not locked and (identity, address) not in self._good_pairs:
            locked = self.auth_identity.locked_for(identity)
        if locked:
            return self._reject(
                connection,
                http.HTTPStatus.TOO_MANY_REQUESTS,
                "Too many failed authentication attempts\n",
                identity,
                reason="auth_locked",
                Retry_After=retry_after(locked),
            )
        try:
            station = await self.bridge.directory.get(identity)
        except OdooError as exc:
            _logger.warning("station look-up failed: %s", exc, extra={"charger": identity})
            return self._reject(
                connection,
                http.HTTPStatus.SERVICE_UNAVAILABLE,
                "Central system temporarily unavailable\n",
                identity,
                reason="unavailable",
                Retry_After="30",
            )
        if not station:
            return self._reject(
                connection, http.HTTPStatus.NOT_FOUND, "Unknown charging station\n", identity, reason="unknown_station"
            )

        profile = int(station.get("security_profile") or 0)
        ssl_object = connection.transport.get_extra_info("ssl_object")
        upstream_tls = self.config.tls_terminated_upstream
        if profile >= 2 and ssl_object is None and not upstream_tls:
            return self._reject(
                connection,
                http.HTTPStatus.FORBIDDEN,
                f"Security profile {profile} requires TLS\n",
                identity,
                reason="tls_required",
            )
        if profile == 3 and not upstream_tls:
            cn = _peer_cn(ssl_object)
            if cn is None:
                return self._reject(
                    connection,
                    http.HTTPStatus.UNAUTHORIZED,
                    "Client certificate required\n",
                    identity,
                    reason="client_certificate",
                )
            if self.config.tls_client_cert_cn_match and cn != identity:
                return self._reject(
                    connection,
                    http.HTTPStatus.FORBIDDEN,
                    "Client certificate does not match the station\n",
                    identity,
                    reason="client_certificate",
                )
        if profile in (1, 2):
            refused = await self._check_basic_auth(connection, request.headers, identity, station, address)
            if refused is not None:
                return refused
        connection.ev_identity = identity
        connection.ev_station = station
        return None

    async def _check_basic_auth(self, connection, headers: Headers, identity, station, address):
        www = {"WWW_Authenticate": build_www_authenticate_basic("OCPP")}
        header = headers.get("Authorization")
        if not header:
            return self._reject(
                connection,
                http.HTTPStatus.UNAUTHORIZED,
                "Missing credentials\n",
                identity,
                reason="missing_credentials",
                **www,
            )
        try:
            username, password = parse_authorization_basic(header)
        except InvalidHeader:
            username, password = None, None
        if (
            username is not None
            and username == identity
            and await self.bridge.directory.check_password(identity, station, password)
        ):
            # the address proved it knows the password; the identity's failures (guesses from
            # elsewhere) are not forgiven by it
            self.auth_address.success(address)
            self._good_pairs.touch((identity, address), lambda: True)
            return None
        # a wrong password (or a malformed header): counted per identity and per address
        metrics = self.bridge.metrics
        metrics.auth_failures.inc()
        for scope, lockout, key in (
            ("identity", self.auth_identity, identity),
            ("address", self.auth_address, address),
        ):
            lock = lockout.failure(key)
            if lock:
                metrics.auth_lockouts.labels(scope).inc()
                _logger.warning(
                    "wrong Basic-auth passwords: %s %s locked for %.0fs",
                    scope,
                    key,
                    lock,
                    extra={"charger": identity, "remote": address},
                )
        return self._reject(
            connection, http.HTTPStatus.UNAUTHORIZED, "Invalid credentials\n", identity, reason="bad_credentials", **www
        )

    def select_subprotocol(self, connection, offered):
        station = getattr(connection, "ev_station", None) or {}
        preferred = {"2.0.1": "ocpp2.0.1", "1.6": "ocpp1.6"}.get(station.get("ocpp_version"))
        if preferred in offered:
            return preferred
        for name in offered:  # the charger's order of preference
            if name in SUBPROTOCOLS:
                return name
        return None  # accepted without one; handler closes with 1002

    # ------------------------------------------------------------------ connection
    async def handler(self, connection):
        identity = getattr(connection, "ev_identity", None)
        station = getattr(connection, "ev_station", None)
        log = charger_logger(identity or "?")
        if connection.subprotocol not in SUBPROTOCOLS:
            log.warning(
                "no supported OCPP subprotocol offered (%s); closing",
                connection.request.headers.get("Sec-WebSocket-Protocol"),
            )
            await connection.close(1002, "no supported OCPP subprotocol (ocpp2.0.1, ocpp1.6)")
            return
        version = SUBPROTOCOLS[connection.subprotocol]
        session = Session(
            identity=identity,
            version=version,
            subprotocol=connection.subprotocol,
            connection=connection,
            remote=_remote(connection),
            station=station,
            log=log,
        )
        bridge = self.bridge
        bridge.core.apply_station(session, station)
        session.cp = CP_CLASSES[version](session, bridge)

        old = self.sessions.get(identity)
        self.sessions[identity] = session
        if old is not None:
            log.warning(
                "second connection for %s from %s replaces the one from %s", identity, session.remote, old.remote
            )
            old.close_reason = "replaced by a new connection"
            self.spawn(old.connection.close(1000, "replaced by a new connection"))
            await old.wait_finished(2)  # let the old one close and report its disconnection first
            # a dead peer may take longer to close: report for it now, so that Odoo always
            # sees the old connection's end before the new connection's start
            await self._report_disconnect(old, old.close_reason)

        bridge.metrics.connections.labels(version).inc()
        log.info("connected from %s (OCPP %s)", session.remote, version)
        closed_normally = True
        try:
            await bridge.outbox.append([bridge.core.connection_event(session, "connected")], force=True)
            self.spawn(bridge.command_runner.on_connect(session), name=f"pull-{identity}")
            await session.cp.start()
        except ConnectionClosed:
            closed_normally = False
        except Exception:
            closed_normally = False
            log.exception("connection handler failed")
        finally:
            bridge.metrics.connections.labels(version).dec()
            if self.sessions.get(identity) is session:
                del self.sessions[identity]
            reason = session.close_reason
            if reason is None:
                code = connection.close_code
                reason = f"closed by charger (code {code})" if code is not None else "connection lost"
                if not closed_normally and code is None:
                    reason = "connection lost"
            bridge.metrics.disconnects.labels(reason.split(" (")[0].split(":")[0]).inc()
            log.info("disconnected: %s", reason)
            await self._report_disconnect(session, reason)
            session.set_finished()

    async def _report_disconnect(self, session, reason):
        """Append the session's ``disconnected`` event, exactly once."""
        if session.disconnect_reported:
            return
        session.disconnect_reported = True
        try:
            await self.bridge.outbox.append(
                [self.bridge.core.connection_event(session, "disconnected", reason)], force=True
            )
        except Exception:
            session.log.exception("could not record the disconnection")

    # ------------------------------------------------------------------ stale connections
    async def _stale_loop(self):
        interval = max(0.05, self.config.stale_check_interval)
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for session in list(self.sessions.values()):
                limit = session.heartbeat_interval + self.config.stale_margin
                silent = now - session.last_seen
                if silent > limit and session.close_reason is None:
                    session.close_reason = f"stale: no traffic for {silent:.0f}s"
                    session.log.warning("closing stale connection (%.1fs without traffic, limit %.1fs)", silent, limit)
                    self.spawn(session.connection.close(1001, "stale connection"))


def _remote(connection) -> str:
    addr = connection.remote_address
    if not addr:
        return ""
    return f"{addr[0]}:{addr[1]}"
