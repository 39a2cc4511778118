"""The sender: drains the outbox into Odoo, one task per outbox lane.

* Each lane sends batches of up to ``batch_size`` events and ``batch_bytes`` of stored JSON;
  lanes run concurrently (several batches in flight), a charger's events always travel in one
  lane, in order.
* Rows are deleted only when Odoo answers ``applied``, ``duplicate`` or ``rejected`` for their
  key. Odoo unreachable (network, timeout, HTTP 5xx) -> exponential backoff, nothing set aside.
* Poison isolation always makes progress: a batch Odoo refuses (fault, HTTP 413, or a request
  the transport cannot even encode) is split in halves, recursively, down to the single event
  that fails; that event is moved to the outbox's ``dead_letter`` table, whatever its
  neighbours are and even when every batch holding events faults. Only a fault of the empty
  canary call ``ingest([])`` (Odoo refuses *every* call: access revoked, module missing...) counts
  as systemic: then nothing is set aside and the sender backs off.
* ``ingest_and_pull`` (contract C) is used when Odoo has it: the commands Odoo queued for the
  chargers of the batch that this node holds come back with the results and go to the
  command runner; an older Odoo gets ``ingest`` (probed again every 10 minutes).
* Contract H: Odoo's ``bridge_features`` (asked before the first batch, then every 10 minutes)
  tells whether it writes the message log of an event carrying ``log`` itself; if not (an older
  Odoo), each such row is sent with the two MessageLog envelopes it stands for, and is deleted
  once all three are acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

from .odoo_client import (
    OdooFault,
    OdooMethodMissing,
    OdooPayloadTooLarge,
    OdooRequestInvalid,
    OdooUnavailable,
)

_logger = logging.getLogger("ocpp_bridge.outbox")

ACKNOWLEDGED = ("applied", "duplicate", "rejected")
_PULL_REPROBE = 600.0
_FEATURES_REPROBE = 600.0
DERIVED_LOG = "derived_log"
JSON_ENVELOPES = "json_envelopes"


class _Systemic(Exception):
    """Odoo refuses even an empty call: no event is to blame."""


class OutboxSender:
    def __init__(
        self,
        outbox,
        transport,
        batch_size: int = 500,
        batch_bytes: int = 1 << 20,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        idle_interval: float = 1.0,
        metrics=None,
        sleep=asyncio.sleep,
        node: str | None = None,
        held=None,
        on_commands=None,
        json_envelopes: bool = True,
    ):
        self.outbox = outbox
        self.json_envelopes = json_envelopes  # contract J when Odoo offers it
        self.transport = transport
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.idle_interval = idle_interval
        self.metrics = metrics
        self._sleep = sleep
        self.node = node
        self.held = held  # identities -> those connected to this node (ingest_and_pull)
        self.on_commands = on_commands  # commands returned by ingest_and_pull
        self._tasks: list[asyncio.Task] = []
        self.failures = 0
        self.odoo_ok: bool | None = None
        self.last_error: str | None = None
        self.sent_ok = 0
        self._pull_retry_at = 0.0 if (node and on_commands) else float("inf")
        self.features: frozenset | None = None  # Odoo's bridge_features (None: not asked yet)
        self._features_at = 0.0
        self._features_lock = asyncio.Lock()

    def start(self):
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self.run(lane), name=f"outbox-sender-{lane}") for lane in range(self.outbox.lanes)
        ]
        return self._tasks

    async def stop(self, drain_timeout: float = 0.0):
        if not self._tasks:
            return
        if drain_timeout > 0 and self.odoo_ok is not False:
            deadline = time.monotonic() + drain_timeout
            while self.outbox.depth and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []

    def backoff(self, failures: int) -> float:
        return min(self.backoff_max, self.backoff_initial * (2 ** max(0, failures - 1)))

    async def _fail(self, reason: str):
        self.failures += 1
        self.odoo_ok = False
        self.last_error = reason
        delay = self.backoff(self.failures)
        _logger.warning(
            "Odoo ingest failed (%s); retrying in %.2fs",
            reason,
            delay,
            extra={"failures": self.failures, "outbox_depth": self.outbox.depth},
        )
        await self._sleep(delay)

    # ------------------------------------------------------------------ calls
    async def odoo_features(self) -> frozenset:
        """Odoo's ``bridge_features`` (contract H), asked again every 10 minutes; an Odoo without the
        method (or refusing it) offers none. Raises OdooUnavailable (the caller backs off)."""
        async with self._features_lock:
            if self.features is None or time.monotonic() >= self._features_at:
                try:
                    features = frozenset(str(f) for f in (await self.transport.features() or ()))
                except OdooMethodMissing:
                    features = frozenset()
                except OdooFault as exc:
                    _logger.warning("Odoo refused bridge_features (%s); sending as to an older Odoo", exc)
                    features = frozenset()
                if features != self.features:
                    _logger.info("Odoo offers %s", ", ".join(sorted(features)) or "no bridge features")
                self.features, self._features_at = features, time.monotonic() + _FEATURES_REPROBE
            return self.features

    async def _ingest(self, rows):
        """One call; returns the per-event results (commands, if any, are dispatched)."""
        started = time.monotonic()
        outcome = "error"
        events = [envelope for row in rows for envelope in row.envelopes()]
        if self.metrics:
            encodings = Counter("json" if "json" in e else "b64" if "b64" in e else "plain" for e in events)
            for encoding, count in encodings.items():
                self.metrics.ingest_encodings.labels(encoding).inc(count)
        try:
            if time.monotonic() >= self._pull_retry_at:
                chargers = sorted({e.get("charger") for e in events if e.get("charger")})
                try:
                    answer = await self.transport.ingest_and_pull(events, self.node, self.held(chargers))
                except OdooMethodMissing:
                    _logger.warning("Odoo offers no ingest_and_pull; using ingest (queued commands are polled)")
                    self._pull_retry_at = time.monotonic() + _PULL_REPROBE
                else:
                    outcome = "ok"
                    answer = answer if isinstance(answer, dict) else {}
                    commands = answer.get("commands") or []
                    if commands:
                        self.on_commands(commands)
                    return answer.get("results")
            results = await self.transport.ingest(events)
            outcome = "ok"
            return results
        except OdooFault:
            outcome = "fault"
            raise
        finally:
            if self.metrics:
                self.metrics.odoo_push_latency.labels(outcome).observe(time.monotonic() - started)

    async def _canary(self):
        """Raises _Systemic when Odoo refuses an empty batch."""
        try:
            await self.transport.ingest([])
        except OdooFault as exc:
            raise _Systemic(str(exc)) from None

    async def _acknowledge(self, rows, results) -> int:
        """Delete acknowledged rows; returns how many rows were acknowledged."""
        by_key = {}
        if isinstance(results, list):
            for item in results:
                if isinstance(item, dict) and item.get("key"):
                    by_key[item["key"]] = item
        done = []
        for row in rows:
            acknowledged = True
            for envelope in row.envelopes():
                result = by_key.get(envelope["key"])
                status = result.get("status") if result else None
                if self.metrics:
                    self.metrics.ingest_results.labels(status if status in ACKNOWLEDGED else "missing").inc()
                acknowledged = acknowledged and status in ACKNOWLEDGED
                if status == "rejected":
                    _logger.warning(
                        "Odoo rejected event %s (%s): %s",
                        envelope["key"],
                        envelope.get("action"),
                        result.get("error"),
                        extra={"charger": envelope.get("charger")},
                    )
            if acknowledged:
                done.append(row)
        await self.outbox.ack(done)
        self.sent_ok += len(done)
        return len(done)

    # ------------------------------------------------------------------ loop
    async def run(self, lane: int = 0):
        changed = self.outbox.changed[lane]
        while True:
            changed.clear()
            if self.outbox.depth:  # an idle node asks Odoo nothing
                try:
                    await self.odoo_features()
                except (TimeoutError, OdooUnavailable, OSError) as exc:
                    await self._fail(str(exc))
                    continue
            # not asked yet: as to an older Odoo (a newer one takes MessageLog envelopes too)
            features = self.features or ()
            rows = await self.outbox.fetch(
                self.batch_size,
                lane=lane,
                max_bytes=self.batch_bytes,
                derived_log=DERIVED_LOG in features,
                json_text=self.json_envelopes and JSON_ENVELOPES in features,
            )
            if not rows:
                try:
                    await asyncio.wait_for(changed.wait(), self.idle_interval)
                except TimeoutError:
                    pass
                continue
            try:
                acked = await self._deliver(rows, checked=False)
            except _Systemic as exc:
                await self._fail(f"Odoo refuses every call: {exc}")
                continue
            except (TimeoutError, OdooUnavailable, OSError) as exc:
                await self._fail(str(exc))
                continue
            except Exception as exc:  # a bug in a transport must not kill the sender
                _logger.exception("unexpected error while sending the outbox")
                await self._fail(f"{exc.__class__.__name__}: {exc}")
                continue
            if acked is not None and acked < len(rows):
                await self._fail(f"{len(rows) - acked} of {len(rows)} events not acknowledged")
                continue
            self.failures = 0
            self.odoo_ok = True
            self.last_error = None

    async def _deliver(self, rows, checked: bool):
        """Send ``rows``; on a refusal split until the one bad event is found and buried.
        Returns how many rows were acknowledged (None when rows were buried on the way).
        Raises _Systemic / OdooUnavailable to make the caller back off."""
        try:
            results = await self._ingest(rows)
        except (OdooFault, OdooPayloadTooLarge, OdooRequestInvalid) as exc:
            # a request the transport cannot encode, or one Odoo cannot parse, is this batch's
            # fault; any other fault may be Odoo's: the empty canary call tells
            local = isinstance(exc, (OdooPayloadTooLarge, OdooRequestInvalid))
            if not checked and not local:
                await self._canary()
                checked = True
            if len(rows) == 1:
                await self._bury(rows[0], exc)
                return None
            _logger.warning("Odoo refused a batch of %d events (%s); splitting it", len(rows), str(exc)[-300:])
            self.last_error = str(exc)
            mid = len(rows) // 2
            first = await self._deliver(rows[:mid], checked)
            second = await self._deliver(rows[mid:], checked)
            if first is None or second is None:
                return None
            return first + second
        return await self._acknowledge(rows, results)

    async def _bury(self, row, exc):
        envelope = row.envelope
        _logger.error(
            "Odoo cannot take event %s (%s); moved to dead_letter: %s",
            envelope["key"],
            envelope.get("action"),
            str(exc)[-1000:],
            extra={"charger": envelope.get("charger")},
        )
        await self.outbox.bury(row, f"{exc.__class__.__name__}: {exc}")
