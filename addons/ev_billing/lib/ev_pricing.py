"""Pricing engine for EV charging sessions (pure Python, stdlib only).

This module never imports Odoo: the ``ev_billing`` addon (and any other caller,
for instance a test or the OCPP bridge) converts its records into the plain
dataclasses below and calls :func:`price_session` or :func:`running_estimate`.

Public API
==========

Dataclasses (inputs)
    :class:`TouWindow`   a time-of-use window (days, local start/end, rates, priority)
    :class:`TaxRate`     an exclusive tax, as a fraction (``Decimal("0.19")`` = 19 %), optional ``ref``
    :class:`Tariff`      currency, base rates, fees, clamps, windows, taxes (tariff-level and
                         per component: ``energy_taxes``, ``time_taxes``, ``idle_taxes``,
                         ``session_fee_taxes``)
    :class:`MeterSample` one meter reading (UTC instant, cumulative Wh, optional W)
    :class:`Session`     start/stop (stop = unplug), samples, optional charging end

Dataclasses (output)
    :class:`PriceLine`, :class:`PriceBreakdown` (``to_dict()`` is JSON-safe)

Functions
    :func:`validate_tariff`, :func:`price_session`, :func:`running_estimate`,
    :func:`charging_end_from_samples`, :func:`tariff_segments`,
    :func:`currency_decimals`, :func:`round_money`

Errors (all subclasses of ``ValueError``)
    :class:`PricingError` > :class:`TariffValidationError`, :class:`SessionDataError`

Definitions and decisions
=========================

Numbers
    All arithmetic uses :class:`decimal.Decimal` (internal precision 50 digits).
    Inputs may be ``Decimal``, ``int``, ``str`` or ``float``; a float is converted
    through its shortest ``repr`` (``0.1`` becomes ``Decimal("0.1")``, not the
    binary expansion). ``bool``, NaN and infinities are rejected.

Rounding
    * Every line amount is ``round_half_up(quantity * unit_price)`` to the
      currency's minor unit (2 decimals for EUR/USD, 0 for JPY, 3 for KWD ...),
      rounded once, at the end of that line. Ties go away from zero
      (``ROUND_HALF_UP``: 3.085 -> 3.09, -0.005 -> -0.01).
    * ``subtotal`` = sum of the rounded pre-tax lines, ``tax`` = sum of the rounded
      tax lines, ``total = subtotal + tax``. The breakdown therefore always adds up
      exactly, and ``amount == round_half_up(quantity * unit_price)`` holds for
      every line (for min/max adjustments the quantity is 1).
    * Energy quantities are kWh with 3 decimals (1 Wh). The session's
      ``energy_kwh`` is ``round_half_up((R(stop) - R(start)) / 1000, 0.001)``; the
      per-window quantities are split from it by the largest-remainder method, so
      the energy lines always sum to ``energy_kwh``.
    * Time quantities are hours with 4 decimals (0.36 s), HALF_UP.
    * Idle quantities are whole minutes (see below).
    * Money settings of the tariff (session fee, min and max price) must be
      representable in the currency's minor unit (``0.50`` EUR is fine, ``0.5``
      JPY is rejected). Rates (per kWh, per hour, per minute) may carry more
      decimals (``0.3456`` EUR/kWh is fine).

Energy
    The cumulative register ``R(t)`` is interpolated linearly between samples
    and held constant before the first and after the last sample. Energy in an
    interval ``[a, b]`` is ``R(b) - R(a)``; the session bills ``R(stop) - R(start)``
    (energy recorded outside ``[start, stop]`` is not billed). Provide a sample at
    the session start (OCPP meterStart / Transaction.Begin) and at the stop.
    Samples are sorted by timestamp (input order does not matter). Two samples
    at the same instant are merged: highest register value, highest power.
    A register that goes *down* over time (meter reset, rollover, wrong meter) is
    rejected with :class:`SessionDataError`: the caller must correct the data,
    we never guess. Negative register values are rejected too.

Time of use
    A window applies on the days in ``days`` (0 = Monday .. 6 = Sunday) from its
    local ``start`` to its local ``end``; ``end <= start`` wraps past midnight and
    the day of week is that of the day the window STARTS (a Friday 22:00-06:00
    window covers Saturday 03:00, and Friday 03:00 belongs to Thursday's window);
    ``end == start`` is a 24-hour (wall-clock) window. Windows are evaluated in
    the site's IANA time zone: each day's boundaries are local wall-clock times
    converted to UTC for that day, so DST moves them correctly (a 23:00-05:00
    window lasts 7 real hours on the fall-back night and 5 on the spring-forward
    night).

    DST edge cases, handled deterministically:

    * Nonexistent local time (spring-forward gap, e.g. 02:30 on 2026-03-08 in
      America/New_York): the boundary is the instant the clocks jumped (03:00
      EDT = 07:00 UTC). A window 00:00-02:30 therefore ends, and a window
      02:30-06:00 starts, at 03:00 local that day.
    * Ambiguous local time (fall-back, e.g. 01:30 on 2026-11-01 in
      America/New_York): the FIRST occurrence is used (``fold=0``, daylight time,
      the earlier UTC instant: 01:30 EDT = 05:30 UTC).

    Both rules make the wall-clock -> UTC mapping monotonic, so windows that do
    not overlap on the wall clock never overlap in real time either.

    Each component is resolved separately, as in OCPI 2.2.1: for energy, the
    applicable window with the highest priority *that has an energy rate* sets
    the price (otherwise ``Tariff.energy_rate``); for time, the applicable
    window with the highest priority *that has a time rate* (otherwise
    ``Tariff.time_rate_per_hour``, default 0). Two windows of equal priority that
    can apply at the same wall-clock instant are a validation error, whatever
    rates they carry.

Time charges
    Time rates (per hour) are charged over the charging time, ``[start,
    charging_end]``, split across windows. The time after charging ended is
    priced by the idle fee only (no double charging).

Charging end and idle time
    ``charging_end`` is ``Session.charging_end`` when the caller knows it;
    otherwise it is derived from the samples (:func:`charging_end_from_samples`):
    the later of (a) the timestamp of the last sample whose power is strictly
    above ``power_threshold_w`` (default 100 W) and (b) the timestamp of the
    sample at which the register reached its final value (the end of the last
    interval where it increased), clamped to ``[start, stop]``; ``start`` when
    nothing was ever delivered.

    Idle time = ``stop - charging_end``: the vehicle is plugged in (the session
    has not stopped, ``stop`` is the unplug instant), not charging, and charging
    has ended. Pauses *before* charging ended (e.g. smart-charging suspensions)
    are charging time, not idle time.
    The idle fee starts accruing at ``charging_end + idle_grace_minutes`` and is
    charged per WHOLE (completed) minute after that: ``floor((idle - grace) /
    60 s)`` minutes. Unplugging exactly at the grace end, or up to 59.999 s after
    it, costs nothing; the first minute is charged at grace end + 60 s.

Order of computation
    1. energy lines (per window occurrence), 2. time lines (per window
    occurrence), 3. idle line, 4. session fee, 5. charger multiplier, 6. min/max
    clamp, 7. taxes.

    * The multiplier applies to energy, time and idle (the consumption-related
      components), NOT to the session fee. It is shown as one ``multiplier``
      line: ``quantity`` = the sum of the rounded energy+time+idle amounts,
      ``unit_price`` = ``multiplier - 1`` (e.g. 0.1 for x1.1, -0.2 for x0.8).
      (When those components carry different taxes: one line per tax group,
      see *Taxes*.)
    * The min/max clamp applies to the pre-tax subtotal (after the multiplier,
      including the session fee); it adds a ``min_adjust`` (positive) or
      ``max_adjust`` (negative) line (shared among tax groups, see *Taxes*).
    * Taxes are exclusive (added on top), never compounded: ``quantity`` =
      taxable base, ``unit_price`` = rate. With the same taxes on every
      component (the default), each tax is computed on the clamped subtotal.

Taxes
    Every pre-tax line carries a tuple of taxes (``PriceLine.taxes``):

    * energy, time, idle, session fee: the component's own list
      (``Tariff.energy_taxes``, ``time_taxes``, ``idle_taxes``,
      ``session_fee_taxes``); ``None`` (the default) means the tariff-level
      ``Tariff.taxes``, ``()`` means untaxed. A tax listed twice in one list is
      a validation error.
    * A *tax group* is a set of taxes (order ignored); lines are grouped in the
      order their group first appears.
    * Multiplier: the energy/time/idle lines are grouped by taxes, and each
      group with a non-zero base gets its own ``multiplier`` line carrying the
      group's taxes: ``quantity`` = the group's rounded energy+time+idle sum,
      ``amount`` = HALF_UP(quantity x (multiplier - 1)). So each tax group is
      scaled exactly by the multiplier, and every line stays ``quantity x
      unit_price`` rounded. With a single group (the default) this is the one
      line described above; with several, the lines may add up to up to half a
      minor unit per group away from a single rounding of the whole base.
    * Min/max adjustment: the adjustment ``money(limit - subtotal)`` is shared
      among the tax groups of all pre-clamp lines (components and multiplier
      lines) in proportion to each group's pre-clamp amount (all are >= 0);
      the shares are rounded to the minor unit by the largest-remainder
      method (ties to the earlier group), so they sum to the adjustment
      exactly and the clamped subtotal equals the limit. Each non-zero share
      is one ``min_adjust``/``max_adjust`` line (quantity 1) carrying its
      group's taxes, its label naming the share ("..., share of energy (4.00 of
      6.00 USD)"). With a single group (the default) there is one line, as
      before; when the pre-clamp subtotal is 0 the adjustment carries the
      tariff-level taxes.
    * Tax lines: one per distinct tax carried by any pre-tax line, in order of
      first appearance (a breakdown without pre-tax lines lists the
      tariff-level taxes on a base of 0). ``quantity`` (the base) = the sum of
      the rounded amounts of the lines carrying that tax; ``amount`` =
      HALF_UP(base x rate); ``taxes`` = (that tax,); ``base_kinds`` = the
      kinds of those lines. The label is "<name> <rate>%" when the tax is on
      every pre-tax line, else "<name> <rate>% on <base> <currency> (<kinds>)".
      ``tax`` = the sum of the rounded tax lines. This is what an accounting
      that rounds each tax globally over a document computes for invoice lines
      equal to the pre-tax lines with their taxes.

Free sessions
    A session whose ``energy_kwh`` (the rounded figure shown to the driver) is
    strictly below ``Tariff.free_below_kwh`` (default 2) is free: the breakdown
    has a single ``free`` line explaining why, and subtotal, tax and total are 0
    -- no session fee, no idle fee, no minimum price (the authorization is
    cancelled). Exactly 2.000 kWh is NOT free. ``free_below_kwh = 0`` disables
    the rule.

Running estimate
    :func:`running_estimate` prices an active session as if the vehicle were
    unplugged at ``now`` with the samples received so far (samples after ``now``
    are ignored). It calls :func:`price_session`, so the estimate at the last
    sample equals the final bill for the same data.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "DEFAULT_FREE_BELOW_KWH",
    "DEFAULT_POWER_THRESHOLD_W",
    "ALL_DAYS",
    "WEEKDAYS",
    "WEEKEND",
    "LINE_KINDS",
    "PricingError",
    "TariffValidationError",
    "SessionDataError",
    "TouWindow",
    "TaxRate",
    "Tariff",
    "MeterSample",
    "Session",
    "PriceLine",
    "PriceBreakdown",
    "Segment",
    "currency_decimals",
    "round_money",
    "validate_tariff",
    "tariff_segments",
    "charging_end_from_samples",
    "price_session",
    "running_estimate",
]

UTC = UTC
ZERO = Decimal(0)
ONE = Decimal(1)
KWH_QUANT = Decimal("0.001")
HOUR_QUANT = Decimal("0.0001")
DEFAULT_FREE_BELOW_KWH = Decimal(2)
DEFAULT_POWER_THRESHOLD_W = Decimal(100)
_PRECISION = 50
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})

# Line kinds, in the order they appear in a breakdown.
ENERGY = "energy"
TIME = "time"
IDLE = "idle"
SESSION_FEE = "session_fee"
MULTIPLIER = "multiplier"
MIN_ADJUST = "min_adjust"
MAX_ADJUST = "max_adjust"
TAX = "tax"
FREE = "free"
LINE_KINDS = (ENERGY, TIME, IDLE, SESSION_FEE, MULTIPLIER, MIN_ADJUST, MAX_ADJUST, TAX, FREE)
#: component kinds that may carry their own taxes -> Tariff attribute
_COMPONENT_TAX_ATTRS = {
    ENERGY: "energy_taxes",
    TIME: "time_taxes",
    IDLE: "idle_taxes",
    SESSION_FEE: "session_fee_taxes",
}
#: words used in labels for the kinds of a tax base or of an adjustment share
_KIND_WORDS = {
    ENERGY: "energy",
    TIME: "charging time",
    IDLE: "idle fee",
    SESSION_FEE: "session fee",
    MULTIPLIER: "charger multiplier",
    MIN_ADJUST: "minimum price",
    MAX_ADJUST: "maximum price",
}

# ISO 4217 active currencies -> number of minor-unit decimals.
# Codes without a minor unit ("N.A.": precious metals, XDR, XTS, XXX, ...) are
# not usable for pricing and are deliberately absent.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "AFN": 2,
    "ALL": 2,
    "AMD": 2,
    "ANG": 2,
    "AOA": 2,
    "ARS": 2,
    "AUD": 2,
    "AWG": 2,
    "AZN": 2,
    "BAM": 2,
    "BBD": 2,
    "BDT": 2,
    "BGN": 2,
    "BHD": 3,
    "BIF": 0,
    "BMD": 2,
    "BND": 2,
    "BOB": 2,
    "BOV": 2,
    "BRL": 2,
    "BSD": 2,
    "BTN": 2,
    "BWP": 2,
    "BYN": 2,
    "BZD": 2,
    "CAD": 2,
    "CDF": 2,
    "CHE": 2,
    "CHF": 2,
    "CHW": 2,
    "CLF": 4,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "COU": 2,
    "CRC": 2,
    "CUC": 2,
    "CUP": 2,
    "CVE": 2,
    "CZK": 2,
    "DJF": 0,
    "DKK": 2,
    "DOP": 2,
    "DZD": 2,
    "EGP": 2,
    "ERN": 2,
    "ETB": 2,
    "EUR": 2,
    "FJD": 2,
    "FKP": 2,
    "GBP": 2,
    "GEL": 2,
    "GHS": 2,
    "GIP": 2,
    "GMD": 2,
    "GNF": 0,
    "GTQ": 2,
    "GYD": 2,
    "HKD": 2,
    "HNL": 2,
    "HTG": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "IQD": 3,
    "IRR": 2,
    "ISK": 0,
    "JMD": 2,
    "JOD": 3,
    "JPY": 0,
    "KES": 2,
    "KGS": 2,
    "KHR": 2,
    "KMF": 0,
    "KPW": 2,
    "KRW": 0,
    "KWD": 3,
    "KYD": 2,
    "KZT": 2,
    "LAK": 2,
    "LBP": 2,
    "LKR": 2,
    "LRD": 2,
    "LSL": 2,
    "LYD": 3,
    "MAD": 2,
    "MDL": 2,
    "MGA": 2,
    "MKD": 2,
    "MMK": 2,
    "MNT": 2,
    "MOP": 2,
    "MRU": 2,
    "MUR": 2,
    "MVR": 2,
    "MWK": 2,
    "MXN": 2,
    "MXV": 2,
    "MYR": 2,
    "MZN": 2,
    "NAD": 2,
    "NGN": 2,
    "NIO": 2,
    "NOK": 2,
    "NPR": 2,
    "NZD": 2,
    "OMR": 3,
    "PAB": 2,
    "PEN": 2,
    "PGK": 2,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "PYG": 0,
    "QAR": 2,
    "RON": 2,
    "RSD": 2,
    "RUB": 2,
    "RWF": 0,
    "SAR": 2,
    "SBD": 2,
    "SCR": 2,
    "SDG": 2,
    "SEK": 2,
    "SGD": 2,
    "SHP": 2,
    "SLE": 2,
    "SOS": 2,
    "SRD": 2,
    "SSP": 2,
    "STN": 2,
    "SVC": 2,
    "SYP": 2,
    "SZL": 2,
    "THB": 2,
    "TJS": 2,
    "TMT": 2,
    "TND": 3,
    "TOP": 2,
    "TRY": 2,
    "TTD": 2,
    "TWD": 2,
    "TZS": 2,
    "UAH": 2,
    "UGX": 0,
    "USD": 2,
    "USN": 2,
    "UYI": 0,
    "UYU": 2,
    "UYW": 4,
    "UZS": 2,
    "VED": 2,
    "VES": 2,
    "VND": 0,
    "VUV": 0,
    "WST": 2,
    "XAF": 0,
    "XCD": 2,
    "XCG": 2,
    "XOF": 0,
    "XPF": 0,
    "YER": 2,
    "ZAR": 2,
    "ZMW": 2,
    "ZWG": 2,
}


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class PricingError(ValueError):
    """Base class of every error raised by this module."""


class TariffValidationError(PricingError):
    """The tariff (or a window, tax or multiplier) is invalid."""


class SessionDataError(PricingError):
    """The session data (datetimes, samples, time zone) is invalid."""


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _to_decimal(value: Any, what: str, error: type[PricingError] = TariffValidationError) -> Decimal:
    if isinstance(value, bool):
        raise error(f"{what}: expected a number, got a boolean ({value!r}).")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise error(f"{what}: {value!r} is not a number.") from None
    else:
        raise error(f"{what}: expected a number, got {type(value).__name__} ({value!r}).")
    if not result.is_finite():
        raise error(f"{what}: {value!r} is not a finite number.")
    return result


def _opt_decimal(value: Any, what: str) -> Decimal | None:
    return None if value is None else _to_decimal(value, what)


def _to_time(value: Any, what: str) -> time:
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value.strip())
        except ValueError:
            raise TariffValidationError(f"{what}: {value!r} is not a time like '17:00'.") from None
    if not isinstance(value, time) or isinstance(value, datetime):
        raise TariffValidationError(f"{what}: expected a datetime.time, got {value!r}.")
    if value.tzinfo is not None:
        raise TariffValidationError(
            f"{what}: must be a local wall-clock time without tzinfo (the site's time zone applies)."
        )
    return value


def _fmt(value: Decimal) -> str:
    """Plain (never exponent) string of a Decimal."""
    return format(value, "f")


def _fmt_num(value: Decimal) -> str:
    """Compact human string: 2 -> '2', 2.50 -> '2.5'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _require_aware(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise SessionDataError(f"{what}: expected a datetime, got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise SessionDataError(
            f"{what}: naive datetime {value.isoformat()} - pass an aware datetime (UTC), "
            "e.g. datetime(..., tzinfo=timezone.utc)."
        )
    return value.astimezone(UTC)


def _zone(site_tz: Any) -> ZoneInfo:
    if isinstance(site_tz, ZoneInfo):
        return site_tz
    if not isinstance(site_tz, str) or not site_tz:
        raise SessionDataError(f"site time zone: expected an IANA name like 'Europe/Berlin', got {site_tz!r}.")
    try:
        return ZoneInfo(site_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SessionDataError(f"site time zone: unknown IANA time zone {site_tz!r}.") from None


def currency_decimals(code: str) -> int:
    """Number of minor-unit decimals of an ISO 4217 currency (EUR 2, JPY 0, KWD 3)."""
    if not isinstance(code, str) or code not in CURRENCY_MINOR_UNITS:
        hint = ""
        if isinstance(code, str) and code.strip().upper() in CURRENCY_MINOR_UNITS:
            hint = f" (did you mean {code.strip().upper()!r}? codes are upper case)"
        raise TariffValidationError(f"Unknown currency {code!r}: not an ISO 4217 currency code{hint}.")
    return CURRENCY_MINOR_UNITS[code]


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_decimals(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` HALF_UP (ties away from zero) to the currency's minor unit."""
    return Decimal(amount).quantize(_quantum(currency), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------
# Input dataclasses
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TouWindow:
    """A time-of-use window.

    ``days``: days of week the window STARTS on (0 = Monday .. 6 = Sunday).
    ``start``/``end``: local wall-clock times (``datetime.time`` or "HH:MM");
    ``end <= start`` wraps past midnight, ``end == start`` means 24 hours.
    ``energy_rate`` (per kWh) and/or ``time_rate_per_hour`` override the
    tariff's base rates while the window applies; at least one is required.
    ``priority``: the higher wins where windows overlap.
    """

    name: str
    days: frozenset[int]
    start: time
    end: time
    energy_rate: Decimal | None = None
    time_rate_per_hour: Decimal | None = None
    priority: int = 0

    def __post_init__(self) -> None:
        label = f"window {self.name!r}"
        try:
            days = frozenset(self.days)
        except TypeError:
            raise TariffValidationError(f"{label}: days must be a set of weekday numbers 0..6.") from None
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "start", _to_time(self.start, f"{label} start"))
        object.__setattr__(self, "end", _to_time(self.end, f"{label} end"))
        object.__setattr__(self, "energy_rate", _opt_decimal(self.energy_rate, f"{label} energy_rate"))
        object.__setattr__(
            self, "time_rate_per_hour", _opt_decimal(self.time_rate_per_hour, f"{label} time_rate_per_hour")
        )

    def _wall_bounds(self, day: date) -> tuple[datetime, datetime]:
        """Naive local start/end of the occurrence that starts on ``day``."""
        end_day = day if self.end > self.start else day + timedelta(days=1)
        return datetime.combine(day, self.start), datetime.combine(end_day, self.end)


@dataclass(frozen=True)
class TaxRate:
    """An exclusive tax: ``rate`` is a fraction (``Decimal("0.19")`` for 19 %).

    ``ref`` is the caller's identifier of the tax (hashable, e.g. the Odoo ``account.tax`` id),
    carried through to the breakdown. Two ``TaxRate`` are the same tax when name, rate and ref
    are equal: each distinct tax gets its own tax line (and its own rounding).
    """

    name: str
    rate: Decimal
    ref: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _to_decimal(self.rate, f"tax {self.name!r} rate"))

    def to_dict(self) -> dict[str, Any]:
        ref = self.ref if self.ref is None or isinstance(self.ref, (str, int)) else str(self.ref)
        return {"name": self.name, "rate": _fmt(self.rate), "ref": ref}


@dataclass(frozen=True)
class Tariff:
    """A charging tariff. Amounts are in ``currency``; see the module docstring."""

    currency: str
    energy_rate: Decimal
    session_fee: Decimal = ZERO
    idle_fee_per_minute: Decimal = ZERO
    idle_grace_minutes: Decimal = ZERO
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    windows: tuple[TouWindow, ...] = ()
    taxes: tuple[TaxRate, ...] = ()
    time_rate_per_hour: Decimal = ZERO
    free_below_kwh: Decimal = DEFAULT_FREE_BELOW_KWH
    name: str = ""
    # Per-component taxes: None = the tariff-level ``taxes``; () = untaxed.
    energy_taxes: tuple[TaxRate, ...] | None = None
    time_taxes: tuple[TaxRate, ...] | None = None
    idle_taxes: tuple[TaxRate, ...] | None = None
    session_fee_taxes: tuple[TaxRate, ...] | None = None

    def __post_init__(self) -> None:
        for attr in (
            "energy_rate",
            "session_fee",
            "idle_fee_per_minute",
            "idle_grace_minutes",
            "time_rate_per_hour",
            "free_below_kwh",
        ):
            object.__setattr__(self, attr, _to_decimal(getattr(self, attr), f"tariff {attr}"))
        for attr in ("min_price", "max_price"):
            object.__setattr__(self, attr, _opt_decimal(getattr(self, attr), f"tariff {attr}"))
        object.__setattr__(self, "windows", tuple(self.windows or ()))
        object.__setattr__(self, "taxes", tuple(self.taxes or ()))
        for attr in _COMPONENT_TAX_ATTRS.values():
            value = getattr(self, attr)
            if value is not None:
                if isinstance(value, (TaxRate, str, bytes)):
                    raise TariffValidationError(f"tariff {attr}: expected a list of TaxRate, got {value!r}.")
                object.__setattr__(self, attr, tuple(value))

    def taxes_for(self, kind: str) -> tuple[TaxRate, ...]:
        """Taxes of a component kind (energy, time, idle, session_fee): its own, else the tariff's."""
        own = getattr(self, _COMPONENT_TAX_ATTRS[kind])
        return self.taxes if own is None else own


@dataclass(frozen=True)
class MeterSample:
    """One meter reading: aware ``timestamp``, cumulative ``energy_wh``, optional ``power_w``."""

    timestamp: datetime
    energy_wh: Decimal
    power_w: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "energy_wh", _to_decimal(self.energy_wh, "sample energy_wh", SessionDataError))
        if self.power_w is not None:
            object.__setattr__(self, "power_w", _to_decimal(self.power_w, "sample power_w", SessionDataError))


@dataclass(frozen=True)
class Session:
    """A charging session. ``stop`` is the instant the vehicle was unplugged.

    ``charging_end``: when charging ended, if known; derived from the samples
    otherwise (see :func:`charging_end_from_samples`).
    """

    start: datetime
    stop: datetime
    samples: tuple[MeterSample, ...] = ()
    charging_end: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", tuple(self.samples or ()))


# --------------------------------------------------------------------------
# Output dataclasses
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceLine:
    """One line of a breakdown. ``amount == round_money(quantity * unit_price)``."""

    kind: str
    label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    window: str | None = None
    local_start: datetime | None = None
    local_end: datetime | None = None
    #: pre-tax line: the taxes charged on it; tax line: the one tax it is
    taxes: tuple[TaxRate, ...] = ()
    #: tax line only: kinds of the pre-tax lines that make up its base (``quantity``)
    base_kinds: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "quantity": _fmt(self.quantity),
            "unit": self.unit,
            "unit_price": _fmt(self.unit_price),
            "amount": _fmt(self.amount),
            "window": self.window,
            "local_start": self.local_start.isoformat() if self.local_start else None,
            "local_end": self.local_end.isoformat() if self.local_end else None,
            "taxes": [tax.to_dict() for tax in self.taxes],
            "base_kinds": list(self.base_kinds),
        }


@dataclass(frozen=True)
class PriceBreakdown:
    """The itemised price of a session. ``total == subtotal + tax == sum(line.amount)``."""

    currency: str
    lines: tuple[PriceLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    energy_kwh: Decimal
    is_free: bool
    session_start: datetime
    session_stop: datetime
    charging_end: datetime
    idle_minutes_billed: int
    site_tz: str
    multiplier: Decimal

    def lines_of(self, kind: str) -> list[PriceLine]:
        return [line for line in self.lines if line.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation: Decimals as strings, datetimes as ISO 8601."""
        return {
            "currency": self.currency,
            "subtotal": _fmt(self.subtotal),
            "tax": _fmt(self.tax),
            "total": _fmt(self.total),
            "energy_kwh": _fmt(self.energy_kwh),
            "is_free": self.is_free,
            "session_start": self.session_start.isoformat(),
            "session_stop": self.session_stop.isoformat(),
            "charging_end": self.charging_end.isoformat(),
            "idle_minutes_billed": self.idle_minutes_billed,
            "site_tz": self.site_tz,
            "multiplier": _fmt(self.multiplier),
            "lines": [line.to_dict() for line in self.lines],
        }


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

_DAY_US = 24 * 3600 * 1_000_000
_WEEK_US = 7 * _DAY_US


def _tod_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _week_intervals(window: TouWindow) -> list[tuple[int, int]]:
    """Half-open intervals of the week (microseconds from Monday 00:00) covered on the wall clock."""
    start, end = _tod_us(window.start), _tod_us(window.end)
    length = end - start if end > start else _DAY_US - start + end
    out = []
    for day in sorted(window.days):
        s = day * _DAY_US + start
        e = s + length
        if e <= _WEEK_US:
            out.append((s, e))
        else:  # Sunday night wrapping into Monday
            out.append((s, _WEEK_US))
            out.append((0, e - _WEEK_US))
    return out


def _week_point(us: int) -> str:
    day, rest = divmod(us % _WEEK_US, _DAY_US)
    seconds = rest // 1_000_000
    hh, mm, ss = seconds // 3600, seconds // 60 % 60, seconds % 60
    return f"{_DAY_NAMES[day]} {hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")


def _check_money(value: Decimal, what: str, currency: str) -> None:
    if value != value.quantize(_quantum(currency), rounding=ROUND_HALF_UP):
        raise TariffValidationError(
            f"{what} {_fmt(value)} has more decimals than {currency} allows ({currency_decimals(currency)})."
        )


def _check_multiplier(multiplier: Any) -> Decimal:
    value = _to_decimal(multiplier, "charger multiplier")
    if value < 0:
        raise TariffValidationError(f"charger multiplier must not be negative, got {_fmt(value)}.")
    return value


def validate_tariff(tariff: Tariff) -> None:  # noqa: C901 - split by the pricing refactor (issue 8)
    """Raise :class:`TariffValidationError` with a clear message if ``tariff`` is invalid.

    Checks: ISO 4217 currency; no negative rate, fee, grace, price or tax;
    session fee and min/max price representable in the currency; min <= max;
    tax rates (tariff-level and per component) are fractions (<= 1), no tax
    listed twice in one list; windows have a name (unique), days in 0..6,
    at least one rate; and no two windows of equal priority can apply at the
    same wall-clock instant (midnight wrap and Sunday->Monday wrap included).
    """
    if not isinstance(tariff, Tariff):
        raise TariffValidationError(f"expected a Tariff, got {type(tariff).__name__}.")
    currency = tariff.currency
    currency_decimals(currency)  # raises on unknown currency

    for attr, label in (
        ("energy_rate", "energy rate"),
        ("session_fee", "session fee"),
        ("idle_fee_per_minute", "idle fee per minute"),
        ("idle_grace_minutes", "idle grace period"),
        ("time_rate_per_hour", "time rate per hour"),
        ("free_below_kwh", "free-below threshold (kWh)"),
        ("min_price", "minimum price"),
        ("max_price", "maximum price"),
    ):
        value = getattr(tariff, attr)
        if value is not None and value < 0:
            raise TariffValidationError(f"Tariff {label} must not be negative, got {_fmt(value)}.")
    _check_money(tariff.session_fee, "Tariff session fee", currency)
    if tariff.min_price is not None:
        _check_money(tariff.min_price, "Tariff minimum price", currency)
    if tariff.max_price is not None:
        _check_money(tariff.max_price, "Tariff maximum price", currency)
    if tariff.min_price is not None and tariff.max_price is not None and tariff.min_price > tariff.max_price:
        raise TariffValidationError(
            f"Tariff minimum price {_fmt(tariff.min_price)} is above its maximum price {_fmt(tariff.max_price)}."
        )

    tax_lists = [("Tariff taxes", tariff.taxes)] + [
        (f"Tariff {_KIND_WORDS[kind]} taxes", getattr(tariff, attr))
        for kind, attr in _COMPONENT_TAX_ATTRS.items()
        if getattr(tariff, attr) is not None
    ]
    for what, taxes in tax_lists:
        seen: set[TaxRate] = set()
        for tax in taxes:
            if not isinstance(tax, TaxRate):
                raise TariffValidationError(f"{what} must be TaxRate objects, got {tax!r}.")
            if tax.rate < 0:
                raise TariffValidationError(f"Tax {tax.name!r} rate must not be negative, got {_fmt(tax.rate)}.")
            if tax.rate > 1:
                raise TariffValidationError(
                    f"Tax {tax.name!r} rate {_fmt(tax.rate)} is above 1: rates are fractions (0.19 for 19%)."
                )
            try:
                hash(tax)
            except TypeError:
                raise TariffValidationError(f"Tax {tax.name!r}: its ref {tax.ref!r} must be hashable.") from None
            if tax in seen:
                raise TariffValidationError(f"{what}: tax {tax.name!r} is listed twice.")
            seen.add(tax)

    names: set[str] = set()
    for window in tariff.windows:
        if not isinstance(window, TouWindow):
            raise TariffValidationError(f"Tariff windows must be TouWindow objects, got {window!r}.")
        if not window.name or not isinstance(window.name, str):
            raise TariffValidationError("Every time-of-use window needs a name.")
        if window.name in names:
            raise TariffValidationError(f"Two time-of-use windows are named {window.name!r}; names must be unique.")
        names.add(window.name)
        if not window.days:
            raise TariffValidationError(
                f"Window {window.name!r} applies on no day: give at least one day (0=Mon..6=Sun)."
            )
        bad = sorted(d for d in window.days if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6)
        if bad:
            raise TariffValidationError(f"Window {window.name!r} has invalid days {bad!r}: use 0=Monday .. 6=Sunday.")
        if isinstance(window.priority, bool) or not isinstance(window.priority, int):
            raise TariffValidationError(f"Window {window.name!r} priority must be an integer, got {window.priority!r}.")
        if window.energy_rate is None and window.time_rate_per_hour is None:
            raise TariffValidationError(
                f"Window {window.name!r} sets neither an energy rate nor a time rate; give at least one."
            )
        for rate, label in ((window.energy_rate, "energy rate"), (window.time_rate_per_hour, "time rate per hour")):
            if rate is not None and rate < 0:
                raise TariffValidationError(f"Window {window.name!r} {label} must not be negative, got {_fmt(rate)}.")

    windows = list(tariff.windows)
    spans = [_week_intervals(w) for w in windows]
    for i in range(len(windows)):
        for j in range(i + 1, len(windows)):
            if windows[i].priority != windows[j].priority:
                continue
            for s1, e1 in spans[i]:
                for s2, e2 in spans[j]:
                    if s1 < e2 and s2 < e1:
                        raise TariffValidationError(
                            f"Windows {windows[i].name!r} and {windows[j].name!r} have the same priority "
                            f"({windows[i].priority}) and both apply from {_week_point(max(s1, s2))} to "
                            f"{_week_point(min(e1, e2))} (local time); give one a higher priority or make "
                            "them not overlap."
                        )


# --------------------------------------------------------------------------
# Local wall clock -> UTC, window occurrences and segments
# --------------------------------------------------------------------------


def _wall_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """Local wall-clock time -> UTC instant (ambiguous: first occurrence; gap: jump instant)."""
    candidate = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if candidate.astimezone(tz).replace(tzinfo=None) == naive:
        return candidate  # exists; ambiguous times resolve to fold=0 = the earlier instant
    # Nonexistent (spring-forward gap): return the instant the clocks jumped.
    other = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted((candidate, other))
    lo_s = int(lo.timestamp() // 1)
    hi_s = -int(-hi.timestamp() // 1)
    before = datetime.fromtimestamp(lo_s, UTC).astimezone(tz).utcoffset()
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == before:
            lo_s = mid
        else:
            hi_s = mid
    return datetime.fromtimestamp(hi_s, UTC)


@dataclass(frozen=True)
class Segment:
    """A piece of ``[a, b]`` (UTC) governed by one window occurrence (or the base rate if ``window`` is None)."""

    start: datetime
    end: datetime
    window: TouWindow | None
    occurrence_start: datetime | None = None


def tariff_segments(windows: Sequence[TouWindow], site_tz: Any, start: datetime, stop: datetime) -> list[Segment]:
    """Split ``[start, stop]`` (aware) into segments governed by the highest-priority applicable window.

    Pass only the windows relevant to one component (e.g. those with an energy
    rate). Adjacent pieces of the same window occurrence are merged.
    """
    tz = _zone(site_tz)
    a = _require_aware(start, "segment start")
    b = _require_aware(stop, "segment stop")
    if b <= a:
        return []
    occurrences: list[tuple[TouWindow, datetime, datetime]] = []
    day = a.astimezone(tz).date() - timedelta(days=1)
    last = b.astimezone(tz).date()
    while day <= last:
        for window in windows:
            if day.weekday() in window.days:
                wall_start, wall_end = window._wall_bounds(day)
                occ_start, occ_end = _wall_to_utc(wall_start, tz), _wall_to_utc(wall_end, tz)
                if occ_end > occ_start and occ_end > a and occ_start < b:
                    occurrences.append((window, occ_start, occ_end))
        day += timedelta(days=1)

    points = {a, b}
    for _, occ_start, occ_end in occurrences:
        if a < occ_start < b:
            points.add(occ_start)
        if a < occ_end < b:
            points.add(occ_end)
    ordered = sorted(points)

    segments: list[Segment] = []
    for x, y in zip(ordered, ordered[1:], strict=False):
        active = [occ for occ in occurrences if occ[1] <= x and occ[2] >= y]
        chosen = None
        if active:
            top = max(occ[0].priority for occ in active)
            best = [occ for occ in active if occ[0].priority == top]
            if len(best) > 1:
                raise TariffValidationError(
                    f"Windows {best[0][0].name!r} and {best[1][0].name!r} have the same priority ({top}) "
                    f"and both apply at {x.isoformat()}; run validate_tariff()."
                )
            chosen = best[0]
        window = chosen[0] if chosen else None
        occ_start = chosen[1] if chosen else None
        if segments and segments[-1].window == window and segments[-1].occurrence_start == occ_start:
            segments[-1] = Segment(segments[-1].start, y, window, occ_start)
        else:
            segments.append(Segment(x, y, window, occ_start))
    return segments


# --------------------------------------------------------------------------
# Samples, register interpolation, charging end
# --------------------------------------------------------------------------


def _normalize_samples(samples: Iterable[MeterSample]) -> list[MeterSample]:
    """Validate, convert to UTC, sort and merge same-instant samples; reject a decreasing register."""
    items: list[MeterSample] = []
    for index, sample in enumerate(samples or ()):
        if not isinstance(sample, MeterSample):
            raise SessionDataError(f"sample #{index}: expected a MeterSample, got {sample!r}.")
        ts = _require_aware(sample.timestamp, f"sample #{index} timestamp")
        if sample.energy_wh < 0:
            raise SessionDataError(
                f"sample #{index} at {ts.isoformat()}: negative energy register {_fmt(sample.energy_wh)} Wh."
            )
        items.append(MeterSample(ts, sample.energy_wh, sample.power_w))
    items.sort(key=lambda s: (s.timestamp, s.energy_wh))
    merged: list[MeterSample] = []
    for sample in items:
        if merged and merged[-1].timestamp == sample.timestamp:
            prev = merged[-1]
            powers = [p for p in (prev.power_w, sample.power_w) if p is not None]
            merged[-1] = MeterSample(
                prev.timestamp, max(prev.energy_wh, sample.energy_wh), max(powers) if powers else None
            )
            continue
        if merged and sample.energy_wh < merged[-1].energy_wh:
            prev = merged[-1]
            raise SessionDataError(
                f"Energy register went backwards: {_fmt(prev.energy_wh)} Wh at {prev.timestamp.isoformat()} "
                f"then {_fmt(sample.energy_wh)} Wh at {sample.timestamp.isoformat()} (meter reset or wrong meter?); "
                "correct the meter values before pricing."
            )
        merged.append(sample)
    return merged


class _Register:
    """Cumulative energy register, linear between samples, constant outside them."""

    def __init__(self, samples: list[MeterSample]):
        self.times = [s.timestamp for s in samples]
        self.values = [s.energy_wh for s in samples]

    def at(self, t: datetime) -> Decimal:
        if not self.times:
            return ZERO
        if t <= self.times[0]:
            return self.values[0]
        if t >= self.times[-1]:
            return self.values[-1]
        i = bisect.bisect_right(self.times, t)
        t0, t1 = self.times[i - 1], self.times[i]
        v0, v1 = self.values[i - 1], self.values[i]
        if t == t0 or v0 == v1:
            return v0
        return v0 + (v1 - v0) * Decimal(_us(t - t0)) / Decimal(_us(t1 - t0))


def _charging_end(samples: list[MeterSample], start: datetime, stop: datetime, threshold: Decimal) -> datetime:
    def clamp(t: datetime) -> datetime:
        return min(max(t, start), stop)

    end = start
    for prev, cur in zip(samples, samples[1:], strict=False):
        if cur.energy_wh > prev.energy_wh and prev.timestamp < stop:
            end = max(end, clamp(cur.timestamp))
    for sample in samples:
        if sample.power_w is not None and sample.power_w > threshold and sample.timestamp <= stop:
            end = max(end, clamp(sample.timestamp))
    return end


def charging_end_from_samples(
    samples: Iterable[MeterSample],
    start: datetime,
    stop: datetime,
    power_threshold_w: Any = DEFAULT_POWER_THRESHOLD_W,
) -> datetime:
    """When charging ended (UTC), derived from the samples.

    The later of the last sample with ``power_w > power_threshold_w`` and the
    sample at which the register last increased, clamped to ``[start, stop]``;
    ``start`` when nothing was delivered.
    """
    a = _require_aware(start, "session start")
    b = _require_aware(stop, "session stop")
    threshold = _to_decimal(power_threshold_w, "power threshold", SessionDataError)
    return _charging_end(_normalize_samples(samples), a, b, threshold)


# --------------------------------------------------------------------------
# Pricing
# --------------------------------------------------------------------------


def _split_largest_remainder(exact: list[Decimal], total: Decimal, quantum: Decimal) -> list[Decimal]:
    """Round non-negative ``exact`` parts down to ``quantum`` and hand out the rest so they sum to ``total``."""
    floors = [max(ZERO, value).quantize(quantum, rounding=ROUND_DOWN) for value in exact]
    units = int((total - sum(floors, ZERO)) / quantum)
    # Remainders are compared at 1e-15 so that interpolation noise (~1e-45) cannot
    # break a real tie; real ties go to the earlier segment.
    noise = Decimal("1e-15")
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]).quantize(noise), i))
    for i in order[: max(units, 0)]:
        floors[i] += quantum
    return floors


def _tax_groups(lines: Iterable[PriceLine]) -> list[tuple[tuple[TaxRate, ...], list[PriceLine]]]:
    """Lines grouped by the set of taxes they carry (order of first appearance)."""
    groups: dict[frozenset, tuple[tuple[TaxRate, ...], list[PriceLine]]] = {}
    for line in lines:
        groups.setdefault(frozenset(line.taxes), (line.taxes, []))[1].append(line)
    return list(groups.values())


def _kind_words(lines: Iterable[PriceLine]) -> str:
    return ", ".join(_KIND_WORDS.get(kind, kind) for kind in dict.fromkeys(ln.kind for ln in lines))


def _local(t: datetime, tz: ZoneInfo) -> datetime:
    return t.astimezone(tz)


def _span_label(start: datetime, end: datetime) -> str:
    same_day = start.date() == end.date()
    start_text = start.strftime("%a %Y-%m-%d %H:%M")
    end_text = end.strftime("%H:%M") if same_day else end.strftime("%a %Y-%m-%d %H:%M")
    if start.tzname() != end.tzname():  # the span crosses a DST change
        start_text += f" {start.strftime('%Z')}"
    return f"{start_text}-{end_text} {end.strftime('%Z')}".rstrip()


def price_session(
    tariff: Tariff,
    session: Session,
    site_tz: Any,
    *,
    multiplier: Any = ONE,
    power_threshold_w: Any = DEFAULT_POWER_THRESHOLD_W,
) -> PriceBreakdown:
    """Price a (finished) session. See the module docstring for every rule.

    ``site_tz`` is an IANA name (or ZoneInfo); ``multiplier`` the per-charger
    multiplier (Decimal, e.g. ``Decimal("1.1")``); ``power_threshold_w`` the power
    above which a sample counts as charging.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return _price(tariff, session, site_tz, multiplier, power_threshold_w)


def _price(tariff: Tariff, session: Session, site_tz: Any, multiplier: Any, power_threshold_w: Any) -> PriceBreakdown:  # noqa: C901 - split by the pricing refactor (issue 8)
    validate_tariff(tariff)
    factor = _check_multiplier(multiplier)
    threshold = _to_decimal(power_threshold_w, "power threshold", SessionDataError)
    tz = _zone(site_tz)
    tz_name = site_tz if isinstance(site_tz, str) else str(tz.key)
    if not isinstance(session, Session):
        raise SessionDataError(f"expected a Session, got {type(session).__name__}.")
    start = _require_aware(session.start, "session start")
    stop = _require_aware(session.stop, "session stop")
    if stop < start:
        raise SessionDataError(f"session stop {stop.isoformat()} is before its start {start.isoformat()}.")
    samples = _normalize_samples(session.samples)
    if session.charging_end is not None:
        charging_end = _require_aware(session.charging_end, "session charging_end")
        if not start <= charging_end <= stop:
            raise SessionDataError(
                f"charging_end {charging_end.isoformat()} is outside the session "
                f"[{start.isoformat()}, {stop.isoformat()}]."
            )
    else:
        charging_end = _charging_end(samples, start, stop, threshold)

    currency = tariff.currency

    def money(value: Decimal) -> Decimal:
        return round_money(value, currency)

    register = _Register(samples)
    energy_kwh = ((register.at(stop) - register.at(start)) / 1000).quantize(KWH_QUANT, rounding=ROUND_HALF_UP)

    def breakdown(lines: list[PriceLine], idle_minutes: int, is_free: bool) -> PriceBreakdown:
        subtotal = sum((ln.amount for ln in lines if ln.kind != TAX), money(ZERO))
        tax = sum((ln.amount for ln in lines if ln.kind == TAX), money(ZERO))
        return PriceBreakdown(
            currency=currency,
            lines=tuple(lines),
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            energy_kwh=energy_kwh,
            is_free=is_free,
            session_start=start,
            session_stop=stop,
            charging_end=charging_end,
            idle_minutes_billed=idle_minutes,
            site_tz=tz_name,
            multiplier=factor,
        )

    # Free sessions: one explanatory line, nothing else is charged.
    if energy_kwh < tariff.free_below_kwh:
        line = PriceLine(
            kind=FREE,
            label=(
                f"Free session: {_fmt(energy_kwh)} kWh delivered, below the "
                f"{_fmt_num(tariff.free_below_kwh)} kWh minimum for billing"
            ),
            quantity=energy_kwh,
            unit="kWh",
            unit_price=money(ZERO),
            amount=money(ZERO),
            local_start=_local(start, tz),
            local_end=_local(stop, tz),
        )
        return breakdown([line], 0, True)

    lines: list[PriceLine] = []

    # 1. Energy per window occurrence.
    energy_windows = [w for w in tariff.windows if w.energy_rate is not None]
    segments = tariff_segments(energy_windows, tz, start, stop)
    exact = [(register.at(seg.end) - register.at(seg.start)) / 1000 for seg in segments]
    quantities = _split_largest_remainder(exact, energy_kwh, KWH_QUANT)
    for seg, qty in zip(segments, quantities, strict=False):
        if qty <= 0:
            continue
        rate = seg.window.energy_rate if seg.window else tariff.energy_rate
        local_start, local_end = _local(seg.start, tz), _local(seg.end, tz)
        name = seg.window.name if seg.window else "base rate"
        lines.append(
            PriceLine(
                kind=ENERGY,
                label=f"Energy ({name}) {_span_label(local_start, local_end)}",
                quantity=qty,
                unit="kWh",
                unit_price=rate,
                amount=money(qty * rate),
                window=seg.window.name if seg.window else None,
                local_start=local_start,
                local_end=local_end,
                taxes=tariff.taxes_for(ENERGY),
            )
        )

    # 2. Time over the charging time [start, charging_end].
    time_windows = [w for w in tariff.windows if w.time_rate_per_hour is not None]
    for seg in tariff_segments(time_windows, tz, start, charging_end):
        rate = seg.window.time_rate_per_hour if seg.window else tariff.time_rate_per_hour
        hours = (Decimal(_us(seg.end - seg.start)) / Decimal(3_600_000_000)).quantize(
            HOUR_QUANT, rounding=ROUND_HALF_UP
        )
        if rate <= 0 or hours <= 0:
            continue
        local_start, local_end = _local(seg.start, tz), _local(seg.end, tz)
        name = seg.window.name if seg.window else "base rate"
        lines.append(
            PriceLine(
                kind=TIME,
                label=f"Charging time ({name}) {_span_label(local_start, local_end)}",
                quantity=hours,
                unit="h",
                unit_price=rate,
                amount=money(hours * rate),
                window=seg.window.name if seg.window else None,
                local_start=local_start,
                local_end=local_end,
                taxes=tariff.taxes_for(TIME),
            )
        )

    # 3. Idle: whole minutes after charging_end + grace, until unplug (stop).
    grace = timedelta(microseconds=int((tariff.idle_grace_minutes * 60_000_000).to_integral_value(ROUND_HALF_UP)))
    idle_from = charging_end + grace
    idle_minutes = 0
    if stop > idle_from and tariff.idle_fee_per_minute > 0:
        idle_minutes = _us(stop - idle_from) // 60_000_000
    if idle_minutes > 0:
        lines.append(
            PriceLine(
                kind=IDLE,
                label=(
                    f"Idle fee: {idle_minutes} min plugged in after charging ended "
                    f"(after {_fmt_num(tariff.idle_grace_minutes)} min grace)"
                ),
                quantity=Decimal(idle_minutes),
                unit="min",
                unit_price=tariff.idle_fee_per_minute,
                amount=money(idle_minutes * tariff.idle_fee_per_minute),
                local_start=_local(idle_from, tz),
                local_end=_local(stop, tz),
                taxes=tariff.taxes_for(IDLE),
            )
        )

    # 4. Session fee (not subject to the multiplier).
    if tariff.session_fee > 0:
        lines.append(
            PriceLine(
                kind=SESSION_FEE,
                label="Session fee",
                quantity=ONE,
                unit="session",
                unit_price=tariff.session_fee,
                amount=money(tariff.session_fee),
                taxes=tariff.taxes_for(SESSION_FEE),
            )
        )

    # 5. Charger multiplier on energy + time + idle: one line per tax group of those components.
    if factor != ONE:
        delta = factor - ONE
        groups = _tax_groups(ln for ln in lines if ln.kind in (ENERGY, TIME, IDLE))
        for taxes, members in groups:
            base = sum((ln.amount for ln in members), money(ZERO))
            if base == 0:
                continue
            scope = "energy, time and idle" if len(groups) == 1 else _kind_words(members)
            lines.append(
                PriceLine(
                    kind=MULTIPLIER,
                    label=f"Charger multiplier x{_fmt_num(factor)} on {scope} ({_fmt(base)} {currency})",
                    quantity=base,
                    unit=currency,
                    unit_price=delta,
                    amount=money(base * delta),
                    taxes=taxes,
                )
            )

    # 6. Minimum / maximum price on the pre-tax subtotal, shared among the tax groups.
    subtotal = sum((ln.amount for ln in lines), money(ZERO))
    clamp = None
    if tariff.min_price is not None and subtotal < tariff.min_price:
        clamp = (MIN_ADJUST, "Minimum price", tariff.min_price)
    elif tariff.max_price is not None and subtotal > tariff.max_price:
        clamp = (MAX_ADJUST, "Maximum price", tariff.max_price)
    if clamp:
        kind, title, limit = clamp
        diff = money(limit - subtotal)
        label = f"{title} {_fmt(money(limit))} {currency}"
        groups = [
            (taxes, members) for taxes, members in _tax_groups(lines) if sum((ln.amount for ln in members), ZERO) > 0
        ]
        if len(groups) <= 1:
            taxes = groups[0][0] if groups else tariff.taxes
            lines.append(
                PriceLine(
                    kind=kind, label=label, quantity=ONE, unit="adjustment", unit_price=diff, amount=diff, taxes=taxes
                )
            )
        else:
            weights = [sum((ln.amount for ln in members), ZERO) for _, members in groups]
            sign = ONE if diff > 0 else -ONE
            shares = _split_largest_remainder(
                [abs(diff) * w / subtotal for w in weights], abs(diff), _quantum(currency)
            )
            for (taxes, members), weight, share in zip(groups, weights, shares, strict=False):
                if share == 0:
                    continue
                amount = money(sign * share)
                lines.append(
                    PriceLine(
                        kind=kind,
                        label=(
                            f"{label}, share of {_kind_words(members)} "
                            f"({_fmt(money(weight))} of {_fmt(subtotal)} {currency})"
                        ),
                        quantity=ONE,
                        unit="adjustment",
                        unit_price=amount,
                        amount=amount,
                        taxes=taxes,
                    )
                )

    # 7. Exclusive taxes: one line per distinct tax, on the sum of the lines that carry it.
    priced = list(lines)
    ordered: list[TaxRate] = []
    for line in priced:
        ordered += [tax for tax in line.taxes if tax not in ordered]
    if not priced:
        ordered = list(tariff.taxes)
    for tax in ordered:
        members = [ln for ln in priced if tax in ln.taxes]
        base = sum((ln.amount for ln in members), money(ZERO))
        label = f"{tax.name} {_fmt_num(tax.rate * 100)}%"
        if len(members) != len(priced):
            label += f" on {_fmt(base)} {currency} ({_kind_words(members)})"
        lines.append(
            PriceLine(
                kind=TAX,
                label=label,
                quantity=base,
                unit=currency,
                unit_price=tax.rate,
                amount=money(base * tax.rate),
                taxes=(tax,),
                base_kinds=tuple(dict.fromkeys(ln.kind for ln in members)),
            )
        )

    return breakdown(lines, idle_minutes, False)


def running_estimate(
    tariff: Tariff,
    site_tz: Any,
    session_start: datetime,
    samples_so_far: Iterable[MeterSample],
    now: datetime,
    *,
    multiplier: Any = ONE,
    power_threshold_w: Any = DEFAULT_POWER_THRESHOLD_W,
) -> PriceBreakdown:
    """Price an active session as if the vehicle were unplugged at ``now``.

    Samples after ``now`` are ignored. Uses :func:`price_session` (one code
    path), so the estimate equals the final bill for the same samples and stop.
    """
    now_utc = _require_aware(now, "now")
    kept = []
    for index, sample in enumerate(samples_so_far or ()):
        if not isinstance(sample, MeterSample):
            raise SessionDataError(f"sample #{index}: expected a MeterSample, got {sample!r}.")
        if _require_aware(sample.timestamp, f"sample #{index} timestamp") <= now_utc:
            kept.append(sample)
    session = Session(start=session_start, stop=now_utc, samples=tuple(kept))
    return price_session(tariff, session, site_tz, multiplier=multiplier, power_threshold_w=power_threshold_w)
