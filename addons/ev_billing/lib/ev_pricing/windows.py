"""Time-of-use windows: wall clock -> UTC, window occurrences, and slicing a period into segments.

Time of use
    A window applies on the days in ``days`` (0 = Monday .. 6 = Sunday) from its local
    ``start`` to its local ``end``; ``end <= start`` wraps past midnight and the day of week is
    that of the day the window STARTS (a Friday 22:00-06:00 window covers Saturday 03:00, and
    Friday 03:00 belongs to Thursday's window); ``end == start`` is a 24-hour (wall-clock)
    window. Windows are evaluated in the site's IANA time zone: each day's boundaries are local
    wall-clock times converted to UTC for that day, so DST moves them correctly (a 23:00-05:00
    window lasts 7 real hours on the fall-back night and 5 on the spring-forward night).

    DST edge cases, handled deterministically:

    * Nonexistent local time (spring-forward gap, e.g. 02:30 on 2026-03-08 in
      America/New_York): the boundary is the instant the clocks jumped (03:00 EDT = 07:00 UTC).
      A window 00:00-02:30 therefore ends, and a window 02:30-06:00 starts, at 03:00 local that
      day.
    * Ambiguous local time (fall-back, e.g. 01:30 on 2026-11-01 in America/New_York): the FIRST
      occurrence is used (``fold=0``, daylight time, the earlier UTC instant: 01:30 EDT = 05:30
      UTC).

    Both rules make the wall-clock -> UTC mapping monotonic, so windows that do not overlap on
    the wall clock never overlap in real time either.

    Each component is resolved separately, as in OCPI 2.2.1: for energy, the applicable window
    with the highest priority *that has an energy rate* sets the price (otherwise
    ``Tariff.energy_rate``); for time, the applicable window with the highest priority *that has
    a time rate* (otherwise ``Tariff.time_rate_per_hour``, default 0). The caller passes only the
    windows of one component to :func:`tariff_segments`. Two windows of equal priority that can
    apply at the same wall-clock instant are a validation error, whatever rates they carry
    (:func:`week_intervals` gives what :func:`.validation.validate_tariff` compares).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .clock import require_aware, zone
from .errors import TariffValidationError
from .model import DAY_NAMES, TouWindow

_DAY_US = 24 * 3600 * 1_000_000
_WEEK_US = 7 * _DAY_US


# --------------------------------------------------------------------------
# The week on the wall clock (validation of overlapping windows)
# --------------------------------------------------------------------------


def _time_of_day_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def week_intervals(window: TouWindow) -> list[tuple[int, int]]:
    """Half-open intervals of the week (microseconds from Monday 00:00) covered on the wall clock."""
    start, end = _time_of_day_us(window.start), _time_of_day_us(window.end)
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


def week_point(us: int) -> str:
    """A point of the week as text: 'Fri 22:00'."""
    day, rest = divmod(us % _WEEK_US, _DAY_US)
    seconds = rest // 1_000_000
    hh, mm, ss = seconds // 3600, seconds // 60 % 60, seconds % 60
    return f"{DAY_NAMES[day]} {hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")


# --------------------------------------------------------------------------
# Local wall clock -> UTC and window occurrences
# --------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def wall_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """Local wall-clock time -> UTC instant (ambiguous: first occurrence; gap: jump instant). Cached: a
    running estimate converts the same window boundaries at every reading of every session."""
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


def wall_bounds(window: TouWindow, day: date) -> tuple[datetime, datetime]:
    """Naive local start/end of the occurrence of ``window`` that starts on ``day``."""
    end_day = day if window.end > window.start else day + timedelta(days=1)
    return datetime.combine(day, window.start), datetime.combine(end_day, window.end)


def _occurrences(
    windows: Sequence[TouWindow], tz: ZoneInfo, a: datetime, b: datetime
) -> list[tuple[TouWindow, datetime, datetime]]:
    """Every (window, UTC start, UTC end) occurrence that overlaps ``[a, b]`` (from the day before
    ``a``: a window may wrap past midnight)."""
    occurrences = []
    day = a.astimezone(tz).date() - timedelta(days=1)
    last = b.astimezone(tz).date()
    while day <= last:
        for window in windows:
            if day.weekday() in window.days:
                wall_start, wall_end = wall_bounds(window, day)
                occ_start, occ_end = wall_to_utc(wall_start, tz), wall_to_utc(wall_end, tz)
                if occ_end > occ_start and occ_end > a and occ_start < b:
                    occurrences.append((window, occ_start, occ_end))
        day += timedelta(days=1)
    return occurrences


# --------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of ``[a, b]`` (UTC) governed by one window occurrence (or the base rate if ``window`` is None)."""

    start: datetime
    end: datetime
    window: TouWindow | None
    occurrence_start: datetime | None = None


def _governing(occurrences, x: datetime, y: datetime):
    """The highest-priority occurrence covering ``[x, y]``, or None (base rate)."""
    active = [occ for occ in occurrences if occ[1] <= x and occ[2] >= y]
    if not active:
        return None
    top = max(occ[0].priority for occ in active)
    best = [occ for occ in active if occ[0].priority == top]
    if len(best) > 1:
        raise TariffValidationError(
            f"Windows {best[0][0].name!r} and {best[1][0].name!r} have the same priority ({top}) "
            f"and both apply at {x.isoformat()}; run validate_tariff()."
        )
    return best[0]


def tariff_segments(windows: Sequence[TouWindow], site_tz: Any, start: datetime, stop: datetime) -> list[Segment]:
    """Split ``[start, stop]`` (aware) into segments governed by the highest-priority applicable window.

    Pass only the windows relevant to one component (e.g. those with an energy
    rate). Adjacent pieces of the same window occurrence are merged.
    """
    tz = zone(site_tz)
    a = require_aware(start, "segment start")
    b = require_aware(stop, "segment stop")
    if b <= a:
        return []
    occurrences = _occurrences(windows, tz, a, b)
    points = {a, b} | {t for _, occ_start, occ_end in occurrences for t in (occ_start, occ_end) if a < t < b}
    ordered = sorted(points)
    segments: list[Segment] = []
    for x, y in zip(ordered, ordered[1:], strict=False):
        chosen = _governing(occurrences, x, y)
        window, occ_start = (chosen[0], chosen[1]) if chosen else (None, None)
        if segments and segments[-1].window == window and segments[-1].occurrence_start == occ_start:
            segments[-1] = Segment(segments[-1].start, y, window, occ_start)
        else:
            segments.append(Segment(x, y, window, occ_start))
    return segments
