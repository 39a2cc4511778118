"""Golden tests of NEVI uptime per port (ev_grants/lib/ev_grants_uptime.py)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import ev_grants_uptime as up
import pytest

START = datetime(2025, 4, 1)
END = datetime(2026, 4, 1)  # trailing 12 months ending March 2026 (365 days)


def t(month, day, hour=0, minute=0, year=2025):
    return datetime(year, month, day, hour, minute)


def test_formula_with_exclusions_golden():
    # 1,000 minutes down, 400 of them excluded (grid): (525,600 - 600) / 525,600 = 99.8858447...
    outages = [
        (t(5, 1), t(5, 1) + timedelta(minutes=600), None),
        (t(6, 1), t(6, 1) + timedelta(minutes=400), "grid"),
    ]
    result = up.port_uptime(outages, START, END)
    assert result.period_minutes == Decimal("525600.00")
    assert result.outage_minutes == Decimal("1000.00")
    assert result.excluded_minutes == Decimal("400.00")
    assert result.excluded_by_reason == {"grid": Decimal("400.00")}
    assert result.counted_outage_minutes == Decimal("600.00")
    assert result.uptime_percent == Decimal("99.89")
    assert result.meets_requirement is True
    assert result.partial is False


def test_exactly_97_percent_does_not_meet_the_requirement():
    # 3 % of 525,600 = 15,768 minutes counted: uptime 97.00, and NEVI asks for more than 97 %
    outages = [(t(7, 1), t(7, 1) + timedelta(minutes=15768), None)]
    result = up.port_uptime(outages, START, END)
    assert result.uptime_percent == Decimal("97.00")
    assert result.meets_requirement is False
    one_less = up.port_uptime([(t(7, 1), t(7, 1) + timedelta(minutes=15767), None)], START, END)
    assert one_less.uptime_percent == Decimal("97.00")  # 97.00019 rounds to 97.00 ...
    assert one_less.meets_requirement is True  # ... but is above 97


def test_excluded_outages_do_not_lower_uptime_and_are_split_by_reason():
    outages = [
        (t(8, 1), t(8, 3), "natural_disaster"),  # 2,880 min
        (t(9, 1, 22), t(9, 2, 6), "operating_hours"),  # 480 min
        (t(10, 1, 1), t(10, 1, 3), "maintenance"),  # 120 min
        (t(11, 5), t(11, 5, 0, 30), "vandalism"),  # 30 min
        (t(12, 5), t(12, 5, 1), "vehicle"),  # 60 min
        (t(12, 6), t(12, 6, 2), "network"),  # 120 min
    ]
    result = up.port_uptime(outages, START, END)
    assert result.outage_minutes == result.excluded_minutes == Decimal("3690.00")
    assert result.uptime_percent == Decimal("100.00")
    assert result.excluded_by_reason == {
        "maintenance": Decimal("120.00"),
        "natural_disaster": Decimal("2880.00"),
        "network": Decimal("120.00"),
        "operating_hours": Decimal("480.00"),
        "vandalism": Decimal("30.00"),
        "vehicle": Decimal("60.00"),
    }


def test_overlapping_outages_count_once_and_first_reason_keeps_the_overlap():
    outages = [
        (t(5, 1, 10), t(5, 1, 12), "grid"),  # 10:00-12:00
        (t(5, 1, 11), t(5, 1, 13), "maintenance"),  # 11:00-13:00: only 12:00-13:00 is new
        (t(5, 1, 12, 30), t(5, 1, 14), None),  # 12:30-14:00: 13:00-14:00 counts
    ]
    result = up.port_uptime(outages, START, END)
    assert result.outage_minutes == Decimal("240.00")
    assert result.excluded_by_reason == {"grid": Decimal("120.00"), "maintenance": Decimal("60.00")}
    assert result.excluded_minutes == Decimal("180.00")
    # (525,600 - 60) / 525,600 = 99.98858...
    assert result.uptime_percent == Decimal("99.99")


def test_outages_are_clipped_to_the_window_and_open_ones_run_to_its_end():
    outages = [
        (datetime(2025, 3, 31, 23, 0), datetime(2025, 4, 1, 1, 0), None),  # 60 min inside
        (datetime(2026, 3, 31, 23, 30), None, None),  # open: 30 min inside
        (datetime(2024, 1, 1), datetime(2024, 2, 1), "grid"),  # before the window
    ]
    result = up.port_uptime(outages, START, END)
    assert result.outage_minutes == Decimal("90.00")
    assert result.excluded_minutes == Decimal("0.00")


def test_port_in_service_for_part_of_the_window_uses_its_real_minutes():
    # in service from 1 Feb 2026: 59 days = 84,960 minutes; 849.6 minutes down = 99.00 %
    result = up.port_uptime(
        [(datetime(2026, 2, 10), datetime(2026, 2, 10) + timedelta(seconds=50976), None)],
        START,
        END,
        in_service_from=datetime(2026, 2, 1),
    )
    assert result.partial is True
    assert result.period_minutes == Decimal("84960.00")
    assert result.outage_minutes == Decimal("849.60")
    assert result.uptime_percent == Decimal("99.00")
    with pytest.raises(ValueError, match="entered service after"):
        up.port_uptime([], START, END, in_service_from=END)


def test_leap_year_window_keeps_the_regulation_constant():
    result = up.port_uptime(
        [(datetime(2024, 2, 29), datetime(2024, 2, 29, 1), None)], datetime(2023, 4, 1), datetime(2024, 4, 1)
    )
    assert result.period_minutes == Decimal("525600.00")
    assert result.outage_minutes == Decimal("60.00")


def test_status_history_to_outage_intervals():
    periods = [
        (t(5, 1, 8), t(5, 1, 9), "Available"),
        (t(5, 1, 9), t(5, 1, 10), "Faulted"),
        (t(5, 1, 10), t(5, 1, 11), "Unavailable"),  # joins the fault: one outage 09:00-11:00
        (t(5, 1, 11), t(5, 1, 12), "Occupied"),
        (t(5, 1, 12), None, "Faulted"),  # open to the end of the window
    ]
    assert up.outage_intervals(periods, t(5, 1), t(5, 2)) == [(t(5, 1, 9), t(5, 1, 11)), (t(5, 1, 12), t(5, 2))]


def test_a_port_is_down_only_while_all_its_connectors_are_down():
    ccs = [(t(5, 1, 9), t(5, 1, 12), "Faulted")]
    chademo = [(t(5, 1, 8), t(5, 1, 10), "Available"), (t(5, 1, 10), t(5, 1, 13), "Faulted")]
    assert up.port_outage_intervals([ccs, chademo], t(5, 1), t(5, 2)) == [(t(5, 1, 10), t(5, 1, 12))]
    assert up.port_outage_intervals([ccs, []], t(5, 1), t(5, 2)) == []
    assert up.port_outage_intervals([], t(5, 1), t(5, 2)) == []


def test_month_windows_and_quarters():
    assert up.trailing_window(2026, 3) == (date(2025, 4, 1), date(2026, 4, 1))
    assert up.trailing_window(2025, 12) == (date(2025, 1, 1), date(2026, 1, 1))
    assert up.quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 4, 1))
    assert up.quarter_bounds(2025, 4) == (date(2025, 10, 1), date(2026, 1, 1))
    with pytest.raises(ValueError):
        up.quarter_bounds(2026, 5)
