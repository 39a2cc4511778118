"""Monthly operating figures of an SPV's sites for the investor portal's charts (no Odoo import).

* ``months(first, last)``: the months from the month of ``first`` to the month of ``last``, as (year, month).
* ``fill(months, values)``: one value per month, 0 for a month without data.
* **Uptime**: not computed here any more - the portal shows ev_charging's operational availability
  (``ev.uptime.monthly``: online share of each month, the current month live).
* **IRR to date** (``irr_to_date``): the investor's cumulative after-tax IRR at each month end from its dated
  flows (contributions negative), with the caller's XIRR function; ``None`` while there is no IRR (no sign
  change yet, no root).
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


class AnalyticsError(ValueError):
    """Bad input: the message says what to fix."""


def months(first: date, last: date) -> list[tuple[int, int]]:
    if first > last:
        raise AnalyticsError(f"The first month ({first:%Y-%m}) is after the last ({last:%Y-%m}).")
    result = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        result.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def month_label(key: tuple[int, int]) -> str:
    return f"{key[0]:04d}-{key[1]:02d}"


def month_end(key: tuple[int, int]) -> date:
    return date(key[0], key[1], calendar.monthrange(*key)[1])


def fill(keys, values: dict) -> list:
    """``values`` {(year, month): value} as a list following ``keys``, 0 where a month has none."""
    return [values.get(key, 0) for key in keys]


def irr_to_date(flows, keys, xirr, no_irr=(Exception,)) -> list:
    """Cumulative IRR (percent, 0.01) at each month end of ``keys`` from ``flows`` [(date, amount)];
    ``xirr(pairs) -> Decimal rate`` (0.1 = 10 %); ``None`` where ``xirr`` raises one of ``no_irr``."""
    flows = sorted(flows)
    result = []
    for key in keys:
        end = month_end(key)
        pairs = [(day, amount) for day, amount in flows if day <= end]
        if not pairs or all(amount >= 0 for _d, amount in pairs) or all(amount <= 0 for _d, amount in pairs):
            result.append(None)
            continue
        try:
            rate = Decimal(str(xirr(pairs))) * 100
        except no_irr:
            result.append(None)
            continue
        result.append(float(rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))
    return result
