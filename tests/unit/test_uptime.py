"""Golden tests of the operational uptime (ev_charging/lib/ev_uptime.py): interval rules, online /
degraded / offline seconds per month in the site's timezone (a fault across a month boundary, the
daylight-saving months), availability with and without fault periods, sites, first-time charge
success; and the NEVI port outages of ev_grants that reuse the same interval rules."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import ev_grants_uptime as nevi
import ev_uptime as up

NY = "America/New_York"


def utc(*args):
    return datetime(*args)


# --- intervals -------------------------------------------------------------------------------
def test_interval_rules():
    a = [(1, 5), (3, 8), (10, 12), (12, 13), (20, 20)]
    assert up.merge(a) == [(1, 8), (10, 13)]
    assert up.intersect([(1, 8), (10, 13)], [(0, 2), (7, 11), (12, 30)]) == [(1, 2), (7, 8), (10, 11), (12, 13)]
    assert up.union([(1, 3)], [(2, 4)], [(6, 7)]) == [(1, 4), (6, 7)]
    assert up.subtract([(0, 10), (20, 30)], [(2, 3), (5, 22), (25, 26), (29, 40)]) == [
        (0, 2),
        (3, 5),
        (22, 25),
        (26, 29),
    ]
    assert up.subtract([(0, 10)], []) == [(0, 10)]
    assert up.subtract([(0, 10)], [(0, 10)]) == []
    assert up.clip([(utc(2025, 1, 1), None)], utc(2025, 1, 2), utc(2025, 1, 3)) == [(utc(2025, 1, 2), utc(2025, 1, 3))]
    assert up.seconds([(utc(2025, 1, 1), utc(2025, 1, 1, 1))]) == 3600


def test_month_bounds_follow_the_site_timezone_and_daylight_saving():
    # January in New York: EST all month, 31 days
    start, end = up.month_bounds(2025, 1, NY)
    assert (start, end) == (utc(2025, 1, 1, 5), utc(2025, 2, 1, 5))
    # March 2025: clocks go forward on the 9th, the month is one hour short
    start, end = up.month_bounds(2025, 3, NY)
    assert (start, end) == (utc(2025, 3, 1, 5), utc(2025, 4, 1, 4))
    assert (end - start).total_seconds() == 31 * 86400 - 3600 == 2_674_800
    # November 2025: clocks go back on the 2nd, one hour long
    start, end = up.month_bounds(2025, 11, NY)
    assert (end - start).total_seconds() == 30 * 86400 + 3600 == 2_595_600
    # December -> January of the next year; UTC itself
    assert up.month_bounds(2025, 12, "UTC") == (utc(2025, 12, 1), utc(2026, 1, 1))
    assert up.month_of(utc(2025, 2, 1, 3), NY) == date(2025, 1, 1)  # 22:00 on 31 January in New York
    assert up.month_of(utc(2025, 2, 1, 5), NY) == date(2025, 2, 1)
    assert up.add_months(date(2025, 11, 20), 3) == date(2026, 2, 1)


# --- a charger over a month ------------------------------------------------------------------
def test_fault_spanning_a_month_boundary_golden():
    """Connected since December; connector 1 Faulted from 22:00 on 31 January to 06:00 on 1 February
    (New York, EST: 03:00-11:00 UTC); connector 2 Available throughout."""
    connected = [(utc(2024, 12, 15), None)]
    conn1 = [
        (utc(2024, 12, 15), utc(2025, 2, 1, 3), "Available"),
        (utc(2025, 2, 1, 3), utc(2025, 2, 1, 11), "Faulted"),
        (utc(2025, 2, 1, 11), None, "Available"),
    ]
    conn2 = [(utc(2024, 12, 15), None, "Available")]
    jan = up.charger_availability(connected, [conn1, conn2], *up.month_bounds(2025, 1, NY))
    assert jan == up.Availability(
        period_seconds=2_678_400, online_seconds=2_671_200, degraded_seconds=7200, offline_seconds=0, fault_seconds=7200
    )
    assert jan.availability_percent == Decimal("99.73")  # 2,671,200 / 2,678,400 = 99.7311...
    assert jan.availability_excl_faults_percent == Decimal("100.00")
    feb = up.charger_availability(connected, [conn1, conn2], *up.month_bounds(2025, 2, NY))
    assert (feb.period_seconds, feb.degraded_seconds, feb.fault_seconds) == (2_419_200, 21_600, 21_600)
    assert feb.online_seconds == 2_397_600
    assert feb.availability_percent == Decimal("99.11")  # 99.1071...
    assert feb.availability_excl_faults_percent == Decimal("100.00")


def test_daylight_saving_month_golden():
    """March 2025 in New York (2,674,800 s): the station drops off from 01:30 EST to 03:30 EDT on the
    9th - one real hour - and connector 1 is Unavailable (maintenance) for two hours on the 20th."""
    connected = [(utc(2025, 2, 1), utc(2025, 3, 9, 6, 30)), (utc(2025, 3, 9, 7, 30), None)]
    conn1 = [
        (utc(2025, 2, 1), utc(2025, 3, 20, 14), "Available"),
        (utc(2025, 3, 20, 14), utc(2025, 3, 20, 16), "Unavailable"),
        (utc(2025, 3, 20, 16), None, "Occupied"),
    ]
    march = up.charger_availability(connected, [conn1], *up.month_bounds(2025, 3, NY))
    assert march == up.Availability(2_674_800, 2_664_000, 7200, 3600, 0)
    assert march.availability_percent == Decimal("99.60")  # 2,664,000 / 2,674,800 = 99.5962...
    assert march.availability_excl_faults_percent == Decimal("99.60")  # no fault: nothing taken out


def test_faults_taken_out_of_the_availability_excluding_fault_periods():
    """One day (UTC): connected 20 h (offline 00:00-04:00); connector Faulted 10:00-16:00, Unavailable
    18:00-19:00; a fault while disconnected (02:00-03:00) is not a fault second (the station was offline)."""
    day = (utc(2025, 6, 1), utc(2025, 6, 2))
    connected = [(utc(2025, 6, 1, 4), None)]
    conn = [
        (utc(2025, 6, 1, 2), utc(2025, 6, 1, 3), "Faulted"),
        (utc(2025, 6, 1, 10), utc(2025, 6, 1, 16), "Faulted"),
        (utc(2025, 6, 1, 18), utc(2025, 6, 1, 19), "Unavailable"),
    ]
    result = up.charger_availability(connected, [conn], *day)
    assert result == up.Availability(86_400, 13 * 3600, 7 * 3600, 4 * 3600, 6 * 3600)
    assert result.online_seconds + result.degraded_seconds + result.offline_seconds == result.period_seconds
    assert result.availability_percent == Decimal("54.17")  # 13 / 24
    assert result.availability_excl_faults_percent == Decimal("72.22")  # 13 / (24 - 6)


def test_never_connected_is_offline_and_windows_are_cut():
    start, end = utc(2025, 6, 1), utc(2025, 7, 1)
    never = up.charger_availability([], [[(start, None, "Available")]], start, end)
    assert (never.offline_seconds, never.online_seconds, never.availability_percent) == (2_592_000, 0, Decimal("0.00"))
    # the current month, live: the window ends now; a charger put in service on the 10th counts from then
    now = utc(2025, 6, 15, 12)
    live = up.charger_availability([(utc(2025, 6, 10), None)], [], start, now, in_service_from=utc(2025, 6, 10))
    assert live == up.Availability(5 * 86_400 + 12 * 3600, 5 * 86_400 + 12 * 3600, 0, 0, 0)
    assert live.availability_percent == Decimal("100.00")
    # nothing observed yet: no percentage rather than 100 %
    empty = up.charger_availability([], [], start, start)
    assert empty == up.Availability() and empty.availability_percent is None
    # overlapping connection periods (a reconnect reported before the disconnect) count once
    twice = up.charger_availability(
        [(utc(2025, 6, 1), utc(2025, 6, 20)), (utc(2025, 6, 19), None)], [], start, end, in_service_from=None
    )
    assert twice.online_seconds == 2_592_000


def test_site_is_the_sum_of_its_chargers():
    a = up.Availability(100, 90, 5, 5, 5)
    b = up.Availability(100, 50, 0, 50, 0)
    site = up.combine([a, b])
    assert site == up.Availability(200, 140, 5, 55, 5)
    assert site.availability_percent == Decimal("70.00")
    assert site.availability_excl_faults_percent == Decimal("71.79")  # 140 / 195
    assert up.combine([]).availability_percent is None


# --- first-time charge success ---------------------------------------------------------------
def test_first_time_charge_success_golden():
    t = utc(2025, 6, 1, 12)
    m = timedelta(minutes=1)
    sessions = [
        ("CP1", "A", t, True),  # authorised at t - 1 min: one attempt, a success
        ("CP1", "B", t + 60 * m, False),  # no energy: a failed start ...
        ("CP1", "B", t + 63 * m, True),  # ... retried 3 minutes later: same episode, not first-time
        ("CP2", "C", t, True),
        ("CP2", "C", t + 120 * m, True),  # a new episode (two hours later)
    ]
    authorizations = [
        ("CP1", "A", t - m),  # followed by its session
        ("CP2", "D", t + 30 * m),  # nothing followed: a failed attempt, its own episode
        ("CP2", "C", t + 119 * m),  # consumed by the session a minute later
    ]
    failed_remote = [("CP1", "E", t + 200 * m)]
    result = up.first_time_success(sessions, authorizations, failed_remote)
    assert result == up.ChargeSuccess(attempts=7, episodes=6, first_time_successes=3, sessions=5, failed_starts=3)
    assert result.rate_percent == Decimal("50.00")
    assert up.first_time_success([]).rate_percent is None


# --- NEVI (ev_grants) on the same interval rules ---------------------------------------------
def test_nevi_port_outages_count_the_station_offline():
    start, end = utc(2025, 6, 1), utc(2025, 6, 2)
    both_down = [
        [(utc(2025, 6, 1, 1), utc(2025, 6, 1, 3), "Faulted")],
        [(utc(2025, 6, 1, 2), utc(2025, 6, 1, 4), "Unavailable")],
    ]
    assert nevi.port_outage_intervals(both_down, start, end) == [(utc(2025, 6, 1, 2), utc(2025, 6, 1, 3))]
    # the station was offline 10:00-11:00; before its first known connection (05:00) nothing says it was
    connected = [(utc(2025, 6, 1, 5), utc(2025, 6, 1, 10)), (utc(2025, 6, 1, 11), None)]
    assert nevi.port_outage_intervals(both_down, start, end, connected=connected) == [
        (utc(2025, 6, 1, 2), utc(2025, 6, 1, 3)),
        (utc(2025, 6, 1, 10), utc(2025, 6, 1, 11)),
    ]
    assert nevi.merge is up.merge and nevi.outage_intervals is up.outage_intervals  # one implementation
