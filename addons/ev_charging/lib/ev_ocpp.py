"""Pure OCPP rules for ev_charging: no Odoo import, unit-tested in tests/unit.

One place per rule: the 1.6 → 2.0.1 status mapping, unit normalisation of sampled values,
timestamp sanity, session energy from meter registers, and status-period durations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

# --- Connector status -------------------------------------------------------------------------

#: OCPP 2.0.1 ConnectorStatusEnumType — the statuses Odoo stores.
STATUSES_201 = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")

#: OCPP 1.6 ChargePointStatus → 2.0.1 ConnectorStatus. 1.6's charging sub-states all mean the
#: connector is in use ("Occupied"); the detail is kept as ``ocpp16_status`` on the history line.
STATUS_16_TO_201 = {
    "Available": "Available",
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "SuspendedEVSE": "Occupied",
    "SuspendedEV": "Occupied",
    "Finishing": "Occupied",
    "Reserved": "Reserved",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}

#: 2.0.1 NotifyEvent reports connector status through the component "Connector", variable
#: "AvailabilityState"; its actualValue uses the ConnectorStatus names.
AVAILABILITY_COMPONENT = "Connector"
AVAILABILITY_VARIABLE = "AvailabilityState"


def normalize_status(status: str, version: str) -> str:
    """Return the 2.0.1 connector status for a status string of the given OCPP version.

    Raises ValueError for a status the version does not define.
    """
    if version == "1.6":
        try:
            return STATUS_16_TO_201[status]
        except KeyError:
            raise ValueError(f"unknown OCPP 1.6 status {status!r}") from None
    if status not in STATUSES_201:
        raise ValueError(f"unknown OCPP 2.0.1 connector status {status!r}")
    return status


# --- Sampled values ---------------------------------------------------------------------------

#: unit → (standard unit, factor to multiply by)
UNIT_FACTORS = {
    "Wh": ("Wh", Decimal(1)),
    "kWh": ("Wh", Decimal(1000)),
    "varh": ("varh", Decimal(1)),
    "kvarh": ("varh", Decimal(1000)),
    "W": ("W", Decimal(1)),
    "kW": ("W", Decimal(1000)),
    "VA": ("VA", Decimal(1)),
    "kVA": ("VA", Decimal(1000)),
    "var": ("var", Decimal(1)),
    "kvar": ("var", Decimal(1000)),
    "A": ("A", Decimal(1)),
    "V": ("V", Decimal(1)),
    "Celsius": ("Celsius", Decimal(1)),
    "Celcius": ("Celsius", Decimal(1)),  # misspelled in the OCPP 1.6 schema itself
    "Fahrenheit": ("Fahrenheit", Decimal(1)),
    "K": ("K", Decimal(1)),
    "Percent": ("Percent", Decimal(1)),
    "Hertz": ("Hertz", Decimal(1)),
    "s": ("s", Decimal(1)),
}

#: default unit of a measurand when the charger gives none (OCPP: Wh for energy, W for power…)
DEFAULT_UNITS = {
    "Energy": "Wh",
    "Power.Active": "W",
    "Power.Offered": "W",
    "Power.Reactive": "var",
    "Power.Factor": "Percent",
    "Current": "A",
    "Voltage": "V",
    "Frequency": "Hertz",
    "Temperature": "Celsius",
    "SoC": "Percent",
    "RPM": "s",
}

ENERGY_REGISTER = "Energy.Active.Import.Register"
DEFAULT_MEASURAND = ENERGY_REGISTER  # both versions: a sampled value without measurand


def default_unit(measurand: str) -> str:
    for prefix, unit in DEFAULT_UNITS.items():
        if measurand.startswith(prefix):
            return unit
    return ""


@dataclass(frozen=True)
class Sample:
    timestamp: datetime
    measurand: str
    value: Decimal  # in ``unit``
    unit: str
    phase: str = ""
    context: str = ""
    location: str = ""


def normalize_value(raw_value, unit: str | None, measurand: str, multiplier: int = 0) -> tuple[Decimal, str]:
    """Return ``(value, standard unit)`` for one sampled value.

    ``multiplier`` is 2.0.1's ``unitOfMeasure.multiplier`` (a power of ten). 1.6 sends the value
    as a string; 2.0.1 as a number. Raises ValueError for a non-numeric value or unknown unit.
    """
    try:
        value = Decimal(str(raw_value).strip())
    except Exception:
        raise ValueError(f"sampled value {raw_value!r} of {measurand} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"sampled value {raw_value!r} of {measurand} is not a finite number")
    unit = unit or default_unit(measurand)
    if unit:
        if unit not in UNIT_FACTORS:
            raise ValueError(f"unknown unit {unit!r} for {measurand}")
        unit, factor = UNIT_FACTORS[unit]
        value *= factor
    if multiplier:
        value = value.scaleb(int(multiplier))
    return value, unit


#: longest text accepted in a sampled value's measurand, phase, context, location or unit (all are OCPP
#: enumerations of at most 30 characters; the measurand is an indexed column)
MAX_SAMPLE_TEXT = 64


def bounded_text(value, what: str, limit: int) -> str:
    """``value`` as a string of at most ``limit`` characters ('' for None); ValueError otherwise."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters long (at most {limit}): {value[:40]!r}...")
    return value


