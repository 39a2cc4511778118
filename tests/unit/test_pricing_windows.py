"""Unit tests of ev_pricing's time-of-use windows (ev_pricing/windows.py): boundaries, midnight wrap, priorities,
DST in America/New_York and Europe/Berlin.

Run: python3 -m pytest tests/unit -q   (no Odoo needed; conftest.py puts every addons/*/lib directory on
sys.path). Every golden value is computed by hand in the comment next to it. Unless stated otherwise the
register grows linearly (constant power) between the samples given (helpers in pricing_helpers.py).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal as D

from ev_pricing import (
    ALL_DAYS,
    WEEKDAYS,
    Session,
    Tariff,
    TouWindow,
    price_session,
    tariff_segments,
)
from ev_pricing.clock import zone
from ev_pricing.windows import wall_to_utc
from pricing_helpers import (
    BERLIN,
    NY,
    PEAK_BERLIN,
    amounts,
    assert_consistent,
    linear_session,
    sample,
    utc,
)

# ---------------------------------------------------------------- time of use


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
    assert wall_to_utc(datetime(2026, 3, 29, 2, 15), zone(BERLIN)) == utc(2026, 3, 29, 1)
