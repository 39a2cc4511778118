"""Compliance dates (addons/ev_tax_equity/lib/ev_tax_calendar.py)."""

from datetime import date

import ev_tax_calendar as cal
import pytest


@pytest.mark.parametrize(
    ("year_end", "extended", "due"),
    [
        (date(2025, 12, 31), False, date(2026, 3, 16)),  # 15 March 2026 is a Sunday
        (date(2025, 12, 31), True, date(2026, 9, 15)),
        (date(2024, 12, 31), False, date(2025, 3, 17)),  # Saturday 15 March 2025
        (date(2024, 12, 31), True, date(2025, 9, 15)),
        (date(2026, 12, 31), False, date(2027, 3, 15)),
        (date(2026, 6, 30), False, date(2026, 9, 15)),  # fiscal year ending June: 15th of the 3rd month
        (date(2026, 6, 30), True, date(2027, 3, 15)),
    ],
)
def test_return_due_dates(year_end, extended, due):
    assert cal.return_due(year_end, extended) == due


def test_recapture_and_evchart():
    assert cal.recapture_end(date(2025, 5, 5)) == date(2030, 5, 5)
    assert cal.recapture_end(date(2024, 2, 29)) == date(2029, 3, 1)
    assert [cal.evchart_quarterly_due(2026, q) for q in (1, 2, 3, 4)] == [
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2026, 10, 31),
        date(2027, 1, 31),
    ]
    assert cal.evchart_annual_due(2026) == date(2027, 3, 1)
    with pytest.raises(ValueError, match="quarter is 1 to 4"):
        cal.evchart_quarterly_due(2026, 5)
