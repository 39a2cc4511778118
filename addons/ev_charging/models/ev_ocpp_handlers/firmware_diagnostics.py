"""Functional blocks L and N: firmware update and log upload (1.6 diagnostics) status of the station."""

from ...lib.ev_ocpp_messages import text


def firmware_status(batch, event):
    event.charger.firmware_status = text(event.payload["status"], "status")
    return None


def log_status(batch, event):
    event.charger.diagnostics_status = text(event.payload["status"], "status")
    return None


HANDLERS = {
    "FirmwareStatusNotification": firmware_status,
    "LogStatusNotification": log_status,
    "DiagnosticsStatusNotification": log_status,
}
