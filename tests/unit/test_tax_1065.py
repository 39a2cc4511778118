"""Form 1065 and K-1s (addons/ev_tax_equity/lib/ev_tax_1065.py): a golden SPV year computed by hand, with a
mid-year flip; every built-in check passing and failing; K-1s adding up to Schedule K to the cent."""

from datetime import date
from decimal import Decimal as D

import ev_tax_1065 as f1065
import ev_tax_capital as cap
import pytest

START, END, FLIP = date(2024, 1, 1), date(2024, 12, 31), date(2024, 7, 1)
INV = cap.PartnerTerms(
    "INV", {"income": D(99), "credit": D(99), "cash": D(90)}, {"income": D(5), "credit": D(5), "cash": D(5)}
)
SPN = cap.PartnerTerms(
    "SPN", {"income": D(1), "credit": D(1), "cash": D(10)}, {"income": D(95), "credit": D(95), "cash": D(95)}
)
CREDIT = cap.Credit(date(2024, 3, 1), D(90000), D(90000))


def golden_ledger(**changes):
    """Year 2024 of an SPV: 500,000 contributed, revenue 60,000, O&M 19,850 (other deductions), book
    depreciation 3,650 vs tax depreciation 142,800, §30C 90,000, 20,000 distributed; cash at the end
    500,000 + 60,000 - 19,850 - 20,000 = 520,150, accumulated depreciation 3,650, capital 516,500."""
    values = {
        "start": START,
        "end": END,
        "page1": {"1a": D(60000), "21": D(19850), "16a": D(3650)},
        "k_items": {},
        "balance_begin": {},
        "balance_end": {"1": D(520150), "9b": D(3650), "21": D(516500)},
        "book_income": D(36500),
        "book_depreciation": D(3650),
        "tax_depreciation": D(142800),
        "credits": (CREDIT,),
        "contributions_cash": D(500000),
        "distributions_cash": D(20000),
    }
    values.update(changes)
    return f1065.LedgerYear(**values)


def test_golden_return():
    ret = f1065.build_return(golden_ledger())
    p = ret.page1
    assert (p["1c"], p["3"], p["8"]) == (D(60000), D(60000), D(60000))
    # line 16a is the tax depreciation (Form 4562), not the book one
    assert (p["16a"], p["16c"], p["21"]) == (D(142800), D(142800), D(19850))
    assert (p["22"], p["23"]) == (D(162650), D(-102650))
    k = ret.k
    assert (k["1"], k["15f"], k["19a"]) == (D(-102650), D(90000), D(20000))
    assert ret.analysis_line1 == D(-102650)
    # M-1: book income 36,500; tax depreciation exceeds book by 139,150 (line 7a)
    assert (ret.m1["1"], ret.m1["4a"], ret.m1["7a"], ret.m1["9"]) == (D(36500), 0, D(139150), D(-102650))
    # M-2: 0 + 500,000 + 36,500 - 20,000
    assert (ret.m2["1"], ret.m2["2a"], ret.m2["3"], ret.m2["6a"], ret.m2["9"]) == (
        0,
        D(500000),
        D(36500),
        D(20000),
        D(516500),
    )
    # L: 520,150 - 3,650 = 516,500 of assets = 516,500 of capital
    assert (ret.l_end["14"], ret.l_end["22"], ret.l_begin["14"]) == (D(516500), D(516500), 0)
    assert ret.passed and [c.name for c in ret.checks] == list(f1065.CHECK_NAMES)


def test_book_depreciation_above_tax_goes_to_m1_line_4a():
    ret = f1065.build_return(
        golden_ledger(tax_depreciation=D(1000), balance_end={"1": D(520150), "9b": D(3650), "21": D(516500)})
    )
    assert (ret.m1["4a"], ret.m1["7a"]) == (D(2650), 0)
    assert ret.page1["23"] == D(60000 - 19850 - 1000) == ret.m1["9"]


def test_separately_stated_interest():
    # 1,000 of interest income on Schedule K line 5: in book income, not on page 1
    ret = f1065.build_return(
        golden_ledger(
            k_items={"5": D(1000)}, book_income=D(37500), balance_end={"1": D(521150), "9b": D(3650), "21": D(517500)}
        )
    )
    assert ret.page1["23"] == D(-102650) and ret.k["5"] == D(1000)
    assert ret.analysis_line1 == D(-101650) == ret.m1["9"]
    assert ret.passed


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"balance_begin": {"1": D(10)}}, {"L balances (beginning)"}),
        (
            {"balance_end": {"1": D(520150), "9b": D(3650), "21": D(516499)}},
            {"L balances (end)", "M-2 ending = L line 21"},
        ),
        ({"contributions_cash": D(400000)}, {"M-2 ending = L line 21"}),
        # an expense booked on an account mapped to a balance-sheet line: book income and page 1 disagree
        ({"book_income": D(36000)}, {"M-1 line 9 = Analysis line 1", "M-2 ending = L line 21"}),
    ],
)
def test_checks_fail_on_inconsistent_books(changes, failing):
    ret = f1065.build_return(golden_ledger(**changes))
    assert not ret.passed
    assert {c.name for c in ret.failed} == failing


