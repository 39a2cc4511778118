"""One bridge node: wires config, Odoo transport, outbox, OCPP server and control endpoint."""

from __future__ import annotations

import asyncio
import logging
import time

from . import __version__, commands
from .control import ControlServer
from .core import Core
from .directory import StationDirectory, TokenAuthorizer
from .metrics import Metrics
from .odoo_client import OdooError, XmlRpcTransport
from .outbox import Outbox, OutboxSender
from .server import OcppServer

_logger = logging.getLogger("ocpp_bridge")


class CommandRunner:
    """Commands queued in Odoo: pulled when a charger connects and periodically, executed once
    the charger is ready (boot accepted, or operating), results reported with bridge_result.

    The pulls of chargers connecting within ``command_pull_window`` seconds of each other (or
    while such a pull is in flight) share one ``bridge_pull`` call (at most ``_PULL_MAX``
    identities): a reconnect storm does not cost one Odoo call per charger."""

    _PULL_MAX = 1000

    def __init__(self, bridge):
        self.bridge = bridge
        self._running: set = set()  # command ids in progress on this node
        self._connected: dict[str, None] = {}  # identities waiting for their pull, in order
        self._pulling = False

    async def on_connect(self, session):
        self._connected[session.identity] = None
        if self._pulling:
            return  # the running pull task takes it
        self._pulling = True
        try:
            window = self.bridge.config.command_pull_window
            if window > 0:
                await asyncio.sleep(window)
            while self._connected:
                batch = list(self._connected)[: self._PULL_MAX]
                for identity in batch:
                    del self._connected[identity]
                # a charger gone meanwhile keeps its commands queued for its next connection
                sessions = self.bridge.server.sessions
                await self.pull([identity for identity in batch if identity in sessions])
        finally:
            self._pulling = False

    async def pull(self, identities: list[str]):
        if not identities:
            return
        try:
            queued = await self.bridge.transport.pull_commands(self.bridge.config.node, identities)
        except OdooError as exc:
            _logger.warning("could not pull queued commands: %s", exc)
            return
        by_charger: dict[str, list] = {}
        for command in queued or []:
            if command.get("id") in self._running:
                continue
            by_charger.setdefault(command.get("charger"), []).append(command)
        for identity, items in by_charger.items():
            self.bridge.server.spawn(self._run_in_order(identity, items), name=f"commands-{identity}")

    async def _run_in_order(self, identity, items):
        session = self.bridge.server.sessions.get(identity)
        if session is not None:
            try:
                await asyncio.wait_for(session.ready.wait(), self.bridge.config.command_ready_wait)
            except TimeoutError:
                pass
        for command in items:
            self._running.add(command.get("id"))
            try:
                answer = await commands.execute(self.bridge, command)
                await self._report(command, answer)
            finally:
                self._running.discard(command.get("id"))

    async def _report(self, command, answer):
        for attempt in range(3):
            try:
                await self.bridge.transport.command_result(command.get("id"), answer["state"], answer["result"])
                return
            except OdooError as exc:
                _logger.warning(
                    "could not report command %s result (%s), attempt %d", command.get("id"), exc, attempt + 1
                )
                await asyncio.sleep(min(5.0, 0.5 * 2**attempt))
        _logger.error("giving up reporting command %s result: %s", command.get("id"), answer)

    async def poll_loop(self):
        interval = self.bridge.config.command_poll_interval
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            await self.pull(sorted(self.bridge.server.sessions))


class Bridge:
    def __init__(self, config, transport=None, metrics: Metrics | None = None):
        self.config = config
        self.transport = transport or XmlRpcTransport(
            config.odoo_url,
            config.odoo_db,
            config.odoo_login,
            config.odoo_api_key,
            timeout=config.odoo_timeout,
            workers=config.odoo_workers,
        )
        self.metrics = metrics or Metrics()
        self.outbox = Outbox(
            config.outbox_path,
            config.node,
            config.node_number,
            synchronous=config.outbox_synchronous,
            metrics=self.metrics,
        )
        self.sender = OutboxSender(
            self.outbox,
            self.transport,
            batch_size=config.outbox_batch_size,
            backoff_initial=config.outbox_backoff_initial,
            backoff_max=config.outbox_backoff_max,
            idle_interval=config.outbox_idle_interval,
            metrics=self.metrics,
        )
        self.directory = StationDirectory(
            self.transport,
            config.station_cache_ttl,
            config.station_negative_ttl,
            batch_window=config.station_batch_window,
            batch_max=config.station_batch_max,
            metrics=self.metrics,
        )
        self.authorizer = TokenAuthorizer(
            self.transport, config.auth_cache_ttl, config.auth_offline_policy, config.auth_timeout, self.metrics
        )
        self.core = Core(config, self.outbox, self.directory, self.authorizer, self.metrics)
        self.server = OcppServer(self)
        self.control = ControlServer(self)
        self.command_runner = CommandRunner(self)
        self._tasks: list[asyncio.Task] = []
        self.started_at: float | None = None

    @property
    def ws_port(self) -> int:
        return self.server.port

    @property
    def control_port(self) -> int:
        return self.control.port

    async def start(self):
        await self.outbox.open()
        if self.outbox.depth:
            _logger.info("outbox holds %d events from a previous run; resending", self.outbox.depth)
        self.sender.start()
        await self.server.start()
        await self.control.start()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self.command_runner.poll_loop(), name="command-poll"),
            loop.create_task(self._report_loop(), name="node-report"),
        ]
        self.started_at = time.monotonic()
        _logger.info(
            "bridge node %s (number %d) started, version %s", self.config.node, self.config.node_number, __version__
        )

    async def stop(self, drain_timeout: float = 2.0):
        for task in self._tasks:
            task.cancel()
        await self.control.stop()
        await self.server.stop()
        await self.sender.stop(drain_timeout=drain_timeout)
        await self.outbox.close()
        await self.transport.close()
        _logger.info("bridge node %s stopped", self.config.node)

    async def _report_loop(self):
        interval = self.config.node_report_interval
        supported = True
        while supported:
            info = {
                "node": self.config.node,
                "node_number": self.config.node_number,
                "url": self.config.control_public_url,
                "version": __version__,
                "chargers": sorted(self.server.sessions),
            }
            try:
                supported = await self.transport.report_node(self.config.node, info)
            except OdooError as exc:
                _logger.warning("node report failed: %s", exc)
            if interval <= 0:
                return
            await asyncio.sleep(interval)

    def health(self) -> dict:
        return {
            "status": "ok",
            "node": self.config.node,
            "version": __version__,
            "connections": len(self.server.sessions),
            "outbox_depth": self.outbox.depth,
            "outbox_dead_letters": self.outbox.dead,
            "odoo_reachable": self.sender.odoo_ok,
            "odoo_last_error": self.sender.last_error,
            "uptime_s": round(time.monotonic() - self.started_at, 1) if self.started_at else 0,
        }
