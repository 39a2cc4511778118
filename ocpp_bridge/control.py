"""HTTP endpoints (aiohttp) of a node: the control listener Odoo reaches, and the metrics listener.

Control listener (``control_host:control_port``, the one Odoo's node record points at):

* ``POST /commands/wake`` (contract D), no secret: ``{"ids": [command ids], "chargers":
  [identities], "wait": seconds}``. The body is never trusted: the node pulls those commands
  through its own authenticated XML-RPC channel (``bridge_pull(node, identities, ids)``), only
  for chargers connected here, runs them and reports each answer with ``bridge_result``. With
  ``wait`` > 0 it answers 200 ``{"done": [ids reported]}`` once they are reported or the wait
  ran out; else 202 ``{"accepted": [ids]}`` at once. Rate-limited (429) and coalesced.
* ``POST /commands`` (``Authorization: Bearer <control_token>``; empty token = refused): run one
  command given in full ``{id, charger, action, params}`` and answer ``{"state", "result"}`` -
  for operators and scripts; Odoo does not use it any more.

Metrics listener (``metrics_host:metrics_port``, 127.0.0.1 by default): ``GET /metrics``
(Prometheus) and ``GET /health`` (JSON). Bound elsewhere than loopback, both require
``Authorization: Bearer <control_token>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging

from aiohttp import web

from . import commands
from .core import valid_identity
from .metrics import CONTENT_TYPE_LATEST
from .throttle import RateLimit, retry_after

_logger = logging.getLogger("ocpp_bridge.control")

_WAKE_MAX_ITEMS = 200


def _bearer_ok(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def _unauthorized() -> web.Response:
    return web.json_response({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})


class _Listener:
    host_key = port_key = ""

    def __init__(self, bridge):
        self.bridge = bridge
        self.config = bridge.config
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def make_app(self) -> web.Application:
        raise NotImplementedError

    async def start(self):
        host = getattr(self.config, self.host_key)
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, getattr(self.config, self.port_key))
        await site.start()
        self.port = self._runner.addresses[0][1]
        _logger.info("%s listening on %s:%s", type(self).__name__, host, self.port)

    async def stop(self):
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class ControlServer(_Listener):
    host_key, port_key = "control_host", "control_port"

    def __init__(self, bridge):
        super().__init__(bridge)
        self.wake_limit = RateLimit(self.config.command_wake_rate, self.config.command_wake_burst)

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/commands", self.post_command)
        app.router.add_post("/commands/wake", self.post_wake)
        return app

    async def start(self):
        if not self.config.control_token:
            _logger.info("control_token is empty: POST /commands refuses every request (wake-ups work)")
        await super().start()

    async def post_command(self, request: web.Request) -> web.Response:
        if not _bearer_ok(request, self.config.control_token):
            return _unauthorized()
        try:
            command = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(command, dict) or not command.get("charger") or not command.get("action"):
            return web.json_response({"error": "expected an object with charger, action and params"}, status=400)
        timeout = command.get("timeout")
        answer = await commands.execute(
            self.bridge, command, timeout=float(timeout) if isinstance(timeout, (int, float)) else None
        )
        return web.json_response(answer)

    async def post_wake(self, request: web.Request) -> web.Response:
        wait_limit = self.wake_limit.take("wake")
        if wait_limit:
            self.bridge.metrics.wakeups.labels("throttled").inc()
            return web.json_response(
                {"error": "too many wake-ups"}, status=429, headers={"Retry-After": retry_after(wait_limit)}
            )
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            self.bridge.metrics.wakeups.labels("bad_request").inc()
            return web.json_response({"error": "expected {ids, chargers, wait}"}, status=400)
        ids = body.get("ids") or []
        chargers = body.get("chargers") or []
        wait = body.get("wait") or 0
        if (
            not isinstance(ids, list)
            or not isinstance(chargers, list)
            or len(ids) > _WAKE_MAX_ITEMS
            or len(chargers) > _WAKE_MAX_ITEMS
            or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)
            or not all(valid_identity(c) for c in chargers)
            or isinstance(wait, bool)
            or not isinstance(wait, (int, float))
        ):
            self.bridge.metrics.wakeups.labels("bad_request").inc()
            return web.json_response(
                {"error": f"ids: up to {_WAKE_MAX_ITEMS} positive integers, chargers: identities, wait: seconds"},
                status=400,
            )
        wait = max(0.0, min(float(wait), self.config.command_wake_max_wait))
        held = self.bridge.command_runner.held(dict.fromkeys(chargers))
        self.bridge.metrics.wakeups.labels("accepted").inc()
        if not held:
            return web.json_response({"done": [], "held": []}, status=200 if wait else 202)
        done = await self.bridge.command_runner.wake(held, ids, wait)
        if wait:
            return web.json_response({"done": done})
        return web.json_response({"accepted": ids}, status=202)


class MetricsServer(_Listener):
    host_key, port_key = "metrics_host", "metrics_port"

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_get("/metrics", self.get_metrics)
        app.router.add_get("/health", self.get_health)
        return app

    @property
    def needs_token(self) -> bool:
        host = self.config.metrics_host
        if host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return True

    async def start(self):
        if self.needs_token and not self.config.control_token:
            _logger.warning(
                "metrics_host %s is not loopback and control_token is empty: /metrics and /health refuse every request",
                self.config.metrics_host,
            )
        await super().start()

    def _allowed(self, request) -> bool:
        return not self.needs_token or _bearer_ok(request, self.config.control_token)

    async def get_metrics(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            return _unauthorized()
        body = self.bridge.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def get_health(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            return _unauthorized()
        return web.json_response(self.bridge.health())
