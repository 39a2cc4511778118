"""One bridge node: wires config, Odoo transport, outbox, sender, OCPP server, control and
metrics endpoints."""

from __future__ import annotations

import asyncio
import logging
import time

from . import __version__, commands
from .control import ControlServer, MetricsServer
from .core import Core
from .directory import StationDirectory, TokenAuthorizer
from .metrics import Metrics
from .odoo_client import OdooError, OdooMethodMissing, XmlRpcTransport
from .outbox import Outbox
from .protocol import Limits
from .reporter import ResultReporter
from .sender import OutboxSender
from .server import OcppServer

_logger = logging.getLogger("ocpp_bridge")


class CommandRunner:
    """Commands queued in Odoo reach the charger through this node's own authenticated channel:

    * pulled when a charger connects (``bridge_pull``; connections within ``command_pull_window``
      seconds of each other, or while such a pull is in flight, share one call), every
      ``command_poll_interval`` seconds, with each ingest batch (``ingest_and_pull``), and when
      Odoo wakes the node up after committing an operator's command (``wake``, contract D;
      wake-ups within ``command_wake_window`` or while their pull is in flight share one call);
    * executed once the charger is ready (boot accepted, or operating), one at a time per
      charger, and reported to Odoo (``reporter.ResultReporter``: the answers that come while a
      report is in flight go together in the next ``bridge_results`` call, contract I).

    A wake-up is never trusted: it only makes the node pull (``bridge_pull(node, identities,
    ids)``) what Odoo queued for chargers connected here."""

    _PULL_MAX = 1000

    def __init__(self, bridge):
        self.bridge = bridge
        self._running: set = set()  # command ids in progress on this node
        self._connected: dict[str, None] = {}  # identities waiting for their pull, in order
        self._pulling = False
        self._wake_identities: dict[str, None] = {}
        self._wake_ids: set[int] = set()
        self._waking = False
        self._reported: dict[int, list[asyncio.Future]] = {}  # command id -> waiters (wake)
        self._per_charger: dict[str, asyncio.Task] = {}

    # ------------------------------------------------------------------ pulls
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
                await self.pull(self.held(batch))
        finally:
            self._pulling = False

    def held(self, identities) -> list[str]:
        sessions = self.bridge.server.sessions
        return [identity for identity in identities if identity in sessions]

    async def pull(self, identities: list[str], ids: list[int] | None = None):
        if not identities:
            return
        try:
            queued = await self.bridge.transport.pull_commands(self.bridge.config.node, identities, ids)
        except OdooError as exc:
            _logger.warning("could not pull queued commands: %s", exc)
            return
        self.dispatch(queued)

    def dispatch(self, queued):
        """Run pulled commands, in order per charger (after those already running for it)."""
        by_charger: dict[str, list] = {}
        for command in queued or []:
            if not isinstance(command, dict) or command.get("id") in self._running:
                continue
            self._running.add(command.get("id"))
            by_charger.setdefault(command.get("charger"), []).append(command)
        for identity, items in by_charger.items():
            previous = self._per_charger.get(identity)
            task = self.bridge.server.spawn(self._run_in_order(identity, items, previous), name=f"commands-{identity}")
            self._per_charger[identity] = task
            task.add_done_callback(lambda t, i=identity: self._per_charger.get(i) is t and self._per_charger.pop(i))

    async def _run_in_order(self, identity, items, previous=None):
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        session = self.bridge.server.sessions.get(identity)
        if session is not None:
            await session.wait_ready(self.bridge.config.command_ready_wait)
        for command in items:
            reported = False
            try:
                answer = await commands.execute(self.bridge, command)
                reported = await self._report(command, answer)
            finally:
                self._running.discard(command.get("id"))
                for fut in self._reported.pop(command.get("id"), ()):
                    if not fut.done():
                        fut.set_result(reported)

    async def _report(self, command, answer) -> bool:
        return await self.bridge.reporter.report(command.get("id"), answer["state"], answer["result"])

    async def poll_loop(self):
        interval = self.bridge.config.command_poll_interval
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            await self.pull(sorted(self.bridge.server.sessions))

    # ------------------------------------------------------------------ wake-ups (contract D)
    async def wake(self, identities: list[str], ids: list[int], wait: float) -> list[int]:
        """Pull (coalesced) the given queued commands of chargers held here; with ``wait`` > 0
        return the ids reported to Odoo within ``wait`` seconds."""
        futures = {}
        if wait > 0:
            loop = asyncio.get_running_loop()
            for command_id in ids:
                fut = loop.create_future()
                self._reported.setdefault(command_id, []).append(fut)
                futures[command_id] = fut
        for identity in identities:
            self._wake_identities[identity] = None
        self._wake_ids.update(ids)
        if not self._waking:
            self._waking = True
            self.bridge.server.spawn(self._wake_pulls(), name="wake-pulls")
        if not futures:
            return []
        done, _pending = await asyncio.wait(futures.values(), timeout=wait)
        for command_id, fut in futures.items():
            if not fut.done():
                fut.cancel()
                waiters = self._reported.get(command_id)
                if waiters and fut in waiters:
                    waiters.remove(fut)
                    if not waiters:
                        del self._reported[command_id]
        return sorted(command_id for command_id, fut in futures.items() if fut in done and fut.result())

    async def _wake_pulls(self):
        try:
            window = self.bridge.config.command_wake_window
            if window > 0:
                await asyncio.sleep(window)
            while self._wake_identities:
                identities = list(self._wake_identities)[: self._PULL_MAX]
                for identity in identities:
                    del self._wake_identities[identity]
                ids, self._wake_ids = sorted(self._wake_ids), set()
                known = set()
                try:
                    queued = await self.bridge.transport.pull_commands(self.bridge.config.node, identities, ids)
                except OdooError as exc:
                    _logger.warning("could not pull the commands of a wake-up: %s", exc)
                    queued = []
                for command in queued or []:
                    if isinstance(command, dict):
                        known.add(command.get("id"))
                self.dispatch(queued)
                # ids Odoo did not hand over (not queued, not ours) are not waited for
                for command_id in ids:
                    if command_id not in known and command_id not in self._running:
                        for fut in self._reported.pop(command_id, ()):
                            if not fut.done():
                                fut.set_result(False)  # not handed over: not done
        finally:
            self._waking = False


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
        self.limits = Limits(
            max_frame=config.ocpp_max_frame,
            max_depth=config.ocpp_max_depth,
            max_string=config.ocpp_max_string,
            max_message_id=config.ocpp_max_message_id,
        )
        self.outbox = Outbox(
            config.outbox_path,
            config.node,
            config.node_number,
            synchronous=config.outbox_synchronous,
            metrics=self.metrics,
            lanes=config.outbox_parallel,
            max_bytes=config.outbox_max_bytes,
            shed_ratio=config.outbox_shed_ratio,
            b64=config.outbox_b64,
            tx_seed_wait=config.tx_seed_wait,
        )
        self.command_runner = CommandRunner(self)
        self.sender = OutboxSender(
            self.outbox,
            self.transport,
            batch_size=config.outbox_batch_size,
            batch_bytes=config.outbox_batch_bytes,
            backoff_initial=config.outbox_backoff_initial,
            backoff_max=config.outbox_backoff_max,
            idle_interval=config.outbox_idle_interval,
            metrics=self.metrics,
            node=config.node,
            held=self.command_runner.held,
            on_commands=self.command_runner.dispatch,
            json_envelopes=config.outbox_json,
        )
        self.reporter = ResultReporter(self.transport, self.sender.odoo_features, metrics=self.metrics)
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
        self.metrics_server = MetricsServer(self)
        self._tasks: list[asyncio.Task] = []
        self.started_at: float | None = None

    @property
    def ws_port(self) -> int:
        return self.server.port

    @property
    def control_port(self) -> int:
        return self.control.port

    @property
    def metrics_port(self) -> int:
        return self.metrics_server.port

    async def start(self):
        await self.outbox.open()
        if self.outbox.depth:
            _logger.info("outbox holds %d events from a previous run; resending", self.outbox.depth)
        self.sender.start()
        await self.server.start()
        await self.control.start()
        await self.metrics_server.start()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self.command_runner.poll_loop(), name="command-poll"),
            loop.create_task(self._report_loop(), name="node-report"),
            loop.create_task(self._seed_transaction_ids(), name="tx-seed"),
        ]
        self.started_at = time.monotonic()
        _logger.info(
            "bridge node %s (number %d) started, version %s, outbox epoch %s",
            self.config.node,
            self.config.node_number,
            __version__,
            self.outbox.epoch,
        )

    async def stop(self, drain_timeout: float = 2.0):
        for task in self._tasks:
            task.cancel()
        await self.metrics_server.stop()
        await self.control.stop()
        await self.server.stop()
        await self.sender.stop(drain_timeout=drain_timeout)
        await self.reporter.close()
        await self.outbox.close()
        await self.transport.close()
        _logger.info("bridge node %s stopped", self.config.node)

    async def _seed_transaction_ids(self):
        """Contract F: the 1.6 counter goes above the highest id Odoo knows for this node number
        (asked until Odoo answers; a new outbox file issues no id before)."""
        delay = self.config.outbox_backoff_initial
        while True:
            try:
                highest = await self.transport.max_transaction_id(self.config.node_number)
            except OdooMethodMissing:
                _logger.warning("Odoo offers no bridge_max_transaction_id; 1.6 ids seeded from the outbox and clock")
                highest = 0
            except OdooError as exc:
                _logger.warning("could not ask Odoo for the highest 1.6 transaction id (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(self.config.outbox_backoff_max, delay * 2)
                continue
            counter = await self.outbox.seed_transaction_counter(highest)
            _logger.info("1.6 transaction ids: Odoo's highest %s, counter at %s", highest, counter)
            return

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
            "outbox_bytes": self.outbox.bytes,
            "outbox_level": self.outbox.level,
            "outbox_dead_letters": self.outbox.dead,
            "outbox_epoch": self.outbox.epoch,
            "odoo_reachable": self.sender.odoo_ok,
            "odoo_last_error": self.sender.last_error,
            "uptime_s": round(time.monotonic() - self.started_at, 1) if self.started_at else 0,
        }
