"""Bridge event ingestion: the one public entry point through which charger events reach Odoo.

The payload format is documented in ../INGESTION.md. ``ingest()`` sorts a batch into duplicates,
rejections, message-log lines and events to apply; each event to apply goes to its handler through
the action -> handler table (ev_ocpp_handlers, one module per OCPP functional block), with the batch
(ev_batch.IngestBatch) passed along. Either all of an event is stored, or it is rolled back and kept
as a *rejected* event with the reason. At the end, the sessions the batch touched go through their
pipelines once (ev.session._ev_run_pipelines).
"""

import logging
from datetime import UTC, datetime, timedelta

from psycopg2 import DataError
from psycopg2.errors import ProgramLimitExceeded

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.sql import create_index

from ..lib import ev_bridge_envelope, ev_ocpp, ev_ocpp_limits
from .ev_access import MANAGER, require_records
from .ev_batch import Event, EventRejected, IngestBatch
from .ev_bulk import drop_indexes, insert_rows
from .ev_ocpp_handlers import HANDLERS, flush_chunk
from .ev_ocpp_handlers.message_log import derived_rows, message_log_row, write_message_log
from .ev_ocpp_handlers.transactions import create_sessions

_logger = logging.getLogger(__name__)

MAX_BATCH = 5000
VERSIONS = ("2.0.1", "1.6")
#: the bridge's own pseudo-actions, next to the OCPP actions of the handler table
MESSAGE_LOG = "MessageLog"
#: what this Odoo offers the bridge beyond contracts A-G (``bridge_features``): "derived_log" is
#: contract H, the message log of a handled CALL derived from its event; "command_results" is
#: contract I, several command answers in one ``ev.charger.command.bridge_results`` call
FEATURES = ("derived_log", "command_results", "json_envelopes")
#: what makes one event rejected rather than the batch faulty: the handlers' reasons, a payload that
#: contradicts the schema, a value PostgreSQL refuses (the event's savepoint is rolled back)
REJECTABLE = (
    EventRejected,
    UserError,
    ValidationError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    DataError,
    ProgramLimitExceeded,
)
#: events applied in one savepoint (replayed one by one when one of them is rejected)
CHUNK = 100


