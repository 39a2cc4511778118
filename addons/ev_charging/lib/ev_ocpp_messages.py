"""What the charger messages say, in one shape for both OCPP versions (pure: no Odoo import).

Each function reads one message's payload (1.6 or 2.0.1, as the bridge forwards it) and returns a
version-free record; the Odoo handlers (models/ev_ocpp_handlers) apply those records. A payload that
contradicts the schema raises ValueError/KeyError/TypeError with the reason: the event is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

try:  # inside Odoo the lib is a package; the odoo-free unit tests import the modules by name
    from . import ev_ocpp
except ImportError:  # pragma: no cover
    import ev_ocpp

#: texts stored in indexed or short columns: OCPP caps them at 50 characters or less
SHORT = 64
#: free texts (info, techInfo): OCPP caps them at 500
LONG = 1000
#: idToken: 36 characters in 2.0.1, idTag 20 in 1.6
TOKEN = 64


def text(value, what: str, limit: int = SHORT) -> str:
    return ev_ocpp.bounded_text(value, what, limit)


def integer(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what} must be an integer, got {value!r}") from None


# --- Boot ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str = ""
    firmware_version: str = ""


def boot_notification(payload: dict, version: str) -> BootInfo:
    if version == "1.6":
        return BootInfo(
            text(payload["chargePointVendor"], "chargePointVendor"),
            text(payload["chargePointModel"], "chargePointModel"),
            text(payload.get("chargePointSerialNumber") or payload.get("chargeBoxSerialNumber"), "serial number"),
            text(payload.get("firmwareVersion"), "firmwareVersion"),
        )
    station = payload["chargingStation"]
    return BootInfo(
        text(station["vendorName"], "vendorName"),
        text(station["model"], "model"),
        text(station.get("serialNumber"), "serialNumber"),
        text(station.get("firmwareVersion"), "firmwareVersion"),
    )


# --- Status ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusReport:
    """A connector's status (or the station's, ``station``), as 2.0.1 ConnectorStatus plus what was sent."""

    station: bool
    evse_id: int
    connector_id: int
    status: str  # 2.0.1 ConnectorStatus
    reported: str  # as sent (1.6 sub-states such as Charging or SuspendedEV)
    timestamp: str | None = None
    error_code: str = ""
    vendor_error_code: str = ""
    vendor_id: str = ""
    info: str = ""


def status_notification(payload: dict, version: str) -> StatusReport:
    """StatusNotification of either version. The station as a whole (1.6 connector 0, 2.0.1 EVSE 0) is
    a station-level report in both; a connector of an EVSE is numbered from 1."""
    if version == "1.6":
        evse_id, connector_id = integer(payload["connectorId"], "connectorId"), 1
        reported = text(payload["status"], "status")
        error = text(payload.get("errorCode"), "errorCode")
        error = "" if error == "NoError" else error
        station = evse_id == 0
        extra = {
            "error_code": error,
            "vendor_error_code": text(payload.get("vendorErrorCode"), "vendorErrorCode", LONG),
            "vendor_id": text(payload.get("vendorId"), "vendorId", LONG),
            "info": text(payload.get("info"), "info", LONG),
        }
    else:
        evse_id = integer(payload["evseId"], "evseId")
        connector_id = integer(payload["connectorId"], "connectorId")
        reported = text(payload["connectorStatus"], "connectorStatus")
        station = evse_id == 0
        extra = {}
    if evse_id < 0 or (not station and connector_id < 1):
        raise ValueError(
            f"EVSE ids start at 0 (the station) and connector ids at 1 (got EVSE {evse_id}, connector {connector_id})"
        )
    return StatusReport(
        station,
        evse_id,
        0 if station else connector_id,
        ev_ocpp.normalize_status(reported, version),
        reported,
        payload.get("timestamp"),
        **extra,
    )


def availability_events(payload: dict) -> list[StatusReport]:
    """The connector statuses a 2.0.1 NotifyEvent reports (component Connector, variable
    AvailabilityState); other event data is ignored."""
    reports = []
    for data in payload["eventData"]:
        component = data["component"]
        if (
            component.get("name") != ev_ocpp.AVAILABILITY_COMPONENT
            or data["variable"].get("name") != ev_ocpp.AVAILABILITY_VARIABLE
        ):
            continue
        evse = component.get("evse") or {}
        if not evse.get("id"):
            continue
        reported = text(data["actualValue"], "actualValue")
        reports.append(
            StatusReport(
                False,
                integer(evse["id"], "evse.id"),
                integer(evse.get("connectorId") or 1, "evse.connectorId"),
                ev_ocpp.normalize_status(reported, "2.0.1"),
                reported,
                data.get("timestamp"),
                error_code=text(data.get("techCode"), "techCode"),
                info=text(data.get("techInfo"), "techInfo", LONG),
            )
        )
    return reports


# --- Transactions -------------------------------------------------------------------------------
STARTED, UPDATED, ENDED = "started", "updated", "ended"
EVENT_TYPES = {"Started": STARTED, "Updated": UPDATED, "Ended": ENDED}


@dataclass(frozen=True)
class TransactionUpdate:
    """One step of a transaction, whatever the version: 2.0.1 TransactionEvent, 1.6 StartTransaction
    (``started``) or StopTransaction (``ended``).

    ``meter_start``/``meter_stop`` are the register at the start and stop as the station reported them
    (1.6 meterStart/meterStop, 2.0.1 Transaction.Begin/Transaction.End readings): the one place both
    versions hand the energy rules their start and stop (ev_ocpp.register_energy)."""

    transaction_id: str
    kind: str
    timestamp: str | None
    evse_id: int | None = None
    connector_id: int = 1
    seq_no: int | None = None
    charging_state: str = ""
    stop_reason: str = ""
    remote_start_id: int = 0
    offline: bool = False
    id_token: str = ""
    token_type: str = ""
    meter_start: Decimal | None = None
    meter_stop: Decimal | None = None
    samples: list = field(default_factory=list)


def transaction_id(value) -> str:
    tx = "" if value is None else str(value)
    if not tx or len(tx) > 36:
        raise ValueError(f"transactionId {tx[:40]!r} must be 1 to 36 characters")
    return tx


def _anchor(samples, context):
    """The transaction's register reading of ``context`` (Transaction.Begin/End), or None."""
    for sample in samples:
        if sample.measurand == ev_ocpp.ENERGY_REGISTER and not sample.phase and sample.context == context:
            return sample.value
    return None