def parse_meter_values(meter_values: list, version: str) -> list[Sample]:
    """Flatten OCPP ``meterValue`` entries (both versions) into normalised samples."""
    samples = []
    for mv in meter_values or []:
        ts = parse_timestamp(mv["timestamp"])
        for sv in mv.get("sampledValue") or mv.get("sampled_value") or []:
            measurand = bounded_text(sv.get("measurand"), "measurand", MAX_SAMPLE_TEXT) or DEFAULT_MEASURAND
            if version == "1.6":
                unit, multiplier = sv.get("unit"), 0
            else:
                uom = sv.get("unitOfMeasure") or {}
                unit, multiplier = uom.get("unit"), uom.get("multiplier", 0)
            value, unit = normalize_value(
                sv["value"], bounded_text(unit, "unit", MAX_SAMPLE_TEXT), measurand, multiplier
            )
            samples.append(
                Sample(
                    ts,
                    measurand,
                    value,
                    unit,
                    bounded_text(sv.get("phase"), "phase", MAX_SAMPLE_TEXT),
                    bounded_text(sv.get("context"), "context", MAX_SAMPLE_TEXT),
                    bounded_text(sv.get("location"), "location", MAX_SAMPLE_TEXT),
                )
            )
    return samples


# --- Time -------------------------------------------------------------------------------------

#: a charger whose clock is unset reports 1970; anything before this is not a real event time
EARLIEST_PLAUSIBLE = datetime(2010, 1, 1, tzinfo=UTC)


