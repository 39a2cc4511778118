"""NEVI uptime per charging port (23 CFR 680.116(b)). Pure Python: never imports Odoo.

Two steps, each usable on its own (operational uptime can share the first one):

1. **Status history -> outage intervals**: ``outage_intervals(periods, start, end)`` turns the
   status periods of one connector (``(date_start, date_end or None, status)``) into the merged
   intervals during which it could not charge (status in ``DOWN_STATUSES``), clipped to
   ``[start, end)``; an open period runs to ``end``. ``port_outage_intervals(connectors, ...)``
   combines the connectors of one port: *a charging port charges one vehicle at a time even if it
   has several connectors*, so the port is down while **every** one of its connectors is down
   (the intersection), and while its station is offline (``connected``: the station's connection
   history, ev.connection.history; *a port is up when online and able to dispense*). A port with no
   history at all in the window is counted up (nothing says otherwise). The interval functions are
   ev_charging's (``lib/ev_uptime.py``), shared with the operational uptime.

2. **Intervals -> minutes**: ``port_uptime(outages, start, end)`` takes the outage periods of one
   port, each ``(date_start, date_end, reason or None)`` where the reason is an excluded-outage
   reason set by staff, and returns outage minutes, excluded minutes (and per reason), uptime % and
   whether it is above the 97 % requirement:

       uptime % = (P - (T_outage - T_excluded)) / P x 100

   with P = 525,600 minutes for a full trailing-12-month window (the regulation's constant, also in
   a leap year) and the real length of the window in minutes when it is shorter (a port in service
   for less than a year, ``partial``). Overlapping outage periods count once; overlapping
   excluded periods count once, the time going to the reason of the period that started first.

Time is counted in whole seconds (datetimes must share one timezone convention: naive UTC or
aware). Minutes are ``Decimal`` rounded HALF_UP to 0.01 (EV-ChART's decimal(8,2)); uptime % is
rounded HALF_UP to 0.01 after the division. "Above 97 %" compares the unrounded value: NEVI asks
for more than 97 %.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

#: the interval rules are the operational uptime's (ev_charging/lib/ev_uptime.py): one implementation
if __package__:  # inside Odoo: odoo.addons.ev_grants.lib
    from ...ev_charging.lib.ev_uptime import DOWN_STATUSES, add_months, intersect, merge, outage_intervals, subtract
else:  # the odoo-free unit tests put every addons/*/lib on sys.path
    from ev_uptime import DOWN_STATUSES, add_months, intersect, merge, outage_intervals, subtract

#: minutes in the regulation's 12-month window (365 days).
YEAR_MINUTES = 525_600
REQUIRED_UPTIME = Decimal("97")
CENT = Decimal("0.01")

__all__ = ["DOWN_STATUSES", "add_months", "intersect", "merge", "outage_intervals", "port_outage_intervals"]


def _minutes(seconds):
    return (Decimal(seconds) / Decimal(60)).quantize(CENT, rounding=ROUND_HALF_UP)


def port_outage_intervals(
    connectors: Iterable[Iterable[tuple]], start, end, down_statuses=DOWN_STATUSES, connected=None
):
    """Outage intervals of a port from the status periods of each of its connectors: the port is
    down while all its connectors are down, and while its charging station is offline.

    ``connected`` (optional): the station's connection periods ``(connected at, disconnected at or
    None)`` from its connection history; the station is offline outside them, counted from the start
    of the first of them (before any connection history nothing says the station was offline)."""
    result = None
    for periods in connectors:
        down = outage_intervals(periods, start, end, down_statuses)
        result = down if result is None else intersect(result, down)
        if not result:
            break
    result = result or []
    if connected:
        first = min(c[0] for c in connected)
        known = [(max(start, first), end)] if first < end else []
        links = merge((max(s, start), min(e or end, end)) for s, e in connected)
        result = merge(result + subtract(known, links))
    return result


@dataclass
class UptimeResult:
    window_start: datetime
    window_end: datetime
    period_minutes: Decimal
    outage_minutes: Decimal
    excluded_minutes: Decimal
    excluded_by_reason: dict = field(default_factory=dict)
    uptime_percent: Decimal = Decimal("100.00")
    meets_requirement: bool = True
    partial: bool = False

    @property
    def counted_outage_minutes(self):
        return self.outage_minutes - self.excluded_minutes


def port_uptime(outages: Iterable[tuple], start, end, in_service_from=None) -> UptimeResult:
    """NEVI uptime of one port over ``[start, end)`` from its outage periods
    ``(date_start, date_end, reason or None)``. ``in_service_from`` (optional) shortens the window
    of a port that entered service inside it (``partial``)."""
    window_start = max(start, in_service_from) if in_service_from else start
    if window_start >= end:
        raise ValueError("the port entered service after the end of the window: no uptime to compute")
    clipped = []
    for o_start, o_end, reason in outages:
        if o_end is None:
            o_end = end
        s, e = max(o_start, window_start), min(o_end, end)
        if s < e:
            clipped.append((s, e, reason or None))
    total = merge((s, e) for s, e, _r in clipped)
    outage_seconds = sum(int((e - s).total_seconds()) for s, e in total)
    # excluded time: periods with a reason, earliest first; time already given to a reason is
    # not given again
    by_reason_seconds = {}
    taken = []
    for s, e, reason in sorted(c for c in clipped if c[2]):
        pieces = [(s, e)]
        for ts, te in taken:
            nxt = []
            for ps, pe in pieces:
                if te <= ps or ts >= pe:
                    nxt.append((ps, pe))
                    continue
                if ps < ts:
                    nxt.append((ps, ts))
                if te < pe:
                    nxt.append((te, pe))
            pieces = nxt
        seconds = sum(int((pe - ps).total_seconds()) for ps, pe in pieces)
        if seconds:
            by_reason_seconds[reason] = by_reason_seconds.get(reason, 0) + seconds
        taken = merge(taken + [(s, e)])
    excluded_seconds = sum(by_reason_seconds.values())
    window_seconds = int((end - window_start).total_seconds())
    partial = window_start > start
    period_minutes = Decimal(YEAR_MINUTES) if not partial and _is_year(start, end) else Decimal(window_seconds) / 60
    counted = Decimal(outage_seconds - excluded_seconds) / 60
    exact = (period_minutes - counted) / period_minutes * 100
    return UptimeResult(
        window_start=window_start,
        window_end=end,
        period_minutes=period_minutes.quantize(CENT, rounding=ROUND_HALF_UP),
        outage_minutes=_minutes(outage_seconds),
        excluded_minutes=_minutes(excluded_seconds),
        excluded_by_reason={r: _minutes(s) for r, s in sorted(by_reason_seconds.items())},
        uptime_percent=exact.quantize(CENT, rounding=ROUND_HALF_UP),
        meets_requirement=exact > REQUIRED_UPTIME,
        partial=partial,
    )


def _is_year(start, end):
    """True when [start, end) is 12 calendar months (365 or 366 days)."""
    return timedelta(days=365) <= end - start <= timedelta(days=366) and (start.month, start.day) == (
        end.month,
        end.day,
    )


def trailing_window(year: int, month: int) -> tuple[date, date]:
    """Local dates [start, end) of the 12 months ending with ``month`` of ``year`` (inclusive)."""
    end = add_months(date(year, month, 1), 1)
    return add_months(end, -12), end


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """Local dates [start, end) of a calendar quarter (1..4)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1 to 4, not {quarter}")
    start = date(year, 3 * quarter - 2, 1)
    return start, add_months(start, 3)
