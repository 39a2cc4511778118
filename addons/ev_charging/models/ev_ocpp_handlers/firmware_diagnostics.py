"""Functional blocks L and N: firmware update and log upload (1.6 diagnostics) status of the station.

The current status stays on the charger (``firmware_status``, ``diagnostics_status``); each
notification is also a dated row of its history (ev.maintenance.status), with the 2.0.1
``requestId`` linking it to the UpdateFirmware / GetLog command."""

from ...lib import ev_ocpp
from ...lib.ev_ocpp_messages import integer, text


def _history(batch, event, kind):
    status = text(event.payload["status"], "status")
    request_id = event.payload.get("requestId")
    batch.env["ev.maintenance.status"]._record(
        event.charger,
        kind,
        status,
        ev_ocpp.to_naive_utc(event.received),
        integer(request_id, "requestId") if request_id is not None else None,
    )
    return status


def firmware_status(batch, event):
    event.charger.firmware_status = _history(batch, event, "firmware")
    return None


def log_status(batch, event):
    event.charger.diagnostics_status = _history(batch, event, "log")
    return None


HANDLERS = {
    "FirmwareStatusNotification": firmware_status,
    "LogStatusNotification": log_status,
    "DiagnosticsStatusNotification": log_status,
}
