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
    PricingError,
    Session,
    SessionDataError,
    TariffValidationError,
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
