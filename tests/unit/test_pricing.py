"""Unit tests of the pure-Python pricing engine (addons/ev_billing/lib/ev_pricing.py).

Run: python3 -m pytest tests/unit/test_pricing.py -q   (no Odoo needed; conftest.py
puts every addons/*/lib directory on sys.path).

Every golden value is computed by hand in the comment next to it. Unless stated
otherwise the register grows linearly (constant power) between the samples given.
"""

import json
import random
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import ev_pricing
import pytest
from ev_pricing import (
    ALL_DAYS,
    WEEKDAYS,
    MeterSample,
    PricingError,
    Session,
    SessionDataError,
    Tariff,
    TariffValidationError,
    TaxRate,
    TouWindow,
    charging_end_from_samples,
    currency_decimals,
    price_session,
    round_money,
    running_estimate,
    tariff_segments,
    validate_tariff,
)

UTC = UTC
NY = "America/New_York"
BERLIN = "Europe/Berlin"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def sample(ts, wh, power=None):
    return MeterSample(ts, D(wh), None if power is None else D(power))


def linear_session(start, stop, wh, stop_charging=None, unplug=None):
    """Samples at start (0 Wh) and at stop_charging (wh); the vehicle unplugs at ``unplug``."""
    end = stop_charging or stop
    return Session(start=start, stop=unplug or stop, samples=(sample(start, 0), sample(end, wh)))


def amounts(breakdown, kind=None):
    return [line.amount for line in breakdown.lines if kind is None or line.kind == kind]


def assert_consistent(b):
    """The breakdown adds up exactly and every line is quantity x unit price, rounded."""
    assert b.total == b.subtotal + b.tax
    assert b.total == sum(amounts(b), D(0))
    assert b.tax == sum(amounts(b, "tax"), D(0))
    for line in b.lines:
        assert line.amount == round_money(line.quantity * line.unit_price, b.currency), line
        assert line.amount == line.amount.quantize(D(1).scaleb(-currency_decimals(b.currency)))
    energy = [line.quantity for line in b.lines if line.kind == "energy"]
    if energy:
        assert sum(energy, D(0)) == b.energy_kwh


EUR_FLAT = Tariff(currency="EUR", energy_rate=D("0.30"))


# ---------------------------------------------------------------- basics


def test_flat_rate():
    # 10:00 -> 11:00 UTC, 0 -> 10000 Wh = 10 kWh x 0.30 = 3.00
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    b = price_session(EUR_FLAT, s, BERLIN)
    assert b.energy_kwh == D("10.000")
    assert [(ln.kind, ln.quantity, ln.unit_price, ln.amount) for ln in b.lines] == [
        ("energy", D("10.000"), D("0.30"), D("3.00"))
    ]
    assert (b.subtotal, b.tax, b.total) == (D("3.00"), D("0.00"), D("3.00"))
    assert b.currency == "EUR" and not b.is_free
    assert b.lines[0].window is None
    assert b.lines[0].local_start.isoformat() == "2026-03-02T11:00:00+01:00"
    assert_consistent(b)


def test_session_fee_added_once():
    # 3.00 energy + 1.50 session fee = 4.50
    t = Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("1.50"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN)
    fee = b.lines_of("session_fee")
    assert len(fee) == 1 and fee[0].amount == D("1.50") and fee[0].quantity == 1
    assert b.total == D("4.50")
    assert_consistent(b)


def test_currency_helpers():
    assert currency_decimals("EUR") == 2
    assert currency_decimals("JPY") == 0
    assert currency_decimals("KWD") == 3
    assert round_money(D("1.005"), "EUR") == D("1.01")  # HALF_UP, not HALF_EVEN (1.00)
    assert round_money(D("-1.005"), "EUR") == D("-1.01")  # ties away from zero
    assert round_money(D("2.5"), "JPY") == D("3")
    assert round_money(D("0.0005"), "KWD") == D("0.001")


# ---------------------------------------------------------------- time of use

PEAK_BERLIN = Tariff(
    currency="EUR",
    energy_rate=D("0.30"),
    windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("0.50")),),
)


def test_peak_boundary_split_by_interpolation():
    # Monday 2026-03-02, Berlin is CET (UTC+1): peak starts 17:00 CET = 16:00 UTC.
    # Samples 15:40 UTC (0 Wh) and 16:10 UTC (9000 Wh). Register at 16:00 by linear
    # interpolation: 9000 * 20/30 = 6000 Wh.
    # base: 6.000 kWh x 0.30 = 1.80 ; peak: 3.000 kWh x 0.50 = 1.50 ; total 3.30
    s = Session(
        utc(2026, 3, 2, 15, 40),
        utc(2026, 3, 2, 16, 10),
        (sample(utc(2026, 3, 2, 15, 40), 0), sample(utc(2026, 3, 2, 16, 10), 9000)),
    )
    b = price_session(PEAK_BERLIN, s, BERLIN)
    got = [(ln.window, ln.quantity, ln.unit_price, ln.amount) for ln in b.lines_of("energy")]
    assert got == [(None, D("6.000"), D("0.30"), D("1.80")), ("peak", D("3.000"), D("0.50"), D("1.50"))]
    assert b.lines[0].local_end.isoformat() == "2026-03-02T17:00:00+01:00"
    assert b.lines[1].local_start.isoformat() == "2026-03-02T17:00:00+01:00"
    assert b.total == D("3.30")
    assert_consistent(b)


