"""Unit tests of ev_pricing's itemisation (ev_pricing/itemise.py): charging-time rates, idle fee, free sessions.

Run: python3 -m pytest tests/unit -q   (no Odoo needed; conftest.py puts every addons/*/lib directory on
sys.path). Every golden value is computed by hand in the comment next to it. Unless stated otherwise the
register grows linearly (constant power) between the samples given (helpers in pricing_helpers.py).
"""

from datetime import time
from decimal import Decimal as D

import pytest
from ev_pricing import (
    WEEKDAYS,
    Session,
    SessionDataError,
    Tariff,
    TaxRate,
    TouWindow,
    charging_end_from_samples,
    price_session,
)
from pricing_helpers import BERLIN, EUR_FLAT, IDLE_TARIFF, assert_consistent, linear_session, sample, utc

# ---------------------------------------------------------------- time-based charges


def test_time_rate_per_window_over_charging_time_only():
    # Base time rate 0.60/h, peak (17:00-21:00 CET, time only) 1.20/h, energy 0.30 flat.
    # Charging 16:40-17:10 CET (15:40-16:10 UTC), 9 kWh, unplug 17:30 CET (no idle fee).
    # Energy: 9.000 kWh x 0.30 = 2.70 (the peak window has no energy rate -> base rate)
    # Time base 16:40-17:00 = 20 min = 0.3333 h x 0.60 = 0.19998 -> 0.20
    # Time peak 17:00-17:10 = 10 min = 0.1667 h x 1.20 = 0.20004 -> 0.20
    # 17:10-17:30 is after charging ended: not time-charged. Total 3.10
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        time_rate_per_hour=D("0.60"),
        windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), time_rate_per_hour=D("1.20")),),
    )
    s = linear_session(utc(2026, 3, 2, 15, 40), utc(2026, 3, 2, 16, 10), 9000, unplug=utc(2026, 3, 2, 16, 30))
    b = price_session(t, s, BERLIN)
    assert [(ln.kind, ln.window, ln.quantity, ln.amount) for ln in b.lines] == [
        ("energy", None, D("9.000"), D("2.70")),
        ("time", None, D("0.3333"), D("0.20")),
        ("time", "peak", D("0.1667"), D("0.20")),
    ]
    assert b.total == D("3.10")
    assert_consistent(b)


def test_components_resolved_separately():
    # "promo" (priority 9, energy 0.10 only) over "peak" (priority 1, time 2.00/h only),
    # Monday 17:00-18:00 CET, 10 kWh. Energy: promo 10 kWh x 0.10 = 1.00 ;
    # time: peak still applies, 1 h x 2.00 = 2.00 ; total 3.00
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(
            TouWindow("peak", WEEKDAYS, time(17), time(21), time_rate_per_hour=D("2.00"), priority=1),
            TouWindow("promo", {0}, time(17), time(18), energy_rate=D("0.10"), priority=9),
        ),
    )
    b = price_session(t, linear_session(utc(2026, 3, 2, 16), utc(2026, 3, 2, 17), 10000), BERLIN)
    assert [(ln.kind, ln.window, ln.amount) for ln in b.lines] == [
        ("energy", "promo", D("1.00")),
        ("time", "peak", D("2.00")),
    ]
    assert b.total == D("3.00")


# ---------------------------------------------------------------- idle fee


def idle_session(unplug, samples=None):
    # Charging 10:00-11:00 UTC, 20 kWh (6.00); register flat afterwards (power 0 at 11:10).
    samples = samples or (
        sample(utc(2026, 3, 2, 10), 0, 7400),
        sample(utc(2026, 3, 2, 11), 20000, 7400),
        sample(utc(2026, 3, 2, 11, 10), 20000, 0),
    )
    return Session(utc(2026, 3, 2, 10), unplug, samples)


@pytest.mark.parametrize(
    "unplug, minutes, total",
    [
        (utc(2026, 3, 2, 11, 10), 0, "6.00"),  # inside the grace period: 10 min idle
        (utc(2026, 3, 2, 11, 15), 0, "6.00"),  # exactly at grace end: 0 billable seconds
        (utc(2026, 3, 2, 11, 15, 59), 0, "6.00"),  # 59 s after grace: no whole minute yet
        (utc(2026, 3, 2, 11, 16), 1, "6.10"),  # first whole minute: 1 x 0.10
        (utc(2026, 3, 2, 11, 45, 30), 30, "9.00"),  # 30.5 min -> 30 whole minutes = 3.00
    ],
)
def test_idle_fee_whole_minutes_after_grace(unplug, minutes, total):
    b = price_session(IDLE_TARIFF, idle_session(unplug), BERLIN)
    assert b.charging_end == utc(2026, 3, 2, 11)
    assert b.idle_minutes_billed == minutes
    idle = b.lines_of("idle")
    assert [ln.quantity for ln in idle] == ([D(minutes)] if minutes else [])
    if minutes:
        assert idle[0].local_start.isoformat() == "2026-03-02T12:15:00+01:00"  # 11:00 UTC + 15 min grace
        assert idle[0].unit_price == D("0.10")
    assert b.total == D(total)
    assert_consistent(b)


