"""The message log: every OCPP frame, kept in ev.ocpp.message.

Two sources (INGESTION.md): the bridge's ``MessageLog`` pseudo-action (one envelope per frame), and,
contract H, the CALL and CALLRESULT of a handled CALL derived from its event (an envelope with
``log``): the event already carries the CALL's payload and the answer, so the bridge sends one
envelope instead of three.

The log is an append-only audit table written at high volume: the rows of a batch are inserted with
one multi-row INSERT (no ORM per row). A derived CALLRESULT gets its CALL's id at once (the ids are
drawn from the sequence first); the answers of MessageLog envelopes are linked to their CALL with one
UPDATE.
"""

from ...lib import ev_ocpp
from ...lib.ev_ocpp_messages import text
from ..ev_batch import EventRejected
from ..ev_bulk import insert_rows


def message_log_row(env, event):
    """The ev.ocpp.message row of a MessageLog event (raises EventRejected/ValueError for a bad one)."""
    p = event.payload
    if p.get("type") not in ("CALL", "CALLRESULT", "CALLERROR"):
        raise EventRejected(env._("MessageLog type must be CALL, CALLRESULT or CALLERROR, got %r", p.get("type")))
    if p.get("direction") not in ("in", "out"):
        raise EventRejected(env._("MessageLog direction must be 'in' or 'out', got %r", p.get("direction")))
    ts = ev_ocpp.parse_timestamp(p["ts"]) if p.get("ts") else event.received
    return {
        "charger_id": event.charger.id,
        "company_id": event.charger.company_id.id,
        "direction": p["direction"],
        "message_type": p["type"],
        "action": text(p.get("action"), "MessageLog action") or False,
        "unique_id": text(p.get("unique_id"), "MessageLog unique_id") or False,
        "payload": p.get("payload"),
        "timestamp": ev_ocpp.to_naive_utc(ts),
        "timestamp_ms": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event_key": event.key,
    }


def _ms(ts):
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def derived_rows(event):
    """Contract H: the (CALL, CALLRESULT) rows of the handled CALL ``event`` stands for (its ``log``
    says when the answer was decided; a missing or unreadable time is the event's own)."""
    result_ts = event.log.get("result_ts")
    try:
        answered = ev_ocpp.parse_timestamp(result_ts) if result_ts else event.received
    except ValueError:
        answered = event.received
    common = {
        "charger_id": event.charger.id,
        "company_id": event.charger.company_id.id,
        "action": event.action,
        "unique_id": event.message_id or False,
        "event_key": False,  # the line is the event's (same charger and message id), not an envelope's
    }
    call = dict(
        common,
        direction="in",
        message_type="CALL",
        payload=event.payload,
        timestamp=ev_ocpp.to_naive_utc(event.received),
        timestamp_ms=_ms(event.received),
    )
    result = dict(
        common,
        direction="out",
        message_type="CALLRESULT",
        payload=event.response or {},
        timestamp=ev_ocpp.to_naive_utc(answered),
        timestamp_ms=_ms(answered),
    )
    return call, result


def write_message_log(env, rows, pairs=()):
    """Insert the rows of MessageLog envelopes and the (CALL, CALLRESULT) ``pairs`` derived from events
    in one statement (a key already stored is skipped); link the envelopes' answers to their CALL (one
    statement). Returns the new ids."""
    if not rows and not pairs:
        return []
    if pairs:
        env.cr.execute(
            "SELECT nextval(pg_get_serial_sequence('ev_ocpp_message', 'id')) FROM generate_series(1, %s)",
            [2 * len(pairs) + len(rows)],
        )
        free = iter([row[0] for row in env.cr.fetchall()])
        rows = [dict(row, id=next(free), request_id=False) for row in rows]
        for call, result in pairs:
            call_id = next(free)
            rows.append(dict(call, id=call_id, request_id=False))
            rows.append(dict(result, id=next(free), request_id=call_id))
    ids = insert_rows(env, "ev.ocpp.message", rows, conflict="event_key")
    if ids and any(row["event_key"] for row in rows):
        env.cr.execute(
            """
            UPDATE ev_ocpp_message answer
               SET request_id = call.id, action = COALESCE(answer.action, call.action)
              FROM ev_ocpp_message call
             WHERE answer.id = ANY(%s)
               AND answer.message_type != 'CALL'
               AND answer.request_id IS NULL
               AND answer.unique_id IS NOT NULL
               AND call.message_type = 'CALL'
               AND call.unique_id = answer.unique_id
               AND call.charger_id = answer.charger_id
            """,
            [ids],
        )
        env["ev.ocpp.message"].invalidate_model(["request_id", "action"])
    return ids
