"""The bridge's receive/send machinery, mixed into ocpp's v201/v16 ``ChargePoint``.

What it changes compared to the library (see domain-facts section 2):

* frames are parsed here: a malformed frame gets a CALLERROR (OCPP-J codes per version) and the
  connection stays up; an unknown action gets ``NotImplemented``, a known but unhandled one
  ``NotSupported`` (the library has them the other way round);
* schema validation is done here, strict by default, relaxed per charger (errors let through
  are logged and recorded in the event's ``meta.validation_skipped``);
* while a 2.0.1 BootNotification is Pending/Rejected, other CALLs get ``SecurityError``;
* every handled CALL becomes an outbox event, committed BEFORE the CALLRESULT is sent;
* every frame in and out goes to the message log: the CALL and CALLRESULT of a handled CALL as part
  of its event (``log``, contract H), every other frame as a ``MessageLog`` event;
* CALLs from the charger are handled one at a time by a worker task, so CALLRESULTs to our own
  CALLs are never stuck behind a slow handler, and no handler ever awaits ``self.call()``;
* the edge limits (``protocol.Limits``: frame size, nesting, string lengths, message id) are
  checked before anything else looks at a frame.

Memory per connection is kept small (README: ≤ 30 KiB): the library's ``__init__`` is not called
(its per-instance route map of bound methods and its response queue are not used); routes are
resolved once per class; the CALL worker task and its queue exist only while CALLs are pending.

``@on`` handlers of the subclasses take a single ``CallContext`` and return the response
payload as a camelCase dict.
"""

from __future__ import annotations

import asyncio
import collections
import uuid

from ocpp.routing import create_route_map
from websockets.exceptions import ConnectionClosed

from . import protocol
from .core import CallContext
from .logs import utc_now_iso
from .protocol import CALL, CALLERROR, CALLRESULT, BadFrame, BadResponse, RpcError


class ChargerGone(Exception):
    """The charger's connection closed while a command was waiting for its answer."""


