"""Cached look-ups in Odoo: stations (handshake) and id tokens (Authorize).

Both caches serve a stale entry when Odoo cannot be reached, so an Odoo outage does not lock
out chargers and drivers that were seen recently.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from passlib.hash import pbkdf2_sha256

from .odoo_client import OdooError

_logger = logging.getLogger("ocpp_bridge.directory")

AUTH_STATUSES_201 = ("Accepted", "Blocked", "ConcurrentTx", "Expired", "Invalid", "NoCredit",
                     "NotAllowedTypeEVSE", "NotAtThisLocation", "NotAtThisTime", "Unknown")
_MAX_ENTRIES = 100_000
# pbkdf2 is slow on purpose; a reconnect storm must not starve other executor work
_HASH_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pbkdf2")


def _prune(cache: dict, now: float):
    if len(cache) < _MAX_ENTRIES:
        return
    for key in [k for k, (expires, *_rest) in cache.items() if expires <= now]:
        del cache[key]
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()


class StationDirectory:
    def __init__(self, transport, ttl: float = 60.0, negative_ttl: float = 10.0):
        self.transport = transport
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self._cache: dict[str, tuple[float, dict | None]] = {}
        self._verified: dict[str, tuple[float]] = {}

    async def get(self, identity: str, fresh: bool = False) -> dict | None:
        """Station dict or None (unknown). Raises OdooError only when Odoo cannot answer and
        nothing is cached for this identity."""
        now = time.monotonic()
        entry = self._cache.get(identity)
        if entry and not fresh and entry[0] > now:
            return entry[1]
        try:
            station = await self.transport.station(identity)
        except OdooError as exc:
            if entry is not None:
                _logger.warning("station look-up failed (%s); using cached data", exc,
                                extra={"charger": identity})
                return entry[1]
            raise
        station = station or None
        _prune(self._cache, now)
        self._cache[identity] = (now + (self.ttl if station else self.negative_ttl), station)
        return station

    def cached(self, identity: str) -> dict | None:
        entry = self._cache.get(identity)
        return entry[1] if entry else None

    async def check_password(self, identity: str, station: dict, password: str) -> bool:
        """pbkdf2_sha256 check (in a worker thread: it is deliberately slow); successful checks
        are remembered for the cache TTL so reconnect storms cost one hash per charger."""
        password_hash = station.get("password_hash")
        if not password_hash or password is None:
            return False
        fingerprint = hashlib.sha256(
            f"{identity}\0{password_hash}\0{password}".encode()).hexdigest()
        now = time.monotonic()
        hit = self._verified.get(fingerprint)
        if hit and hit[0] > now:
            return True
        loop = asyncio.get_running_loop()
        try:
            ok = await loop.run_in_executor(_HASH_EXECUTOR, pbkdf2_sha256.verify, password,
                                            password_hash)
        except (ValueError, TypeError) as exc:
            _logger.error("unusable password hash for station: %s", exc,
                          extra={"charger": identity})
            return False
        if ok:
            _prune(self._verified, now)
            self._verified[fingerprint] = (now + self.ttl,)
        return ok


class TokenAuthorizer:
    """``transport.authorize`` with a TTL cache, a timeout and an offline policy."""

    def __init__(self, transport, ttl: float = 300.0, offline_policy: str = "reject",
                 timeout: float = 5.0, metrics=None):
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
        key = (identity, id_token, token_type)
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry and entry[0] > now:
            return entry[1], "cache"
        try:
            answer = await asyncio.wait_for(
                self.transport.authorize(identity, id_token, token_type), self.timeout)
        except (OdooError, asyncio.TimeoutError, OSError) as exc:
            _logger.warning("authorization by Odoo failed (%s: %s)", exc.__class__.__name__, exc,
                            extra={"charger": identity})
            if entry:
                return entry[1], "cache_stale"
            status = "Accepted" if self.offline_policy == "accept" else "Invalid"
            return {"status": status, "expiry": None}, "offline_policy"
        answer = answer or {}
        status = answer.get("status")
        if status not in AUTH_STATUSES_201:
            _logger.error("Odoo answered an unknown token status %r", status,
                          extra={"charger": identity})
            status = "Invalid"
        info = {"status": status, "expiry": answer.get("expiry") or None}
        ttl = self.ttl
        cache_seconds = answer.get("cache_seconds")
        if isinstance(cache_seconds, (int, float)) and not isinstance(cache_seconds, bool):
            ttl = min(ttl, max(0.0, float(cache_seconds)))
        _prune(self._cache, now)
        self._cache[key] = (now + ttl, info)
        return info, "odoo"
