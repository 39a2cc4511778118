"""Meter samples: validation and merging, the interpolated register, and when charging ended.

Energy
    The cumulative register ``R(t)`` is interpolated linearly between samples and held constant
    before the first and after the last sample. Energy in an interval ``[a, b]`` is
    ``R(b) - R(a)``; the session bills ``R(stop) - R(start)`` (energy recorded outside
    ``[start, stop]`` is not billed). Provide a sample at the session start (OCPP meterStart /
    Transaction.Begin) and at the stop. The session's ``energy_kwh`` is
    ``round_half_up((R(stop) - R(start)) / 1000, 0.001)``.

Merging samples (:func:`normalize_samples`)
    Samples are sorted by timestamp (input order does not matter). Two samples at the same
    instant are merged: highest register value (with that reading's resolution), highest
    power. Negative register values are rejected.

    One rule for a register that reads lower than the reading before it. A reading of
    resolution ``r`` (``MeterSample.resolution_wh``) stands for a register anywhere within
    ``r`` of it: OCPP 1.6's ``meterStart``/``meterStop`` are whole Wh (r = 1) while its sampled
    values carry decimals, so a meterStop of 316 Wh after a sample of 316.42 Wh is the same
    register, rounded -- not a register going backwards. Hence: a reading below the one before
    by LESS than the coarser resolution of the two is that same register value; it is merged
    as the reading before (value and resolution kept, at its own timestamp), so the register
    never decreases and the energy billed keeps the finer reading. A drop by that resolution or
    more (between exact readings: any drop) is a register going *down* (meter reset, rollover,
    wrong meter) and is rejected with :class:`SessionDataError`: the caller must correct the
    data, we never guess.

Charging end and idle time
    ``charging_end`` is ``Session.charging_end`` when the caller knows it; otherwise it is
    derived from the samples (:func:`charging_end_from_samples`): the later of (a) the
    timestamp of the last sample whose power is strictly above ``power_threshold_w`` (default
    100 W) and (b) the timestamp of the sample at which the register reached its final value
    (the end of the last interval where it increased), clamped to ``[start, stop]``; ``start``
    when nothing was ever delivered.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from .clock import microseconds, require_aware
from .errors import SessionDataError
from .model import DEFAULT_POWER_THRESHOLD_W, MeterSample
from .money import ZERO, fmt, to_decimal


def _checked(samples: Iterable[MeterSample]) -> list[MeterSample]:
    """Validated samples with UTC timestamps, sorted by (timestamp, register)."""
    items: list[MeterSample] = []
    for index, sample in enumerate(samples or ()):
        if not isinstance(sample, MeterSample):
            raise SessionDataError(f"sample #{index}: expected a MeterSample, got {sample!r}.")
        ts = require_aware(sample.timestamp, f"sample #{index} timestamp")
        if sample.energy_wh < 0:
            raise SessionDataError(
                f"sample #{index} at {ts.isoformat()}: negative energy register {fmt(sample.energy_wh)} Wh."
            )
        # a sample already in UTC is kept as it is (a MeterSample is immutable)
        items.append(
            sample
            if ts is sample.timestamp
            else MeterSample(ts, sample.energy_wh, sample.power_w, sample.resolution_wh)
        )
    items.sort(key=lambda s: (s.timestamp, s.energy_wh, s.resolution_wh))
    return items


def _same_instant(prev: MeterSample, sample: MeterSample) -> MeterSample:
    """Two readings of one instant: the highest register (with its resolution), the highest power."""
    powers = [p for p in (prev.power_w, sample.power_w) if p is not None]
    kept = sample if sample.energy_wh > prev.energy_wh else prev
    return MeterSample(prev.timestamp, kept.energy_wh, max(powers) if powers else None, kept.resolution_wh)


def _next_reading(prev: MeterSample, sample: MeterSample) -> MeterSample:
    """``sample`` after ``prev``: itself, or ``prev``'s register when it is lower within resolution."""
    if sample.energy_wh >= prev.energy_wh:
        return sample
    if prev.energy_wh - sample.energy_wh < max(prev.resolution_wh, sample.resolution_wh):
        return MeterSample(sample.timestamp, prev.energy_wh, sample.power_w, prev.resolution_wh)
    raise SessionDataError(
        f"Energy register went backwards: {fmt(prev.energy_wh)} Wh at {prev.timestamp.isoformat()} "
        f"then {fmt(sample.energy_wh)} Wh at {sample.timestamp.isoformat()} (meter reset or wrong meter?); "
        "correct the meter values before pricing."
    )


def normalize_samples(samples: Iterable[MeterSample]) -> list[MeterSample]:
    """Validate, convert to UTC, sort and merge samples (module docstring, *Merging samples*);
    reject a register going backwards."""
    merged: list[MeterSample] = []
    for sample in _checked(samples):
        if merged and merged[-1].timestamp == sample.timestamp:
            merged[-1] = _same_instant(merged[-1], sample)
        elif merged:
            merged.append(_next_reading(merged[-1], sample))
        else:
            merged.append(sample)
    return merged


class Register:
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
        return v0 + (v1 - v0) * Decimal(microseconds(t - t0)) / Decimal(microseconds(t1 - t0))

    def between(self, a: datetime, b: datetime) -> Decimal:
        """Energy (Wh) registered over ``[a, b]``."""
        return self.at(b) - self.at(a)


def charging_end(samples: list[MeterSample], start: datetime, stop: datetime, threshold: Decimal) -> datetime:
    """See the module docstring; ``samples`` are normalised, ``start``/``stop`` UTC."""

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
    a = require_aware(start, "session start")
    b = require_aware(stop, "session stop")
    threshold = to_decimal(power_threshold_w, "power threshold", SessionDataError)
    return charging_end(normalize_samples(samples), a, b, threshold)
