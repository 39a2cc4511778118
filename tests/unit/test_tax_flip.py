"""Flip engine (addons/ev_tax_equity/lib/ev_tax_flip.py): the NREL SAM all-equity partnership flip case,
the engine's generality against an independent float model, and the actual flip from dated flows."""

from datetime import date, timedelta
from decimal import Decimal as D

import ev_tax_flip as flip
import pytest


def test_sam_all_equity_partnership_flip():
    result = flip.project(flip.sam_all_equity_flip_case())
    assert result.flip_year == 8
    assert (result.irr_at_flip * 100).quantize(D("0.01")) == D("11.09")
    # conventions, checked on the first years:
    # year 0: the investor funds 98 % of 1,000,000
    assert result.investor_equity == D("980000.00")
    # ITC 300,000 reduces the basis by half of it: 850,000; 5-yr MACRS half-year 20 % in year 1
    assert result.depreciable_basis == D("850000.00") and result.credits_total == D("300000.00")
    y1, y2 = result.years[0], result.years[1]
    # revenue 876,000 x 0.18 = 157,680; O&M 20 x 500 = 10,000 in year 1, x 1.025 in year 2
    assert (y1.revenue, y1.om, y2.om) == (D("157680.00"), D("10000.00"), D("10250.00"))
    assert y1.depreciation == D("170000.00") and y2.depreciation == D("272000.00")
    # taxable income 147,680 - 170,000 = -22,320; tax -4,687.20 (a benefit used in year 1)
    assert (y1.taxable_income, y1.tax) == (D("-22320.00"), D("-4687.20"))
    # investor: 98 % x 147,680 cash + 98 % x 4,687.20 benefit + 98 % x 300,000 credit (received in year 1)
    assert (y1.investor_cash, y1.investor_tax_benefit, y1.investor_credits) == (
        D("144726.40"),
        D("4593.46"),
        D("294000.00"),
    )
    assert y1.investor_flow == D("443319.86")
    # the flip year still uses the pre-flip shares; the year after uses 15 %
    assert not result.years[7].post_flip and result.years[8].post_flip
    assert result.years[8].investor_cash == (result.years[8].ebitda * D("0.15")).quantize(D("0.01"))
    assert result.years[6].investor_irr < D("0.11") <= result.years[7].investor_irr


def _float_model(cost, kwh, price, om, infl, classes, credit_rate, basis_red, tax, eq, pre, post, target, years=25):
    """Independent float re-implementation of the documented conventions (tables typed in again)."""
    tables = {
        5: [20, 32, 19.2, 11.52, 11.52, 5.76],
        7: [14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46],
        15: [5, 9.5, 8.55, 7.7, 6.93, 6.23, 5.9, 5.9, 5.91, 5.9, 5.91, 5.9, 5.91, 5.9, 5.91, 2.95],
    }
    credit = cost * credit_rate
    basis = cost - credit * basis_red
    dep = [0.0] * (years + 1)
    for share, period, bonus in classes:
        b = basis * share
        dep[1] += b * bonus
        for i, p in enumerate(tables[period], 1):
            if i <= years:
                dep[i] += b * (1 - bonus) * p / 100

    def irr(flows):
        lo, hi = -0.9999, 10.0
        f = lambda r: sum(c / (1 + r) ** i for i, c in enumerate(flows))  # noqa: E731
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
        return lo

    flows, flip_year, at = [-cost * eq], None, None
    for y in range(1, years + 1):
        share = post if flip_year is not None else pre
        ebitda = kwh * price - om * (1 + infl) ** (y - 1)
        flows.append(ebitda * share - (ebitda - dep[y]) * tax * share + (credit * share if y == 1 else 0))
        r = irr(flows)
        if flip_year is None and r >= target:
            flip_year, at = y, r
    return flip_year, at


@pytest.mark.parametrize(
    ("label", "classes", "credit_rate", "basis_red", "tax", "pre", "post", "target"),
    [
        ("7-year, 99/5", [(1, 7, 0)], 0.30, 0.5, 0.21, 0.99, 0.05, 0.09),
        ("§30C-like credit, full basis reduction", [(1, 5, 0)], 0.30, 1.0, 0.21, 0.98, 0.15, 0.10),
        ("split 5/15-year with 100 % bonus", [(0.8, 5, 1.0), (0.2, 15, 0)], 0.06, 1.0, 0.25, 0.95, 0.10, 0.08),
        ("no credit", [(1, 5, 0)], 0.0, 0.0, 0.21, 0.98, 0.15, 0.07),
    ],
)
def test_general_cases_match_an_independent_model(label, classes, credit_rate, basis_red, tax, pre, post, target):
    inputs = flip.ProjectionInputs(
        installed_cost=D(1_000_000),
        annual_energy_kwh=D(876_000),
        price_per_kwh=D("0.18"),
        capacity_kw=D(500),
        om_per_kw_year=D(20),
        inflation=D("2.5"),
        tax_rate=D(str(tax * 100)),
        target_irr=D(str(target * 100)),
        investor_equity_share=D(98),
        investor_pre_cash=D(str(pre * 100)),
        investor_post_cash=D(str(post * 100)),
        investor_pre_tax=D(str(pre * 100)),
        investor_post_tax=D(str(post * 100)),
        depreciation=tuple(flip.DepreciationClass(D(str(s * 100)), p, D(str(b * 100))) for s, p, b in classes),
        credits=(flip.Credit("credit", rate=D(str(credit_rate * 100)), basis_reduction=D(str(basis_red * 100))),)
        if credit_rate
        else (),
    )
    result = flip.project(inputs)
    year, at = _float_model(
        1e6, 876000, 0.18, 10000, 0.025, classes, credit_rate, basis_red, tax, 0.98, pre, post, target
    )
    assert result.flip_year == year, label
    assert abs(float(result.irr_at_flip) - at) < 1e-6, label