def transaction_event(payload: dict) -> TransactionUpdate:
    """2.0.1 TransactionEvent."""
    info = payload["transactionInfo"]
    kind = EVENT_TYPES.get(payload["eventType"])
    if not kind:
        raise ValueError(f"TransactionEvent eventType {payload['eventType']!r} is not Started, Updated or Ended")
    evse = payload.get("evse") or {}
    token = payload.get("idToken") or {}
    samples = ev_ocpp.parse_meter_values(payload.get("meterValue") or [], "2.0.1")
    return TransactionUpdate(
        transaction_id(info["transactionId"]),
        kind,
        payload["timestamp"],
        evse_id=integer(evse["id"], "evse.id") if evse.get("id") else None,
        connector_id=integer(evse.get("connectorId") or 1, "evse.connectorId"),
        seq_no=integer(payload["seqNo"], "seqNo"),
        charging_state=text(info.get("chargingState"), "chargingState"),
        stop_reason=text(info.get("stoppedReason"), "stoppedReason") or ("Local" if kind == ENDED else ""),
        remote_start_id=integer(info["remoteStartId"], "remoteStartId") if info.get("remoteStartId") else 0,
        offline=bool(payload.get("offline")),
        id_token=text(token.get("idToken"), "idToken", TOKEN),
        token_type=text(token.get("type"), "idToken type"),
        meter_start=_anchor(samples, ev_ocpp.BEGIN_CONTEXT),
        meter_stop=_anchor(samples, ev_ocpp.END_CONTEXT),
        samples=samples,
    )


def _register(value) -> Decimal:
    """A 1.6 meterStart/meterStop (integer Wh)."""
    return ev_ocpp.normalize_value(value, "Wh", ev_ocpp.ENERGY_REGISTER)[0]


def start_transaction(payload: dict, response: dict) -> TransactionUpdate:
    """1.6 StartTransaction; the transaction id is the one the bridge issued (``response``)."""
    if response.get("transactionId") in (None, ""):
        raise ValueError("StartTransaction needs the transactionId the bridge issued (response.transactionId)")
    return TransactionUpdate(
        transaction_id(response["transactionId"]),
        STARTED,
        payload["timestamp"],
        evse_id=integer(payload["connectorId"], "connectorId"),
        id_token=text(payload.get("idTag"), "idTag", TOKEN),
        meter_start=_register(payload["meterStart"]),
    )


def stop_transaction(payload: dict) -> TransactionUpdate:
    """1.6 StopTransaction (its transactionData are the session's readings)."""
    return TransactionUpdate(
        transaction_id(payload["transactionId"]),
        ENDED,
        payload["timestamp"],
        stop_reason=text(payload.get("reason"), "reason") or "Local",
        id_token=text(payload.get("idTag"), "idTag", TOKEN),
        meter_stop=_register(payload["meterStop"]),
        samples=ev_ocpp.parse_meter_values(payload.get("transactionData") or [], "1.6"),
    )


# --- Meter values ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeterReport:
    """MeterValues of either version: the EVSE (1.6 connector) or 0 for the station's main meter, the
    transaction when the station named it (1.6 only), the readings."""

    evse_id: int
    transaction_id: str | None
    samples: list


def meter_values(payload: dict, version: str) -> MeterReport:
    samples = ev_ocpp.parse_meter_values(payload["meterValue"], version)
    if version == "1.6":
        tx = payload.get("transactionId")
        return MeterReport(
            integer(payload["connectorId"], "connectorId"), transaction_id(tx) if tx is not None else None, samples
        )
    return MeterReport(integer(payload["evseId"], "evseId"), None, samples)