def test_peak_boundary_between_uneven_samples():
    # Local 16:40 0 Wh, 16:50 1000, 17:05 7000, 17:10 9000 (CET).
    # At 17:00: between 16:50 (1000) and 17:05 (7000): 1000 + 6000 * 10/15 = 5000 Wh.
    # base 5.000 kWh x 0.30 = 1.50 ; peak 4.000 kWh x 0.50 = 2.00 ; total 3.50
    s = Session(
        utc(2026, 3, 2, 15, 40),
        utc(2026, 3, 2, 16, 10),
        (
            sample(utc(2026, 3, 2, 15, 40), 0),
            sample(utc(2026, 3, 2, 15, 50), 1000),
            sample(utc(2026, 3, 2, 16, 5), 7000),
            sample(utc(2026, 3, 2, 16, 10), 9000),
        ),
    )
    b = price_session(PEAK_BERLIN, s, BERLIN)
    assert [(ln.quantity, ln.amount) for ln in b.lines_of("energy")] == [
        (D("5.000"), D("1.50")),
        (D("4.000"), D("2.00")),
    ]
    assert b.total == D("3.50")
    assert_consistent(b)


def test_weekend_has_no_peak():
    # Saturday 2026-03-07 same local times: all base, 9 kWh x 0.30 = 2.70
    s = linear_session(utc(2026, 3, 7, 15, 40), utc(2026, 3, 7, 16, 10), 9000)
    b = price_session(PEAK_BERLIN, s, BERLIN)
    assert [ln.window for ln in b.lines] == [None]
    assert b.total == D("2.70")


def test_window_wrapping_midnight():
    # Off-peak 22:00-06:00 every day at 0.20, base 0.40, UTC site. 21:00 -> 07:00 next
    # day at 7 kW: 21-22 base 7 kWh = 2.80 ; 22-06 off-peak 56 kWh = 11.20 ;
    # 06-07 base 7 kWh = 2.80 ; total 16.80
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.40"),
        windows=(TouWindow("offpeak", ALL_DAYS, time(22), time(6), energy_rate=D("0.20")),),
    )
    b = price_session(t, linear_session(utc(2026, 3, 2, 21), utc(2026, 3, 3, 7), 70000), "UTC")
    got = [(ln.window, ln.quantity, ln.amount) for ln in b.lines]
    assert got == [(None, D("7.000"), D("2.80")), ("offpeak", D("56.000"), D("11.20")), (None, D("7.000"), D("2.80"))]
    assert b.total == D("16.80")
    assert_consistent(b)


def test_wrapping_window_day_of_week_is_the_start_day():
    # Friday-only window 22:00-06:00 (days={4}). Saturday 01:00 belongs to Friday's
    # occurrence (window rate 10 kWh x 0.20 = 2.00); Friday 01:00 would belong to a
    # Thursday occurrence, which does not exist (base 10 kWh x 0.40 = 4.00).
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.40"),
        windows=(TouWindow("friday night", {4}, "22:00", "06:00", energy_rate=D("0.20")),),
    )
    saturday = price_session(t, linear_session(utc(2026, 3, 7, 1), utc(2026, 3, 7, 2), 10000), "UTC")
    friday = price_session(t, linear_session(utc(2026, 3, 6, 1), utc(2026, 3, 6, 2), 10000), "UTC")
    assert (saturday.lines[0].window, saturday.total) == ("friday night", D("2.00"))
    assert (friday.lines[0].window, friday.total) == (None, D("4.00"))


def test_higher_priority_wins():
    # "event" (priority 5, 0.90) on top of "peak" (priority 0, 0.50) from 17:00 to 17:30 CET.
    # Session 16:50-17:40 CET (15:50-16:40 UTC), 0 -> 10000 Wh over 50 min (200 Wh/min):
    # 16:50-17:00 base 2 kWh x 0.30 = 0.60 ; 17:00-17:30 event 6 kWh x 0.90 = 5.40 ;
    # 17:30-17:40 peak 2 kWh x 0.50 = 1.00 ; total 7.00
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(
            TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("0.50")),
            TouWindow("event", {0}, time(17), time(17, 30), energy_rate=D("0.90"), priority=5),
        ),
    )
    b = price_session(t, linear_session(utc(2026, 3, 2, 15, 50), utc(2026, 3, 2, 16, 40), 10000), BERLIN)
    got = [(ln.window, ln.quantity, ln.amount) for ln in b.lines]
    assert got == [(None, D("2.000"), D("0.60")), ("event", D("6.000"), D("5.40")), ("peak", D("2.000"), D("1.00"))]
    assert b.total == D("7.00")


def test_long_session_same_window_twice_gives_two_lines():
    # 30 h session, 1 kW: daily window 00:00-06:00 (0.10) hit on two nights, base 0.30.
    # UTC 2026-03-02 18:00 -> 2026-03-04 00:00 = 30 h = 30 kWh:
    # 18-24 base 6 kWh = 1.80 ; 00-06 night 6 kWh = 0.60 ; 06-24 base 18 kWh = 5.40 ; total 7.80
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(TouWindow("night", ALL_DAYS, time(0), time(6), energy_rate=D("0.10")),),
    )
    b = price_session(t, linear_session(utc(2026, 3, 2, 18), utc(2026, 3, 4, 0), 30000), "UTC")
    assert [(ln.window, ln.amount) for ln in b.lines] == [(None, D("1.80")), ("night", D("0.60")), (None, D("5.40"))]
    assert b.total == D("7.80")