class BridgeChargePoint:
    _known_actions: frozenset = frozenset()  # all actions of the version (set by subclasses)
    #: actions acknowledged with an empty answer (the event itself goes to the outbox in _handle)
    _empty_answer_actions: tuple = ()

    def __init__(self, session, bridge):
        # The ocpp library's __init__ is deliberately not called (see the module docstring).
        self.id = session.identity
        self._connection = session.connection
        self._response_timeout = bridge.config.ocpp_response_timeout
        self.logger = session.log
        self.session = session
        self.bridge = bridge
        self.core = bridge.core
        self.limits = bridge.limits
        self.version = self._ocpp_version
        self._calls: collections.deque | None = None  # CALLs waiting for the worker
        self._worker: asyncio.Task | None = None
        self._waiters: dict[str, tuple[asyncio.Future, str]] | None = None
        self._call_lock: asyncio.Lock | None = None

    @classmethod
    def routes(cls) -> dict:
        """``{action: (on_handler, after_handler or None)}`` of the class, built once."""
        table = cls.__dict__.get("_route_table")
        if table is None:
            table = {}
            for action, hooks in create_route_map(cls).items():
                if "_on_action" in hooks:
                    table[str(action)] = (hooks["_on_action"], hooks.get("_after_action"))
            for action in cls._empty_answer_actions:
                table.setdefault(str(action), (BridgeChargePoint._empty_answer, None))
            cls._route_table = table
        return table

    async def _empty_answer(self, ctx):
        return {}

    # ------------------------------------------------------------------ receive side
    async def start(self):
        try:
            async for raw in self._connection:
                self.session.touch()
                await self.route_message(raw)
        finally:
            if self._worker is not None:
                self._worker.cancel()
            self.fail_waiters()

    async def route_message(self, raw):
        ts = utc_now_iso()
        try:
            frame = protocol.parse_frame(raw, self.version, self.limits)
        except BadFrame as exc:
            text = raw if isinstance(raw, str) else repr(raw)
            self.session.log.warning(
                "malformed frame answered with %s: %s", exc.code, exc.cause, extra={"frame": text[:500]}
            )
            await self._send_error(exc.unique_id, None, exc, raw=text[:4000])
            return
        except BadResponse as exc:
            self.session.log.warning("answer to CALL %s refused: %s", exc.unique_id, exc)
            waiter = (self._waiters or {}).get(exc.unique_id)
            if waiter is not None and not waiter[0].done():
                waiter[0].set_result(
                    protocol.Frame(
                        CALLERROR,
                        exc.unique_id,
                        error_code="FormatViolation",
                        error_description=f"answer refused by the central system: {exc}",
                        error_details={},
                    )
                )
            return
        except ValueError as exc:
            self.session.log.warning("ignoring malformed response frame (%s)", exc, extra={"frame": str(raw)[:500]})
            return
        if frame.type == CALL:
            if self._calls is None:
                self._calls = collections.deque()
            self._calls.append((frame, ts))
            if self._worker is None or self._worker.done():
                self._worker = asyncio.get_running_loop().create_task(self._call_worker())
            return
        waiter = (self._waiters or {}).get(frame.unique_id)
        action = waiter[1] if waiter else None
        if frame.type == CALLRESULT:
            self.core.log_frame(self.session, "in", "CALLRESULT", action, frame.unique_id, frame.payload, ts)
        else:
            self.core.log_frame(
                self.session,
                "in",
                "CALLERROR",
                action,
                frame.unique_id,
                {
                    "errorCode": frame.error_code,
                    "errorDescription": frame.error_description,
                    "errorDetails": frame.error_details,
                },
                ts,
            )
        if waiter is None:
            self.session.log.warning("answer to an unknown or expired CALL %s", frame.unique_id)
        elif not waiter[0].done():
            waiter[0].set_result(frame)

    async def _call_worker(self):
        calls = self._calls
        while calls:
            frame, ts = calls.popleft()
            try:
                await self._handle(frame, ts)
            except ConnectionClosed:
                return
            except Exception:
                self.session.log.exception("unexpected error handling %s", frame.action)
                try:
                    await self._refuse(frame, ts, RpcError("InternalError", "unexpected error"))
                except ConnectionClosed:
                    return
        if self._calls is calls:
            self._calls = None  # idle connections hold no queue and no task
            self._worker = None

    async def _handle(self, frame, ts):
        action, uid, payload = frame.action, frame.unique_id, frame.payload
        session = self.session
        # counted now; stored in the message log either as part of the event (contract H) or, when no
        # event comes of it, as a MessageLog just before the CALLERROR (with the time it arrived)
        self.core.log_frame(session, "in", "CALL", action, uid, payload, ts, store=False)

        route = self.routes().get(action)
        if route is None:
            code = "NotSupported" if action in self._known_actions else "NotImplemented"
            await self._refuse(
                frame,
                ts,
                RpcError(
                    code,
                    f"{action} is not handled by this central system"
                    if code == "NotSupported"
                    else f"unknown action {protocol.shorten(action)!r}",
                ),
            )
            return
        handler, after = route
        if self.version == "2.0.1" and action != "BootNotification" and session.registration in ("Pending", "Rejected"):
            await self._refuse(
                frame, ts, RpcError("SecurityError", f"charging station registration is {session.registration}")
            )
            return
        try:
            skipped = await protocol.validate(CALL, action, payload, self.version, relaxed=session.relaxed)
        except RpcError as exc:
            session.log.warning("schema violation in %s: %s", action, exc.cause)
            await self._refuse(frame, ts, exc)
            return

        ctx = CallContext(uid, action, payload, ts)
        if skipped:
            ctx.meta["validation_skipped"] = skipped
            self.bridge.metrics.validation_skipped.labels(action).inc()
            session.log.warning(
                "relaxed validation let %s through despite: %s",
                action,
                "; ".join(skipped),
                extra={"validation_skipped": skipped},
            )
        try:
            response = await handler(self, ctx)
        except RpcError as exc:
            await self._refuse(frame, ts, exc)
            return

        # durable first: the event (with our answer) is committed before the charger sees it; it also
        # stands for the CALL and the CALLRESULT in the message log (contract H)
        log = self.core.derived_log()
        event = self.core.event(
            session, action, payload, response, ts=ts, message_id=uid, meta=ctx.meta or None, log=log
        )
        try:
            stored = await self.bridge.outbox.append_event(event)
        except Exception as exc:
            session.log.error("outbox write failed, not answering %s: %s", action, exc)
            await self._refuse(frame, ts, RpcError("InternalError", "storage unavailable"))
            return
        if not stored:  # the outbox is full (README: outbox cap): the charger keeps it and retries
            await self._refuse(frame, ts, RpcError("InternalError", "central system storage full, retry later"))
            return
        try:
            protocol.check_schema(CALLRESULT, action, response, self.version)
        except RpcError as exc:  # a bug of ours; the charger still gets the answer
            session.log.error("our %s response violates the schema: %s", action, exc.cause)
        await self._send_result(uid, action, response, store=log is None)

        if session.registration == "Accepted":
            session.set_ready()  # pulled commands may go now
        if after is not None:
            result = after(self, ctx)
            if asyncio.iscoroutine(result):
                asyncio.ensure_future(result)

    async def _refuse(self, frame, ts, exc: RpcError):
        """Answer a CALL that does not become an event with a CALLERROR; the CALL goes to the message
        log first (as it arrived)."""
        self.core.log_frame(self.session, "in", "CALL", frame.action, frame.unique_id, frame.payload, ts, count=False)
        await self._send_error(frame.unique_id, frame.action, exc)

    # ------------------------------------------------------------------ send side
    async def _send_raw(self, text: str):
        await self._connection.send(text)

    async def _send_result(self, uid, action, payload, store=True):
        await self._send_raw(protocol.result_json(uid, payload))
        self.core.log_frame(self.session, "out", "CALLRESULT", action, uid, payload, store=store)

    async def _send_error(self, uid, action, exc: RpcError, raw: str | None = None):
        details = exc.details()
        await self._send_raw(protocol.error_json(uid, exc.code, exc.description, details))
        logged = {"errorCode": exc.code, "errorDescription": exc.description, "errorDetails": details}
        if raw is not None:
            logged["raw"] = raw
        self.core.log_frame(self.session, "out", "CALLERROR", action, uid, logged)

    async def send_call(self, action: str, payload: dict, timeout: float | None = None):
        """Send a CALL to the charger and return its answer (a protocol.Frame: CALLRESULT or
        CALLERROR). One outgoing CALL at a time. Never call this from an ``@on`` handler: run it
        in a separate task."""
        timeout = self._response_timeout if timeout is None else timeout
        uid = str(uuid.uuid4())
        loop = asyncio.get_running_loop()
        if self._call_lock is None:
            self._call_lock = asyncio.Lock()
        if self._waiters is None:
            self._waiters = {}
        async with self._call_lock:
            fut = loop.create_future()
            self._waiters[uid] = (fut, action)
            try:
                if self._connection.state.name != "OPEN":
                    raise ChargerGone("connection is closed")
                await self._send_raw(protocol.call_json(uid, action, payload))
                self.core.log_frame(self.session, "out", "CALL", action, uid, payload)
                return await asyncio.wait_for(fut, timeout)
            except ConnectionClosed:
                raise ChargerGone("connection closed") from None
            finally:
                self._waiters.pop(uid, None)

    def fail_waiters(self):
        for fut, _action in list((self._waiters or {}).values()):
            if not fut.done():
                fut.set_exception(ChargerGone("connection closed while waiting for the answer"))