def test_target_never_reached():
    case = flip.sam_all_equity_flip_case()
    result = flip.project(flip.ProjectionInputs(**{**case.__dict__, "target_irr": D(40)}))
    assert result.flip_year is None and result.irr_at_flip is None
    assert not any(row.post_flip for row in result.years)  # pre-flip shares all along
    assert result.final_irr < D("0.40")


def test_fixed_date_flip():
    case = flip.sam_all_equity_flip_case()
    result = flip.project(flip.ProjectionInputs(**{**case.__dict__, "flip_type": "fixed", "fixed_flip_year": 5}))
    assert result.flip_year == 5
    assert [row.post_flip for row in result.years[:7]] == [False] * 5 + [True] * 2
    assert result.irr_at_flip == result.years[4].investor_irr


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"installed_cost": D(0)}, "installed cost must be positive"),
        ({"tax_rate": D(120)}, "Tax rate must be between 0 and 100"),
        ({"flip_type": "fixed"}, "needs its flip year"),
        ({"flip_type": "sometime"}, "Unknown flip type"),
        ({"depreciation": (flip.DepreciationClass(D(60), 5),)}, "cover 100 %"),
        ({"years": 0}, "1 to 100 years"),
    ],
)
def test_bad_inputs(changes, message):
    case = flip.sam_all_equity_flip_case()
    with pytest.raises(flip.FlipError, match=message):
        flip.project(flip.ProjectionInputs(**{**case.__dict__, **changes}))


# --- actual flip from dated flows ---------------------------------------------------------------
def test_actual_flip_date_from_dated_flows():
    start = date(2024, 1, 15)
    flows = flip.investor_flows(
        contributions=[(start, D(1000))],
        distributions=[(start + timedelta(days=91 * q), D(100)) for q in range(1, 13)],
        taxable_income=[(date(2024, 12, 31), D(-1000))],  # loss: 21 % benefit = 210
        credits=[(date(2024, 6, 30), D(150))],
        tax_rate=D(21),
    )
    assert [f.kind for f in flows[:3]] == ["contribution", "distribution", "credit"]
    assert next(f for f in flows if f.kind == "tax_benefit").amount == D("210.00")
    result = flip.actual_flip(flows, D(10))
    # cumulative XIRR: 6.63 % after the distribution of 13 Oct 2025, 16.23 % after the one of 12 Jan 2026
    assert result.reached and result.flip_date == date(2026, 1, 12)
    assert (result.irr_at_flip * 100).quantize(D("0.01")) == D("16.23")
    before = [(f.day, f.amount) for f in flows if f.day < result.flip_date]
    assert (flip.ev_tax_xirr.xirr(before) * 100).quantize(D("0.01")) == D("6.63")
    assert result.irr_to_date > result.irr_at_flip


def test_actual_flip_never_reached_and_no_flows():
    flows = [(date(2025, 1, 1), D(-1000)), (date(2026, 1, 1), D(500))]
    result = flip.actual_flip(flows, D(8))
    assert (result.reached, result.flip_date, result.irr_at_flip) == (False, None, None)
    assert result.irr_to_date == D("-0.5")
    assert flip.actual_flip([], D(8)).reached is False
    only_in = flip.actual_flip([(date(2025, 1, 1), D(-1000))], D(8))
    assert only_in.irr_to_date is None and not only_in.reached


def test_variable_cost_per_kwh_escalates_with_inflation():
    case = flip.sam_all_equity_flip_case()
    result = flip.project(flip.ProjectionInputs(**{**case.__dict__, "om_per_kwh": D("0.02")}))
    # year 1: 20 x 500 + 876,000 x 0.02 = 27,520; year 2: x 1.025 = 28,208
    assert (result.years[0].om, result.years[1].om) == (D("27520.00"), D("28208.00"))
    assert result.flip_year > 8  # thinner margins: later flip
