"""IRR / XIRR in Decimal (addons/ev_tax_equity/lib/ev_tax_xirr.py)."""

from datetime import date
from decimal import Decimal as D

import ev_tax_xirr as x
import pytest


def test_irr_simple_cases():
    assert x.irr([-100, 110]) == D("0.1")
    assert x.irr([-100, 0, 121]) == D("0.1")
    # -1000 then 3 x 400: (1+r)^-1 + (1+r)^-2 + (1+r)^-3 = 2.5 -> r = 9.7010 % (textbook annuity)
    assert abs(x.irr([-1000, 400, 400, 400]) - D("0.0970102")) < D("1e-7")
    assert x.irr([-100, 50]) == D("-0.5")
    assert x.npv(D("0.1"), [-100, 110]) == 0


def test_xirr_spreadsheet_example():
    # the example of the spreadsheet XIRR documentation: 37.34 % (0.373362535)
    flows = [
        (date(2008, 1, 1), -10000),
        (date(2008, 3, 1), 2750),
        (date(2008, 10, 30), 4250),
        (date(2009, 2, 15), 3250),
        (date(2009, 4, 1), 2750),
    ]
    assert abs(x.xirr(flows) - D("0.373362535")) < D("1e-8")
    assert abs(x.xnpv(x.xirr(flows), flows)) < D("1e-6")
    # order does not matter
    assert x.xirr(list(reversed(flows))) == x.xirr(flows)


def test_xirr_days_over_365():
    # one year and one day later in a leap year: 366 days -> (1 + r)^(366/365) = 1.1
    flows = [(date(2024, 1, 1), -1000), (date(2025, 1, 1), 1100)]
    expected = D("1.1") ** (D(365) / D(366)) - 1
    assert abs(x.xirr(flows) - expected) < D("1e-11")
    # same-day flows add up
    assert x.xirr([(date(2025, 1, 1), -600), (date(2025, 1, 1), -400), (date(2026, 1, 1), 1100)]) == D("0.1")


@pytest.mark.parametrize(
    "amounts",
    [[100, 200], [-100, -5], [0, 0], [], [-1, 3, -3]],
    ids=["all-in", "all-out", "zeros", "empty", "no-root"],
)
def test_no_irr(amounts):
    with pytest.raises(x.NoIrrError, match="No IRR"):
        x.irr(amounts)


def test_no_irr_dated():
    with pytest.raises(x.NoIrrError, match="never change sign"):
        x.xirr([(date(2025, 1, 1), 5), (date(2026, 1, 1), 5)])


def test_loss_and_high_returns():
    assert abs(x.irr([-100, 1]) - D("-0.99")) < D("1e-12")
    assert abs(x.irr([-1, 1000]) - D("999")) < D("1e-9")


def test_reaches_target_is_npv_at_target():
    flows = [(date(2025, 1, 1), -1000), (date(2026, 1, 1), 1100)]
    assert x.reaches_target(flows, D("0.10"))
    assert not x.reaches_target(flows, D("0.1001"))
    assert not x.reaches_target([(date(2025, 1, 1), -1000)], D("0.01"))
