"""The state of one ingestion batch (or of a cron closing sessions), passed explicitly to every
handler and pipeline step: never kept in the context.

Plain Python classes, not models: a batch lives for one ``ev.ocpp.event.ingest()`` call.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ..lib import ev_ocpp
from .ev_bulk import write_each

_logger = logging.getLogger(__name__)


class EventRejected(Exception):
    """The event is well-formed but cannot be applied; the message says why."""


#: register and power readings the session pipelines use, read once per batch for all its sessions
PIPELINE_MEASURANDS = (ev_ocpp.ENERGY_REGISTER, "Power.Active.Import")


class SessionBatch:
    """Sessions changed together; their energy and pipelines run once for all of them (see
    ``ev.session._ev_run_pipelines``). ``env`` is the environment the work runs in."""

    def __init__(self, env):
        self.env = env
        self.id = uuid.uuid4().hex
        self.sessions = {}  # session id -> was it completed before the batch?
        self._meter_rows = None
        self.deferred = None  # {session id: {field: value}} while the progress pipeline defers its writes
        self._shown = None  # the same values in cache format

    # --- writes deferred by the progress pipeline ------------------------------------------
    # An active session's pipeline (energy, estimate, live power) changes a few values of it at every
    # batch. Each step writing them on its own cost one ORM write and one row version per step; the
    # steps defer them instead (``ev.session._ev_write_changed``), and the session gets one write at
    # the end. Meanwhile the deferred values are in the record cache (not dirty), so a later step reads
    # what an earlier one computed.
    def defer_writes(self):
        self.deferred, self._shown = {}, {}

    def defer(self, session, vals):
        """Keep ``vals`` of ``session`` for its one write at the end of the pipeline; shown in cache now."""
        self.deferred.setdefault(session.id, {}).update(vals)
        shown = self._shown.setdefault(session.id, {})
        # a monetary value is rounded with its currency: the currency first (write_sequence)
        for fname in sorted(vals, key=lambda name: session._fields[name].write_sequence):
            field = session._fields[fname]
            shown[field] = value = field.convert_to_cache(vals[fname], session)
            self.env.cache.set(session, field, value)

    def deferred_state(self, session=None):
        """A copy of the deferred values (of ``session`` only, when given), to take back those of a step
        that failed (``restore_deferred``)."""
        ids = list(self.deferred) if session is None else [session.id]
        entries = {sid: (dict(self.deferred.get(sid, {})), dict(self._shown.get(sid, {}))) for sid in ids}
        return session is None, entries

    def restore_deferred(self, state):
        """Take the deferred values back to ``state``. The failed step's savepoint cleared the cache: all
        the deferred values are shown again."""
        whole, entries = state
        if whole:
            self.deferred, self._shown = {}, {}
        for sid, (vals, shown) in entries.items():
            self.deferred[sid], self._shown[sid] = vals, shown
        self.show_deferred()

    def show_deferred(self):
        """Put the deferred values in cache again (a savepoint rolled back or an invalidation cleared it)."""
        by_field = defaultdict(dict)
        for sid, shown in self._shown.items():
            for field, value in shown.items():
                by_field[field][sid] = value
        Session = self.env["ev.session"]
        for field, values in by_field.items():
            self.env.cache.update_raw(Session.browse(list(values)), field, list(values.values()))

    def write_deferred(self):
        """End of the deferral: the sessions get their deferred values together (``ev_bulk.write_each``). A
        session whose write fails is logged and keeps its values from before the pipeline (the ingestion
        itself stays)."""
        deferred, self.deferred, self._shown = self.deferred, None, None
        Session = self.env["ev.session"]
        todo = [(Session.browse(sid), vals) for sid, vals in deferred.items() if vals]
        if not todo:
            return
        # the cache shows the values already: forget them there, for write() to see them as changes
        spec = defaultdict(list)
        for session, vals in todo:
            for fname in vals:
                spec[session._fields[fname]].append(session.id)
        self.env.cache.invalidate(list(spec.items()))
        try:
            with self.env.cr.savepoint():
                write_each(todo)
            return
        except Exception:  # noqa: BLE001 - again one by one below, where each failure is logged
            self.env.invalidate_all()
        for session, vals in todo:
            try:
                with self.env.cr.savepoint():
                    session.write(vals)
            except Exception:
                self.env.invalidate_all()
                _logger.exception("ev.session %s: the values of its pipeline could not be written", session.id)

    def pending_session_vals(self):
        """{session id: vals} to write with the sessions' pipeline values (none: see IngestBatch)."""
        return {}

    def _with(self, sessions):
        """This batch for ``sessions`` (none of them completed by it): for one-off energy recomputes."""
        for session in sessions:
            self.sessions.setdefault(session.id, True)
        return self

    def touch(self, session, was_completed):
        """Remember ``session`` changed (and whether it was completed before the batch changed it)."""
        self.sessions.setdefault(session.id, was_completed)

    def meter_rows(self):
        """{session id: [rows]}: the register and power readings (without phase) of every session of the
        batch, in time order, read once. Rows: dicts with timestamp (naive UTC), measurand, value (float),
        context (or False). One SQL query: the ORM's search_read cost more than the pipelines' own work."""
        if self._meter_rows is None:
            MeterValue = self.env["ev.meter.value"]
            MeterValue.flush_model(["session_id", "timestamp", "measurand", "value", "context", "phase"])
            self.env.cr.execute(
                """
                SELECT session_id, "timestamp", measurand, value::float8, context
                  FROM ev_meter_value
                 WHERE session_id = ANY(%s) AND measurand = ANY(%s) AND (phase IS NULL OR phase = '')
                 ORDER BY "timestamp", id
                """,
                [list(self.sessions), list(PIPELINE_MEASURANDS)],
            )
            by_session = defaultdict(list)
            for session_id, timestamp, measurand, value, context in self.env.cr.fetchall():
                by_session[session_id].append(
                    {"timestamp": timestamp, "measurand": measurand, "value": value, "context": context or False}
                )
            self._meter_rows = by_session
        return self._meter_rows

    def settle(self):
        """Run the session pipelines once for every session the batch touched."""
        if self.sessions:
            self.env["ev.session"].browse(list(self.sessions))._ev_run_pipelines(self)
        return True


