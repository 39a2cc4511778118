"""§30C credit per charging port (addons/ev_tax_equity/lib/ev_tax_30c.py)."""

from datetime import date
from decimal import Decimal as D

import ev_tax_30c as c30
import pytest

PIS = date(2025, 9, 15)


def test_thirty_percent_not_capped():
    # 150,000 x 30 % = 45,000 (< 100,000); basis reduced by the full credit
    credit = c30.port_credit(D("150000"), PIS, pwa_met=True, eligible_tract=True)
    assert (credit.rate, credit.credit, credit.capped) == (D(30), D("45000.00"), False)
    assert credit.basis_reduction == D("45000.00") and credit.basis_after_credit == D("105000.00")


def test_cap_binding_per_port():
    # 400,000 x 30 % = 120,000 > 100,000 cap
    credit = c30.port_credit(D("400000"), PIS, pwa_met=True, eligible_tract=True)
    assert (credit.credit, credit.capped, credit.basis_after_credit) == (D("100000.00"), True, D("300000.00"))
    assert "capped at 100,000" in credit.reason
    # exactly at the cap: not "capped"
    exact = c30.port_credit(D("333333.33"), PIS, True, True)
    assert (exact.credit, exact.capped) == (D("100000.00"), False)


def test_six_percent_without_prevailing_wage():
    # 83,333.33 x 6 % = 4,999.9998 -> 5,000.00
    credit = c30.port_credit(D("83333.33"), PIS, pwa_met=False, eligible_tract=True)
    assert (credit.rate, credit.credit, credit.basis_after_credit) == (D(6), D("5000.00"), D("78333.33"))
    # 6 % of 2,000,000 = 120,000: the cap binds at the base rate too
    assert c30.port_credit(D("2000000"), PIS, False, True).credit == D("100000.00")


def test_ineligible_tract_or_dates():
    outside = c30.port_credit(D("50000"), PIS, True, eligible_tract=False)
    assert (outside.credit, outside.eligible, outside.basis_after_credit) == (0, False, D("50000.00"))
    assert "census tract" in outside.reason
    late = c30.port_credit(D("50000"), date(2026, 7, 1), True, True)
    assert late.credit == 0 and "cut-off" in late.reason
    assert c30.port_credit(D("50000"), date(2026, 6, 30), True, True).credit == D("15000.00")
    early = c30.port_credit(D("50000"), date(2022, 12, 31), True, True)
    assert early.credit == 0 and "pre-IRA" in early.reason


def test_cutoff_is_data():
    assert c30.port_credit(D("50000"), date(2030, 1, 1), True, True, rules=(c30.IRA_2022,)).credit == D("15000.00")


def test_bad_input():
    with pytest.raises(c30.CreditError, match="cannot be negative"):
        c30.port_credit(D("-1"), PIS, True, True)
    with pytest.raises(c30.CreditError, match="placed-in-service date"):
        c30.port_credit(D("1"), None, True, True)
