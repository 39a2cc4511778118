"""Golden tests of ev_portal's monthly analytics (addons/ev_portal/lib/ev_portal_analytics.py)."""

from datetime import date
from decimal import Decimal as D

import pytest
from ev_portal_analytics import AnalyticsError, fill, irr_to_date, month_end, month_label, months
from ev_tax_xirr import NoIrrError, xirr


def test_months_across_a_year_end():
    keys = months(date(2025, 11, 17), date(2026, 2, 1))
    assert keys == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    assert [month_label(k) for k in keys] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_end((2024, 2)) == date(2024, 2, 29)
    assert fill(keys, {(2025, 12): 5.5}) == [0, 5.5, 0, 0]
    with pytest.raises(AnalyticsError, match=r"first month \(2026-03\) is after the last \(2026-02\)"):
        months(date(2026, 3, 1), date(2026, 2, 1))


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
