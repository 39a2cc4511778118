"""The bridge's ``Connection`` pseudo-action: a station connected to or left a bridge node."""

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
            }
        )
    else:
        # a disconnect reported by a node that no longer holds the station, or older than the current
        # connection, is stale (the station reconnected elsewhere)
        if (node and charger.node_id and node != charger.node_id) or (
            charger.connected_since and charger.connected_since > when
        ):
            return None
        charger.write({"connection_state": "disconnected", "node_id": False})
    if node:
        node.sudo().last_seen = when
    return None


HANDLERS = {"Connection": connection}
