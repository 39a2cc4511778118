"""The bridge's ``Connection`` pseudo-action: a station connected to or left a bridge node.

Each accepted connection or disconnection is kept in the station's connection history
(ev.connection.history: the operational and NEVI uptime read it), is pushed live to the open
screens (ev.live, once per record per transaction) and may notify (back online after an offline
alert: ev.notification.event)."""

from ...lib import ev_ocpp
from ...lib.ev_ocpp_messages import text
from ..ev_batch import EventRejected


def connection(batch, event):
    payload, charger = event.payload, event.charger
    state = payload["state"]
    if state not in ("connected", "disconnected"):
        raise EventRejected(batch.env._("Connection state must be 'connected' or 'disconnected', got %r", state))
    when = ev_ocpp.to_naive_utc(event.received)
    node_name = text(payload.get("node"), "node")
    node = batch.env["ev.bridge.node"]._get_or_create(node_name) if node_name else False
    if state == "connected":
        if charger.connected_since and charger.connected_since > when:
            return None  # a later connection is already known
        charger.write(
            {
                "connection_state": "connected",
                "connected_since": when,
                "last_seen": when,
                "node_id": node.id if node else False,
                "disconnected_at": False,
            }
        )
    else:
        # a disconnect reported by a node that no longer holds the station, or older than the current
        # connection, is stale (the station reconnected elsewhere)
        if (node and charger.node_id and node != charger.node_id) or (
            charger.connected_since and charger.connected_since > when
        ):
            return None
        already = charger.connection_state == "disconnected" and charger.disconnected_at
        charger.write({"connection_state": "disconnected", "node_id": False, "disconnected_at": already or when})
    if node:
        node._seen(when)
    env = batch.env
    env["ev.connection.history"]._record(charger, state, when, node)
    if state == "connected" and charger.offline_alerted:
        charger.offline_alerted = False
        env["ev.notification.event"]._notify(charger, "online", when)
    env["ev.live"]._queue(charger)
    return None


HANDLERS = {"Connection": connection}