# ---------------------------------------------------------------- DST: America/New_York


def test_ny_fall_back_session_spanning_midnight():
    # DST ends Sunday 2026-11-01 02:00 EDT -> 01:00 EST. Night window 23:00-05:00 daily.
    # Saturday's occurrence: Sat 23:00 EDT (03:00 UTC) -> Sun 05:00 EST (10:00 UTC) = 7 real
    # hours (6 on the wall clock + the repeated hour).
    # Session Sat 22:00 EDT (02:00 UTC) -> Sun 06:00 EST (11:00 UTC) = 9 h at 10 kW = 90 kWh:
    # 02-03 UTC base 10 kWh x 0.30 = 3.00 ; 03-10 night 70 kWh x 0.10 = 7.00 ;
    # 10-11 base 10 kWh x 0.30 = 3.00 ; total 13.00
    t = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        windows=(TouWindow("night", ALL_DAYS, time(23), time(5), energy_rate=D("0.10")),),
    )
    b = price_session(t, linear_session(utc(2026, 11, 1, 2), utc(2026, 11, 1, 11), 90000), NY)
    got = [(ln.window, ln.quantity, ln.amount) for ln in b.lines]
    assert got == [(None, D("10.000"), D("3.00")), ("night", D("70.000"), D("7.00")), (None, D("10.000"), D("3.00"))]
    night = b.lines[1]
    assert night.local_start.isoformat() == "2026-10-31T23:00:00-04:00"
    assert night.local_end.isoformat() == "2026-11-01T05:00:00-05:00"
    assert b.energy_kwh == D("90.000") and b.total == D("13.00")
    assert_consistent(b)


def test_ny_fall_back_ambiguous_boundary_uses_first_occurrence():
    # Window 22:00-01:30 daily. On 2026-11-01 01:30 happens twice; we take the first
    # (01:30 EDT = 05:30 UTC). Session 00:00 EDT (04:00 UTC) -> 02:00 EST (07:00 UTC),
    # 3 h at 10 kW = 30 kWh: 04:00-05:30 window 15 kWh x 0.10 = 1.50 ;
    # 05:30-07:00 base 15 kWh x 0.30 = 4.50 ; total 6.00
    # (the second occurrence, 06:30 UTC, would give 25 kWh in the window).
    t = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        windows=(TouWindow("late", ALL_DAYS, time(22), time(1, 30), energy_rate=D("0.10")),),
    )
    b = price_session(t, linear_session(utc(2026, 11, 1, 4), utc(2026, 11, 1, 7), 30000), NY)
    assert [(ln.window, ln.quantity, ln.amount) for ln in b.lines] == [
        ("late", D("15.000"), D("1.50")),
        (None, D("15.000"), D("4.50")),
    ]
    assert b.lines[0].local_end.isoformat() == "2026-11-01T01:30:00-04:00"
    assert b.total == D("6.00")


def test_ny_wall_clock_day_lasts_25_hours_on_fall_back():
    # A 24-hour window (start == end) starting Sunday 00:00 lasts 25 real hours that day.
    w = TouWindow("sunday", {6}, time(0), time(0), energy_rate=D("0.10"))
    segs = tariff_segments([w], NY, utc(2026, 11, 1, 0), utc(2026, 11, 2, 12))
    inside = [s for s in segs if s.window is not None]
    assert len(inside) == 1
    assert inside[0].start == utc(2026, 11, 1, 4)  # 00:00 EDT
    assert inside[0].end == utc(2026, 11, 2, 5)  # 00:00 EST next day
    assert inside[0].end - inside[0].start == timedelta(hours=25)


def test_ny_spring_forward_gap_boundaries():
    # DST starts Sunday 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC). Windows
    # A 00:00-02:30 (0.10) and B 02:30-06:00 (0.20): 02:30 does not exist that day, so
    # both boundaries are the jump instant 03:00 EDT = 07:00 UTC.
    # Session 00:00 EST (05:00 UTC) -> 07:00 EDT (11:00 UTC): 6 real hours at 10 kW = 60 kWh:
    # A 05-07 UTC 20 kWh x 0.10 = 2.00 ; B 07-10 UTC 30 kWh x 0.20 = 6.00 ;
    # base 10-11 UTC 10 kWh x 0.30 = 3.00 ; total 11.00
    t = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        windows=(
            TouWindow("A", ALL_DAYS, time(0), time(2, 30), energy_rate=D("0.10")),
            TouWindow("B", ALL_DAYS, time(2, 30), time(6), energy_rate=D("0.20")),
        ),
    )
    b = price_session(t, linear_session(utc(2026, 3, 8, 5), utc(2026, 3, 8, 11), 60000), NY)
    got = [(ln.window, ln.quantity, ln.amount) for ln in b.lines]
    assert got == [("A", D("20.000"), D("2.00")), ("B", D("30.000"), D("6.00")), (None, D("10.000"), D("3.00"))]
    assert b.lines[0].local_end.isoformat() == "2026-03-08T03:00:00-04:00"
    assert b.lines[1].local_start.isoformat() == "2026-03-08T03:00:00-04:00"
    assert b.total == D("11.00")
    assert_consistent(b)


