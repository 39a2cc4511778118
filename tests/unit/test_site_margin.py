"""Unit tests of addons/ev_billing/lib/ev_site_margin.py (no Odoo)."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from ev_site_margin import energy_cost, format_local, local_datetime, margin, margin_percent, rate_on

RATES = [(date(2026, 7, 1), 0.20), (date(2026, 1, 1), 0.15), (date(2026, 8, 15), "0.2250")]


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2025, 12, 31), None),  # before the first rate
        (date(2026, 1, 1), D("0.15")),  # from-date included
        (date(2026, 6, 30), D("0.15")),
        (date(2026, 7, 1), D("0.2")),
        (date(2026, 8, 14), D("0.2")),
        (date(2026, 8, 15), D("0.2250")),
        (date(2030, 1, 1), D("0.2250")),
    ],
)
def test_rate_on(day, expected):
    assert rate_on(RATES, day) == expected


def test_rate_on_refuses_duplicate_dates_and_handles_no_day():
    with pytest.raises(ValueError, match="2026-01-01"):
        rate_on([(date(2026, 1, 1), 0.1), (date(2026, 1, 1), 0.2)], date(2026, 2, 1))
    assert rate_on(RATES, None) is None
    assert rate_on([], date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    "kwh, rate, places, expected",
    [
        (10.0, 0.2, 2, "2.00"),
        (12.345, 0.2, 2, "2.47"),  # 2.469 -> 2.47
        (0.025, 0.2, 2, "0.01"),  # 0.005 HALF_UP -> 0.01 (binary float would give 0.00)
        (10, "0.1234", 3, "1.234"),
        (7.5, None, 2, "0.00"),
        (0, 0.3, 0, "0"),
    ],
)
def test_energy_cost(kwh, rate, places, expected):
    assert str(energy_cost(kwh, rate, places)) == expected


def test_energy_cost_rejects_negative():
    with pytest.raises(ValueError, match="purchase rate"):
        energy_cost(1, -0.1)
    with pytest.raises(ValueError, match="energy"):
        energy_cost(-1, 0.1)


def test_margin_and_percent():
    assert margin(9.5, 3.0) == D("6.50")
    assert margin(1.0, 2.005) == D("-1.01")  # HALF_UP away from zero
    assert margin_percent(10, 2.5) == D("75.00")
    assert margin_percent(3, 1) == D("66.67")
    assert margin_percent(10, 15) == D("-50.00")
    assert margin_percent(0, 5) is None  # no revenue: undefined, never a division by zero


def test_local_datetime_and_dst():
    # 2026-03-08 06:30 UTC = 01:30 EST (before the jump); 07:30 UTC = 03:30 EDT (after)
    assert format_local(datetime(2026, 3, 8, 6, 30), "America/New_York") == "2026-03-08 01:30 EST"
    assert format_local(datetime(2026, 3, 8, 7, 30), "America/New_York") == "2026-03-08 03:30 EDT"
    aware = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert local_datetime(aware, "Europe/Berlin").day == 2
    assert format_local(datetime(2026, 7, 1, 14, 0), "No/Such_Zone") == "2026-07-01 14:00 UTC"
    assert format_local(datetime(2026, 7, 1, 14, 0), False) == "2026-07-01 14:00 UTC"
    assert format_local(None, "UTC") == ""
