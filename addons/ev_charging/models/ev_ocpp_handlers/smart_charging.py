"""Functional block K (smart charging): 2.0.1 NotifyChargingLimit / ClearedChargingLimit, a limit set
on the station from outside the CSMS (an energy management system, the grid operator...). The
source is kept on the charger and noted in its chatter."""

from ...lib.ev_ocpp_messages import text


def notify_charging_limit(batch, event):
    payload = event.payload
    limit = payload["chargingLimit"]
    source = text(limit["chargingLimitSource"], "chargingLimitSource")
    event.charger.charging_limit_source = source
    event.charger.message_post(
        body=batch.env._(
            "External charging limit from %(origin)s%(critical)s (EVSE %(evse)s).",
            origin=source,
            critical=batch.env._(", grid critical") if limit.get("isGridCritical") else "",
            evse=payload.get("evseId") or 0,
        )
    )
    return None


def cleared_charging_limit(batch, event):
    source = text(event.payload["chargingLimitSource"], "chargingLimitSource")
    if event.charger.charging_limit_source == source:
        event.charger.charging_limit_source = False
    event.charger.message_post(body=batch.env._("External charging limit from %s cleared.", source))
    return None


HANDLERS = {
    "NotifyChargingLimit": notify_charging_limit,
    "ClearedChargingLimit": cleared_charging_limit,
}
