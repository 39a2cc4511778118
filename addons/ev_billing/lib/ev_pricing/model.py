"""The tariff model and the engine's input and output dataclasses.

Inputs: :class:`TouWindow`, :class:`TaxRate`, :class:`Tariff`, :class:`MeterSample`,
:class:`Session`. Outputs: :class:`PriceLine`, :class:`PriceBreakdown` (``to_dict()`` is
JSON-safe). Every number is converted to Decimal when a dataclass is built (see
:mod:`.money`); the rules that tie the fields together are checked by
:func:`.validation.validate_tariff`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from .errors import SessionDataError, TariffValidationError
from .money import ZERO, fmt, opt_decimal, to_decimal

DEFAULT_FREE_BELOW_KWH = Decimal(2)
DEFAULT_POWER_THRESHOLD_W = Decimal(100)

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

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
#: kinds priced by consumption (the charger multiplier applies to them)
CONSUMPTION_KINDS = (ENERGY, TIME, IDLE)
#: component kinds that may carry their own taxes -> Tariff attribute
COMPONENT_TAX_ATTRS = {
    ENERGY: "energy_taxes",
    TIME: "time_taxes",
    IDLE: "idle_taxes",
    SESSION_FEE: "session_fee_taxes",
}
#: words used in labels for the kinds of a tax base or of an adjustment share
KIND_WORDS = {
    ENERGY: "energy",
    TIME: "charging time",
    IDLE: "idle fee",
    SESSION_FEE: "session fee",
    MULTIPLIER: "charger multiplier",
    MIN_ADJUST: "minimum price",
    MAX_ADJUST: "maximum price",
}


def kind_words(lines) -> str:
    """The kinds of ``lines`` in words, in order of first appearance ("energy, idle fee")."""
    return ", ".join(KIND_WORDS.get(kind, kind) for kind in dict.fromkeys(ln.kind for ln in lines))


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


# --------------------------------------------------------------------------
# Inputs
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
        object.__setattr__(self, "energy_rate", opt_decimal(self.energy_rate, f"{label} energy_rate"))
        object.__setattr__(
            self, "time_rate_per_hour", opt_decimal(self.time_rate_per_hour, f"{label} time_rate_per_hour")
        )


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
        object.__setattr__(self, "rate", to_decimal(self.rate, f"tax {self.name!r} rate"))

    def to_dict(self) -> dict[str, Any]:
        ref = self.ref if self.ref is None or isinstance(self.ref, (str, int)) else str(self.ref)
        return {"name": self.name, "rate": fmt(self.rate), "ref": ref}


_TARIFF_NUMBERS = (
    "energy_rate",
    "session_fee",
    "idle_fee_per_minute",
    "idle_grace_minutes",
    "time_rate_per_hour",
    "free_below_kwh",
)


@dataclass(frozen=True)
class Tariff:
    """A charging tariff. Amounts are in ``currency``; see the package docstring."""

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
        for attr in _TARIFF_NUMBERS:
            object.__setattr__(self, attr, to_decimal(getattr(self, attr), f"tariff {attr}"))
        for attr in ("min_price", "max_price"):
            object.__setattr__(self, attr, opt_decimal(getattr(self, attr), f"tariff {attr}"))
        object.__setattr__(self, "windows", tuple(self.windows or ()))
        object.__setattr__(self, "taxes", tuple(self.taxes or ()))
        for attr in COMPONENT_TAX_ATTRS.values():
            value = getattr(self, attr)
            if value is not None:
                if isinstance(value, (TaxRate, str, bytes)):
                    raise TariffValidationError(f"tariff {attr}: expected a list of TaxRate, got {value!r}.")
                object.__setattr__(self, attr, tuple(value))

    def taxes_for(self, kind: str) -> tuple[TaxRate, ...]:
        """Taxes of a component kind (energy, time, idle, session_fee): its own, else the tariff's."""
        own = getattr(self, COMPONENT_TAX_ATTRS[kind])
        return self.taxes if own is None else own


@dataclass(frozen=True)
class MeterSample:
    """One meter reading: aware ``timestamp``, cumulative ``energy_wh``, optional ``power_w``.

    ``resolution_wh``: the reading's resolution, 0 (exact, the default) or more. OCPP 1.6's
    ``meterStart``/``meterStop`` are integers, so they are whole Wh: resolution 1. How a reading
    within its resolution below the one before is merged: :mod:`.meter`, *Merging samples*.
    """

    timestamp: datetime
    energy_wh: Decimal
    power_w: Decimal | None = None
    resolution_wh: Decimal = ZERO

    def __post_init__(self) -> None:
        object.__setattr__(self, "energy_wh", to_decimal(self.energy_wh, "sample energy_wh", SessionDataError))
        if self.power_w is not None:
            object.__setattr__(self, "power_w", to_decimal(self.power_w, "sample power_w", SessionDataError))
        resolution = to_decimal(self.resolution_wh, "sample resolution_wh", SessionDataError)
        if resolution < 0:
            raise SessionDataError(f"sample resolution_wh must not be negative, got {fmt(resolution)}.")
        object.__setattr__(self, "resolution_wh", resolution)


@dataclass(frozen=True)
class Session:
    """A charging session. ``stop`` is the instant the vehicle was unplugged.

    ``charging_end``: when charging ended, if known; derived from the samples
    otherwise (see :func:`.meter.charging_end_from_samples`).
    """

    start: datetime
    stop: datetime
    samples: tuple[MeterSample, ...] = ()
    charging_end: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", tuple(self.samples or ()))


# --------------------------------------------------------------------------
# Outputs
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
            "quantity": fmt(self.quantity),
            "unit": self.unit,
            "unit_price": fmt(self.unit_price),
            "amount": fmt(self.amount),
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
            "subtotal": fmt(self.subtotal),
            "tax": fmt(self.tax),
            "total": fmt(self.total),
            "energy_kwh": fmt(self.energy_kwh),
            "is_free": self.is_free,
            "session_start": self.session_start.isoformat(),
            "session_stop": self.session_stop.isoformat(),
            "charging_end": self.charging_end.isoformat(),
            "idle_minutes_billed": self.idle_minutes_billed,
            "site_tz": self.site_tz,
            "multiplier": fmt(self.multiplier),
            "lines": [line.to_dict() for line in self.lines],
        }
