"""Golden tests of ev_portal's monthly analytics (addons/ev_portal/lib/ev_portal_analytics.py)."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from ev_portal_analytics import AnalyticsError, fill, irr_to_date, month_end, month_label, months, uptime_by_month
from ev_tax_xirr import NoIrrError, xirr


def test_months_across_a_year_end():
    keys = months(date(2025, 11, 17), date(2026, 2, 1))
    assert keys == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    assert [month_label(k) for k in keys] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_end((2024, 2)) == date(2024, 2, 29)
    assert fill(keys, {(2025, 12): 5.5}) == [0, 5.5, 0, 0]
    with pytest.raises(AnalyticsError, match=r"first month \(2026-03\) is after the last \(2026-02\)"):
        months(date(2026, 3, 1), date(2026, 2, 1))


def test_uptime_clips_periods_to_months_and_counts_faulted_only():
    keys = [(2026, 1), (2026, 2), (2026, 3)]
    now = datetime(2026, 3, 1, 12, 0)
    periods = [
        # port A: available all January, faulted for 24 h across the month end, then available (open period)
        ("A", False, datetime(2026, 1, 1), datetime(2026, 1, 31, 12, 0)),
        ("A", True, datetime(2026, 1, 31, 12, 0), datetime(2026, 2, 1, 12, 0)),
        ("A", False, datetime(2026, 2, 1, 12, 0), None),
        # port B: unavailable (maintenance) counts as up
        ("B", False, datetime(2026, 2, 1), datetime(2026, 2, 8)),
        # a zero-length or reversed period is ignored
        ("B", True, datetime(2026, 2, 8), datetime(2026, 2, 8)),
    ]
    january, february, march = uptime_by_month(periods, keys, now)
    assert january == pytest.approx(100 * (31 * 24 - 12) / (31 * 24), abs=0.005)
    assert january == 98.39
    observed_feb = 28 * 24 + 7 * 24
    assert february == float((D(100) * (observed_feb - 12) / observed_feb).quantize(D("0.01")))
    assert march == 100.0  # the open period runs to now: 12 h observed, none down


def test_uptime_without_observed_time_is_none_not_100():
    assert uptime_by_month([], [(2026, 1)], datetime(2026, 2, 1)) == [None]
    # a month after "now" has nothing observed
    periods = [("A", False, datetime(2026, 1, 1), None)]
    assert uptime_by_month(periods, [(2026, 1), (2026, 2)], datetime(2026, 2, 1)) == [100.0, None]


def test_irr_to_date_with_the_tax_equity_xirr():
    flows = [
        (date(2025, 1, 1), D("-1000")),
        (date(2025, 6, 30), D("100")),
        (date(2025, 12, 31), D("1000")),
    ]
    keys = [(2025, 1), (2025, 6), (2025, 12)]
    values = irr_to_date(flows, keys, xirr, (NoIrrError,))
    assert values[0] is None  # no inflow yet: no IRR
    assert values[1] == -99.06  # 100 back after 180 days on 1,000: (1 + r) ** (180 / 365) = 0.1
    assert values[2] == float((xirr(flows) * 100).quantize(D("0.01")))
    assert 10 < values[2] < 11


def test_irr_to_date_no_root_is_none():
    def failing(_pairs):
        raise NoIrrError("no root")

    flows = [(date(2025, 1, 1), D("-1")), (date(2025, 2, 1), D("1"))]
    assert irr_to_date(flows, [(2025, 2)], failing, (NoIrrError,)) == [None]