def test_ny_spring_forward_session_spanning_midnight():
    # Saturday-only night window 22:00-04:00 (0.10), base 0.40. Saturday 2026-03-07 22:00 EST
    # = 03:00 UTC -> Sunday 04:00 EDT = 08:00 UTC: 5 real hours (6 on the wall clock).
    # Session Sat 21:00 EST (02:00 UTC) -> Sun 05:00 EDT (09:00 UTC): 7 h at 10 kW = 70 kWh:
    # 02-03 base 10 kWh x 0.40 = 4.00 ; 03-08 night 50 kWh x 0.10 = 5.00 ;
    # 08-09 base 10 kWh x 0.40 = 4.00 ; total 13.00
    t = Tariff(
        currency="USD",
        energy_rate=D("0.40"),
        windows=(TouWindow("night", {5}, time(22), time(4), energy_rate=D("0.10")),),
    )
    b = price_session(t, linear_session(utc(2026, 3, 8, 2), utc(2026, 3, 8, 9), 70000), NY)
    assert [(ln.window, ln.quantity, ln.amount) for ln in b.lines] == [
        (None, D("10.000"), D("4.00")),
        ("night", D("50.000"), D("5.00")),
        (None, D("10.000"), D("4.00")),
    ]
    assert b.total == D("13.00")


# ---------------------------------------------------------------- DST: Europe/Berlin


def test_berlin_summer_time_moves_the_boundary():
    # Peak weekdays 08:00-20:00 local (0.50), base 0.30. Same UTC times 05:00-07:00, 20 kWh:
    # Wed 2026-07-01 (CEST, UTC+2): 07:00-09:00 local -> 10 kWh base 3.00 + 10 kWh peak 5.00 = 8.00
    # Wed 2026-03-04 (CET, UTC+1):  06:00-08:00 local -> 20 kWh base = 6.00
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(TouWindow("day", WEEKDAYS, time(8), time(20), energy_rate=D("0.50")),),
    )
    summer = price_session(t, linear_session(utc(2026, 7, 1, 5), utc(2026, 7, 1, 7), 20000), BERLIN)
    winter = price_session(t, linear_session(utc(2026, 3, 4, 5), utc(2026, 3, 4, 7), 20000), BERLIN)
    assert summer.total == D("8.00") and amounts(summer) == [D("3.00"), D("5.00")]
    assert winter.total == D("6.00") and amounts(winter) == [D("6.00")]


def test_berlin_fall_back_ambiguous_window():
    # 2026-10-25: 03:00 CEST -> 02:00 CET (01:00 UTC); 02:00-02:59 happens twice.
    # Sunday window 02:00-03:00: start 02:00 is ambiguous -> first (CEST) = 00:00 UTC;
    # end 03:00 exists once (CET) = 02:00 UTC: 2 real hours.
    # Session 23:00 UTC (Sat) -> 03:00 UTC, 10 kW, 40 kWh:
    # 23-00 base 10 kWh x 0.30 = 3.00 ; 00-02 window 20 kWh x 0.10 = 2.00 ;
    # 02-03 base 10 kWh x 0.30 = 3.00 ; total 8.00
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(TouWindow("repeat", {6}, time(2), time(3), energy_rate=D("0.10")),),
    )
    b = price_session(t, linear_session(utc(2026, 10, 24, 23), utc(2026, 10, 25, 3), 40000), BERLIN)
    assert [(ln.window, ln.quantity, ln.amount) for ln in b.lines] == [
        (None, D("10.000"), D("3.00")),
        ("repeat", D("20.000"), D("2.00")),
        (None, D("10.000"), D("3.00")),
    ]
    assert b.lines[1].local_start.isoformat() == "2026-10-25T02:00:00+02:00"
    assert b.lines[1].local_end.isoformat() == "2026-10-25T03:00:00+01:00"
    assert b.total == D("8.00")


def test_berlin_spring_forward_night_spanning_midnight():
    # 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC). Night 22:00-06:00 daily (0.10):
    # Sat 22:00 CET (21:00 UTC) -> Sun 06:00 CEST (04:00 UTC) = 7 real hours.
    # Session 20:00 UTC -> 05:00 UTC, 10 kW, 90 kWh:
    # 20-21 base 10 kWh = 3.00 ; 21-04 night 70 kWh = 7.00 ; 04-05 base 10 kWh = 3.00 ; total 13.00
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(TouWindow("night", ALL_DAYS, time(22), time(6), energy_rate=D("0.10")),),
    )
    b = price_session(t, linear_session(utc(2026, 3, 28, 20), utc(2026, 3, 29, 5), 90000), BERLIN)
    assert [(ln.window, ln.quantity, ln.amount) for ln in b.lines] == [
        (None, D("10.000"), D("3.00")),
        ("night", D("70.000"), D("7.00")),
        (None, D("10.000"), D("3.00")),
    ]
    assert b.lines[1].local_end.isoformat() == "2026-03-29T06:00:00+02:00"
    assert b.total == D("13.00")


def test_berlin_window_entirely_inside_spring_gap_never_applies():
    # Sunday window 02:15-02:45 on 2026-03-29: both ends fall in the gap and map to the jump
    # instant (01:00 UTC), so it lasts 0 s. Session 00:00-02:00 UTC, 20 kWh: base 6.00.
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(TouWindow("ghost", {6}, time(2, 15), time(2, 45), energy_rate=D("0.01")),),
    )
    b = price_session(t, linear_session(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2), 20000), BERLIN)
    assert [(ln.window, ln.amount) for ln in b.lines] == [(None, D("6.00"))]
    assert ev_pricing._wall_to_utc(datetime(2026, 3, 29, 2, 15), ev_pricing._zone(BERLIN)) == utc(2026, 3, 29, 1)


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