def test_idle_starts_at_last_sample_with_power_when_register_stalls():
    # Register stops at 20000 Wh at 11:00 but the charger still reports 7.4 kW at 11:05
    # (a coarse register): charging ended 11:05. Unplug 11:30: idle 25 min - 15 grace = 10 min = 1.00
    samples = (
        sample(utc(2026, 3, 2, 10), 0, 7400),
        sample(utc(2026, 3, 2, 11), 20000, 7400),
        sample(utc(2026, 3, 2, 11, 5), 20000, 7400),
        sample(utc(2026, 3, 2, 11, 10), 20000, 50),
    )
    b = price_session(IDLE_TARIFF, idle_session(utc(2026, 3, 2, 11, 30), samples), BERLIN)
    assert b.charging_end == utc(2026, 3, 2, 11, 5)  # 50 W at 11:10 is below the 100 W threshold
    assert b.idle_minutes_billed == 10 and b.total == D("7.00")
    # With a 10 W threshold the 11:10 sample counts as charging: idle 20 - 15 = 5 min -> 6.50
    b10 = price_session(IDLE_TARIFF, idle_session(utc(2026, 3, 2, 11, 30), samples), BERLIN, power_threshold_w=10)
    assert b10.charging_end == utc(2026, 3, 2, 11, 10) and b10.total == D("6.50")


def test_explicit_charging_end_and_no_idle_fee_tariff():
    # Caller says charging ended 10:50: unplug 11:30 -> 40 - 15 = 25 min = 2.50 ; total 8.50
    s = Session(
        utc(2026, 3, 2, 10), utc(2026, 3, 2, 11, 30), idle_session(None).samples, charging_end=utc(2026, 3, 2, 10, 50)
    )
    assert price_session(IDLE_TARIFF, s, BERLIN).total == D("8.50")
    # Tariff without idle fee: no idle line, no billed minutes.
    b = price_session(EUR_FLAT, s, BERLIN)
    assert b.lines_of("idle") == [] and b.idle_minutes_billed == 0 and b.total == D("6.00")
    with pytest.raises(SessionDataError, match="outside the session"):
        price_session(IDLE_TARIFF, Session(s.start, s.stop, s.samples, charging_end=utc(2026, 3, 2, 12)), BERLIN)


def test_charging_end_from_samples_rules():
    start, stop = utc(2026, 3, 2, 10), utc(2026, 3, 2, 12)
    # nothing delivered -> start
    assert charging_end_from_samples([sample(start, 500), sample(stop, 500)], start, stop) == start
    # register still increasing at the last sample -> that sample
    assert charging_end_from_samples([sample(start, 0), sample(utc(2026, 3, 2, 11), 900)], start, stop) == utc(
        2026, 3, 2, 11
    )
    # a sample after stop is clamped to stop
    assert charging_end_from_samples([sample(start, 0), sample(utc(2026, 3, 2, 13), 900)], start, stop) == stop


# ---------------------------------------------------------------- free sessions


def test_under_2_kwh_is_free_including_fees():
    # 1999 Wh = 1.999 kWh < 2: free, even with a session fee, an idle fee, a minimum price and tax.
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        session_fee=D("1.00"),
        idle_fee_per_minute=D("1"),
        min_price=D("5.00"),
        taxes=(TaxRate("VAT", D("0.19")),),
    )
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 10, 30), 1999, unplug=utc(2026, 3, 2, 13))
    b = price_session(t, s, BERLIN)
    assert b.is_free and (b.subtotal, b.tax, b.total) == (D("0.00"), D("0.00"), D("0.00"))
    assert [ln.kind for ln in b.lines] == ["free"]
    assert b.lines[0].label == "Free session: 1.999 kWh delivered, below the 2 kWh minimum for billing"
    assert b.lines[0].quantity == D("1.999") and b.energy_kwh == D("1.999")
    assert_consistent(b)


def test_exactly_2_kwh_is_not_free():
    # 2000 Wh = 2.000 kWh is not below 2: 2 x 0.30 = 0.60 + 1.00 fee = 1.60
    t = Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("1.00"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 10, 30), 2000), BERLIN)
    assert not b.is_free and b.total == D("1.60")


def test_free_threshold_is_configurable():
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 10, 30), 1000)
    # free_below_kwh = 0 disables the rule: 1 kWh x 0.30 = 0.30
    assert price_session(Tariff(currency="EUR", energy_rate=D("0.30"), free_below_kwh=0), s, BERLIN).total == D("0.30")
    # free below 5 kWh: 4.999 kWh is free
    s5 = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 10, 30), 4999)
    assert price_session(Tariff(currency="EUR", energy_rate=D("0.30"), free_below_kwh=5), s5, BERLIN).is_free


def test_zero_length_session_is_free():
    b = price_session(EUR_FLAT, Session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 10), ()), BERLIN)
    assert b.is_free and b.total == D("0.00") and b.energy_kwh == D("0.000")
