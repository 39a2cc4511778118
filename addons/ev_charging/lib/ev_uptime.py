"""Operational uptime, availability and first-time charge success (pure Python: never imports Odoo).

**Intervals.** ``merge``, ``intersect``, ``union``, ``subtract``, ``clip`` and ``seconds`` work on
lists of ``(start, end)`` half-open intervals of datetimes (all in one convention: naive UTC in
Odoo). ``outage_intervals`` turns the status periods of one connector ``(date_start, date_end or
None, status)`` into the merged intervals in which its status was in a set (an open period runs to
the end of the window). ev_grants' NEVI uptime uses the same functions.

**A charger over a window** (``charger_availability``): from its connection periods (connected
from, disconnected at or None while connected) and the status periods of its connectors, every
second of the window ``[start, end)`` is exactly one of

* *online*: connected, no connector Faulted or Unavailable;
* *degraded*: connected, at least one connector Faulted or Unavailable;
* *offline*: not connected (also before the first connection ever seen).

*fault seconds* are the connected seconds in which at least one connector was Faulted.
Availability % = online / window x 100; availability without fault periods % = online / (window
- fault seconds) x 100: the fault periods are taken out of the measurement (the product document's
"availability excluding fault periods"). Both are ``Decimal`` rounded HALF_UP to 0.01, ``None``
when there is nothing to divide by. ``combine`` adds up chargers (a site, the network): seconds are
charger-seconds, percentages are recomputed from the sums.

**Months** (``month_bounds``) are calendar months in the site's timezone, so a month with a
daylight-saving change is an hour shorter or longer than 24 h x its days.

**First-time charge success** (``first_time_success``): attempts are the sessions (a success when
they delivered energy), the accepted authorisations no session followed on that charger with that
token within ``consume_window``, and the remote starts that failed. The attempts of one token on
one charger less than ``retry_window`` apart are one *episode* (the driver trying again); the
episode is a first-time success when its first attempt succeeded. Rate = successful episodes /
episodes x 100.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

#: connector statuses in which the connector cannot charge a vehicle
DOWN_STATUSES = frozenset({"Faulted", "Unavailable"})
FAULT_STATUSES = frozenset({"Faulted"})
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------------------------
def merge(intervals: Iterable[tuple]) -> list[tuple]:
    """Sorted, merged copy of ``(start, end)`` intervals (touching intervals are joined, empty ones dropped)."""
    result = []
    for start, end in sorted(i[:2] for i in intervals):
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def intersect(a: Sequence[tuple], b: Sequence[tuple]) -> list[tuple]:
    """Intersection of two merged interval lists."""
    result, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def union(*lists: Iterable[tuple]) -> list[tuple]:
    """Merged union of interval lists."""
    return merge(interval for intervals in lists for interval in intervals)


def subtract(a: Sequence[tuple], b: Sequence[tuple]) -> list[tuple]:
    """``a`` minus ``b`` (both merged)."""
    result, j = [], 0
    for start, end in a:
        cur = start
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cur:
                result.append((cur, b[k][0]))
            cur = max(cur, b[k][1])
            if cur >= end:
                break
            k += 1
        if cur < end:
            result.append((cur, end))
    return result


def clip(intervals: Iterable[tuple], start, end) -> list[tuple]:
    """Merged intervals cut to ``[start, end)``; an end of None runs to ``end``."""
    return merge((max(s, start), min(e or end, end)) for s, e, *_rest in intervals)


def seconds(intervals: Iterable[tuple]) -> int:
    """Whole seconds covered by merged ``intervals``."""
    return sum(int((end - start).total_seconds()) for start, end in intervals)


def outage_intervals(periods: Iterable[tuple], start, end, down_statuses=DOWN_STATUSES) -> list[tuple]:
    """Merged intervals of ``periods`` (``(date_start, date_end or None, status)``) whose status is
    in ``down_statuses``, clipped to ``[start, end)``. An open period (end None) runs until ``end``."""
    down = []
    for p_start, p_end, status in periods:
        if status not in down_statuses:
            continue
        s, e = max(p_start, start), min(p_end or end, end)
        if s < e:
            down.append((s, e))
    return merge(down)


# ---------------------------------------------------------------------------------------------
# Months in a timezone
# ---------------------------------------------------------------------------------------------
def add_months(d: date, months: int) -> date:
    """First day of the month ``months`` after (or before) the month of ``d``."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def local_midnight_utc(day: date, tz: str) -> datetime:
    """Naive UTC datetime of the local midnight starting ``day`` in ``tz``."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz or "UTC"))
    return (local - local.utcoffset()).replace(tzinfo=None)


def month_bounds(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month of ``tz`` as naive UTC datetimes."""
    first = date(year, month, 1)
    return local_midnight_utc(first, tz), local_midnight_utc(add_months(first, 1), tz)


