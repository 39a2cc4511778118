"""Functional block B (provisioning): BootNotification."""

from ...lib import ev_ocpp, ev_ocpp_messages


def boot_notification(batch, event):
    charger = event.charger
    boot = ev_ocpp_messages.boot_notification(event.payload, event.version)
    charger.write(
        {
            "vendor_reported": boot.vendor,
            "model_reported": boot.model,
            "serial_number": boot.serial_number or charger.serial_number,
            "firmware_version": boot.firmware_version or charger.firmware_version,
            "last_boot": ev_ocpp.to_naive_utc(event.received),
            "ocpp_version": event.version,
        }
    )
    return None


HANDLERS = {"BootNotification": boot_notification}
