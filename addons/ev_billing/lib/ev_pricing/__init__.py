"""Pricing engine for EV charging sessions (pure Python, stdlib only).

This package never imports Odoo: the ``ev_billing`` addon (and any other caller,
for instance a test or the OCPP bridge) converts its records into the plain
dataclasses below and calls :func:`price_session` or :func:`running_estimate`.

Public API (importable from ``ev_pricing``)
===========================================

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

Modules, one concern each (each states its rules in its docstring)
==================================================================

``model``        the tariff model: input/output dataclasses, line kinds
``validation``   :func:`validate_tariff`: every check of a tariff, one clear message each
``money``        Decimal conversion, ISO 4217 minor units (``currencies``), HALF_UP rounding,
                 largest-remainder splitting; section *Numbers* and *Rounding*
``windows``      time-of-use windows: wall clock -> UTC (DST), occurrences, segments;
                 section *Time of use*
``meter``        samples merged into one register, interpolation, charging end; section *Energy*
``itemise``      energy, charging time, idle fee, session fee, free session lines
``adjustments``  charger multiplier and min/max clamp, shared per tax group
``taxes``        tax groups and exclusive tax lines; section *Taxes*
``engine``       :func:`price_session` (order of computation) and :func:`running_estimate`
``clock``        aware datetimes, IANA zones
"""

from .currencies import CURRENCY_MINOR_UNITS
from .engine import price_session, running_estimate
from .errors import PricingError, SessionDataError, TariffValidationError
from .meter import charging_end_from_samples
from .model import (
    ALL_DAYS,
    DEFAULT_FREE_BELOW_KWH,
    DEFAULT_POWER_THRESHOLD_W,
    LINE_KINDS,
    WEEKDAYS,
    WEEKEND,
    MeterSample,
    PriceBreakdown,
    PriceLine,
    Session,
    Tariff,
    TaxRate,
    TouWindow,
)
from .money import currency_decimals, round_money
from .validation import validate_tariff
from .windows import Segment, tariff_segments

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
