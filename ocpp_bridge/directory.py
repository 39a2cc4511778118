"""Cached look-ups in Odoo: stations (handshake, boot; batched) and id tokens (Authorize).

Both caches serve a stale entry when Odoo cannot be reached, so an Odoo outage does not lock
out chargers and drivers that were seen recently.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor

from passlib.hash import pbkdf2_sha256

from .odoo_client import OdooError, OdooFault, OdooMethodMissing, OdooUnavailable

_logger = logging.getLogger("ocpp_bridge.directory")

AUTH_STATUSES_201 = (
    "Accepted",
    "Blocked",
    "ConcurrentTx",
    "Expired",
    "Invalid",
    "NoCredit",
    "NotAllowedTypeEVSE",
    "NotAtThisLocation",
    "NotAtThisTime",
    "Unknown",
)
_MAX_ENTRIES = 100_000
# pbkdf2 is slow on purpose; a reconnect storm must not starve other executor work
_HASH_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pbkdf2")
# an Odoo without bridge_stations is asked again after this many seconds (it may be upgraded)
_BATCH_REPROBE = 600.0


def _consume(future: asyncio.Future):
    if not future.cancelled():
        future.exception()


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _plausible(value) -> bool:
    return isinstance(value, str) and len(value) <= 255 and not _UNPRINTABLE.search(value)


def _prune(cache: dict, now: float):
    if len(cache) < _MAX_ENTRIES:
        return
    for key in [k for k, (expires, *_rest) in cache.items() if expires <= now]:
        del cache[key]
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()


class StationDirectory:
    """Station look-ups (handshake, BootNotification), cached, coalesced into batched calls.

    A look-up that misses the cache waits for the next batch: the look-ups arriving within
    ``batch_window`` seconds of the first one, or while a batch call is in flight, share one
    ``transport.stations`` call (``ev.charger.bridge_stations``) of at most ``batch_max``
    identities; batches are sent one after the other, so under load the window is the duration of
    the previous call. A plain look-up of an identity already in flight joins that call. An Odoo
    without ``bridge_stations`` gets one ``station()`` call per identity instead (probed again
    every ``_BATCH_REPROBE`` seconds). Known stations are cached for ``ttl``, unknown identities
    for ``negative_ttl``; when Odoo cannot answer, a cached entry (even expired) is served.
    """

    def __init__(
        self,
        transport,
        ttl: float = 60.0,
        negative_ttl: float = 10.0,
        batch_window: float = 0.015,
        batch_max: int = 1000,
        metrics=None,
    ):
        self.transport = transport
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.batch_window = max(0.0, batch_window)
        self.batch_max = max(1, batch_max)
        self.metrics = metrics
        # identity -> (expires, station or None, fetched_at: when the Odoo call was sent)
        self._cache: dict[str, tuple[float, dict | None, float]] = {}
        self._verified: dict[str, tuple[float]] = {}
        self._pending: dict[str, asyncio.Future] = {}  # waiting for the next batch
        self._inflight: dict[str, asyncio.Future] = {}  # in the batch being fetched
        self._runner: asyncio.Task | None = None
        self._batch_retry_at = 0.0  # monotonic; bridge_stations tried from

    async def get(self, identity: str, fresh: bool = False, max_age: float | None = None) -> dict | None:
        """Station dict or None (unknown). Raises OdooError only when Odoo cannot answer and
        nothing is cached for this identity.

        ``fresh``: ask Odoo even when cached. ``max_age``: use the cached entry only if it was
        fetched from Odoo at most that many seconds ago (``fresh`` is ``max_age=0``)."""
        if fresh:
            max_age = 0.0
        now = time.monotonic()
        entry = self._cache.get(identity)
        if entry and entry[0] > now and (max_age is None or (max_age > 0 and now - entry[2] <= max_age)):
            return entry[1]
        try:
            return await self._lookup(identity, join_inflight=max_age is None)
        except OdooError as exc:
            entry = self._cache.get(identity) or entry
            if entry is not None:
                _logger.warning("station look-up failed (%s); using cached data", exc, extra={"charger": identity})
                return entry[1]
            raise

    # -- coalescing
    async def _lookup(self, identity: str, join_inflight: bool) -> dict | None:
        future = self._inflight.get(identity) if join_inflight else None
        if future is None:
            future = self._pending.get(identity)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            # a batch failure nobody awaits any more (connection gone) must not be logged
            future.add_done_callback(_consume)
            self._pending[identity] = future
            if self._runner is None or self._runner.done():
                self._runner = asyncio.create_task(self._run(), name="station-lookups")
        # shielded: one waiter giving up (its connection closed) must not cancel the others
        return await asyncio.shield(future)

    async def _run(self):
        batch: dict[str, asyncio.Future] = {}
        try:
            if self.batch_window:
                await asyncio.sleep(self.batch_window)
            while self._pending:
                batch = {}
                for identity in list(self._pending)[: self.batch_max]:
                    batch[identity] = self._pending.pop(identity)
                self._inflight.update(batch)
                try:
                    await self._fetch(batch)
                finally:
                    for identity, future in batch.items():
                        if self._inflight.get(identity) is future:
                            del self._inflight[identity]
        finally:
            # only when cancelled (bridge stopping) or on a bug: nobody may wait forever
            for future in [*batch.values(), *self._pending.values()]:
                if not future.done():
                    future.set_exception(OdooUnavailable("station look-up interrupted"))
            self._pending.clear()

    async def _fetch(self, batch: dict[str, asyncio.Future]):
        identities = list(batch)
        sent_at = time.monotonic()
        answers: dict[str, object] | None = None
        if sent_at >= self._batch_retry_at:
            try:
                answers = await self._fetch_isolated(identities)
            except OdooMethodMissing as exc:
                _logger.warning(
                    "Odoo offers no bridge_stations (%s); stations are looked up one by one", str(exc)[-300:]
                )
                self._batch_retry_at = time.monotonic() + _BATCH_REPROBE
                sent_at = time.monotonic()
            except Exception as exc:  # noqa: BLE001  (OdooError: stale cache / 503)
                for future in batch.values():
                    if not future.done():
                        future.set_exception(exc)
                return
        if answers is None:
            self._observe("bridge_station", len(identities))
            results = await asyncio.gather(
                *(self.transport.station(identity) for identity in identities), return_exceptions=True
            )
            answers = dict(zip(identities, results, strict=False))
        _prune(self._cache, time.monotonic())
        for identity, future in batch.items():
            answer = answers[identity]
            if isinstance(answer, BaseException):
                if not future.done():
                    future.set_exception(answer)
                continue
            station = answer or None
            self._cache[identity] = (sent_at + (self.ttl if station else self.negative_ttl), station, sent_at)
            if not future.done():
                future.set_result(station)

    async def _fetch_isolated(self, identities: list[str]) -> dict[str, object]:
        """One ``bridge_stations`` call; when Odoo refuses it with a fault (not unreachable, not
        missing), the batch is split until the identity at fault is alone: only its look-up
        fails, never its neighbours' (a coalesced handshake storm stays healthy)."""
        try:
            found = await self.transport.stations(identities)
        except OdooMethodMissing:
            raise
        except OdooFault as exc:
            if len(identities) == 1:
                _logger.warning("station look-up refused by Odoo: %s", exc, extra={"charger": identities[0]})
                return {identities[0]: exc}
            mid = len(identities) // 2
            answers = await self._fetch_isolated(identities[:mid])
            answers.update(await self._fetch_isolated(identities[mid:]))
            return answers
        self._observe("bridge_stations", len(identities))
        return {identity: found.get(identity) for identity in identities}

    def _observe(self, method: str, size: int):
        if self.metrics is not None:
            self.metrics.station_lookups.labels(method).observe(size)

    def cached(self, identity: str) -> dict | None:
        entry = self._cache.get(identity)
        return entry[1] if entry else None

    async def check_password(self, identity: str, station: dict, password: str) -> bool:
        """pbkdf2_sha256 check (in a worker thread: it is deliberately slow); successful checks
        are remembered for the cache TTL so reconnect storms cost one hash per charger."""
        password_hash = station.get("password_hash")
        if not password_hash or password is None:
            return False
        fingerprint = hashlib.sha256(f"{identity}\0{password_hash}\0{password}".encode()).hexdigest()
        now = time.monotonic()
        hit = self._verified.get(fingerprint)
        if hit and hit[0] > now:
            return True
        loop = asyncio.get_running_loop()
        try:
            ok = await loop.run_in_executor(_HASH_EXECUTOR, pbkdf2_sha256.verify, password, password_hash)
        except (ValueError, TypeError) as exc:
            _logger.error("unusable password hash for station: %s", exc, extra={"charger": identity})
            return False
        if ok:
            _prune(self._verified, now)
            self._verified[fingerprint] = (now + self.ttl,)
        return ok


