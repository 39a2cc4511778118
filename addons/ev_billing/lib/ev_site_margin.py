"""Cost vs revenue per site and driver-facing formatting for ev_billing (pure Python, stdlib only:
never imports Odoo; unit tests in tests/unit/test_site_margin.py).

Decisions
=========

Energy purchase rate
    A site has a dated table of purchase rates (``date_from`` -> cost per kWh, in the company's
    currency). The rate of a session is the one with the latest ``date_from`` on or before the
    session's *local* start date; before the first row there is no rate (cost 0, reported as such).

Energy purchase cost
    ``billed kWh x rate``, Decimal, rounded HALF_UP to the currency's decimal places, once per
    session (the report sums the rounded session costs, like the invoices do).

Margin
    ``revenue excl. tax - (energy purchase cost + vendor bills on the site's analytic account)``.
    The margin percentage of a group is computed from the group's totals:
    ``margin / revenue x 100`` rounded HALF_UP to 2 places; undefined (None) without revenue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

try:  # inside the Odoo addon (package import)
    from .ev_billing_policy import to_decimal
except ImportError:  # unit tests put lib/ on sys.path
    from ev_billing_policy import to_decimal


def rate_on(rates: Iterable[tuple[date, object]], day: date) -> Decimal | None:
    """The rate in force on ``day``: the row with the latest ``date_from <= day``; None before the first.

    ``rates``: (date_from, rate) pairs in any order. Two rows with the same date are refused."""
    if day is None:
        return None
    seen = set()
    best = None
    for date_from, rate in rates:
        if date_from in seen:
            raise ValueError(f"two purchase rates start on {date_from}; keep one per date")
        seen.add(date_from)
        if date_from <= day and (best is None or date_from > best[0]):
            best = (date_from, rate)
    return to_decimal(best[1]) if best else None


def energy_cost(kwh, rate, places: int = 2) -> Decimal:
    """Purchase cost of ``kwh`` at ``rate`` per kWh, rounded HALF_UP to ``places`` (no rate: 0)."""
    if rate is None:
        return Decimal(0).quantize(Decimal(1).scaleb(-places))
    kwh = to_decimal(kwh)
    rate = to_decimal(rate)
    if kwh < 0:
        raise ValueError(f"energy must be 0 or more, got {kwh} kWh")
    if rate < 0:
        raise ValueError(f"a purchase rate must be 0 or more, got {rate}")
    return (kwh * rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def margin(revenue, cost, places: int = 2) -> Decimal:
    """Revenue excl. tax minus cost, rounded HALF_UP to ``places``."""
    return (to_decimal(revenue) - to_decimal(cost)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def margin_percent(revenue, cost) -> Decimal | None:
    """(revenue - cost) / revenue x 100, HALF_UP to 2 places; None when there is no revenue."""
    revenue = to_decimal(revenue)
    if revenue == 0:
        return None
    return ((revenue - to_decimal(cost)) * 100 / revenue).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def local_datetime(utc_value: datetime | None, tz_name: str | None) -> datetime | None:
    """A naive UTC datetime (as Odoo stores it) or an aware one, in the site's time zone (aware).

    An empty or unknown time zone name falls back to UTC."""
    if utc_value is None:
        return None
    if utc_value.tzinfo is None:
        utc_value = utc_value.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(tz_name) if tz_name else UTC
    except (KeyError, ValueError):
        zone = UTC
    return utc_value.astimezone(zone)


def format_local(utc_value: datetime | None, tz_name: str | None) -> str:
    """``YYYY-MM-DD HH:MM TZ`` in the site's time zone ('' for no value)."""
    value = local_datetime(utc_value, tz_name)
    return value.strftime("%Y-%m-%d %H:%M %Z") if value else ""
