"""Itemisation: the component lines of a session (energy, charging time, idle fee, session fee)
and the single line of a free session.

Energy
    One line per window occurrence crossed (see :mod:`.windows`): the session's ``energy_kwh``
    is split among the segments in proportion to the energy registered in each, by the
    largest-remainder method on 1 Wh, so the energy lines always sum to ``energy_kwh``.

Time charges
    Time rates (per hour) are charged over the charging time, ``[start, charging_end]``, split
    across windows. The time after charging ended is priced by the idle fee only (no double
    charging).

Idle time
    Idle time = ``stop - charging_end``: the vehicle is plugged in (the session has not stopped,
    ``stop`` is the unplug instant), not charging, and charging has ended. Pauses *before*
    charging ended (e.g. smart-charging suspensions) are charging time, not idle time. The idle
    fee starts accruing at ``charging_end + idle_grace_minutes`` and is charged per WHOLE
    (completed) minute after that: ``floor((idle - grace) / 60 s)`` minutes. Unplugging exactly
    at the grace end, or up to 59.999 s after it, costs nothing; the first minute is charged at
    grace end + 60 s.

Session fee
    One line when the tariff has one; it is not subject to the charger multiplier.

Free sessions
    A session whose ``energy_kwh`` (the rounded figure shown to the driver) is strictly below
    ``Tariff.free_below_kwh`` (default 2) is free: the breakdown has a single ``free`` line
    explaining why, and subtotal, tax and total are 0 -- no session fee, no idle fee, no minimum
    price (the authorization is cancelled). Exactly 2.000 kWh is NOT free.
    ``free_below_kwh = 0`` disables the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from .clock import US_PER_HOUR, US_PER_MINUTE, microseconds
from .meter import Register
from .model import ENERGY, FREE, IDLE, SESSION_FEE, TIME, PriceLine, Tariff
from .money import HOUR_QUANT, KWH_QUANT, ONE, ZERO, fmt, fmt_num, round_money, split_largest_remainder
from .windows import Segment, tariff_segments


@dataclass(frozen=True)
class SessionFacts:
    """What the itemisation needs to know about one session (UTC instants, normalised register)."""

    tariff: Tariff
    tz: ZoneInfo
    start: datetime
    stop: datetime
    charging_end: datetime
    register: Register
    energy_kwh: Decimal

    @property
    def currency(self) -> str:
        return self.tariff.currency

    def money(self, value: Decimal) -> Decimal:
        return round_money(value, self.tariff.currency)

    def local(self, t: datetime) -> datetime:
        return t.astimezone(self.tz)


def span_label(start: datetime, end: datetime) -> str:
    """'Wed 2026-07-01 10:00-11:00 EDT' (the end's date too when it is another day)."""
    same_day = start.date() == end.date()
    start_text = start.strftime("%a %Y-%m-%d %H:%M")
    end_text = end.strftime("%H:%M") if same_day else end.strftime("%a %Y-%m-%d %H:%M")
    if start.tzname() != end.tzname():  # the span crosses a DST change
        start_text += f" {start.strftime('%Z')}"
    return f"{start_text}-{end_text} {end.strftime('%Z')}".rstrip()


def _segment_line(facts: SessionFacts, kind: str, title: str, seg: Segment, quantity, unit: str, rate) -> PriceLine:
    """A line priced over one segment (energy or charging time)."""
    local_start, local_end = facts.local(seg.start), facts.local(seg.end)
    name = seg.window.name if seg.window else "base rate"
    return PriceLine(
        kind=kind,
        label=f"{title} ({name}) {span_label(local_start, local_end)}",
        quantity=quantity,
        unit=unit,
        unit_price=rate,
        amount=facts.money(quantity * rate),
        window=seg.window.name if seg.window else None,
        local_start=local_start,
        local_end=local_end,
        taxes=facts.tariff.taxes_for(kind),
    )


def energy_lines(facts: SessionFacts) -> list[PriceLine]:
    """One line per energy window occurrence, quantities summing to ``energy_kwh``."""
    tariff = facts.tariff
    windows = [w for w in tariff.windows if w.energy_rate is not None]
    segments = tariff_segments(windows, facts.tz, facts.start, facts.stop)
    exact = [facts.register.between(seg.start, seg.end) / 1000 for seg in segments]
    quantities = split_largest_remainder(exact, facts.energy_kwh, KWH_QUANT)
    return [
        _segment_line(
            facts, ENERGY, "Energy", seg, qty, "kWh", seg.window.energy_rate if seg.window else tariff.energy_rate
        )
        for seg, qty in zip(segments, quantities, strict=False)
        if qty > 0
    ]


def time_lines(facts: SessionFacts) -> list[PriceLine]:
    """One line per time window occurrence over the charging time (hours, 4 decimals)."""
    tariff = facts.tariff
    windows = [w for w in tariff.windows if w.time_rate_per_hour is not None]
    lines = []
    for seg in tariff_segments(windows, facts.tz, facts.start, facts.charging_end):
        rate = seg.window.time_rate_per_hour if seg.window else tariff.time_rate_per_hour
        hours = (Decimal(microseconds(seg.end - seg.start)) / Decimal(US_PER_HOUR)).quantize(
            HOUR_QUANT, rounding=ROUND_HALF_UP
        )
        if rate > 0 and hours > 0:
            lines.append(_segment_line(facts, TIME, "Charging time", seg, hours, "h", rate))
    return lines


def idle_minutes(facts: SessionFacts) -> tuple[int, datetime]:
    """Whole idle minutes billed and the instant the idle fee starts (charging end + grace)."""
    tariff = facts.tariff
    grace_us = int((tariff.idle_grace_minutes * US_PER_MINUTE).to_integral_value(ROUND_HALF_UP))
    idle_from = facts.charging_end + timedelta(microseconds=grace_us)
    if facts.stop > idle_from and tariff.idle_fee_per_minute > 0:
        return microseconds(facts.stop - idle_from) // US_PER_MINUTE, idle_from
    return 0, idle_from


def idle_lines(facts: SessionFacts, minutes: int, idle_from: datetime) -> list[PriceLine]:
    if minutes <= 0:
        return []
    tariff = facts.tariff
    return [
        PriceLine(
            kind=IDLE,
            label=(
                f"Idle fee: {minutes} min plugged in after charging ended "
                f"(after {fmt_num(tariff.idle_grace_minutes)} min grace)"
            ),
            quantity=Decimal(minutes),
            unit="min",
            unit_price=tariff.idle_fee_per_minute,
            amount=facts.money(minutes * tariff.idle_fee_per_minute),
            local_start=facts.local(idle_from),
            local_end=facts.local(facts.stop),
            taxes=tariff.taxes_for(IDLE),
        )
    ]


def session_fee_lines(facts: SessionFacts) -> list[PriceLine]:
    tariff = facts.tariff
    if tariff.session_fee <= 0:
        return []
    return [
        PriceLine(
            kind=SESSION_FEE,
            label="Session fee",
            quantity=ONE,
            unit="session",
            unit_price=tariff.session_fee,
            amount=facts.money(tariff.session_fee),
            taxes=tariff.taxes_for(SESSION_FEE),
        )
    ]


def free_line(facts: SessionFacts) -> PriceLine:
    """The single line of a free session (below the tariff's free-below threshold)."""
    return PriceLine(
        kind=FREE,
        label=(
            f"Free session: {fmt(facts.energy_kwh)} kWh delivered, below the "
            f"{fmt_num(facts.tariff.free_below_kwh)} kWh minimum for billing"
        ),
        quantity=facts.energy_kwh,
        unit="kWh",
        unit_price=facts.money(ZERO),
        amount=facts.money(ZERO),
        local_start=facts.local(facts.start),
        local_end=facts.local(facts.stop),
    )
