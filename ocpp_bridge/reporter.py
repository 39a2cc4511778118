"""The command answers' way back to Odoo (contract I).

Each answer is reported as soon as it comes; the answers that come while that call is in flight go
together in the next call (``ev.charger.command.bridge_results``, at most ``batch_max`` each). A
busy network answers a CostUpdated per running session every few seconds: one call per answer cost
Odoo a request, a transaction and a live update each. No answer waits for a timer.

* Odoo without ``command_results`` in ``bridge_features`` (an older Odoo): one ``bridge_result`` per
  answer, as before.
* Odoo unreachable: the call is tried ``attempts`` times with a growing pause, then the answers are
  given up (logged); the command stays ``sent`` in Odoo and times out there.
* Odoo faults a whole call: its answers are reported one by one, so one answer Odoo cannot take
  never holds the others.
* An item Odoo answers ``error`` (an unknown command, a state that is not final) is logged and
  dropped: sending it again would not help.

``report()`` returns whether Odoo recorded the answer (an operator's wake-up waits for it).
"""

from __future__ import annotations

import asyncio
import logging

from .odoo_client import OdooError, OdooFault, OdooMethodMissing

_logger = logging.getLogger("ocpp_bridge.commands")

COMMAND_RESULTS = "command_results"


class ResultReporter:
    def __init__(self, transport, features, batch_max: int = 500, attempts: int = 3, sleep=asyncio.sleep, metrics=None):
        """``features``: an async callable returning what Odoo offers (the sender's ``odoo_features``)."""
        self.metrics = metrics
        self.transport = transport
        self.features = features
        self.batch_max = max(1, int(batch_max))
        self.attempts = max(1, int(attempts))
        self._sleep = sleep
        self._pending: list[tuple[dict, asyncio.Future]] = []
        self._task: asyncio.Task | None = None
        self._in_flight: list[tuple[dict, asyncio.Future]] = []

    async def report(self, command_id, state: str, result) -> bool:
        future = asyncio.get_running_loop().create_future()
        self._pending.append(({"id": command_id, "state": state, "result": result}, future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain(), name="command-results")
        return await asyncio.shield(future)

    async def close(self):
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        for _item, future in self._in_flight + self._pending:
            if not future.done():
                future.set_result(False)  # not known to be recorded: the command times out in Odoo
        self._in_flight, self._pending = [], []

    async def _drain(self):
        while self._pending:
            batch, self._pending = self._pending[: self.batch_max], self._pending[self.batch_max :]
            self._in_flight = batch
            try:
                outcome = await self._send(batch)
            except Exception:  # noqa: BLE001 - the waiters must not hang on a bug here
                _logger.exception("could not report %d command results", len(batch))
                outcome = {}
            for item, future in batch:
                recorded = outcome.get(id(item), False)
                if self.metrics:
                    self.metrics.command_answers_reported.labels("recorded" if recorded else "not_recorded").inc()
                if not future.done():
                    future.set_result(recorded)
            self._in_flight = []

    async def _send(self, batch) -> dict:
        """{id(item): recorded?}"""
        if await self._batched():
            try:
                answers = await self._retrying(self._call_batched, [item for item, _f in batch])
            except OdooMethodMissing:
                pass  # an Odoo that lost the method: one by one below
            except OdooFault as exc:
                _logger.warning(
                    "Odoo refused %d command results together (%s); reporting them one by one", len(batch), exc
                )
            except OdooError as exc:
                for item, _future in batch:
                    _logger.error("giving up reporting command %s result %s: %s", item["id"], item, exc)
                return {}
            else:
                return self._read_answers(batch, answers)
        outcome = {}
        for item, _future in batch:
            try:
                await self._retrying(self._call_single, item)
                outcome[id(item)] = True
            except OdooError as exc:
                _logger.error("giving up reporting command %s result %s: %s", item["id"], item, exc)
        return outcome

    async def _batched(self) -> bool:
        try:
            return COMMAND_RESULTS in await self.features()
        except OdooError:
            return False

    async def _call_batched(self, items):
        if self.metrics:
            self.metrics.command_reports.labels("bridge_results").inc()
        return await self.transport.command_results(items)

    async def _call_single(self, item):
        if self.metrics:
            self.metrics.command_reports.labels("bridge_result").inc()
        await self.transport.command_result(item["id"], item["state"], item["result"])

    async def _retrying(self, call, arg):
        """``call(arg)``, tried again while Odoo is unreachable; a fault is raised at once."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await call(arg)
            except (OdooFault, OdooMethodMissing):
                raise
            except OdooError as exc:
                if attempt == self.attempts:
                    raise
                _logger.warning("could not report command results (%s), attempt %d", exc, attempt)
                await self._sleep(min(5.0, 0.5 * 2 ** (attempt - 1)))
        return None  # not reached

    def _read_answers(self, batch, answers) -> dict:
        by_position = answers if isinstance(answers, list) and len(answers) == len(batch) else []
        outcome = {}
        for index, (item, _future) in enumerate(batch):
            answer = by_position[index] if by_position else None
            status = answer.get("status") if isinstance(answer, dict) else None
            if status == "ok":
                outcome[id(item)] = True
            else:
                _logger.warning(
                    "Odoo did not record command %s result: %s",
                    item["id"],
                    answer.get("error") if isinstance(answer, dict) else f"unexpected answer {answers!r}"[:300],
                )
        return outcome