IDLE_TARIFF = Tariff(currency="EUR", energy_rate=D("0.30"), idle_fee_per_minute=D("0.10"), idle_grace_minutes=15)


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


# ---------------------------------------------------------------- multiplier, clamps, taxes


def test_multiplier_applies_to_energy_time_idle_not_session_fee():
    # energy 10 kWh x 0.30 = 3.00 ; time 1 h x 1.20 = 1.20 ; idle 10 min x 0.10 = 1.00 ;
    # session fee 1.00. Multiplier 1.1 on 3.00 + 1.20 + 1.00 = 5.20 -> 5.20 x 0.1 = 0.52.
    # subtotal 3.00 + 1.20 + 1.00 + 1.00 + 0.52 = 6.72
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        time_rate_per_hour=D("1.20"),
        session_fee=D("1.00"),
        idle_fee_per_minute=D("0.10"),
        idle_grace_minutes=0,
    )
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000, unplug=utc(2026, 3, 2, 11, 10))
    b = price_session(t, s, BERLIN, multiplier=D("1.1"))
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("3.00")),
        ("time", D("1.20")),
        ("idle", D("1.00")),
        ("session_fee", D("1.00")),
        ("multiplier", D("0.52")),
    ]
    mult = b.lines_of("multiplier")[0]
    assert (mult.quantity, mult.unit, mult.unit_price) == (D("5.20"), "EUR", D("0.1"))
    assert b.total == D("6.72") and b.multiplier == D("1.1")
    assert_consistent(b)


def test_multiplier_one_adds_no_line_and_discount_is_negative():
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    assert [ln.kind for ln in price_session(EUR_FLAT, s, BERLIN, multiplier=D("1")).lines] == ["energy"]
    # 0.8: 3.00 x -0.2 = -0.60 -> 2.40
    b = price_session(EUR_FLAT, s, BERLIN, multiplier=D("0.8"))
    assert amounts(b) == [D("3.00"), D("-0.60")] and b.total == D("2.40")


def test_min_price_clamp():
    # 10 kWh x 0.30 = 3.00 < 5.00 -> min_adjust +2.00 -> 5.00
    t = Tariff(currency="EUR", energy_rate=D("0.30"), min_price=D("5.00"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN)
    assert [(ln.kind, ln.amount) for ln in b.lines] == [("energy", D("3.00")), ("min_adjust", D("2.00"))]
    assert b.total == D("5.00")
    assert_consistent(b)


def test_max_price_clamp_then_tax():
    # 100 kWh x 0.30 = 30.00 > 20.00 -> max_adjust -10.00 -> 20.00 ; VAT 19% on 20.00 = 3.80 ; total 23.80
    t = Tariff(currency="EUR", energy_rate=D("0.30"), max_price=D("20.00"), taxes=(TaxRate("VAT", D("0.19")),))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 20), 100000), BERLIN)
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("30.00")),
        ("max_adjust", D("-10.00")),
        ("tax", D("3.80")),
    ]
    assert (b.subtotal, b.tax, b.total) == (D("20.00"), D("3.80"), D("23.80"))
    assert_consistent(b)


def test_clamp_is_after_multiplier():
    # 10 kWh x 0.30 = 3.00, x1.1 -> +0.30 = 3.30 ; min 3.50 -> +0.20 ; total 3.50
    t = Tariff(currency="EUR", energy_rate=D("0.30"), min_price=D("3.50"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN, multiplier=D("1.1"))
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("3.00")),
        ("multiplier", D("0.30")),
        ("min_adjust", D("0.20")),
    ]
    assert b.total == D("3.50")


def test_taxes_exclusive_each_on_subtotal_half_up():
    # 3.00 energy + 1.50 fee = 4.50. VAT 19%: 0.855 -> 0.86 (HALF_UP) ; total 5.36
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    t = Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("1.50"), taxes=(TaxRate("VAT", D("0.19")),))
    b = price_session(t, s, BERLIN)
    assert b.lines_of("tax")[0].amount == D("0.86") and b.lines_of("tax")[0].label == "VAT 19%"
    assert (b.subtotal, b.tax, b.total) == (D("4.50"), D("0.86"), D("5.36"))
    # Two taxes, not compounded: 4.50 x 0.05 = 0.225 -> 0.23 ; 4.50 x 0.0975 = 0.43875 -> 0.44 ; total 5.17
    t2 = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        session_fee=D("1.50"),
        taxes=(TaxRate("state", D("0.05")), TaxRate("city", D("0.0975"))),
    )
    b2 = price_session(t2, s, NY)
    assert amounts(b2, "tax") == [D("0.23"), D("0.44")]
    assert (b2.tax, b2.total) == (D("0.67"), D("5.17"))
    assert_consistent(b2)


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


# ---------------------------------------------------------------- validation


