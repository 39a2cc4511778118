"""Bridge event ingestion: the one public entry point through which charger events reach Odoo.

The payload format is documented in ../INGESTION.md. Every event is applied in its own savepoint:
either all of it is stored, or it is rolled back and kept as a *rejected* event with the reason.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import ev_ocpp
from .ev_access import MANAGER, require_records

_logger = logging.getLogger(__name__)

MAX_BATCH = 5000
VERSIONS = ("2.0.1", "1.6")
SUPPORTED_ACTIONS = (
    "Connection",
    "MessageLog",
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "NotifyEvent",
    "Authorize",
    "TransactionEvent",
    "StartTransaction",
    "StopTransaction",
    "MeterValues",
    "FirmwareStatusNotification",
    "LogStatusNotification",
    "DiagnosticsStatusNotification",
    "SecurityEventNotification",
    "DataTransfer",
)


class EventRejected(Exception):
    """The event is well-formed but cannot be applied; the message says why."""


class EvOcppEvent(models.Model):
    _name = "ev.ocpp.event"
    _description = "Bridge event (ingestion record)"
    _order = "received_at desc, id desc"
    _rec_name = "key"

    key = fields.Char(required=True, index=True, readonly=True, help="Idempotency key given by the bridge.")
    charger_identity = fields.Char("Charge point ID", required=True, index=True, readonly=True)
    charger_id = fields.Many2one("ev.charger", index=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    version = fields.Char(readonly=True)
    action = fields.Char(required=True, index=True, readonly=True)
    message_id = fields.Char(readonly=True)
    payload = fields.Json(readonly=True)
    response = fields.Json(readonly=True)
    meta = fields.Json(
        readonly=True,
        help="What the bridge noted: validation let through in relaxed mode, an "
        "authorization answered from cache or by the offline policy, a "
        "replayed start…",
    )
    payload_text = fields.Text("Payload (JSON)", compute="_compute_texts")
    response_text = fields.Text("Response (JSON)", compute="_compute_texts")
    meta_text = fields.Text("Bridge notes (JSON)", compute="_compute_texts")
    has_meta = fields.Boolean(compute="_compute_has_meta", store=True, index=True)
    received_at = fields.Datetime(index=True, readonly=True, help="When the bridge received it (UTC).")
    state = fields.Selection(
        [("applied", "Applied"), ("rejected", "Rejected"), ("reviewed", "Reviewed")],
        required=True,
        index=True,
        readonly=True,
    )
    error = fields.Text(readonly=True)
    session_id = fields.Many2one("ev.session", readonly=True, index=True, ondelete="set null")

    _sql_constraints = [("key_uniq", "unique(key)", "This event was already received.")]

    @api.depends("meta")
    def _compute_has_meta(self):
        for event in self:
            event.has_meta = bool(event.meta)

    def _compute_texts(self):
        for event in self:
            event.payload_text = ev_ocpp.json_text(event.payload)
            event.response_text = ev_ocpp.json_text(event.response)
            event.meta_text = ev_ocpp.json_text(event.meta)

    # ------------------------------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------------------------------
    @api.model
    def ingest(self, events):
        """Apply a batch of bridge events idempotently. See INGESTION.md.

        Returns one ``{"key", "status": "applied"|"duplicate"|"rejected", "error"}`` per event,
        in the order given. A malformed batch raises ValidationError and stores nothing.
        """
        self.env["ev.charger"]._check_bridge_access()
        self._check_envelopes(events)
        now = datetime.now(UTC)
        keys = [e["key"] for e in events]
        seen = set(self.sudo().search([("key", "in", keys)]).mapped("key"))
        seen |= set(self.env["ev.ocpp.message"].sudo().search([("event_key", "in", keys)]).mapped("event_key"))
        identities = {e["charger"] for e in events}
        chargers = {
            c.identity: c
            for c in self.env["ev.charger"]
            .sudo()
            .with_context(active_test=False)
            .search([("identity", "in", list(identities))])
        }

        received = {}
        for idx, event in enumerate(events):
            try:
                received[idx] = ev_ocpp.parse_timestamp(event["ts"]) if event.get("ts") else now
            except ValueError:
                received[idx] = now
        # per charger, in the order the bridge received them
        order = sorted(range(len(events)), key=lambda i: (events[i]["charger"], received[i], i))
        results = [None] * len(events)
        log_lines = []
        pending = []
        for idx in order:
            event = events[idx]
            key = event["key"]
            if key in seen:
                results[idx] = {"key": key, "status": "duplicate", "error": False}
                continue
            seen.add(key)
            charger = chargers.get(event["charger"])
            if event["action"] != "MessageLog":
                pending.append(idx)
                continue
            try:
                if not charger:
                    raise EventRejected(_("unknown charger %r", event["charger"]))
                log_lines.append(self._message_log_vals(event, charger, received[idx]))
                results[idx] = {"key": key, "status": "applied", "error": False}
            except (EventRejected, ValueError, KeyError, TypeError) as exc:
                results[idx] = self._reject(event, charger, received[idx], exc)

        # High-volume traffic (meter values) goes without mail tracking; sessions touched by the
        # batch get their energy recomputed and their hooks called once, after all their events.
        # the id keeps two batches of one transaction apart: Odoo reuses environments whose
        # contexts compare equal, and two fresh batch dicts do
        batch = {
            "id": uuid.uuid4().hex,
            "sessions": {},
            "last_seen": {},
            "samples": None,
            "known": self._prefetch_sessions(events, pending, chargers),
        }
        applier = self.sudo().with_context(tracking_disable=True, mail_notrack=True, ev_ingest_batch=batch)
        for pos in range(0, len(pending), self._CHUNK):
            chunk = pending[pos : pos + self._CHUNK]
            try:
                # optimistic: the whole chunk in one savepoint ...
                with self.env.cr.savepoint():
                    batch["samples"] = []
                    vals_list = [
                        applier._apply_checked(events[i], chargers.get(events[i]["charger"]), received[i])
                        for i in chunk
                    ]
                    applier._flush_samples(batch["samples"])
                    applier.create(vals_list)
                for i in chunk:
                    results[i] = {"key": events[i]["key"], "status": "applied", "error": False}
            except self._REJECTABLE:
                # ... and when one event of it is bad, again event by event so only that one is rejected
                for i in chunk:
                    event, charger = events[i], chargers.get(events[i]["charger"])
                    try:
                        with self.env.cr.savepoint():
                            batch["samples"] = []
                            vals = applier._apply_checked(event, charger, received[i])
                            applier._flush_samples(batch["samples"])
                            applier.create(vals)
                        results[i] = {"key": event["key"], "status": "applied", "error": False}
                    except self._REJECTABLE as exc:
                        results[i] = self._reject(event, charger, received[i], exc)
        batch["samples"] = None
        applier._finish_batch(batch)
        if log_lines:
            self.env["ev.ocpp.message"].sudo().create(log_lines)._link_responses()
        return results

    _CHUNK = 100
    _REJECTABLE = (EventRejected, UserError, ValidationError, ValueError, KeyError, TypeError, AttributeError)

    def _apply_checked(self, event, charger, received):
        """Apply one event; returns the vals of its ev.ocpp.event record."""
        if not charger:
            raise EventRejected(_("unknown charger %r: register it in Odoo first", event["charger"]))
        session = self._apply(event, charger.with_env(self.env), received)
        return self._event_vals(event, charger, received, "applied", session=session)

    @api.model
    def _prefetch_sessions(self, events, indices, chargers):
        """Sessions that already exist for the batch's transactions, in one query: {(charger id, tx id): session}."""
        wanted = set()
        for i in indices:
            event, charger = events[i], chargers.get(events[i]["charger"])
            payload, response = event.get("payload") or {}, event.get("response") or {}
            info = payload.get("transactionInfo")
            tx = (
                (info.get("transactionId") if isinstance(info, dict) else None)
                or payload.get("transactionId")
                or response.get("transactionId")
            )
            if charger and tx not in (None, ""):
                wanted.add((charger.id, str(tx)))
        if not wanted:
            return {}
        sessions = (
            self.env["ev.session"]
            .sudo()
            .search(
                [
                    ("charger_id", "in", list({c for c, _t in wanted})),
                    ("transaction_id", "in", list({t for _c, t in wanted})),
                ]
            )
        )
        return {(s.charger_id.id, s.transaction_id): s for s in sessions}

    def _touch_session(self, session, was_completed):
        """Remember a session changed by this batch (and whether it was completed before it);
        outside ingest() the session is settled at once."""
        batch = self.env.context.get("ev_ingest_batch")
        if batch is None:
            self._settle_sessions({session.id: was_completed})
        else:
            batch["sessions"].setdefault(session.id, was_completed)

    def _finish_batch(self, batch):
        """Once per batch: last-seen times, then each touched session's energy and hooks."""
        Charger = self.env["ev.charger"]
        for charger_id, when in batch["last_seen"].items():
            charger = Charger.browse(charger_id).exists()
            if charger and (not charger.last_seen or charger.last_seen < when):
                charger.last_seen = when
        self._settle_sessions(batch["sessions"])

    def _settle_sessions(self, was_completed):
        """Recompute the energy of the sessions {id: completed before?} and call their hooks, each
        hook once for all its sessions; a failing hook (e.g. billing) is retried session by session,
        logged, and never undoes the ingestion."""
        sessions = self.env["ev.session"].browse(list(was_completed)).exists()
        sessions._recompute_energy()
        completed = sessions.filtered(lambda s: s.state == "completed" and not was_completed[s.id])
        progress = sessions.filtered(lambda s: s.state == "active")
        for group, hook in ((progress, "_on_session_progress"), (completed, "_on_session_completed")):
            if not group:
                continue
            try:
                with self.env.cr.savepoint():
                    getattr(group, hook)()
            except Exception:
                for session in group:
                    try:
                        with self.env.cr.savepoint():
                            getattr(session, hook)()
                    except Exception:
                        _logger.exception("ev.session %s: %s failed", session.id, hook)

    # ------------------------------------------------------------------------------------------
    # Envelope checks and bookkeeping
    # ------------------------------------------------------------------------------------------
    @api.model
    def _check_envelopes(self, events):
        if not isinstance(events, (list, tuple)):
            raise ValidationError(_("ingest() expects a list of events, got %s.", type(events).__name__))
        if len(events) > MAX_BATCH:
            raise ValidationError(
                _("A batch holds at most %(max)s events; got %(n)s. Split it.", max=MAX_BATCH, n=len(events))
            )
        for pos, event in enumerate(events):
            where = _("event #%s", pos)
            if not isinstance(event, dict):
                raise ValidationError(_("%s is not an object.", where))
            for field in ("key", "charger", "action"):
                if not isinstance(event.get(field), str) or not event.get(field):
                    raise ValidationError(
                        _("%(where)s: '%(field)s' is missing or not a string.", where=where, field=field)
                    )
            if len(event["key"]) > 128:
                raise ValidationError(_("%s: 'key' is longer than 128 characters.", where))
            if not isinstance(event.get("payload", {}), dict):
                raise ValidationError(_("%s: 'payload' must be an object.", where))
            for field in ("response", "meta"):
                if event.get(field) is not None and not isinstance(event[field], dict):
                    raise ValidationError(_("%(where)s: '%(field)s' must be an object.", where=where, field=field))
            if event.get("version") not in (None, *VERSIONS):
                raise ValidationError(
                    _("%(where)s: version %(v)r is not one of 2.0.1, 1.6.", where=where, v=event.get("version"))
                )

    def _event_vals(self, event, charger, received, state, session=None, error=False):
        return {
            "key": event["key"],
            "charger_identity": event["charger"],
            "charger_id": charger.id if charger else False,
            "version": event.get("version") or (charger.ocpp_version if charger else False),
            "action": event["action"],
            "message_id": event.get("message_id") or False,
            "payload": event.get("payload") or {},
            "response": event.get("response") or False,
            "meta": event.get("meta") or False,
            "received_at": ev_ocpp.to_naive_utc(received),
            "state": state,
            "error": error,
            "session_id": session.id if session else False,
        }

    def _reject(self, event, charger, received, exc):
        reason = str(exc.args[0]) if getattr(exc, "args", None) else repr(exc)
        if isinstance(exc, (KeyError, TypeError, AttributeError)):
            reason = _(
                "malformed %(action)s payload (%(exc)s: %(msg)s)",
                action=event["action"],
                exc=type(exc).__name__,
                msg=reason,
            )
        _logger.info("ev.ocpp.event %s from %s rejected: %s", event["key"], event["charger"], reason)
        self.sudo().create(self._event_vals(event, charger, received, "rejected", error=reason))
        return {"key": event["key"], "status": "rejected", "error": reason}

    def _message_log_vals(self, event, charger, received):
        p = event.get("payload") or {}
        if p.get("type") not in ("CALL", "CALLRESULT", "CALLERROR"):
            raise EventRejected(_("MessageLog type must be CALL, CALLRESULT or CALLERROR, got %r", p.get("type")))
        if p.get("direction") not in ("in", "out"):
            raise EventRejected(_("MessageLog direction must be 'in' or 'out', got %r", p.get("direction")))
        ts = ev_ocpp.parse_timestamp(p["ts"]) if p.get("ts") else received
        return {
            "charger_id": charger.id,
            "direction": p["direction"],
            "message_type": p["type"],
            "action": p.get("action") or False,
            "unique_id": p.get("unique_id") or False,
            "payload": p.get("payload"),
            "timestamp": ev_ocpp.to_naive_utc(ts),
            "timestamp_ms": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "event_key": event["key"],
        }

    # ------------------------------------------------------------------------------------------
    # Applying one event
    # ------------------------------------------------------------------------------------------
    def _apply(self, event, charger, received):
        """Apply ``event`` to ``charger``; returns the session it touched (or None)."""
        action = event["action"]
        if action not in SUPPORTED_ACTIONS:
            raise EventRejected(_("unsupported action %r", action))
        version = event.get("version") or charger.ocpp_version
        payload = event.get("payload") or {}
        handler = getattr(self, "_on_" + action)
        if action != "Connection":
            naive_received = ev_ocpp.to_naive_utc(received)
            batch = self.env.context.get("ev_ingest_batch")
            if batch is not None:
                if naive_received > batch["last_seen"].get(charger.id, naive_received):
                    batch["last_seen"][charger.id] = naive_received
                batch["last_seen"].setdefault(charger.id, naive_received)
            elif not charger.last_seen or charger.last_seen < naive_received:
                charger.last_seen = naive_received
        return handler(charger, version, payload, event.get("response") or {}, received)

    def _ts(self, payload_ts, received):
        ts, fixed = ev_ocpp.sane_timestamp(payload_ts, received)
        return ev_ocpp.to_naive_utc(ts), fixed

    # pseudo-actions -------------------------------------------------------------------------
    def _on_Connection(self, charger, version, payload, response, received):
        state = payload["state"]
        if state not in ("connected", "disconnected"):
            raise EventRejected(_("Connection state must be 'connected' or 'disconnected', got %r", state))
        when = ev_ocpp.to_naive_utc(received)
        node = self.env["ev.bridge.node"]._get_or_create(payload["node"]) if payload.get("node") else False
        if state == "connected":
            if charger.connected_since and charger.connected_since > when:
                return None  # a later connection is already known
            charger.write(
                {
                    "connection_state": "connected",
                    "connected_since": when,
                    "last_seen": when,
                    "node_id": node.id if node else False,
                }
            )
        else:
            # a disconnect reported by a node that no longer holds the station, or older than the
            # current connection, is stale (the station reconnected elsewhere)
            if (node and charger.node_id and node != charger.node_id) or (
                charger.connected_since and charger.connected_since > when
            ):
                return None
            charger.write({"connection_state": "disconnected", "node_id": False})
        if node:
            node.sudo().last_seen = when
        return None

    # core profile ---------------------------------------------------------------------------
    def _on_BootNotification(self, charger, version, payload, response, received):
        if version == "1.6":
            vals = {
                "vendor_reported": payload["chargePointVendor"],
                "model_reported": payload["chargePointModel"],
                "serial_number": payload.get("chargePointSerialNumber")
                or payload.get("chargeBoxSerialNumber")
                or charger.serial_number,
                "firmware_version": payload.get("firmwareVersion") or charger.firmware_version,
            }
        else:
            station = payload["chargingStation"]
            vals = {
                "vendor_reported": station["vendorName"],
                "model_reported": station["model"],
                "serial_number": station.get("serialNumber") or charger.serial_number,
                "firmware_version": station.get("firmwareVersion") or charger.firmware_version,
            }
        vals["last_boot"] = ev_ocpp.to_naive_utc(received)
        vals["ocpp_version"] = version
        charger.write(vals)
        return None

    def _on_Heartbeat(self, charger, version, payload, response, received):
        return None

    def _on_Authorize(self, charger, version, payload, response, received):
        return None  # kept as an event for the audit trail; the answer came from bridge_authorize

    def _on_DataTransfer(self, charger, version, payload, response, received):
        if not payload.get("vendorId"):
            raise EventRejected(_("DataTransfer without vendorId"))
        return None

    def _on_StatusNotification(self, charger, version, payload, response, received):
        when, _fixed = self._ts(payload.get("timestamp"), received)
        if version == "1.6":
            connector_id = int(payload["connectorId"])
            raw = payload["status"]
            status = ev_ocpp.normalize_status(raw, "1.6")
            error = payload.get("errorCode")
            error = None if error in (None, "NoError") else error
            if connector_id == 0:
                charger.write({"station_status": raw})
                if status == "Faulted":
                    charger.message_post(body=_("Station reported Faulted: %s", error or payload.get("info") or ""))
                return None
            connector = charger._get_connector(connector_id, 1)
            self.env["ev.connector"]._apply_status(
                connector,
                status,
                when,
                error,
                payload.get("vendorErrorCode"),
                payload.get("vendorId"),
                payload.get("info"),
                raw,
            )
        else:
            status = ev_ocpp.normalize_status(payload["connectorStatus"], "2.0.1")
            connector = charger._get_connector(payload["evseId"], payload["connectorId"])
            self.env["ev.connector"]._apply_status(connector, status, when, raw_status=payload["connectorStatus"])
        return None

    def _on_NotifyEvent(self, charger, version, payload, response, received):
        for data in payload["eventData"]:
            component = data["component"]
            if (
                component.get("name") != ev_ocpp.AVAILABILITY_COMPONENT
                or data["variable"].get("name") != ev_ocpp.AVAILABILITY_VARIABLE
            ):
                continue
            evse = component.get("evse") or {}
            if not evse.get("id"):
                continue
            status = ev_ocpp.normalize_status(data["actualValue"], "2.0.1")
            when, _fixed = self._ts(data.get("timestamp"), received)
            connector = charger._get_connector(evse["id"], evse.get("connectorId") or 1)
            self.env["ev.connector"]._apply_status(
                connector, status, when, data.get("techCode"), None, None, data.get("techInfo"), data["actualValue"]
            )
        return None

    # transactions ---------------------------------------------------------------------------
    def _session(self, charger, transaction_id, connector=None, create=True):
        Session = self.env["ev.session"].sudo()
        transaction_id = str(transaction_id)
        if not transaction_id or len(transaction_id) > 36:
            raise EventRejected(_("transactionId %r must be 1 to 36 characters", transaction_id))
        batch = self.env.context.get("ev_ingest_batch")
        # sessions that existed before the batch cannot vanish in a rolled-back chunk: safe to reuse
        session = batch and batch["known"].get((charger.id, transaction_id))
        session = (
            session.with_env(Session.env)
            if session
            else Session.search([("charger_id", "=", charger.id), ("transaction_id", "=", transaction_id)], limit=1)
        )
        if session or not create:
            return session, False
        session = Session.create(
            {
                "charger_id": charger.id,
                "transaction_id": transaction_id,
                "connector_id": connector.id if connector else False,
            }
        )
        return session, True

    def _link_token(self, session, token_value, token_type=None):
        if not token_value or session.id_token_id:
            if token_value and not session.id_token_value:
                session.id_token_value = token_value
            return
        domain = [("value", "=", token_value)]
        token = (
            self.env["ev.id.token"]
            .sudo()
            .search(domain + ([("token_type", "=", token_type)] if token_type else []), limit=1)
        )
        if not token and token_type:
            token = self.env["ev.id.token"].sudo().search(domain, limit=1)
        session.write({"id_token_value": token_value, "id_token_id": token.id if token else False})

    def _on_TransactionEvent(self, charger, version, payload, response, received):  # noqa: C901 - split by the pipeline refactor (issue 8)
        info = payload["transactionInfo"]
        event_type = payload["eventType"]
        if event_type not in ("Started", "Updated", "Ended"):
            raise EventRejected(_("TransactionEvent eventType %r is not Started, Updated or Ended", event_type))
        when, fixed = self._ts(payload["timestamp"], received)
        seq_no = int(payload["seqNo"])
        evse = payload.get("evse") or {}
        connector = charger._get_connector(evse["id"], evse.get("connectorId") or 1) if evse.get("id") else None
        session, created = self._session(charger, info["transactionId"], connector)
        was_completed = session.state == "completed"
        vals = {}
        if connector and not session.connector_id:
            vals["connector_id"] = connector.id
        if not session.start_time or when < session.start_time:
            vals["start_time"] = when
        if event_type == "Ended":
            vals.update(
                {
                    "state": "completed",
                    "stop_time": max(when, session.start_time or when),
                    "stop_reason": info.get("stoppedReason") or "Local",
                }
            )
            if created:
                vals["orphan_stop"] = True
        elif created or session.state != "completed":
            vals.setdefault("state", "active")
        if seq_no >= session.last_seq_no:
            vals["last_seq_no"] = seq_no
            if info.get("chargingState"):
                vals["charging_state"] = info["chargingState"]
        if info.get("remoteStartId") and not session.remote_start_id:
            vals["remote_start_id"] = int(info["remoteStartId"])
        if payload.get("offline"):
            vals["offline"] = True
        if fixed:
            vals["clock_fixed"] = True
        session.write(vals)
        if session.state == "active" and (created or event_type == "Started"):
            session._close_superseded()
        token = payload.get("idToken") or {}
        self._link_token(session, token.get("idToken"), token.get("type"))
        samples = ev_ocpp.parse_meter_values(payload.get("meterValue") or [], "2.0.1")
        for sample in samples:
            if sample.measurand == ev_ocpp.ENERGY_REGISTER and not sample.phase:
                if sample.context == "Transaction.Begin" and not session.has_meter_start:
                    session.write({"has_meter_start": True, "meter_start_reported": float(sample.value)})
                    charger._learn_meter_start(sample.value)
                elif sample.context == "Transaction.End":
                    session.write({"has_meter_stop": True, "meter_stop_reported": float(sample.value)})
        self._store_samples(charger, session.connector_id or connector, session, samples, received)
        self._touch_session(session, was_completed)
        return session

    def _on_StartTransaction(self, charger, version, payload, response, received):
        transaction_id = response.get("transactionId")
        if transaction_id in (None, ""):
            raise EventRejected(
                _("StartTransaction needs the transactionId the bridge issued (response.transactionId)")
            )
        when, fixed = self._ts(payload["timestamp"], received)
        connector = charger._get_connector(int(payload["connectorId"]), 1)
        session, _created = self._session(charger, transaction_id, connector)
        was_completed = session.state == "completed"
        vals = {
            "start_time": when,
            "connector_id": connector.id,
            "has_meter_start": True,
            "meter_start_reported": float(payload["meterStart"]),
            "clock_fixed": fixed or session.clock_fixed,
        }
        if session.state != "completed":
            vals["state"] = "active"
        session.write(vals)
        charger._learn_meter_start(vals["meter_start_reported"])
        if session.state == "active":
            session._close_superseded()
        self._link_token(session, payload.get("idTag"))
        self._touch_session(session, was_completed)
        return session

    def _on_StopTransaction(self, charger, version, payload, response, received):
        when, fixed = self._ts(payload["timestamp"], received)
        session, created = self._session(charger, payload["transactionId"])
        was_completed = session.state == "completed"
        samples = ev_ocpp.parse_meter_values(payload.get("transactionData") or [], "1.6")
        vals = {
            "state": "completed",
            "stop_reason": payload.get("reason") or "Local",
            "has_meter_stop": True,
            "meter_stop_reported": float(payload["meterStop"]),
            "clock_fixed": fixed or session.clock_fixed,
        }
        if created:
            # never saw the start: acknowledge and record what the stop tells
            vals["orphan_stop"] = True
            vals["start_time"] = min([ev_ocpp.to_naive_utc(s.timestamp) for s in samples], default=when)
        vals["stop_time"] = max(when, session.start_time or vals.get("start_time") or when)
        session.write(vals)
        self._link_token(session, payload.get("idTag"))
        self._store_samples(charger, session.connector_id, session, samples, received)
        self._touch_session(session, was_completed)
        return session

    def _on_MeterValues(self, charger, version, payload, response, received):
        samples = ev_ocpp.parse_meter_values(payload["meterValue"], version)
        session = self.env["ev.session"]
        if version == "1.6":
            connector = charger._get_connector(int(payload["connectorId"]), 1) if int(payload["connectorId"]) else None
            if payload.get("transactionId") is not None:
                session, _created = self._session(charger, payload["transactionId"], connector, create=False)
        else:
            evse_id = int(payload["evseId"])
            connector = charger._get_connector(evse_id, 1) if evse_id else None
        if not session and connector:
            session = (
                self.env["ev.session"]
                .sudo()
                .search(
                    [("connector_id", "=", connector.id), ("state", "=", "active")], order="start_time desc", limit=1
                )
            )
        self._store_samples(charger, connector, session, samples, received)
        if session:
            self._touch_session(session, session.state == "completed")
        return session or None

    def _store_samples(self, charger, connector, session, samples, received):
        """Queue the event's meter values; inside ingest() they are written per chunk (see
        _flush_samples), outside at once. A replayed message adds nothing."""
        vals_list = []
        for sample in samples:
            stamp = ev_ocpp.to_naive_utc(sample.timestamp)
            if stamp < ev_ocpp.to_naive_utc(ev_ocpp.EARLIEST_PLAUSIBLE):
                stamp = ev_ocpp.to_naive_utc(received)
                if session:
                    session.clock_fixed = True
            vals_list.append(
                {
                    "charger_id": charger.id,
                    "connector_id": connector.id if connector else False,
                    "session_id": session.id if session else False,
                    "timestamp": stamp,
                    "measurand": sample.measurand,
                    "phase": sample.phase or False,
                    "context": sample.context or False,
                    "location": sample.location or False,
                    "value": float(sample.value),
                    "unit": sample.unit or False,
                }
            )
        batch = self.env.context.get("ev_ingest_batch")
        if batch is not None and batch.get("samples") is not None:
            batch["samples"].extend(vals_list)
        else:
            self._flush_samples(vals_list)

    def _flush_samples(self, vals_list):
        """Create the meter values not stored yet (one query to find those already stored) and
        raise each charger's last known register."""
        if not vals_list:
            return
        MeterValue = self.env["ev.meter.value"].sudo()

        def ident(v):
            return v["charger_id"], v["timestamp"], v["measurand"], v["phase"] or "", v["location"] or ""

        existing = MeterValue.search_read(
            [
                ("charger_id", "in", list({v["charger_id"] for v in vals_list})),
                ("timestamp", "in", list({v["timestamp"] for v in vals_list})),
            ],
            ["charger_id", "timestamp", "measurand", "phase", "location"],
        )
        known = {
            (r["charger_id"][0], r["timestamp"], r["measurand"], r["phase"] or "", r["location"] or "")
            for r in existing
        }
        new, registers = [], {}
        for vals in vals_list:
            key = ident(vals)
            if key in known:
                continue
            known.add(key)
            new.append(vals)
            if vals["measurand"] == ev_ocpp.ENERGY_REGISTER and not vals["phase"]:
                registers[vals["charger_id"]] = max(registers.get(vals["charger_id"], 0.0), vals["value"])
        if new:
            MeterValue.create(new)
        for charger in self.env["ev.charger"].sudo().browse(list(registers)):
            if registers[charger.id] > (charger.last_meter_wh or 0.0):
                charger.last_meter_wh = registers[charger.id]

    # status of firmware, logs, security ------------------------------------------------------
    def _on_FirmwareStatusNotification(self, charger, version, payload, response, received):
        charger.firmware_status = payload["status"]
        return None

    def _on_LogStatusNotification(self, charger, version, payload, response, received):
        charger.diagnostics_status = payload["status"]
        return None

    _on_DiagnosticsStatusNotification = _on_LogStatusNotification

    def _on_SecurityEventNotification(self, charger, version, payload, response, received):
        charger.message_post(
            body=_(
                "Security event %(type)s at %(ts)s %(info)s",
                type=payload["type"],
                ts=payload.get("timestamp", ""),
                info=payload.get("techInfo") or "",
            )
        )
        return None

    # ------------------------------------------------------------------------------------------
    # Review and housekeeping
    # ------------------------------------------------------------------------------------------
    def action_mark_reviewed(self):
        require_records(self, "write", MANAGER, _("review rejected events"))
        self.filtered(lambda e: e.state == "rejected").write({"state": "reviewed"})
        return True

    def action_retry(self):
        """Apply rejected events again (e.g. after registering the missing charger). EV Managers only."""
        require_records(self, "write", MANAGER, _("apply rejected events again"))
        for event in self.filtered(lambda e: e.state == "rejected"):
            envelope = {
                "key": event.key,
                "charger": event.charger_identity,
                "version": event.version,
                "action": event.action,
                "payload": event.payload or {},
                "response": event.response or {},
                "ts": event.received_at.isoformat() + "Z",
                "message_id": event.message_id,
            }
            event.unlink()
            result = self.ingest([envelope])[0]
            if result["status"] == "rejected":
                raise UserError(
                    _("Event %(key)s is still rejected: %(error)s", key=envelope["key"], error=result["error"])
                )
        return True

    @api.model
    def _gc_events(self):
        days = int(self.env["ir.config_parameter"].sudo().get_param("ev_charging.event_retention_days", 30) or 0)
        if days > 0:
            self.sudo().search(
                [("state", "=", "applied"), ("received_at", "<", fields.Datetime.now() - timedelta(days=days))]
            ).unlink()
