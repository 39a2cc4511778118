"""Pricing a session: the order of computation and the breakdown it returns.

Order of computation
    1. energy lines (per window occurrence), 2. time lines (per window occurrence), 3. idle
    line, 4. session fee (:mod:`.itemise`), 5. charger multiplier, 6. min/max clamp
    (:mod:`.adjustments`), 7. taxes (:mod:`.taxes`). A free session stops after the energy is
    known: one ``free`` line.

Running estimate
    :func:`running_estimate` prices an active session as if the vehicle were unplugged at
    ``now`` with the samples received so far (samples after ``now`` are ignored). It calls
    :func:`price_session`, so the estimate at the last sample equals the final bill for the same
    data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from .adjustments import clamp_lines, multiplier_lines
from .clock import require_aware, zone
from .errors import SessionDataError
from .itemise import SessionFacts, energy_lines, free_line, idle_lines, idle_minutes, session_fee_lines, time_lines
from .meter import Register, charging_end, normalize_samples
from .model import DEFAULT_POWER_THRESHOLD_W, TAX, MeterSample, PriceBreakdown, PriceLine, Session, Tariff
from .money import KWH_QUANT, ONE, PRECISION, sum_amounts, to_decimal
from .taxes import tax_lines
from .validation import check_multiplier, validate_tariff


def price_session(
    tariff: Tariff,
    session: Session,
    site_tz: Any,
    *,
    multiplier: Any = ONE,
    power_threshold_w: Any = DEFAULT_POWER_THRESHOLD_W,
) -> PriceBreakdown:
    """Price a (finished) session. See the package docstring for every rule.

    ``site_tz`` is an IANA name (or ZoneInfo); ``multiplier`` the per-charger
    multiplier (Decimal, e.g. ``Decimal("1.1")``); ``power_threshold_w`` the power
    above which a sample counts as charging.
    """
    with localcontext() as ctx:
        ctx.prec = PRECISION
        validate_tariff(tariff)
        factor = check_multiplier(multiplier)
        threshold = to_decimal(power_threshold_w, "power threshold", SessionDataError)
        facts = _session_facts(tariff, session, site_tz, threshold)
        if facts.energy_kwh < tariff.free_below_kwh:
            return _breakdown(facts, [free_line(facts)], factor, site_tz, 0, True)
        minutes, idle_from = idle_minutes(facts)
        lines = energy_lines(facts) + time_lines(facts) + idle_lines(facts, minutes, idle_from)
        lines += session_fee_lines(facts)
        lines += multiplier_lines(lines, factor, tariff.currency)
        lines += clamp_lines(lines, tariff)
        lines += tax_lines(lines, tariff)
        return _breakdown(facts, lines, factor, site_tz, minutes, False)


def _session_facts(tariff: Tariff, session: Session, site_tz: Any, threshold: Decimal) -> SessionFacts:
    """Check the session and derive what the itemisation needs (UTC bounds, register, energy, charging end)."""
    tz = zone(site_tz)
    if not isinstance(session, Session):
        raise SessionDataError(f"expected a Session, got {type(session).__name__}.")
    start = require_aware(session.start, "session start")
    stop = require_aware(session.stop, "session stop")
    if stop < start:
        raise SessionDataError(f"session stop {stop.isoformat()} is before its start {start.isoformat()}.")
    samples = normalize_samples(session.samples)
    if session.charging_end is not None:
        end = require_aware(session.charging_end, "session charging_end")
        if not start <= end <= stop:
            raise SessionDataError(
                f"charging_end {end.isoformat()} is outside the session [{start.isoformat()}, {stop.isoformat()}]."
            )
    else:
        end = charging_end(samples, start, stop, threshold)
    register = Register(samples)
    energy_kwh = (register.between(start, stop) / 1000).quantize(KWH_QUANT, rounding=ROUND_HALF_UP)
    return SessionFacts(tariff, tz, start, stop, end, register, energy_kwh)


def _breakdown(
    facts: SessionFacts, lines: list[PriceLine], factor: Decimal, site_tz: Any, minutes: int, is_free: bool
) -> PriceBreakdown:
    currency = facts.currency
    subtotal = sum_amounts((ln for ln in lines if ln.kind != TAX), currency)
    tax = sum_amounts((ln for ln in lines if ln.kind == TAX), currency)
    return PriceBreakdown(
        currency=currency,
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        energy_kwh=facts.energy_kwh,
        is_free=is_free,
        session_start=facts.start,
        session_stop=facts.stop,
        charging_end=facts.charging_end,
        idle_minutes_billed=minutes,
        site_tz=site_tz if isinstance(site_tz, str) else str(facts.tz.key),
        multiplier=factor,
    )


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
    now_utc = require_aware(now, "now")
    kept = []
    for index, sample in enumerate(samples_so_far or ()):
        if not isinstance(sample, MeterSample):
            raise SessionDataError(f"sample #{index}: expected a MeterSample, got {sample!r}.")
        if require_aware(sample.timestamp, f"sample #{index} timestamp") <= now_utc:
            kept.append(sample)
    session = Session(start=session_start, stop=now_utc, samples=tuple(kept))
    return price_session(tariff, session, site_tz, multiplier=multiplier, power_threshold_w=power_threshold_w)
