"""Version-independent handling shared by the 2.0.1 and 1.6 charge point classes.

The per-version classes (``cp_v201``, ``cp_v16``) only shape responses; this module decides
(registration status, token status, transaction ids, DataTransfer answer) and builds the
normalized outbox events of INGESTION.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field

from .logs import utc_now_iso
from .odoo_client import OdooError

REGISTRATION = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}

# 2.0.1 AuthorizationStatusEnumType -> 1.6 AuthorizationStatus
AUTH_STATUS_TO_16 = {
    "Accepted": "Accepted",
    "Blocked": "Blocked",
    "Expired": "Expired",
    "Invalid": "Invalid",
    "ConcurrentTx": "ConcurrentTx",
}  # anything else (Unknown, NoCredit, NotAtThisLocation...) -> Invalid


@dataclass
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
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def touch(self):
        self.last_seen = time.monotonic()


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
        transaction_id, replayed = await self.outbox.next_transaction_id(fingerprint)
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
        self, session: Session, direction: str, type_name: str, action, unique_id: str, payload, ts: str | None = None
    ):
        """MessageLog events are cheap: queued for the next group commit, not awaited."""
        outcome = type_name
        if type_name == "CALLERROR" and isinstance(payload, dict):
            outcome = str(payload.get("errorCode") or type_name)
        self.metrics.messages.labels(direction, action or "?", outcome).inc()
        if self.config.message_log:
            self.outbox.append_nowait([self.message_log(session, direction, type_name, action, unique_id, payload, ts)])
