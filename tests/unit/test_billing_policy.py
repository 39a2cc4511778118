"""Unit tests of addons/ev_billing/lib/ev_billing_policy.py and ev_revenue_xlsx.py (no Odoo)."""

import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal as D

import pytest
from ev_billing_policy import (
    RETRY_WINDOW,
    format_hours,
    hours_to_time,
    month_end,
    month_start,
    price_per_kwh,
    retry_action,
    to_decimal,
    wallet_can_pay,
    wallet_may_charge,
)

UTC = UTC


@pytest.mark.parametrize(
    "value, places, expected",
    [
        (0.1, None, "0.1"),
        (0.3456, 5, "0.34560"),
        (2.675, 2, "2.68"),  # repr 2.675 -> HALF_UP, not the binary 2.67499...
        (-0.005, 2, "-0.01"),
        (3, None, "3"),
        ("1.50", None, "1.50"),
        (None, None, "0"),
        (False, None, "0"),
    ],
)
def test_to_decimal(value, places, expected):
    assert str(to_decimal(value, places)) == expected


def test_to_decimal_rejects_bad_values():
    with pytest.raises(ValueError):
        to_decimal(True)
    with pytest.raises(ValueError):
        to_decimal(float("nan"))


@pytest.mark.parametrize(
    "hours, expected",
    [
        (0, time(0, 0)),
        (17.5, time(17, 30)),
        (6.25, time(6, 15)),
        (23.99, time(23, 59)),
        (24, time(0, 0)),
        (23.999, time(0, 0)),
        (8.0083333, time(8, 0)),
        (8.0084, time(8, 1)),
    ],
)
def test_hours_to_time(hours, expected):
    assert hours_to_time(hours) == expected


@pytest.mark.parametrize("hours", [-0.5, 24.5, 25])
def test_hours_to_time_out_of_range(hours):
    with pytest.raises(ValueError, match="is not a time of day"):
        hours_to_time(hours)


def test_format_hours():
    assert format_hours(17.5) == "17:30"
    assert format_hours(24) == "24:00"
    assert format_hours(0) == "00:00"


@pytest.mark.parametrize(
    "balance, amount, limit, ok",
    [
        ("10.00", "6.00", "0", True),
        ("6.00", "6.00", "0", True),  # down to exactly zero
        ("5.99", "6.00", "0", False),
        ("4.00", "6.00", "2.00", True),  # exactly -2.00 allowed
        ("4.00", "6.01", "2.00", False),
        ("-2.00", "0.00", "2.00", True),
        ("-3.00", "1.00", "2.00", False),
    ],
)
def test_wallet_can_pay(balance, amount, limit, ok):
    assert wallet_can_pay(D(balance), D(amount), D(limit)) is ok


def test_wallet_can_pay_rejects_negative_inputs():
    with pytest.raises(ValueError):
        wallet_can_pay(10, -1, 0)
    with pytest.raises(ValueError):
        wallet_can_pay(10, 1, -5)


@pytest.mark.parametrize(
    "balance, owed, limit, ok",
    [
        ("10.00", "0", "0", True),
        ("0.01", "0", "0", True),
        ("0.00", "0", "0", False),  # nothing left: the next session could not be paid
        ("-18.84", "0", "20.00", True),  # 1.16 of credit left
        ("-18.84", "1.16", "20.00", False),  # owed sessions use it up
        ("-18.84", "148.50", "20.00", False),  # the field trial: 66 unpaid sessions
        ("50.00", "49.99", "0", True),
        ("-20.00", "0", "20.00", False),  # exactly at the limit
    ],
)
def test_wallet_may_charge(balance, owed, limit, ok):
    assert wallet_may_charge(D(balance), D(owed), D(limit)) is ok


def test_wallet_may_charge_rejects_negative_inputs():
    with pytest.raises(ValueError):
        wallet_may_charge(10, -1, 0)
    with pytest.raises(ValueError):
        wallet_may_charge(10, 0, -5)


def test_retry_action_window():
    start = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert retry_action(start, start) == "retry"
    assert retry_action(start, start + timedelta(minutes=30)) == "retry"
    assert retry_action(start, start + RETRY_WINDOW - timedelta(seconds=1)) == "retry"
    assert retry_action(start, start + RETRY_WINDOW) == "review"
    assert retry_action(start, start + timedelta(days=3)) == "review"
    assert retry_action(start, start - timedelta(minutes=5)) == "retry"  # clock skew: never review early


def test_months():
    assert month_end(date(2026, 2, 10)) == date(2026, 2, 28)
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)
    assert month_start(date(2026, 7, 19)) == date(2026, 7, 1)


def test_price_per_kwh_is_weighted():
    assert price_per_kwh(D("9.50"), D("15")) == D("0.6333")
    assert price_per_kwh(6, 10) == D("0.6000")
    assert price_per_kwh(5, 0) is None


def test_revenue_xlsx():
    xlsx = pytest.importorskip("xlsxwriter")
    assert xlsx
    from ev_revenue_xlsx import build_revenue_xlsx

    rows = [
        {
            "month": "2026-07",
            "site": "Depot",
            "company": "CPO",
            "currency": "USD",
            "sessions": 2,
            "energy_kwh": 15.0,
            "revenue_untaxed": 9.5,
            "tax": 0.95,
            "revenue_total": 10.45,
        },
        {
            "month": "2026-07",
            "site": "Garage",
            "company": "CPO",
            "currency": "USD",
            "sessions": 1,
            "energy_kwh": 0.0,
            "revenue_untaxed": 0.0,
            "tax": 0.0,
            "revenue_total": 0.0,
        },
    ]
    data = build_revenue_xlsx(rows, "Test")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "Depot" in strings and "Garage" in strings and "Total" in strings
    assert "<v>0.6333</v>" in sheet  # row: 9.50 / 15
    assert "<v>10.45</v>" in sheet
