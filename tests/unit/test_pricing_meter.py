"""Unit tests of ev_pricing's meter samples (ev_pricing/meter.py): naive datetimes, order, time zones, merging,
a register going backwards, energy outside the session.

Run: python3 -m pytest tests/unit -q   (no Odoo needed; conftest.py puts every addons/*/lib directory on
sys.path). Every golden value is computed by hand in the comment next to it. Unless stated otherwise the
register grows linearly (constant power) between the samples given (helpers in pricing_helpers.py).
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from ev_pricing import (
    MeterSample,
    PricingError,
    Session,
    SessionDataError,
    TariffValidationError,
    charging_end_from_samples,
    price_session,
    running_estimate,
)
from pricing_helpers import BERLIN, EUR_FLAT, PEAK_BERLIN, linear_session, sample, utc


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


def whole_wh(ts, wh):
    """An OCPP 1.6 meterStart/meterStop: an integer, so a reading of 1 Wh resolution."""
    return MeterSample(ts, D(wh), None, D(1))


def test_whole_wh_stop_below_last_decimal_sample_is_rounding_not_backwards():
    # Issue 9 item 1, the third-party 1.6 charger: meterStart 1200, sampled 1200.37 .. 5316.42 Wh,
    # meterStop 5316 (whole Wh) at the stop. 0.42 Wh below the last sample, under the stop's 1 Wh
    # resolution: the same register. Billed R(stop) - R(start) = 5316.42 - 1200 = 4116.42 Wh -> 4.116 kWh
    # x 0.30 = 1.2348 -> 1.23 EUR.
    start, stop = utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)
    samples = (
        whole_wh(start, 1200),
        sample(utc(2026, 3, 2, 10, 1), D("1200.37")),
        sample(utc(2026, 3, 2, 10, 59), D("5316.42")),
        whole_wh(stop, 5316),
    )
    b = price_session(EUR_FLAT, Session(start, stop, samples), BERLIN)
    assert (b.energy_kwh, b.total) == (D("4.116"), D("1.23"))
    # the exact report's figures (a per-transaction register): 316.42 then meterStop 316.0
    small = (whole_wh(start, 0), sample(utc(2026, 3, 2, 10, 59), D("316.42")), whole_wh(stop, D("316.0")))
    assert price_session(EUR_FLAT, Session(start, stop, small), BERLIN).energy_kwh == D("0.316")
    # the merged register keeps the finer reading and never decreases: the charging end is the last increase
    assert charging_end_from_samples(samples, start, stop) == utc(2026, 3, 2, 10, 59)


def test_whole_wh_start_rounded_up_above_first_decimal_sample():
    # meterStart 317 (316.6 rounded) then a sample of 316.6 and 316.9: the same register as the start
    # (within its 1 Wh), held at 317; then 2317 -> 2.000 kWh (not free) x 0.30 = 0.60
    start, stop = utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)
    samples = (
        whole_wh(start, 317),
        sample(utc(2026, 3, 2, 10, 1), D("316.6")),
        sample(utc(2026, 3, 2, 10, 2), D("316.9")),
        sample(stop, 2317),
    )
    b = price_session(EUR_FLAT, Session(start, stop, samples), BERLIN)
    assert (b.energy_kwh, b.total, b.is_free) == (D("2.000"), D("0.60"), False)


@pytest.mark.parametrize(
    "last, stop",
    [
        (D("316.42"), D("315")),  # 1.42 Wh below: more than the stop's resolution
        (D("317.00"), D("316")),  # exactly 1 Wh below: the register was below 317, it went backwards
        (D("5316.42"), D("0")),  # a reset
    ],
)
def test_whole_wh_reading_further_below_is_still_backwards(last, stop):
    start, end = utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)
    samples = (whole_wh(start, 0), sample(utc(2026, 3, 2, 10, 59), last), whole_wh(end, stop))
    with pytest.raises(SessionDataError, match="went backwards"):
        price_session(EUR_FLAT, Session(start, end, samples), BERLIN)


def test_exact_readings_get_no_tolerance_and_resolution_is_checked():
    start, stop = utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)
    exact = (sample(start, 0), sample(utc(2026, 3, 2, 10, 59), D("316.42")), sample(stop, D("316.41")))
    with pytest.raises(SessionDataError, match=r"went backwards: 316.42 Wh .* then 316.41 Wh"):
        price_session(EUR_FLAT, Session(start, stop, exact), BERLIN)
    with pytest.raises(SessionDataError, match="resolution_wh must not be negative"):
        MeterSample(start, 0, None, -1)
    # two readings of one instant: the highest register wins with its own resolution (exact here), so a
    # later exact reading 0.3 Wh lower went backwards, while a later whole-Wh one 0.6 Wh lower did not
    t1 = utc(2026, 3, 2, 10, 59)
    same = (whole_wh(start, 0), whole_wh(t1, 316), sample(t1, D("316.6")))
    with pytest.raises(SessionDataError, match=r"went backwards: 316.6 Wh .* then 316.3 Wh"):
        price_session(EUR_FLAT, Session(start, stop, (*same, sample(stop, D("316.3")))), BERLIN)
    b = price_session(EUR_FLAT, Session(start, stop, (*same, whole_wh(stop, 316))), BERLIN)
    assert b.energy_kwh == D("0.317")


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
