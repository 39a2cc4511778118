"""Bonus depreciation as effective-dated data (addons/ev_tax_equity/lib/ev_tax_bonus.py)."""

from datetime import date
from decimal import Decimal as D

import ev_tax_bonus as bonus
import pytest

OLD = date(2022, 6, 1)  # acquired under the TCJA phase-down


@pytest.mark.parametrize(
    ("acquired", "placed", "rate"),
    [
        (date(2017, 9, 28), date(2017, 9, 28), 100),
        (OLD, date(2022, 12, 31), 100),
        (OLD, date(2023, 1, 1), 80),
        (OLD, date(2024, 7, 1), 60),
        (OLD, date(2025, 12, 31), 40),
        (date(2025, 1, 19), date(2025, 3, 1), 40),  # acquired the day before the cut: old law
        (OLD, date(2026, 5, 1), 20),
        (OLD, date(2027, 1, 1), 0),
        (date(2025, 1, 20), date(2025, 1, 20), 100),  # acquired and placed in service after 19 Jan 2025
        (date(2025, 2, 1), date(2031, 5, 1), 100),  # permanent
        (date(2017, 9, 27), date(2018, 1, 1), 0),  # acquired before 28 Sep 2017: not modelled, no bonus
    ],
)
def test_rates_by_acquisition_and_placed_in_service(acquired, placed, rate):
    assert bonus.bonus_rate(acquired, placed).rate == D(rate)


def test_elections():
    new = date(2025, 3, 1)
    assert bonus.bonus_rate(new, date(2025, 6, 1), elect_reduced=True).rate == D(40)
    assert bonus.bonus_rate(new, date(2025, 6, 1), elect_out=True).rate == 0
    assert bonus.bonus_rate(OLD, date(2024, 6, 1), elect_out=True).rate == 0
    # the 40 % election exists only for the first tax year ending after 19 January 2025
    with pytest.raises(bonus.BonusError, match="first tax year ending after 19 January 2025"):
        bonus.bonus_rate(new, date(2026, 6, 1), elect_reduced=True)
    # a fiscal year ending 30 June: the first one after 19 January 2025 ends 30 June 2025
    assert bonus.bonus_rate(new, date(2025, 5, 1), date(2025, 6, 30), elect_reduced=True).rate == D(40)
    with pytest.raises(bonus.BonusError, match="ending 2025-06-30"):
        bonus.bonus_rate(new, date(2025, 8, 1), date(2026, 6, 30), elect_reduced=True)
    with pytest.raises(bonus.BonusError, match="No reduced-rate election"):
        bonus.bonus_rate(OLD, date(2024, 6, 1), elect_reduced=True)
    with pytest.raises(bonus.BonusError, match="not both"):
        bonus.bonus_rate(new, date(2025, 6, 1), elect_reduced=True, elect_out=True)


def test_bad_dates_are_refused():
    with pytest.raises(bonus.BonusError, match="before it was acquired"):
        bonus.bonus_rate(date(2025, 5, 1), date(2025, 4, 1))
    with pytest.raises(bonus.BonusError, match="needs the acquisition"):
        bonus.bonus_rate(None, date(2025, 4, 1))


def test_rates_are_data():
    """A change of law is a new row: the lookup takes the rule table as a parameter."""
    rules = (bonus.BonusRule(date(2030, 1, 1), None, date(2030, 1, 1), None, D(50), "hypothetical law"),)
    result = bonus.bonus_rate(date(2030, 2, 1), date(2030, 3, 1), rules=rules)
    assert (result.rate, result.reason) == (D(50), "hypothetical law")
    assert bonus.bonus_rate(date(2029, 2, 1), date(2030, 3, 1), rules=rules).rate == 0