@dataclass
class Event:
    """One bridge event being applied: the envelope (INGESTION.md) with its charger record."""

    key: str
    charger: object  # ev.charger record
    version: str
    action: str
    payload: dict
    response: dict
    meta: dict | None
    received: datetime  # aware UTC
    message_id: str | None = None
    log: dict | None = None  # contract H: the message log of this CALL is derived from the event
    update: object = None  # a transaction message read (ev_ocpp_handlers.transactions.read_update)


class IngestBatch(SessionBatch):
    """One ``ingest()`` call: the handler table, the sessions known before it, the meter readings of
    the chunk being applied, the chargers' last-seen times."""

    def __init__(self, env, handlers, known_sessions=None):
        super().__init__(env)
        self.handlers = handlers  # {action: handler(batch, event)}
        self.known = known_sessions or {}  # (charger id, transaction id) -> session existing before the batch
        self.looked_up = set()  # (charger id, transaction id) pairs ``known`` was read for (absent: none existed)
        self.created = {}  # (charger id, transaction id) -> session id created by this batch
        self.fresh = set()  # pairs of ``created`` made for the chunk and not taken by an event yet
        self.samples = []  # ev.meter.value vals queued by the chunk being applied
        self.sequences = {}  # session id -> (highest seqNo, its chargingState or None): written at settle
        self.registers = {}  # charger id -> highest register stored (written at settle)
        self.last_seen = {}  # charger id -> naive UTC
        self.connectors = {}  # (charger id, EVSE id, connector id) -> ev.connector of the batch's chargers
        self.tokens = {}  # id token value -> its ev.id.token records (transactions.read_tokens)
        # connectors that may hold an active session (those of the batch's chargers read before it, plus
        # those the batch made active); None: unknown, every new session looks for one to supersede. It is
        # not taken back with a rolled-back chunk: a connector too many only costs a search.
        self.active_connectors = None

    def state(self):
        """What a chunk's savepoint must take back when it is rolled back (see ``restore``)."""
        return dict(self.registers), dict(self.created), set(self.fresh), dict(self.connectors), dict(self.sequences)

    def restore(self, state):
        """Forget what a rolled-back chunk added: its queued readings and sequence numbers, registers,
        sessions and connectors (it may have created them)."""
        self.samples = []
        self.registers, self.created, self.fresh = dict(state[0]), dict(state[1]), set(state[2])
        self.connectors, self.sequences = dict(state[3]), dict(state[4])

    def pending_session_vals(self):
        """{session id: vals} the batch's events left to write (the highest seqNo and its chargingState):
        an active session gets them with its pipeline's values, in its one write of the batch."""
        pending, self.sequences = self.sequences, {}
        out = {}
        for session_id, (seq_no, charging_state) in pending.items():
            out[session_id] = {"last_seq_no": seq_no}
            if charging_state:
                out[session_id]["charging_state"] = charging_state
        return out

    def connector(self, charger, evse_id, connector_id=None):
        """``charger._get_connector(evse_id, connector_id)`` (created on first sight), from the connectors
        the batch read for its chargers in one query (``ev.ocpp.event._connectors_of``) or looked up once:
        a station names its EVSE at every transaction event."""
        try:
            key = (charger.id, int(evse_id), int(1 if connector_id is None else connector_id))
        except (TypeError, ValueError):
            return charger._get_connector(evse_id, connector_id)  # which says what is wrong
        if key not in self.connectors:
            self.connectors[key] = charger._get_connector(evse_id, connector_id)
        return self.connectors[key].with_env(charger.env)

    def note_sequence(self, session, seq_no, charging_state):
        """An event of ``session`` carried ``seq_no`` (and ``charging_state``): the highest seqNo seen wins,
        with the chargingState of the events that raised it (an event without one keeps the last). Kept
        until the batch settles (``pending_session_vals``): written with the session's pipeline values,
        not per event nor per chunk."""
        last, state = self.sequences.get(session.id, (session.last_seq_no, None))
        if seq_no >= last:
            self.sequences[session.id] = (seq_no, charging_state or state)

    def may_supersede(self, session):
        """Can a session other than ``session`` be active on its connector? (False: no search needed.)"""
        return self.active_connectors is None or session.connector_id.id in self.active_connectors

    def note_active(self, session):
        if self.active_connectors is not None and session.connector_id:
            self.active_connectors.add(session.connector_id.id)

    def saw(self, charger, received):
        """The station spoke at ``received`` (aware UTC)."""
        naive = ev_ocpp.to_naive_utc(received)
        if naive > self.last_seen.get(charger.id, naive) or charger.id not in self.last_seen:
            self.last_seen[charger.id] = naive

    def ts(self, payload_ts, received):
        """(naive UTC time, fixed?) of a charger timestamp; one before 2010 is replaced by ``received``."""
        ts, fixed = ev_ocpp.sane_timestamp(payload_ts, received)
        return ev_ocpp.to_naive_utc(ts), fixed

    def settle(self):
        """Last-seen times and registers of the chargers, then the session pipelines. The chargers' registers
        are written together; those seen at the same second (a Datetime keeps no fraction) get their
        last-seen time in one write."""
        Charger = self.env["ev.charger"]
        write_each(
            [
                (charger, {"last_meter_wh": self.registers[charger.id]})
                for charger in Charger.browse(list(self.registers)).exists()
                if self.registers[charger.id] > (charger.last_meter_wh or 0.0)
            ]
        )
        by_second = defaultdict(list)
        for charger in Charger.browse(list(self.last_seen)).exists():
            when = self.last_seen[charger.id].replace(microsecond=0)
            if not charger.last_seen or charger.last_seen < when:
                by_second[when].append(charger.id)
        for when, ids in by_second.items():
            Charger.browse(ids).write({"last_seen": when})
        return super().settle()
