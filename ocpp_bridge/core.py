"""Version-independent handling shared by the 2.0.1 and 1.6 charge point classes.

The per-version classes (``cp_v201``, ``cp_v16``) only shape responses; this module decides
(registration status, token status, transaction ids, DataTransfer answer) and builds the
normalized outbox events of INGESTION.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from dataclasses import dataclass, field

from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

from .logs import utc_now_iso
from .odoo_client import OdooError
from .outbox import TransactionIdsUnavailable
from .protocol import DESCRIPTIONS, RpcError, shorten

#: every action name of both versions: the only values of the ``action`` metric label
KNOWN_ACTIONS = frozenset(a.value for a in Action201) | frozenset(a.value for a in Action16)

REGISTRATION = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}

#: the charge point identities Odoo accepts (ev_charging/models/ev_charger.py IDENTITY_RE): an
#: OCPP identifierString without ':' (it would break the /ocpp/<identity> path), 1-48 characters
IDENTITY_RE = re.compile(r"[A-Za-z0-9*\-_=+|@.]{1,48}")


def valid_identity(identity) -> bool:
    return isinstance(identity, str) and IDENTITY_RE.fullmatch(identity) is not None


# 2.0.1 AuthorizationStatusEnumType -> 1.6 AuthorizationStatus
AUTH_STATUS_TO_16 = {
    "Accepted": "Accepted",
    "Blocked": "Blocked",
    "Expired": "Expired",
    "Invalid": "Invalid",
    "ConcurrentTx": "ConcurrentTx",
}  # anything else (Unknown, NoCredit, NotAtThisLocation...) -> Invalid


@dataclass(slots=True)
class Session:
    """One live charger connection on this node."""

    identity: str
    version: str  # "2.0.1" | "1.6"
    subprotocol: str
    connection: object  # websockets ServerConnection
    remote: str
    station: dict
    log: object  # logger adapter carrying the charger id
    registration: str = "Accepted"  # Accepted | Pending | Rejected (BootNotification)
    heartbeat_interval: int = 300
    relaxed: bool = False
    cp: object = None
    connected_at: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    close_reason: str | None = None
    disconnect_reported: bool = False
    booted: bool = False
    is_ready: bool = False  # boot accepted (or operating): pulled commands may go
    is_finished: bool = False
    # futures created only while someone waits (an idle connection holds no event objects)
    _ready_waiters: list | None = None
    _finished_waiters: list | None = None

    def touch(self):
        self.last_seen = time.monotonic()

    def set_ready(self):
        if not self.is_ready:
            self.is_ready = True
            self._ready_waiters = _wake(self._ready_waiters)

    def set_finished(self):
        self.is_finished = True
        self._finished_waiters = _wake(self._finished_waiters)

    async def wait_ready(self, timeout: float) -> bool:
        if not self.is_ready:
            self._ready_waiters = await _wait(self._ready_waiters, timeout)
        return self.is_ready

    async def wait_finished(self, timeout: float) -> bool:
        if not self.is_finished:
            self._finished_waiters = await _wait(self._finished_waiters, timeout)
        return self.is_finished


def _wake(waiters):
    for fut in waiters or ():
        if not fut.done():
            fut.set_result(None)
    return None


async def _wait(waiters, timeout):
    fut = asyncio.get_running_loop().create_future()
    waiters = waiters or []
    waiters.append(fut)
    try:
        await asyncio.wait_for(fut, timeout)
    except TimeoutError:
        pass
    return [w for w in waiters if not w.done()] or None


@dataclass
class CallContext:
    """What the bridge knows about the CALL being handled; handlers add ``meta``."""

    unique_id: str
    action: str
    payload: dict
    ts: str
    meta: dict = field(default_factory=dict)


class Core:
    def __init__(self, config, outbox, directory, authorizer, metrics):
        self.config = config
        self.outbox = outbox
        self.directory = directory
        self.authorizer = authorizer
        self.metrics = metrics
        self._counters = {}  # (direction, action, outcome) -> counter child (bounded labels)

    # ------------------------------------------------------------------ stations
    def apply_station(self, session: Session, station: dict):
        session.station = station
        session.registration = REGISTRATION.get(str(station.get("registration_status") or "").lower(), "Rejected")
        session.heartbeat_interval = int(station.get("heartbeat_interval") or self.config.heartbeat_interval)
        session.relaxed = bool(station.get("relaxed_validation"))

    async def boot(self, session: Session) -> tuple[str, int]:
        """Registration status for a BootNotification: Odoo's current station record, the cached
        one when Odoo is unreachable.

        Current means: the first boot of a connection reuses a look-up made at most
        ``station_boot_max_age`` seconds ago (normally the handshake's own, a moment before), so
        a connecting charger costs one Odoo look-up, not two; any later boot on the same
        connection (a Pending/Rejected charger retrying) asks Odoo again."""
        max_age = self.config.station_boot_max_age if not session.booted else 0.0
        try:
            station = await self.directory.get(session.identity, max_age=max_age)
        except OdooError as exc:
            session.log.warning("station refresh failed at boot (%s); using cached data", exc)
            station = session.station
        if station is None:
            session.log.warning("station no longer known to Odoo; boot rejected")
            session.registration = "Rejected"
        else:
            self.apply_station(session, station)
        session.booted = True
        return session.registration, session.heartbeat_interval

    # ------------------------------------------------------------------ tokens
    async def authorize(self, session: Session, ctx: CallContext, id_token: str, token_type: str) -> dict:
        info, source = await self.authorizer.authorize(session.identity, id_token, token_type)
        ctx.meta["auth"] = {"source": source, "status": info["status"], "id_token": id_token, "type": token_type}
        if source in ("offline_policy", "cache_stale"):
            session.log.warning("token %s answered %s from %s (Odoo unreachable)", id_token, info["status"], source)
        return info

    @staticmethod
    def id_token_info_201(info: dict) -> dict:
        out = {"status": info["status"]}
        if info.get("expiry"):
            out["cacheExpiryDateTime"] = info["expiry"]
        return out

    @staticmethod
    def id_tag_info_16(info: dict) -> dict:
        out = {"status": AUTH_STATUS_TO_16.get(info["status"], "Invalid")}
        if info.get("expiry"):
            out["expiryDate"] = info["expiry"]
        return out

    # ------------------------------------------------------------------ misc decisions
    async def transaction_id_16(self, session: Session, ctx: CallContext) -> int:
        """A new 1.6 transaction id; the same one again for a replayed identical
        StartTransaction (same charger, connector, idTag, meterStart and timestamp)."""
        p = ctx.payload
        fingerprint = hashlib.sha256(
            json.dumps(
                [session.identity, p.get("connectorId"), p.get("idTag"), p.get("meterStart"), p.get("timestamp")],
                default=str,
            ).encode()
        ).hexdigest()
        try:
            transaction_id, replayed = await self.outbox.next_transaction_id(fingerprint)
        except TransactionIdsUnavailable as exc:
            session.log.warning("StartTransaction refused for now: %s", exc)
            raise RpcError(
                "InternalError", "transaction ids unavailable until the central system is reachable"
            ) from None
        if replayed:
            ctx.meta["replayed_start"] = True
            session.log.warning("StartTransaction replayed; answering its first id %s", transaction_id)
        return transaction_id

    def data_transfer_status(self, vendor_id: str | None) -> str:
        return "Accepted" if vendor_id in self.config.data_transfer_vendors else "UnknownVendorId"

    # ------------------------------------------------------------------ events
    def event(
        self,
        session: Session,
        action: str,
        payload: dict,
        response=None,
        ts: str | None = None,
        message_id: str | None = None,
        meta: dict | None = None,
        log: dict | None = None,
    ):
        event = {
            "charger": session.identity,
            "version": session.version,
            "action": action,
            "payload": payload,
            "ts": ts or utc_now_iso(),
        }
        if response is not None:
            event["response"] = response
        if message_id:
            event["message_id"] = message_id
        if meta:
            event["meta"] = meta
        if log is not None:
            event["log"] = log
        return event

    def message_log(
        self, session: Session, direction: str, type_name: str, action, unique_id: str, payload, ts: str | None = None
    ) -> dict:
        ts = ts or utc_now_iso()
        return self.event(
            session,
            "MessageLog",
            {
                "direction": direction,
                "type": type_name,
                "action": action,
                "unique_id": unique_id,
                "payload": payload,
                "ts": ts,
            },
            ts=ts,
        )

    def connection_event(self, session: Session, state: str, reason: str = "") -> dict:
        return self.event(
            session,
            "Connection",
            {
                "state": state,
                "node": self.config.node,
                "remote": session.remote,
                "subprotocol": session.subprotocol,
                "reason": reason,
            },
        )

    def log_frame(
        self,
        session: Session,
        direction: str,
        type_name: str,
        action,
        unique_id: str,
        payload,
        ts: str | None = None,
        store: bool = True,
        count: bool = True,
    ):
        """Count the frame (``count``); with ``store`` (and ``message_log`` on) queue its MessageLog event.
        MessageLog events are cheap: queued for the next group commit, not awaited (and shed first
        when the outbox nears its cap). Metric labels are bounded: an action or error code nobody
        defined is counted under ``_unknown`` / ``_other``."""
        label = action if action in KNOWN_ACTIONS else ("?" if action is None else "_unknown")
        if count:
            outcome = type_name
            if type_name == "CALLERROR" and isinstance(payload, dict):
                code = payload.get("errorCode")
                outcome = code if code in DESCRIPTIONS else "_other"
            key = (direction, label, outcome)
            counter = self._counters.get(key)
            if counter is None:  # labels() takes a lock and hashes every time: keep the children
                counter = self._counters[key] = self.metrics.messages.labels(*key)
            counter.inc()
        if store and self.config.message_log:
            if action is not None and label == "_unknown":
                action = shorten(action)
            self.outbox.append_log(self.message_log(session, direction, type_name, action, unique_id, payload, ts))

    def derived_log(self) -> dict | None:
        """Contract H: what an event needs to stand for its CALL and CALLRESULT in the message log
        (``{"result_ts"}``: the answer is decided now and sent once the event is on disk), or None when
        those frames are not logged (``message_log`` off, or the outbox shedding MessageLog)."""
        if not self.config.message_log:
            return None
        if not self.outbox.log_accepted():  # the CALL is shed; the CALLRESULT goes its own way
            return None
        return {"result_ts": utc_now_iso()}
