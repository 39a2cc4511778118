"""The bridge's ``MessageLog`` pseudo-action: every OCPP frame, kept in ev.ocpp.message.

The log is an append-only audit table written at high volume: the rows of a batch are inserted with
one multi-row INSERT (no ORM per row), then their CALLRESULT/CALLERROR rows are linked to their CALL
with one UPDATE.
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


def write_message_log(env, rows):
    """Insert the rows (one statement, a key already stored is skipped), link the answers to their CALL
    (one statement); returns the new ids."""
    if not rows:
        return []
    ids = insert_rows(env, "ev.ocpp.message", rows, conflict="event_key")
    if ids:
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
