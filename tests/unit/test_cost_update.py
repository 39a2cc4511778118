"""Unit tests of addons/ev_billing/lib/ev_cost_update.py (no Odoo)."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from ev_cost_update import cost_updated_params, estimate_update_due, parse_interval, total_cost

T0 = datetime(2026, 7, 1, 14, 0)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, 60),
        (False, 60),
        ("", 60),
        ("  ", 60),
        ("0", 0),
        ("90", 90),
        (" 30 ", 30),
        (120, 120),
        ("60.0", 60),
    ],
)
def test_parse_interval(value, expected):
    assert parse_interval(value) == expected


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "nan", "inf", -5])
def test_parse_interval_rejects_with_what_to_fix(value):
    with pytest.raises(ValueError, match="whole number of seconds"):
        parse_interval(value)


@pytest.mark.parametrize(
    "amount, places, expected",
    [
        (D("6.005"), 2, 6.01),  # HALF_UP, not banker's rounding
        (D("6.004999"), 2, 6.0),
        (2.675, 2, 2.68),  # float through repr, not its binary value 2.67499...
        (D("1234.5"), 0, 1235),  # JPY: no minor unit
        ("0", 2, 0.0),
        (D("19.999"), 3, 19.999),
    ],
)
def test_total_cost_rounds_to_minor_unit(amount, places, expected):
    result = total_cost(amount, places)
    assert result == expected
    assert type(result) is (int if places == 0 else float)


@pytest.mark.parametrize("amount, places", [(D("-0.01"), 2), (D("NaN"), 2), (D("1"), -1), (D("1"), True)])
def test_total_cost_rejects(amount, places):
    with pytest.raises(ValueError):
        total_cost(amount, places)


def test_first_estimate_is_sent():
    assert estimate_update_due(1.5, T0, None, None, 60)


def test_unchanged_amount_is_never_resent():
    assert not estimate_update_due(1.5, T0 + timedelta(hours=1), 1.5, T0, 60)


def test_changed_amount_waits_for_the_interval():
    assert not estimate_update_due(2.0, T0 + timedelta(seconds=59), 1.5, T0, 60)
    assert estimate_update_due(2.0, T0 + timedelta(seconds=60), 1.5, T0, 60)
    assert estimate_update_due(2.0, T0 + timedelta(seconds=1), 1.5, T0, 0)
    assert not estimate_update_due(2.0, T0 + timedelta(seconds=299), 1.5, T0, 300)


def test_negative_interval_rejected():
    with pytest.raises(ValueError):
        estimate_update_due(2.0, T0, 1.5, T0, -1)


def test_params():
    assert cost_updated_params(6.1, "CP-1-42") == {"totalCost": 6.1, "transactionId": "CP-1-42"}
    with pytest.raises(ValueError, match="transactionId"):
        cost_updated_params(6.1, "")
    with pytest.raises(ValueError, match="transactionId"):
        cost_updated_params(6.1, "x" * 37)