def test_negative_rates_rejected():
    with pytest.raises(TariffValidationError, match="energy rate must not be negative"):
        validate_tariff(Tariff(currency="EUR", energy_rate=D("-0.30")))
    with pytest.raises(TariffValidationError, match="session fee must not be negative"):
        validate_tariff(Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("-1")))
    with pytest.raises(TariffValidationError, match="idle fee per minute must not be negative"):
        validate_tariff(Tariff(currency="EUR", energy_rate=D("0.30"), idle_fee_per_minute=D("-0.1")))
    with pytest.raises(TariffValidationError, match="Window 'peak' energy rate must not be negative"):
        validate_tariff(
            Tariff(
                currency="EUR",
                energy_rate=D("0.30"),
                windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("-0.5")),),
            )
        )
    with pytest.raises(TariffValidationError, match="time rate per hour must not be negative"):
        validate_tariff(
            Tariff(
                currency="EUR",
                energy_rate=D("0.30"),
                windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), time_rate_per_hour=-1),),
            )
        )
    with pytest.raises(TariffValidationError, match="Tax 'VAT' rate must not be negative"):
        validate_tariff(Tariff(currency="EUR", energy_rate=D("0.30"), taxes=(TaxRate("VAT", D("-0.19")),)))
    # price_session validates too
    with pytest.raises(TariffValidationError):
        price_session(
            Tariff(currency="EUR", energy_rate=D("-1")),
            linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000),
            BERLIN,
        )


def test_equal_priority_overlap_rejected():
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(
            TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("0.50")),
            TouWindow("evening", ALL_DAYS, time(20), time(23), energy_rate=D("0.40")),
        ),
    )
    with pytest.raises(TariffValidationError) as err:
        validate_tariff(t)
    message = str(err.value)
    assert "'peak' and 'evening' have the same priority (0)" in message
    assert "from Mon 20:00 to Mon 21:00" in message
    # different priorities are fine
    validate_tariff(
        Tariff(
            currency="EUR",
            energy_rate=D("0.30"),
            windows=(
                t.windows[0],
                TouWindow("evening", ALL_DAYS, time(20), time(23), energy_rate=D("0.40"), priority=1),
            ),
        )
    )
    # adjacent windows do not overlap
    validate_tariff(
        Tariff(
            currency="EUR",
            energy_rate=D("0.30"),
            windows=(
                TouWindow("a", ALL_DAYS, time(0), time(8), energy_rate=D("0.1")),
                TouWindow("b", ALL_DAYS, time(8), time(0), energy_rate=D("0.2")),
            ),
        )
    )


def test_equal_priority_overlap_across_midnight_and_week_end():
    # Sunday 22:00-02:00 runs into Monday 01:00-03:00
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        windows=(
            TouWindow("sunday night", {6}, time(22), time(2), energy_rate=D("0.1")),
            TouWindow("monday early", {0}, time(1), time(3), energy_rate=D("0.2")),
        ),
    )
    with pytest.raises(TariffValidationError, match="both apply from Mon 01:00 to Mon 02:00"):
        validate_tariff(t)
    # two 24-hour windows on different days are adjacent, a 24 h window and any other overlaps
    with pytest.raises(TariffValidationError, match="same priority"):
        validate_tariff(
            Tariff(
                currency="EUR",
                energy_rate=D("0.30"),
                windows=(
                    TouWindow("all day", {2}, time(6), time(6), energy_rate=D("0.1")),
                    TouWindow("lunch", {2}, time(12), time(13), energy_rate=D("0.2")),
                ),
            )
        )


def test_unknown_currency_rejected():
    with pytest.raises(TariffValidationError, match="Unknown currency 'XYZ'"):
        validate_tariff(Tariff(currency="XYZ", energy_rate=D("0.30")))
    with pytest.raises(TariffValidationError, match="did you mean 'EUR'"):
        validate_tariff(Tariff(currency="eur", energy_rate=D("0.30")))
    with pytest.raises(TariffValidationError, match="Unknown currency 'XAU'"):  # gold: no minor unit
        validate_tariff(Tariff(currency="XAU", energy_rate=D("0.30")))


def test_other_tariff_errors():
    def bad(match, **kwargs):
        with pytest.raises(TariffValidationError, match=match):
            validate_tariff(Tariff(**{"currency": "EUR", "energy_rate": D("0.30"), **kwargs}))

    bad("minimum price 10.00 is above its maximum price 5.00", min_price=D("10.00"), max_price=D("5.00"))
    bad("rates are fractions", taxes=(TaxRate("VAT", D("19")),))
    bad("invalid days \\[7\\]", windows=(TouWindow("w", {7}, time(1), time(2), energy_rate=1),))
    bad("applies on no day", windows=(TouWindow("w", set(), time(1), time(2), energy_rate=1),))
    bad("sets neither an energy rate nor a time rate", windows=(TouWindow("w", {1}, time(1), time(2)),))
    bad(
        "names must be unique",
        windows=(
            TouWindow("w", {1}, time(1), time(2), energy_rate=1),
            TouWindow("w", {2}, time(1), time(2), energy_rate=1),
        ),
    )
    bad("more decimals than EUR allows", session_fee=D("0.505"))
    with pytest.raises(TariffValidationError, match="is not a number"):
        Tariff(currency="EUR", energy_rate="abc")
    with pytest.raises(TariffValidationError, match="not a time like"):
        TouWindow("w", {1}, "25:00", "02:00", energy_rate=1)
    with pytest.raises(TariffValidationError, match="multiplier must not be negative"):
        price_session(
            EUR_FLAT, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN, multiplier=D("-1")
        )


def test_numbers_are_coerced_to_decimal():
    # floats go through their repr: 0.1 -> Decimal("0.1"), not 0.1000000000000000055...
    t = Tariff(
        currency="EUR",
        energy_rate=0.1,
        session_fee="1.50",
        windows=(TouWindow("w", [0, 1], "17:00", "21:00", energy_rate=0.2),),
    )
    assert t.energy_rate == D("0.1") and t.session_fee == D("1.50") and t.windows[0].energy_rate == D("0.2")
    assert t.windows[0].start == time(17) and t.windows[0].days == frozenset({0, 1})
    validate_tariff(t)


