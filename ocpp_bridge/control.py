"""Control HTTP endpoint (aiohttp): command pushes from Odoo, Prometheus metrics, health.

* ``POST /commands`` (``Authorization: Bearer <control_token>``), body ``{id, charger, action,
  params}`` as ``bridge_pull`` returns it -> ``{"state", "result"}`` once the charger answered.
  Odoo records that answer itself, so the node does not call ``bridge_result`` for pushes.
* ``GET /metrics`` Prometheus text format.  ``GET /health`` JSON, no authentication.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from . import commands
from .metrics import CONTENT_TYPE_LATEST

_logger = logging.getLogger("ocpp_bridge.control")


class ControlServer:
    def __init__(self, bridge):
        self.bridge = bridge
        self.config = bridge.config
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/commands", self.post_command)
        app.router.add_get("/metrics", self.get_metrics)
        app.router.add_get("/health", self.get_health)
        return app

    async def start(self):
        if not self.config.control_token:
            _logger.warning("control_token is empty: POST /commands will refuse every request")
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.control_host, self.config.control_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        _logger.info("control endpoint listening on %s:%s", self.config.control_host, self.port)

    async def stop(self):
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorized(self, request: web.Request) -> bool:
        token = self.config.control_token
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        return (
            bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())
        )

    async def post_command(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})
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

    async def get_metrics(self, request: web.Request) -> web.Response:
        body = self.bridge.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def get_health(self, request: web.Request) -> web.Response:
        return web.json_response(self.bridge.health())
