"""Compliance dates of an SPV (pure Python, stdlib only).

* Form 1065 is due the 15th day of the 3rd month after the end of the tax year; with an extension
  (Form 7004) the 15th day of the 9th month. K-1s are due to the partners by the same date.
* A due date on a Saturday or Sunday moves to the next Monday (IRS rule for weekends; the federal legal
  holidays never fall on those days of March or September, the only months these rules reach for a
  calendar-year partnership — other year ends: check the holiday calendar).
* §30C / ITC recapture: the property must stay qualified for 5 years from its placed-in-service date.
* EV-ChART (NEVI-funded sites): quarterly data is due the last day of the month after the quarter,
  annual data by 1 March of the next year.
"""

from datetime import date, timedelta


def _add_months(day, months):
    month = day.month - 1 + months
    return day.year + month // 12, month % 12 + 1


def next_business_day(day):
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def return_due(year_end, extended=False):
    """Due date of Form 1065 (and of the K-1s to the partners) for the tax year ending ``year_end``."""
    year, month = _add_months(year_end, 9 if extended else 3)
    return next_business_day(date(year, month, 15))


def recapture_end(placed_in_service, years=5):
    try:
        return placed_in_service.replace(year=placed_in_service.year + years)
    except ValueError:  # 29 February
        return date(placed_in_service.year + years, 3, 1)


def evchart_quarterly_due(year, quarter):
    """Last day of the month after the quarter."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"A quarter is 1 to 4, not {quarter!r}.")
    y, m = _add_months(date(year, 3 * quarter, 1), 2)
    return date(y, m, 1) - timedelta(days=1)


def evchart_annual_due(year):
    return date(year + 1, 3, 1)