def parse_timestamp(value: str) -> datetime:
    """Parse an OCPP date-time (RFC 3339) into an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"timestamp {value!r} is not an RFC 3339 date-time string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"timestamp {value!r} is not an RFC 3339 date-time") from None
    if ts.tzinfo is None:  # OCPP requires an offset; a naive one is read as UTC
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


def sane_timestamp(value: str | None, received: datetime) -> tuple[datetime, bool]:
    """Return ``(timestamp, fixed)``: a charger time before 2010 is replaced by ``received``."""
    if not value:
        return received, True
    ts = parse_timestamp(value)
    if ts < EARLIEST_PLAUSIBLE:
        return received, True
    return ts, False


def to_naive_utc(ts: datetime) -> datetime:
    """Odoo stores datetimes as naive UTC."""
    return ts.astimezone(UTC).replace(tzinfo=None)


# --- Energy -----------------------------------------------------------------------------------

#: above this, a single session's register delta is not believable (1 MWh)
IMPLAUSIBLE_SESSION_WH = Decimal(1_000_000)


@dataclass(frozen=True)
class EnergyResult:
    energy_kwh: Decimal
    meter_start_wh: Decimal | None
    meter_stop_wh: Decimal | None
    start_fixed: bool = False  # a meter start of 0 on a cumulative register was replaced
    unreliable: bool = False  # not enough data to tell; energy set to 0 for review


BEGIN_CONTEXT = "Transaction.Begin"
END_CONTEXT = "Transaction.End"


def session_energy(
    meter_start: Decimal | None,
    meter_stop: Decimal | None,
    register_samples: list[Decimal],
    last_known_register: Decimal | None = None,
    register_kind: str | None = None,
) -> EnergyResult:
    """Energy delivered by a session, in kWh (3 decimals, half-up).

    Works for both kinds of meter register:

    * **per-transaction** registers count from 0 at each start: ``stop − start`` with start 0;
    * **cumulative** (lifetime) registers: ``stop − start``.

    ``meter_start``/``meter_stop`` are what the station reported as the transaction's start and stop
    (1.6 meterStart/meterStop, 2.0.1 Transaction.Begin/Transaction.End readings). ``register_samples``
    are the session's other Energy.Active.Import.Register values (Wh) in time order (see
    ``register_energy``, which drops the Transaction.End readings: they are the stop). When the start
    is unknown it is the first sample; when the stop is unknown it is the largest sample (the register
    never decreases during a session).

    The trap, the same in both versions: an offline transaction on a cumulative register that reports
    a start of 0 would bill the charger's lifetime energy. A start of 0 is distrusted when the
    session's first reading above 0 is at or above the charger's last known register, or is larger
    than any session could deliver; that reading then stands in for the start (``start_fixed``).
    Readings of 0 are no evidence either way (a 2.0.1 station stores its Transaction.Begin reading of
    0 among the samples). Without any reading to stand in, the last known register does, else the
    energy is 0 and ``unreliable``.

    ``register_kind`` settles the question when it is known: ``"per_transaction"`` (a start of 0 is
    real), ``"cumulative"`` (a start of 0 with readings above 0 is the offline trap); ``None`` uses
    the heuristics above.
    """
    samples = [Decimal(v) for v in register_samples if v is not None]
    start = Decimal(meter_start) if meter_start is not None else (samples[0] if samples else None)
    stop = Decimal(meter_stop) if meter_stop is not None else (max(samples) if samples else None)
    if start is None:
        return EnergyResult(Decimal("0.000"), None, stop, unreliable=stop is not None)
    if stop is None:
        stop = start
    fixed = unreliable = False
    if start == 0:
        start, fixed, unreliable = _zero_start(samples, stop, last_known_register, register_kind)
    delta = stop - start
    if delta < 0:
        # register reset or wrapped mid-session: never bill a negative or lifetime value
        delta, unreliable = Decimal(0), True
    kwh = (delta / Decimal(1000)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return EnergyResult(kwh, start, stop, fixed, unreliable)


def _zero_start(samples, stop, last_known_register, register_kind):
    """(start, fixed, unreliable) for a reported start of 0 (see session_energy)."""
    above_zero = [v for v in samples if v > 0]
    reference = above_zero[0] if above_zero else stop
    known = Decimal(last_known_register) if last_known_register else Decimal(0)
    if register_kind == "per_transaction":
        cumulative = False
    elif register_kind == "cumulative":
        cumulative = reference > 0
    else:
        cumulative = (known > 0 and reference >= known) or reference > IMPLAUSIBLE_SESSION_WH
    if not cumulative:
        return Decimal(0), False, False
    if above_zero:
        return above_zero[0], True, False
    if 0 < known <= stop:
        return known, True, False
    return stop, False, True


def register_energy(
    meter_start: Decimal | None,
    meter_stop: Decimal | None,
    readings: list[tuple[Decimal, str]],
    last_known_register: Decimal | None = None,
    register_kind: str | None = None,
) -> EnergyResult:
    """``session_energy`` from a session's stored register readings ``(value, context)`` in time order,
    whatever OCPP version reported them: the Transaction.End readings are the stop, not samples."""
    samples = [value for value, context in readings if context != END_CONTEXT]
    if meter_stop is None and len(samples) < len(readings):
        meter_stop = max(value for value, context in readings if context == END_CONTEXT)
    return session_energy(meter_start, meter_stop, samples, last_known_register, register_kind)


# --- Status periods ---------------------------------------------------------------------------


def duration_seconds(start: datetime, end: datetime | None, now: datetime) -> int:
    """Length of a status period in whole seconds; an open period runs until ``now``."""
    return max(0, int(((end or now) - start).total_seconds()))


def overlap_seconds(
    start: datetime, end: datetime | None, window_start: datetime, window_end: datetime, now: datetime
) -> int:
    """Seconds of the period [start, end or now) that fall inside [window_start, window_end)."""
    lo = max(start, window_start)
    hi = min(end or now, window_end)
    return max(0, int((hi - lo).total_seconds()))


def fmt_duration(seconds: int) -> str:
    return str(timedelta(seconds=int(seconds)))


def json_text(value) -> str:
    """Pretty JSON for read-only display of Json fields in forms."""
    import json

    return json.dumps(value, indent=2, sort_keys=True, default=str) if value not in (None, False) else ""