def test_k_line_1_check_fails_on_a_changed_return():
    ret = f1065.build_return(golden_ledger())
    k = dict(ret.k, **{"1": D(-100000)})
    checks = f1065.run_checks(ret.page1, k, ret.analysis_line1, ret.l_begin, ret.l_end, ret.m1, ret.m2)
    assert {c.name for c in checks if not c.passed} == {"K line 1 = page 1 line 23"}
    failed = next(c for c in checks if not c.passed)
    assert (failed.left, failed.right) == (D(-100000), D(-102650))


def test_bad_input():
    with pytest.raises(f1065.ReturnError, match="no line"):
        f1065.build_return(golden_ledger(page1={"99": D(1)}))
    with pytest.raises(f1065.ReturnError, match="ends before it starts"):
        f1065.build_return(golden_ledger(end=date(2023, 1, 1)))
    with pytest.raises(ValueError, match="not a number"):
        f1065.build_return(golden_ledger(page1={"1a": "abc"}))


def _golden_k1s():
    ret = f1065.build_return(golden_ledger())
    period = cap.SpvPeriod(START, END, D(36500), D(-102650), (CREDIT,), FLIP)
    capital = cap.capital_accounts(
        period,
        [INV, SPN],
        [
            cap.PartnerPeriod("INV", contributions=D(400000), distributions=D(9500)),
            cap.PartnerPeriod("SPN", contributions=D(100000), distributions=D(10500)),
        ],
    )
    own = {"INV": {"19a": D(9500)}, "SPN": {"19a": D(10500)}}
    return ret, f1065.k1s(ret, [INV, SPN], START, END, FLIP, (CREDIT,), own, {r.key: r for r in capital.rows})


def test_golden_k1s_with_a_mid_year_flip():
    ret, k1 = _golden_k1s()
    inv, spn = k1.partners
    # box 1: -102,650 split 183 / 183 days (2024 has 366): -51,325 x 99 % + -51,325 x 5 %
    assert (inv.boxes["1"], spn.boxes["1"]) == (D("-53378.00"), D("-49272.00"))
    # box 15 (code P): the credit of 1 March under the pre-flip shares
    assert (inv.boxes["15f"], spn.boxes["15f"]) == (D("89100.00"), D("900.00"))
    assert (inv.boxes["19a"], spn.boxes["19a"]) == (D("9500.00"), D("10500.00"))
    # item J: profit/loss shares on the first and last day; capital shares of the book capital
    assert (inv.profit_begin, inv.profit_end, spn.loss_end) == (D(99), D(5), D(95))
    assert (inv.capital_begin, inv.capital_end) == (0, (D("409480") * 100 / D("516500")).quantize(D("0.000001")))
    # item L on tax basis: 400,000 contributed, -53,378 income, -89,100 credit basis, 9,500 withdrawn
    assert inv.capital == {
        "beginning": 0,
        "contributed": D(400000),
        "income": D(-53378),
        "other": D(-89100),
        "withdrawals": D(9500),
        "ending": D(248022),
    }
    for line in f1065.K_LINES:
        assert k1.total(line) == ret.k[line], line
    assert not k1.residuals


def test_k1_rounding_goes_to_the_largest_partner_and_is_stated():
    thirds = [
        cap.PartnerTerms(key, {c: D(p) for c in cap.CLASSES}, {c: D(p) for c in cap.CLASSES})
        for key, p in (("A", "33.33"), ("B", "33.33"), ("C", "33.34"))
    ]
    ret = f1065.build_return(
        golden_ledger(
            page1={"1a": D("0.10")},
            book_income=D("0.10"),
            book_depreciation=0,
            tax_depreciation=0,
            credits=(),
            contributions_cash=0,
            distributions_cash=0,
            balance_end={"1": D("0.10"), "21": D("0.10")},
        )
    )
    k1 = f1065.k1s(ret, thirds, START, END, None)
    assert [p.boxes["1"] for p in k1.partners] == [D("0.03"), D("0.03"), D("0.04")]
    assert k1.residuals == (("1", D("0.01"), "C"),)
    assert k1.total("1") == ret.k["1"]


def test_own_items_must_add_up():
    ret = f1065.build_return(golden_ledger())
    with pytest.raises(f1065.ReturnError, match="line 19a is 20000.00 but the partners' own amounts add up to 9500.00"):
        f1065.k1s(ret, [INV, SPN], START, END, FLIP, (CREDIT,), {"INV": {"19a": D(9500)}})
