"""Unit tests of ev_pricing's tariff validation (ev_pricing/validation.py, ev_pricing/model.py).

Run: python3 -m pytest tests/unit -q   (no Odoo needed; conftest.py puts every addons/*/lib directory on
sys.path). Every golden value is computed by hand in the comment next to it. Unless stated otherwise the
register grows linearly (constant power) between the samples given (helpers in pricing_helpers.py).
"""

from datetime import time
from decimal import Decimal as D

import pytest
from ev_pricing import (
    ALL_DAYS,
    WEEKDAYS,
    Tariff,
    TariffValidationError,
    TaxRate,
    TouWindow,
    price_session,
    validate_tariff,
)
from pricing_helpers import BERLIN, EUR_FLAT, linear_session, utc

# ---------------------------------------------------------------- validation


def test_a_tariff_is_validated_once_and_an_invalid_one_every_time(monkeypatch):
    """A tariff that passed is remembered (a batch prices many sessions with one tariff); one that failed
    fails again; a tariff equal to a valid one but another object is checked on its own."""
    import ev_pricing.validation as validation

    checks = []
    overlaps = validation._check_overlaps
    monkeypatch.setattr(validation, "_check_overlaps", lambda windows: checks.append(1) or overlaps(windows))
    valid = Tariff(currency="EUR", energy_rate=D("0.30"))
    validate_tariff(valid)
    validate_tariff(valid)
    assert len(checks) == 1
    validate_tariff(Tariff(currency="EUR", energy_rate=D("0.30")))
    assert len(checks) == 2
    invalid = Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("-1"))
    for _attempt in range(2):
        with pytest.raises(TariffValidationError, match="session fee must not be negative"):
            validate_tariff(invalid)


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