class TokenAuthorizer:
    """``transport.authorize`` with a TTL cache, a timeout and an offline policy."""

    def __init__(
        self, transport, ttl: float = 300.0, offline_policy: str = "reject", timeout: float = 5.0, metrics=None
    ):
        self.transport = transport
        self.ttl = ttl
        self.offline_policy = offline_policy
        self.timeout = timeout
        self.metrics = metrics
        self._cache: dict[tuple, tuple[float, dict]] = {}

    async def authorize(self, identity: str, id_token: str, token_type: str):
        """Returns ``(info, source)``: info ``{"status", "expiry"}`` with a 2.0.1 status; source
        ``odoo`` | ``cache`` | ``cache_stale`` | ``offline_policy`` | ``no_authorization``."""
        info, source = await self._authorize(identity, id_token, token_type)
        if self.metrics:
            self.metrics.auth_decisions.labels(source).inc()
        return info, source

    async def _authorize(self, identity, id_token, token_type):
        if token_type == "NoAuthorization":
            return {"status": "Accepted", "expiry": None}, "no_authorization"
        if not _plausible(id_token) or not _plausible(token_type):
            # control characters or an absurd length (relaxed stations): no such token can exist
            # in Odoo, and such a string must not travel in an XML-RPC call
            return {"status": "Invalid", "expiry": None}, "invalid_token"
        key = (identity, id_token, token_type)
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry and entry[0] > now:
            return entry[1], "cache"
        try:
            answer = await asyncio.wait_for(self.transport.authorize(identity, id_token, token_type), self.timeout)
        except (TimeoutError, OdooError, OSError) as exc:
            _logger.warning(
                "authorization by Odoo failed (%s: %s)", exc.__class__.__name__, exc, extra={"charger": identity}
            )
            if entry:
                return entry[1], "cache_stale"
            status = "Accepted" if self.offline_policy == "accept" else "Invalid"
            return {"status": status, "expiry": None}, "offline_policy"
        answer = answer or {}
        status = answer.get("status")
        if status not in AUTH_STATUSES_201:
            _logger.error("Odoo answered an unknown token status %r", status, extra={"charger": identity})
            status = "Invalid"
        info = {"status": status, "expiry": answer.get("expiry") or None}
        ttl = self.ttl
        cache_seconds = answer.get("cache_seconds")
        if isinstance(cache_seconds, (int, float)) and not isinstance(cache_seconds, bool):
            ttl = min(ttl, max(0.0, float(cache_seconds)))
        _prune(self._cache, now)
        self._cache[key] = (now + ttl, info)
        return info, "odoo"
