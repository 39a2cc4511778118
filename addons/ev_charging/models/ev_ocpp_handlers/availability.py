"""Functional block G (availability): Heartbeat and StatusNotification, and the connector availability
2.0.1 stations report through NotifyEvent. Both versions go through ev_ocpp_messages.StatusReport."""

from ...lib import ev_ocpp_messages


def heartbeat(batch, event):
    return None


def apply_status(batch, charger, report, received):
    """Record one StatusReport: the station's own status, or the connector's status history."""
    when, _fixed = batch.ts(report.timestamp, received)
    if report.station:
        charger.write({"station_status": report.reported})
        batch.env["ev.live"]._queue(charger)
        if report.status == "Faulted":
            charger.message_post(
                body=batch.env._("Station reported Faulted: %s", report.error_code or report.info or "")
            )
        return
    connector = charger._get_connector(report.evse_id, report.connector_id)
    batch.env["ev.connector"]._apply_status(
        connector,
        report.status,
        when,
        report.error_code or None,
        report.vendor_error_code or None,
        report.vendor_id or None,
        report.info or None,
        report.reported,
    )


def status_notification(batch, event):
    report = ev_ocpp_messages.status_notification(event.payload, event.version)
    apply_status(batch, event.charger, report, event.received)
    return None


def notify_event(batch, event):
    for report in ev_ocpp_messages.availability_events(event.payload):
        apply_status(batch, event.charger, report, event.received)
    return None


HANDLERS = {
    "Heartbeat": heartbeat,
    "StatusNotification": status_notification,
    "NotifyEvent": notify_event,
}
