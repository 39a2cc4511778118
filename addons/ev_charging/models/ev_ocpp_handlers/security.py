"""Functional block A (security): security events go to the station's chatter."""

from ...lib.ev_ocpp_messages import LONG, text


def security_event(batch, event):
    payload = event.payload
    event.charger.message_post(
        body=batch.env._(
            "Security event %(type)s at %(ts)s %(info)s",
            type=text(payload["type"], "type"),
            ts=text(payload.get("timestamp"), "timestamp"),
            info=text(payload.get("techInfo"), "techInfo", LONG),
        )
    )
    return None


HANDLERS = {"SecurityEventNotification": security_event}
