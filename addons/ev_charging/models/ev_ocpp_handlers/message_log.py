"""The bridge's ``MessageLog`` pseudo-action: every OCPP frame, kept in ev.ocpp.message.

The log is an append-only audit table written at high volume: the rows of a batch are inserted with
one multi-row INSERT (no ORM per row), then their CALLRESULT/CALLERROR rows are linked to their CALL
with one UPDATE.
"""

import json

from odoo import _

from ...lib import ev_ocpp
from ...lib.ev_ocpp_messages import text
from ..ev_batch import EventRejected

COLUMNS = (
    "charger_id",
    "company_id",
    "direction",
    "message_type",
    "action",
    "unique_id",
    "payload",
    "timestamp",
    "timestamp_ms",
    "event_key",
)


def message_log_row(event):
    """The ev.ocpp.message row of a MessageLog event (raises EventRejected/ValueError for a bad one)."""
    p = event.payload
    if p.get("type") not in ("CALL", "CALLRESULT", "CALLERROR"):
        raise EventRejected(_("MessageLog type must be CALL, CALLRESULT or CALLERROR, got %r", p.get("type")))
    if p.get("direction") not in ("in", "out"):
        raise EventRejected(_("MessageLog direction must be 'in' or 'out', got %r", p.get("direction")))
    ts = ev_ocpp.parse_timestamp(p["ts"]) if p.get("ts") else event.received
    return (
        event.charger.id,
        event.charger.company_id.id or None,
        p["direction"],
        p["type"],
        text(p.get("action"), "MessageLog action") or None,
        text(p.get("unique_id"), "MessageLog unique_id") or None,
        json.dumps(p.get("payload"), ensure_ascii=False) if p.get("payload") is not None else None,
        ev_ocpp.to_naive_utc(ts),
        ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        event.key,
    )


def write_message_log(env, rows):
    """Insert the rows (one statement), link answers to their CALL; returns the new ids."""
    if not rows:
        return []
    Message = env["ev.ocpp.message"]
    Message.flush_model()
    placeholders = ", ".join(
        ["(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')"]
        * len(rows)
    )
    params = [value for row in rows for value in (*row, env.uid, env.uid)]
    env.cr.execute(
        f"INSERT INTO ev_ocpp_message ({', '.join(COLUMNS)}, create_uid, write_uid, create_date, write_date) "  # noqa: S608 - fixed columns
        f"VALUES {placeholders} ON CONFLICT (event_key) DO NOTHING RETURNING id",
        params,
    )
    ids = [row[0] for row in env.cr.fetchall()]
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
    Message.invalidate_model()
    return ids