def test_naive_datetimes_rejected():
    naive = datetime(2026, 3, 2, 10)
    good = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    for session in (
        Session(naive, good.stop, good.samples),
        Session(good.start, datetime(2026, 3, 2, 11), good.samples),
        Session(good.start, good.stop, (sample(naive, 0), good.samples[1])),
        Session(good.start, good.stop, good.samples, charging_end=datetime(2026, 3, 2, 10, 30)),
    ):
        with pytest.raises(SessionDataError, match="naive datetime"):
            price_session(EUR_FLAT, session, BERLIN)
    with pytest.raises(SessionDataError, match="naive datetime"):
        running_estimate(EUR_FLAT, BERLIN, good.start, good.samples, datetime(2026, 3, 2, 11))


def test_samples_out_of_order_are_sorted():
    ordered = (
        sample(utc(2026, 3, 2, 15, 40), 0),
        sample(utc(2026, 3, 2, 15, 50), 1000),
        sample(utc(2026, 3, 2, 16, 5), 7000),
        sample(utc(2026, 3, 2, 16, 10), 9000),
    )
    shuffled = (ordered[2], ordered[0], ordered[3], ordered[1])
    a = price_session(PEAK_BERLIN, Session(ordered[0].timestamp, ordered[-1].timestamp, ordered), BERLIN)
    b = price_session(PEAK_BERLIN, Session(ordered[0].timestamp, ordered[-1].timestamp, shuffled), BERLIN)
    assert a.to_dict() == b.to_dict() and b.total == D("3.50")


def test_samples_in_other_time_zones_are_converted():
    # same instants expressed in +01:00 give the same result
    cet = timezone(timedelta(hours=1))
    s = Session(
        datetime(2026, 3, 2, 16, 40, tzinfo=cet),
        datetime(2026, 3, 2, 17, 10, tzinfo=cet),
        (sample(datetime(2026, 3, 2, 16, 40, tzinfo=cet), 0), sample(datetime(2026, 3, 2, 17, 10, tzinfo=cet), 9000)),
    )
    assert price_session(PEAK_BERLIN, s, BERLIN).total == D("3.30")


def test_register_going_backwards_rejected():
    s = Session(
        utc(2026, 3, 2, 10),
        utc(2026, 3, 2, 11),
        (sample(utc(2026, 3, 2, 10), 5000), sample(utc(2026, 3, 2, 10, 30), 9000), sample(utc(2026, 3, 2, 11), 100)),
    )
    with pytest.raises(SessionDataError, match="went backwards: 9000 Wh .* then 100 Wh"):
        price_session(EUR_FLAT, s, BERLIN)
    with pytest.raises(SessionDataError, match="negative energy register"):
        price_session(
            EUR_FLAT, Session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), (sample(utc(2026, 3, 2, 10), -1),)), BERLIN
        )


def test_duplicate_timestamps_are_merged():
    # two readings at 11:00 (9900 and 10000 Wh): the highest is kept -> 10 kWh = 3.00
    s = Session(
        utc(2026, 3, 2, 10),
        utc(2026, 3, 2, 11),
        (sample(utc(2026, 3, 2, 10), 0), sample(utc(2026, 3, 2, 11), 10000), sample(utc(2026, 3, 2, 11), 9900)),
    )
    assert price_session(EUR_FLAT, s, BERLIN).total == D("3.00")


def test_session_data_errors():
    good = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    with pytest.raises(SessionDataError, match="unknown IANA time zone 'Mars/Olympus'"):
        price_session(EUR_FLAT, good, "Mars/Olympus")
    with pytest.raises(SessionDataError, match="before its start"):
        price_session(EUR_FLAT, Session(good.stop, good.start, good.samples), BERLIN)
    assert issubclass(SessionDataError, PricingError) and issubclass(TariffValidationError, ValueError)


def test_energy_outside_session_is_not_billed():
    # Register held constant before the first sample; samples past stop are interpolated at stop.
    # Session 10:00-11:00; samples 10:30 (0) and 11:30 (20000): register at 11:00 = 10000 -> 10 kWh = 3.00
    s = Session(
        utc(2026, 3, 2, 10),
        utc(2026, 3, 2, 11),
        (sample(utc(2026, 3, 2, 10, 30), 0), sample(utc(2026, 3, 2, 11, 30), 20000)),
    )
    b = price_session(EUR_FLAT, s, BERLIN)
    assert b.energy_kwh == D("10.000") and b.total == D("3.00") and b.charging_end == utc(2026, 3, 2, 11)


# ---------------------------------------------------------------- running estimate

RICH_TARIFF = Tariff(
    currency="EUR",
    energy_rate=D("0.30"),
    session_fee=D("0.50"),
    time_rate_per_hour=D("0.60"),
    idle_fee_per_minute=D("0.10"),
    idle_grace_minutes=10,
    max_price=D("50.00"),
    taxes=(TaxRate("VAT", D("0.19")),),
    windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("0.50"), time_rate_per_hour=D("1.00")),),
)
RICH_SAMPLES = tuple(
    # Monday 16:00-18:30 CET, 1137 Wh per 10 min until 16:30 UTC (17:30 CET), then idle
    sample(utc(2026, 3, 2, 15) + timedelta(minutes=10 * i), min(i, 9) * 1137, 7400 if i <= 9 else 0)
    for i in range(16)
)