class EvOcppEvent(models.Model):
    _name = "ev.ocpp.event"
    _description = "Bridge event (ingestion record)"
    _order = "received_at desc, id desc"
    _rec_name = "key"

    # An append-only table written at volume: each index costs every event an entry. Indexed: the key (by
    # its unique constraint), the charger, company, action, session and time; a rejected, reviewed or
    # annotated event through a partial index (init) holding those rare rows only. Not indexed: the
    # identity (searched with ilike, grouped by: no index serves either).
    key = fields.Char(required=True, readonly=True, help="Idempotency key given by the bridge.")
    charger_identity = fields.Char("Charge point ID", required=True, readonly=True)
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
    has_meta = fields.Boolean(compute="_compute_has_meta", store=True)
    received_at = fields.Datetime(index=True, readonly=True, help="When the bridge received it (UTC).")
    state = fields.Selection(
        [("applied", "Applied"), ("rejected", "Rejected"), ("reviewed", "Reviewed")],
        required=True,
        readonly=True,
    )
    error = fields.Text(readonly=True)
    session_id = fields.Many2one("ev.session", readonly=True, index=True, ondelete="set null")

    _sql_constraints = [("key_uniq", "unique(key)", "This event was already received.")]

    def init(self):
        cr = self.env.cr
        # a second index on key (before 2026-11-30); whole-column indexes on the identity, the state and
        # has_meta (before 2026-12-01)
        drop_indexes(
            cr,
            [
                "ev_ocpp_event__key_index",
                "ev_ocpp_event__charger_identity_index",
                "ev_ocpp_event__state_index",
                "ev_ocpp_event__has_meta_index",
            ],
        )
        create_index(cr, "ev_ocpp_event_not_applied_index", self._table, ["received_at"], where="state != 'applied'")
        create_index(cr, "ev_ocpp_event_has_meta_index", self._table, ["received_at"], where="has_meta")

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
        events, undecodable, screened = self._decode_envelopes(events)  # contracts A and J
        self._check_envelopes(events)
        # the work is done as the system, without mail tracking, once the caller is known to be the bridge
        return self.sudo().with_context(tracking_disable=True, mail_notrack=True)._ingest(events, undecodable, screened)

    @api.model
    def bridge_features(self):
        """What this Odoo accepts beyond contracts A-G, for the bridge to decide how to send (a bridge
        asks once, and again every 10 minutes; an older Odoo has no such method). Bridge user only."""
        self.env["ev.charger"]._check_bridge_access()
        return list(FEATURES)

    @api.model
    def ingest_and_pull(self, events, node, identities=None):
        """Contract C: ``ingest(events)``, then the commands queued for the stations ``identities``
        (default: those of the batch) that ``node`` holds, marked sent through it - including
        those created by this very ingestion (CostUpdated). Returns ``{"results", "commands"}``."""
        results = self.ingest(events)
        if identities is None:
            identities = sorted({e["charger"] for e in events if isinstance(e.get("charger"), str)})
        commands = self.env["ev.charger.command"].bridge_pull(node, identities)
        return {"results": results, "commands": commands}

    # --- contracts A and J: b64 and json envelopes -------------------------------------------
    _B64_MAX_BYTES = 2 * 1024 * 1024  # decoded JSON of one event
    _B64_MAX_DEPTH = ev_ocpp_limits.MAX_DEPTH  # nesting of payload, response and meta, each counted from 1

    @api.model
    def _decode_envelopes(self, events):
        """Events carrying ``b64`` (contract A) or ``json`` (contract J) get what it holds back. Returns
        ``(events, {index: (reason, meta kept)}, {index: characters of the JSON decoded})``: an event
        whose b64 or json cannot be used is rejected on its own, with what the bridge sent kept in its
        meta; the batch check sees it without those keys. The size of a decoded JSON text (already
        checked for depth and made storable) spares the event's screening a dump of it
        (ev_ocpp_limits.screen)."""
        encodings = [ev_bridge_envelope.encoding_of(e) for e in events] if isinstance(events, (list, tuple)) else []
        if not any(encodings):
            return events, {}, {}
        decoded, undecodable, screened = [], {}, {}
        for idx, (event, encoding) in enumerate(zip(events, encodings, strict=True)):
            if encoding:
                decode = ev_bridge_envelope.ENCODINGS[encoding][0]
                event, reason, chars = decode(event, self._B64_MAX_BYTES, self._B64_MAX_DEPTH)
                if chars is not None:
                    screened[idx] = chars
                if reason:
                    # a base64 text is 4/3 of the bytes it holds
                    max_chars = 4 * self._B64_MAX_BYTES // 3 + 4 if encoding == "b64" else self._B64_MAX_BYTES
                    event, meta = ev_bridge_envelope.kept_of_undecodable(event, encoding, max_chars)
                    undecodable[idx] = (reason, meta)
            decoded.append(event)
        return decoded, undecodable, screened

    @api.model
    def _ocpp_handlers(self):
        """The action -> handler table (see ev_ocpp_handlers); addons adding actions extend it."""
        return dict(HANDLERS)

    # ------------------------------------------------------------------------------------------
    # One batch
    # ------------------------------------------------------------------------------------------
    @api.model
    def _ingest(self, events, undecodable=None, screened=None):
        undecodable, screened = undecodable or {}, screened or {}
        now = datetime.now(UTC)
        received = [self._received(event, now) for event in events]
        chargers = self._chargers_of(events)
        seen = self._keys_seen([e["key"] for e in events])
        batch = IngestBatch(self.env, self._ocpp_handlers())
        results = [None] * len(events)
        pending, log_rows, log_pairs, rejected = [], [], [], []
        # per charger, in the order the bridge received them
        for idx in sorted(range(len(events)), key=lambda i: (events[i]["charger"], received[i], i)):
            raw = events[idx]
            if raw["key"] in seen:
                results[idx] = {"key": raw["key"], "status": "duplicate", "error": False}
                continue
            seen.add(raw["key"])
            if idx in undecodable:  # contracts A and J: a b64 or json that cannot be used rejects this event alone
                event, problem = self._undecodable_event(raw, chargers, received[idx], *undecodable[idx])
            else:
                event, problem = self._prepare_event(raw, chargers, received[idx], batch, screened.get(idx))
            if not problem and event.action == MESSAGE_LOG:
                problem = self._queue_log_row(event, log_rows)
            if event is not None and event.log is not None and event.charger:
                # contract H: the CALL and its answer happened, whether the event applies or not
                log_pairs.append(derived_rows(event))
            if problem:
                results[idx] = self._reject(raw, event, received[idx], problem, rejected)
            elif event.action == MESSAGE_LOG:
                results[idx] = {"key": raw["key"], "status": "applied", "error": False}
            else:
                pending.append((idx, event))
        batch.known, batch.looked_up = self._prefetch_sessions([event for _idx, event in pending])
        batch.active_connectors = self._active_connectors([event for _idx, event in pending])
        batch.connectors = self._connectors_of([event for _idx, event in pending])
        self._apply_chunks(batch, events, pending, results, rejected)
        batch.settle()
        write_message_log(self.env, log_rows, log_pairs)
        insert_rows(self.env, self._name, rejected)
        return results

    @api.model
    def _received(self, event, now):
        """When the bridge received ``event`` (aware UTC); now when it does not say or says nonsense."""
        try:
            return ev_ocpp.parse_timestamp(event["ts"]) if event.get("ts") else now
        except ValueError:
            return now

    @api.model
    def _chargers_of(self, events):
        identities = {e["charger"] for e in events if len(e["charger"]) <= ev_ocpp_limits.MAX_IDENTITY}
        Charger = self.env["ev.charger"].with_context(active_test=False)
        return {c.identity: c for c in Charger.search([("identity", "in", list(identities))])}

    @api.model
    def _keys_seen(self, keys):
        """The keys of ``keys`` already received: as events, or as message-log lines."""
        seen = set(self.search([("key", "in", keys)]).mapped("key"))
        return seen | set(self.env["ev.ocpp.message"].search([("event_key", "in", keys)]).mapped("event_key"))

    @api.model
    def _prepare_event(self, raw, chargers, received, batch, json_chars=None):
        """(Event, None) ready for its handler, or (Event or None, reason) for an event rejected on its
        own: over a limit (ev_ocpp_limits), for an unknown charger or an unsupported action.
        ``json_chars``: see ev_ocpp_limits.screen."""
        problem, maybe_unstorable = ev_ocpp_limits.screen(raw, json_chars)
        if problem:
            return None, problem
        charger = chargers.get(raw["charger"])
        meta = raw.get("meta") or None
        parts = [raw.get("payload") or {}, raw.get("response") or {}, meta]
        if maybe_unstorable and ev_ocpp_limits.has_unstorable(parts):
            # PostgreSQL stores no NUL character nor lone surrogate: they become U+FFFD, and the event says so
            parts = ev_ocpp_limits.storable(parts)
            meta = dict(parts[2] or {}, unstorable_replaced=True)
        event = Event(
            key=raw["key"],
            charger=charger,
            version=raw.get("version") or (charger.ocpp_version if charger else False),
            action=raw["action"],
            payload=parts[0],
            response=parts[1],
            meta=meta,
            received=received,
            message_id=raw.get("message_id") or None,
            log=raw.get("log") if raw["action"] != MESSAGE_LOG else None,
        )
        if not charger:
            return event, _("unknown charger %r: register it in Odoo first", raw["charger"])
        if event.action != MESSAGE_LOG and event.action not in batch.handlers:
            return event, _("unsupported action %r", event.action)
        return event, None

    @api.model
    def _undecodable_event(self, raw, chargers, received, reason, meta):
        """(Event, reason) of an event whose b64 or json could not be used: what the bridge sent is in its
        meta."""
        charger = chargers.get(raw["charger"]) or self.env["ev.charger"]
        event = Event(
            key=raw["key"],
            charger=charger,
            version=raw.get("version") or (charger.ocpp_version if charger else False),
            action=raw["action"],
            payload={},
            response={},
            meta=meta,
            received=received,
            message_id=raw.get("message_id") or None,
        )
        return event, reason

    @api.model
    def _queue_log_row(self, event, log_rows):
        """Queue the message-log line of a MessageLog event; returns the reason it is rejected, or None."""
        try:
            log_rows.append(message_log_row(self.env, event))
        except REJECTABLE as exc:
            return self._reason(event.action, exc)
        return None

    @api.model
    def _prefetch_sessions(self, events):
        """Sessions that already exist for the transactions of ``events``, in one query:
        ({(charger id, transaction id): session}, the pairs looked up)."""
        wanted = set()
        for event in events:
            info = event.payload.get("transactionInfo")
            tx = (
                (info.get("transactionId") if isinstance(info, dict) else None)
                or event.payload.get("transactionId")
                or event.response.get("transactionId")
            )
            if tx not in (None, "") and not isinstance(tx, (dict, list)):
                wanted.add((event.charger.id, str(tx)))
        if not wanted:
            return {}, wanted
        sessions = self.env["ev.session"].search(
            [
                ("charger_id", "in", list({c for c, _t in wanted})),
                ("transaction_id", "in", list({t for _c, t in wanted})),
            ]
        )
        return {(s.charger_id.id, s.transaction_id): s for s in sessions}, wanted

    @api.model
    def _active_connectors(self, events):
        """The connectors of the chargers of ``events`` that hold an active session, in one query (a
        session started on another connector has none to supersede: IngestBatch.may_supersede)."""
        chargers = list({event.charger.id for event in events})
        if not chargers:
            return set()
        self.env["ev.session"].flush_model(["charger_id", "connector_id", "state"])
        self.env.cr.execute(
            "SELECT DISTINCT connector_id FROM ev_session"
            " WHERE charger_id = ANY(%s) AND state = 'active' AND connector_id IS NOT NULL",
            [chargers],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _connectors_of(self, events):
        """The connectors of the chargers of ``events``, in one query: {(charger id, EVSE id, connector
        id): ev.connector} (IngestBatch.connector)."""
        chargers = list({event.charger.id for event in events})
        if not chargers:
            return {}
        Connector = self.env["ev.connector"]
        Connector.flush_model(["charger_id", "evse_number", "connector_number"])
        self.env.cr.execute(
            "SELECT charger_id, evse_number, connector_number, id FROM ev_connector WHERE charger_id = ANY(%s)",
            [chargers],
        )
        rows = self.env.cr.fetchall()
        # their company, read now for all: a session given its connector checks it (else one query each)
        Connector.browse([row[3] for row in rows]).fetch(["company_id"])
        return {(charger, evse, number): Connector.browse(cid) for charger, evse, number, cid in rows}

    # ------------------------------------------------------------------------------------------
    # Applying events
    # ------------------------------------------------------------------------------------------
    def _apply_chunks(self, batch, events, pending, results, rejected):
        """Apply the events in chunks, each in one savepoint (the chunk's new sessions created together);
        a chunk with a bad event is replayed event by event so that only that event is rejected."""
        for pos in range(0, len(pending), CHUNK):
            chunk = pending[pos : pos + CHUNK]
            state = batch.state()
            try:
                with self.env.cr.savepoint():
                    create_sessions(batch, [event for _idx, event in chunk])
                    insert_rows(self.env, self._name, [self._apply_event(batch, event) for _idx, event in chunk])
                    flush_chunk(batch)
            except REJECTABLE:
                batch.restore(state)
                for idx, event in chunk:
                    state = batch.state()
                    try:
                        with self.env.cr.savepoint():
                            insert_rows(self.env, self._name, [self._apply_event(batch, event)])
                            flush_chunk(batch)
                    except REJECTABLE as exc:
                        batch.restore(state)
                        results[idx] = self._reject(events[idx], event, event.received, exc, rejected)
                    else:
                        results[idx] = {"key": event.key, "status": "applied", "error": False}
            else:
                for idx, event in chunk:
                    results[idx] = {"key": event.key, "status": "applied", "error": False}

    def _apply_event(self, batch, event):
        """Apply one event through its handler; returns the vals of its ev.ocpp.event record."""
        event.charger = event.charger.with_env(self.env)
        if event.action != "Connection":
            batch.saw(event.charger, event.received)
        session = batch.handlers[event.action](batch, event)
        return self._event_vals(event, "applied", session=session)

    # ------------------------------------------------------------------------------------------
    # Envelope checks and bookkeeping
    # ------------------------------------------------------------------------------------------
    @api.model
    def _check_envelopes(self, events):
        """A malformed batch is a fault (ValidationError): nothing of it is stored."""
        if not isinstance(events, (list, tuple)):
            raise ValidationError(_("ingest() expects a list of events, got %s.", type(events).__name__))
        if len(events) > MAX_BATCH:
            raise ValidationError(
                _("A batch holds at most %(max)s events; got %(n)s. Split it.", max=MAX_BATCH, n=len(events))
            )
        for pos, event in enumerate(events):
            self._check_envelope(pos, event)

    @api.model
    def _check_envelope(self, pos, event):
        problem = self._envelope_fault(event)
        if problem:
            raise ValidationError(_("event #%(pos)s: %(problem)s", pos=pos, problem=problem))

    @api.model
    def _envelope_fault(self, event):
        """What makes ``event`` malformed (the whole batch is refused), or None."""
        if not isinstance(event, dict):
            return _("it is not an object.")
        for field in ("key", "charger", "action"):
            if not isinstance(event.get(field), str) or not event.get(field):
                return _("'%s' is missing or not a string.", field)
        if len(event["key"]) > 128:
            return _("'key' is longer than 128 characters.")
        if not isinstance(event.get("payload", {}), dict):
            return _("'payload' must be an object.")
        for field in ("response", "meta", "log"):
            if event.get(field) is not None and not isinstance(event[field], dict):
                return _("'%s' must be an object.", field)
        if event.get("version") not in (None, *VERSIONS):
            return _("version %r is not one of 2.0.1, 1.6.", event.get("version"))
        return None

    @api.model
    def _event_vals(self, event, state, session=None, error=False):
        return {
            "key": event.key,
            "charger_identity": event.charger.identity,
            "charger_id": event.charger.id,
            "company_id": event.charger.company_id.id,
            "version": event.version,
            "action": event.action,
            "message_id": event.message_id or False,
            "payload": event.payload or {},
            "response": event.response or False,
            "meta": event.meta or False,
            "has_meta": bool(event.meta),
            "received_at": ev_ocpp.to_naive_utc(event.received),
            "state": state,
            "error": error,
            "session_id": session.id if session else False,
        }

    @api.model
    def _reason(self, action, exc):
        if isinstance(exc, str):
            return exc
        reason = str(exc.args[0]) if getattr(exc, "args", None) else repr(exc)
        if isinstance(exc, (KeyError, TypeError, AttributeError)):
            reason = _(
                "malformed %(action)s payload (%(exc)s: %(msg)s)", action=action, exc=type(exc).__name__, msg=reason
            )
        return reason

    @api.model
    def _reject(self, raw, event, received, problem, rejected):
        """Keep the event as rejected (``problem``: a reason or the exception); returns its result.
        What cannot be stored (an over-long text, a payload over the limits) is shortened or dropped."""
        reason = self._reason(raw["action"], problem)
        _logger.info(
            "ev.ocpp.event %s from %s rejected: %s", raw["key"], ev_ocpp_limits.shorten(raw["charger"]), reason
        )
        shorten = ev_ocpp_limits.shorten
        vals = {
            "key": raw["key"],
            "charger_identity": ev_ocpp_limits.storable(shorten(raw["charger"])),
            "charger_id": event.charger.id if event and event.charger else False,
            "company_id": event.charger.company_id.id if event and event.charger else False,
            "version": raw.get("version") or (event.version if event else False),
            "action": ev_ocpp_limits.storable(shorten(raw["action"])),
            "message_id": ev_ocpp_limits.storable(shorten(raw.get("message_id"))) or False,
            "payload": event.payload if event else False,  # None: over the limits, not kept
            "response": (event.response or False) if event else False,
            "meta": (event.meta or False) if event else False,
            "has_meta": bool(event and event.meta),
            "received_at": ev_ocpp.to_naive_utc(received),
            "state": "rejected",
            "error": ev_ocpp_limits.storable(reason),
        }
        rejected.append(vals)
        return {"key": raw["key"], "status": "rejected", "error": reason}

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
            }
            if event.message_id:
                envelope["message_id"] = event.message_id
            if event.meta:
                envelope["meta"] = event.meta
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