def month_of(when: datetime, tz: str) -> date:
    """First day of the local month (in ``tz``) containing the naive UTC ``when``."""
    local = when.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz or "UTC"))
    return date(local.year, local.month, 1)


# ---------------------------------------------------------------------------------------------
# Availability of a charger, a site, a network
# ---------------------------------------------------------------------------------------------
def percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Availability:
    period_seconds: int = 0
    online_seconds: int = 0
    degraded_seconds: int = 0
    offline_seconds: int = 0
    fault_seconds: int = 0

    @property
    def availability_percent(self) -> Decimal | None:
        return percent(self.online_seconds, self.period_seconds)

    @property
    def availability_excl_faults_percent(self) -> Decimal | None:
        return percent(self.online_seconds, self.period_seconds - self.fault_seconds)

    def __add__(self, other):
        return Availability(
            self.period_seconds + other.period_seconds,
            self.online_seconds + other.online_seconds,
            self.degraded_seconds + other.degraded_seconds,
            self.offline_seconds + other.offline_seconds,
            self.fault_seconds + other.fault_seconds,
        )


def charger_availability(
    connected: Iterable[tuple],
    connectors: Iterable[Iterable[tuple]],
    start: datetime,
    end: datetime,
    in_service_from: datetime | None = None,
) -> Availability:
    """Online / degraded / offline / fault seconds of one charger over ``[start, end)``.

    ``connected``: the charger's connection periods ``(connected at, disconnected at or None)``;
    ``connectors``: for each connector its status periods ``(date_start, date_end or None, status)``.
    ``in_service_from`` (e.g. the charger's creation) starts the window later when inside it.
    """
    if in_service_from and in_service_from > start:
        start = in_service_from
    if end <= start:
        return Availability()
    window = [(start, end)]
    online_link = clip(connected, start, end)
    down, faulted = [], []
    for periods in connectors:  # one pass over each connector's history
        for p_start, p_end, status in periods:
            if status not in DOWN_STATUSES:
                continue
            s, e = max(p_start, start), min(p_end or end, end)
            if s < e:
                down.append((s, e))
                if status in FAULT_STATUSES:
                    faulted.append((s, e))
    any_down, any_fault = merge(down), merge(faulted)
    degraded = intersect(online_link, any_down)
    period = seconds(window)
    linked = seconds(online_link)
    degraded_s = seconds(degraded)
    return Availability(
        period_seconds=period,
        online_seconds=linked - degraded_s,
        degraded_seconds=degraded_s,
        offline_seconds=period - linked,
        fault_seconds=seconds(intersect(online_link, any_fault)),
    )


def combine(results: Iterable[Availability]) -> Availability:
    """The sum of several chargers' availability (charger-seconds)."""
    total = Availability()
    for result in results:
        total = total + result
    return total


# ---------------------------------------------------------------------------------------------
# First-time charge success
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChargeSuccess:
    attempts: int = 0  # sessions + unanswered authorisations + failed remote starts
    episodes: int = 0
    first_time_successes: int = 0
    sessions: int = 0
    failed_starts: int = 0  # attempts that did not deliver energy

    @property
    def rate_percent(self) -> Decimal | None:
        return percent(self.first_time_successes, self.episodes)


def first_time_success(
    sessions: Iterable[tuple],
    authorizations: Iterable[tuple] = (),
    failed_remote_starts: Iterable[tuple] = (),
    consume_window: timedelta = timedelta(minutes=5),
    retry_window: timedelta = timedelta(minutes=10),
) -> ChargeSuccess:
    """First-time charge success from ``sessions`` ``(charger, token, start, delivered energy?)``,
    accepted ``authorizations`` ``(charger, token, when)`` and ``failed_remote_starts``
    ``(charger, token, when)``. See the module docstring."""
    sessions = list(sessions)
    by_key = defaultdict(list)
    for charger, token, when, delivered in sessions:
        by_key[(charger, token)].append((when, bool(delivered)))
    attempts = defaultdict(list)
    for key, rows in by_key.items():
        attempts[key].extend(rows)
    session_starts = {key: sorted(w for w, _d in rows) for key, rows in by_key.items()}
    for charger, token, when in authorizations:
        starts = session_starts.get((charger, token), [])
        if not any(when <= s <= when + consume_window for s in starts):
            attempts[(charger, token)].append((when, False))
    for charger, token, when in failed_remote_starts:
        attempts[(charger, token)].append((when, False))
    n_attempts = episodes = successes = failed = 0
    for rows in attempts.values():
        rows.sort(key=lambda r: (r[0], not r[1]))
        previous = None
        for when, ok in rows:
            n_attempts += 1
            failed += not ok
            if previous is None or when - previous >= retry_window:
                episodes += 1
                successes += ok
            previous = when
    return ChargeSuccess(
        attempts=n_attempts,
        episodes=episodes,
        first_time_successes=successes,
        sessions=len(sessions),
        failed_starts=failed,
    )
