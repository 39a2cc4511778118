"""Validation of a tariff (and of a charger multiplier): one clear message per mistake."""

from __future__ import annotations

import weakref
from decimal import Decimal
from typing import Any

from .errors import TariffValidationError
from .model import COMPONENT_TAX_ATTRS, KIND_WORDS, Tariff, TaxRate, TouWindow
from .money import check_money, currency_decimals, fmt, to_decimal
from .windows import week_intervals, week_point

#: tariffs that passed validate_tariff, by id (a Tariff and everything in it is immutable)
_VALID: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

_NON_NEGATIVE = (
    ("energy_rate", "energy rate"),
    ("session_fee", "session fee"),
    ("idle_fee_per_minute", "idle fee per minute"),
    ("idle_grace_minutes", "idle grace period"),
    ("time_rate_per_hour", "time rate per hour"),
    ("free_below_kwh", "free-below threshold (kWh)"),
    ("min_price", "minimum price"),
    ("max_price", "maximum price"),
)


def validate_tariff(tariff: Tariff) -> None:
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
    if _VALID.get(id(tariff)) is tariff:
        return  # this very (immutable) tariff passed already: a batch prices many sessions with it
    currency_decimals(tariff.currency)  # raises on unknown currency
    _check_amounts(tariff)
    for what, taxes in _tax_lists(tariff):
        _check_taxes(what, taxes)
    names: set[str] = set()
    for window in tariff.windows:
        _check_window(window, names)
    _check_overlaps(list(tariff.windows))
    _VALID[id(tariff)] = tariff


def check_multiplier(multiplier: Any) -> Decimal:
    """The charger multiplier as a Decimal >= 0."""
    value = to_decimal(multiplier, "charger multiplier")
    if value < 0:
        raise TariffValidationError(f"charger multiplier must not be negative, got {fmt(value)}.")
    return value


def _check_amounts(tariff: Tariff) -> None:
    currency = tariff.currency
    for attr, label in _NON_NEGATIVE:
        value = getattr(tariff, attr)
        if value is not None and value < 0:
            raise TariffValidationError(f"Tariff {label} must not be negative, got {fmt(value)}.")
    check_money(tariff.session_fee, "Tariff session fee", currency)
    if tariff.min_price is not None:
        check_money(tariff.min_price, "Tariff minimum price", currency)
    if tariff.max_price is not None:
        check_money(tariff.max_price, "Tariff maximum price", currency)
    if tariff.min_price is not None and tariff.max_price is not None and tariff.min_price > tariff.max_price:
        raise TariffValidationError(
            f"Tariff minimum price {fmt(tariff.min_price)} is above its maximum price {fmt(tariff.max_price)}."
        )


def _tax_lists(tariff: Tariff) -> list[tuple[str, tuple]]:
    """(label, taxes) of the tariff-level list and of every component list that is set."""
    return [("Tariff taxes", tariff.taxes)] + [
        (f"Tariff {KIND_WORDS[kind]} taxes", getattr(tariff, attr))
        for kind, attr in COMPONENT_TAX_ATTRS.items()
        if getattr(tariff, attr) is not None
    ]


def _check_taxes(what: str, taxes: tuple) -> None:
    seen: set[TaxRate] = set()
    for tax in taxes:
        if not isinstance(tax, TaxRate):
            raise TariffValidationError(f"{what} must be TaxRate objects, got {tax!r}.")
        if tax.rate < 0:
            raise TariffValidationError(f"Tax {tax.name!r} rate must not be negative, got {fmt(tax.rate)}.")
        if tax.rate > 1:
            raise TariffValidationError(
                f"Tax {tax.name!r} rate {fmt(tax.rate)} is above 1: rates are fractions (0.19 for 19%)."
            )
        try:
            hash(tax)
        except TypeError:
            raise TariffValidationError(f"Tax {tax.name!r}: its ref {tax.ref!r} must be hashable.") from None
        if tax in seen:
            raise TariffValidationError(f"{what}: tax {tax.name!r} is listed twice.")
        seen.add(tax)


def _check_window(window: TouWindow, names: set[str]) -> None:
    """One window on its own (``names``: the names seen so far, updated)."""
    if not isinstance(window, TouWindow):
        raise TariffValidationError(f"Tariff windows must be TouWindow objects, got {window!r}.")
    if not window.name or not isinstance(window.name, str):
        raise TariffValidationError("Every time-of-use window needs a name.")
    if window.name in names:
        raise TariffValidationError(f"Two time-of-use windows are named {window.name!r}; names must be unique.")
    names.add(window.name)
    if not window.days:
        raise TariffValidationError(f"Window {window.name!r} applies on no day: give at least one day (0=Mon..6=Sun).")
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
            raise TariffValidationError(f"Window {window.name!r} {label} must not be negative, got {fmt(rate)}.")


def _check_overlaps(windows: list[TouWindow]) -> None:
    """No two windows of equal priority may apply at the same wall-clock instant of the week."""
    spans = [week_intervals(w) for w in windows]
    for i, first in enumerate(windows):
        for j in range(i + 1, len(windows)):
            second = windows[j]
            if first.priority != second.priority:
                continue
            for s1, e1 in spans[i]:
                for s2, e2 in spans[j]:
                    if s1 < e2 and s2 < e1:
                        raise TariffValidationError(
                            f"Windows {first.name!r} and {second.name!r} have the same priority "
                            f"({first.priority}) and both apply from {week_point(max(s1, s2))} to "
                            f"{week_point(min(e1, e2))} (local time); give one a higher priority or make "
                            "them not overlap."
                        )
