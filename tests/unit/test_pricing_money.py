"""Unit tests of ev_pricing's rounding and currencies (ev_pricing/money.py).

Run: python3 -m pytest tests/unit -q   (no Odoo needed; conftest.py puts every addons/*/lib directory on
sys.path). Every golden value is computed by hand in the comment next to it. Unless stated otherwise the
register grows linearly (constant power) between the samples given (helpers in pricing_helpers.py).
"""

from datetime import time
from decimal import Decimal as D

import pytest
from ev_pricing import (
    ALL_DAYS,
    Tariff,
    TariffValidationError,
    TaxRate,
    TouWindow,
    price_session,
    validate_tariff,
)
from pricing_helpers import BERLIN, amounts, assert_consistent, linear_session, utc

# ---------------------------------------------------------------- rounding


def test_half_up_at_half_cent():
    # 25 kWh x 0.1234 = 3.085 -> 3.09 (HALF_EVEN would give 3.08)
    t = Tariff(currency="EUR", energy_rate=D("0.1234"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 25000), BERLIN)
    assert b.total == D("3.09")


def test_total_is_sum_of_rounded_lines():
    # Two windows at the same 0.01 rate split 3 kWh into 1.5 + 1.5 kWh (boundary at
    # 17:00 CET, session 16:30-17:30 CET). Each line 1.5 x 0.01 = 0.015 -> 0.02; total 0.04
    # (rounding only the sum, 0.03, would not match the lines).
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.01"),
        windows=(TouWindow("peak", ALL_DAYS, time(17), time(21), energy_rate=D("0.01")),),
    )
    b = price_session(t, linear_session(utc(2026, 3, 2, 15, 30), utc(2026, 3, 2, 16, 30), 3000), BERLIN)
    assert amounts(b) == [D("0.02"), D("0.02")] and b.total == D("0.04")


def test_negative_half_rounds_away_from_zero_and_tax_half_cent():
    # 2 kWh x 0.05 = 0.10 ; multiplier 0.95 -> 0.10 x -0.05 = -0.005 -> -0.01 ; subtotal 0.09
    # tax 10% of 0.09 = 0.009 -> 0.01 ; total 0.10
    t = Tariff(currency="EUR", energy_rate=D("0.05"), taxes=(TaxRate("tax", D("0.10")),))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 2000), BERLIN, multiplier=D("0.95"))
    assert amounts(b) == [D("0.10"), D("-0.01"), D("0.01")] and b.total == D("0.10")
    # tax exactly at half a cent: 2 kWh x 0.025 = 0.05 ; 10% = 0.005 -> 0.01 ; total 0.06
    t2 = Tariff(currency="EUR", energy_rate=D("0.025"), taxes=(TaxRate("tax", D("0.10")),))
    b2 = price_session(t2, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 2000), BERLIN)
    assert amounts(b2) == [D("0.05"), D("0.01")] and b2.total == D("0.06")


def test_energy_split_sums_to_session_energy():
    # 10 kWh over 3 h, windows every hour: 3.333.. kWh each; largest remainder gives
    # 3.334 + 3.333 + 3.333 = 10.000 (ties go to the earlier segment).
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(
            TouWindow("h1", ALL_DAYS, time(11), time(12), energy_rate=D("0.31")),
            TouWindow("h2", ALL_DAYS, time(12), time(13), energy_rate=D("0.32")),
        ),
    )
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 13), 10000), "UTC")
    assert [ln.quantity for ln in b.lines] == [D("3.334"), D("3.333"), D("3.333")]
    # 3.334 x 0.30 = 1.0002 -> 1.00 ; 3.333 x 0.31 = 1.03323 -> 1.03 ; 3.333 x 0.32 = 1.06656 -> 1.07
    assert amounts(b) == [D("1.00"), D("1.03"), D("1.07")] and b.total == D("3.10")
    assert_consistent(b)


# ---------------------------------------------------------------- other currencies


def test_jpy_zero_decimals():
    # 10.5 kWh x 45 = 472.5 -> 473 ; fee 100 ; subtotal 573 ; tax 10% = 57.3 -> 57 ; total 630
    t = Tariff(currency="JPY", energy_rate=D("45"), session_fee=D("100"), taxes=(TaxRate("consumption", D("0.10")),))
    b = price_session(t, linear_session(utc(2026, 3, 2, 1), utc(2026, 3, 2, 2), 10500), "Asia/Tokyo")
    assert amounts(b) == [D("473"), D("100"), D("57")]
    assert (b.subtotal, b.tax, b.total) == (D("573"), D("57"), D("630"))
    assert b.to_dict()["total"] == "630"
    assert_consistent(b)
    with pytest.raises(TariffValidationError, match="more decimals than JPY allows"):
        validate_tariff(Tariff(currency="JPY", energy_rate=D("45"), session_fee=D("100.5")))


def test_kwd_three_decimals():
    # 10.001 kWh x 0.0305 = 0.3050305 -> 0.305
    t = Tariff(currency="KWD", energy_rate=D("0.0305"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 1), utc(2026, 3, 2, 2), 10001), "Asia/Kuwait")
    assert b.total == D("0.305") and b.to_dict()["total"] == "0.305"