def test_running_estimate_equals_final_price():
    start, last = RICH_SAMPLES[0].timestamp, RICH_SAMPLES[-1].timestamp
    final = price_session(RICH_TARIFF, Session(start, last, RICH_SAMPLES), BERLIN, multiplier=D("1.1"))
    estimate = running_estimate(RICH_TARIFF, BERLIN, start, RICH_SAMPLES, last, multiplier=D("1.1"))
    assert estimate.to_dict() == final.to_dict()
    assert final.lines_of("idle") and final.lines_of("time") and len(final.lines_of("energy")) == 2
    assert_consistent(final)


def test_running_estimate_ignores_future_samples():
    start, now = RICH_SAMPLES[0].timestamp, utc(2026, 3, 2, 16, 5)
    known = [s for s in RICH_SAMPLES if s.timestamp <= now]
    estimate = running_estimate(RICH_TARIFF, BERLIN, start, RICH_SAMPLES, now)
    final_if_unplugged_now = price_session(RICH_TARIFF, Session(start, now, tuple(known)), BERLIN)
    assert estimate.to_dict() == final_if_unplugged_now.to_dict()
    assert estimate.session_stop == now


def test_running_estimate_while_charging():
    # 10 kW since 10:00; at 10:30 with samples every 10 min: 5 kWh x 0.30 = 1.50, no idle
    samples = [sample(utc(2026, 3, 2, 10, m), m * 10000 // 60, 10000) for m in (0, 10, 20, 30)]
    est = running_estimate(IDLE_TARIFF, BERLIN, utc(2026, 3, 2, 10), samples, utc(2026, 3, 2, 10, 30))
    assert est.energy_kwh == D("5.000") and est.total == D("1.50") and est.lines_of("idle") == []
    # early in the session (under 2 kWh) the estimate is 0: the session would be free if it stopped now
    early = running_estimate(IDLE_TARIFF, BERLIN, utc(2026, 3, 2, 10), samples, utc(2026, 3, 2, 10, 10))
    assert early.is_free and early.total == D("0.00")


# ---------------------------------------------------------------- output and invariants


def test_to_dict_is_json_safe():
    b = price_session(
        RICH_TARIFF,
        Session(RICH_SAMPLES[0].timestamp, RICH_SAMPLES[-1].timestamp, RICH_SAMPLES),
        BERLIN,
        multiplier=D("1.1"),
    )
    d = b.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert isinstance(d["total"], str) and d["total"] == format(b.total, "f")
    assert {"kind", "label", "quantity", "unit", "unit_price", "amount", "window", "local_start", "local_end"} <= set(
        d["lines"][0]
    )
    assert all(isinstance(line["amount"], str) for line in d["lines"])
    assert d["site_tz"] == BERLIN and d["currency"] == "EUR"
    # no exponent notation anywhere
    assert "E" not in json.dumps([line["quantity"] for line in d["lines"]])


@pytest.mark.parametrize("seed", range(40))
def test_random_sessions_always_add_up(seed):
    rng = random.Random(seed)
    tz = rng.choice([NY, BERLIN, "UTC", "Asia/Tokyo", "Australia/Lord_Howe"])
    currency = rng.choice(["EUR", "USD", "JPY", "KWD"])
    windows = tuple(
        TouWindow(
            f"w{i}",
            frozenset(rng.sample(range(7), rng.randint(1, 7))),
            time(rng.randint(0, 23), rng.choice([0, 15, 30, 45])),
            time(rng.randint(0, 23), rng.choice([0, 30])),
            energy_rate=D(rng.randint(0, 900)) / 1000 if rng.random() < 0.8 else None,
            time_rate_per_hour=D(rng.randint(1, 300)) / 100 if rng.random() < 0.3 else D("0.5"),
            priority=i,
        )
        for i in range(rng.randint(0, 4))
    )
    tariff = Tariff(
        currency=currency,
        energy_rate=D(rng.randint(1, 900)) / 1000,
        session_fee=D(rng.randint(0, 3)),
        idle_fee_per_minute=D(rng.randint(0, 50)) / 100,
        idle_grace_minutes=rng.randint(0, 30),
        windows=windows,
        taxes=(TaxRate("t", D(rng.randint(0, 25)) / 100),),
    )
    start = utc(
        2026, rng.choice([3, 10, 11]), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    )
    t, wh, samples = start, 0, []
    for _ in range(rng.randint(1, 60)):
        samples.append(sample(t, wh, rng.choice([None, 0, 7000])))
        t += timedelta(seconds=rng.randint(1, 3600))
        wh += rng.choice([0, rng.randint(0, 20000)])
    stop = t + timedelta(minutes=rng.randint(0, 120))
    b = price_session(
        tariff, Session(start, stop, tuple(samples)), tz, multiplier=D(rng.choice(["1", "1.1", "0.9", "1.25"]))
    )
    assert_consistent(b)
    est = running_estimate(tariff, tz, start, samples, stop, multiplier=b.multiplier)
    assert est.to_dict() == b.to_dict()
    if not b.is_free:
        expected = (D(samples[-1].energy_wh - samples[0].energy_wh) / 1000).quantize(D("0.001"), ROUND_HALF_UP)
        assert b.energy_kwh == expected
