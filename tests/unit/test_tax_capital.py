"""Allocations and capital accounts (addons/ev_tax_equity/lib/ev_tax_capital.py) and the money helpers."""

from datetime import date
from decimal import Decimal as D

import ev_tax_capital as cap
import ev_tax_money as money
import pytest

INV = cap.PartnerTerms(
    "INV",
    {"income": D(99), "credit": D(99), "cash": D(90)},
    {"income": D(5), "credit": D(5), "cash": D(5)},
    name="Investor",
)
SPN = cap.PartnerTerms(
    "SPN",
    {"income": D(1), "credit": D(1), "cash": D(10)},
    {"income": D(95), "credit": D(95), "cash": D(95)},
    name="Sponsor",
)


def test_allocate_rounds_to_the_cent_and_gives_the_difference_to_the_largest():
    alloc = money.allocate(D("100"), {"a": 1, "b": 1, "c": 1})
    assert alloc.shares == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert (alloc.residual, alloc.residual_to) == (D("0.01"), "a")  # first of the largest on a tie
    alloc = money.allocate(D("-0.05"), {"small": 30, "big": 70})
    assert alloc.shares == {"small": D("-0.02"), "big": D("-0.03")}  # -0.015 -> -0.02, -0.035 -> -0.04, +0.01
    assert (alloc.residual, alloc.residual_to) == (D("0.01"), "big")
    assert money.allocate(0, {}).shares == {}
    with pytest.raises(ValueError, match="no weight"):
        money.allocate(D(1), {"a": 0})
    with pytest.raises(ValueError, match="cannot be negative"):
        money.allocate(D(1), {"a": -1})
    assert money.cents(D("2.675")) == D("2.68") and money.cents(D("-2.675")) == D("-2.68")
    with pytest.raises(ValueError, match="not a finite"):
        money.to_decimal("NaN")
    with pytest.raises(ValueError, match="a number is required"):
        money.to_decimal(True)


def test_terms_must_sum_to_100_per_class():
    cap.check_terms([INV, SPN])
    bad = cap.PartnerTerms("SPN", {"income": D(2), "credit": D(1), "cash": D(10)}, SPN.post)
    with pytest.raises(cap.CapitalError, match=r"pre-flip income shares sum to 101 %, not 100 %"):
        cap.check_terms([INV, bad])
    with pytest.raises(cap.CapitalError, match="between 0 and 100"):
        cap.check_terms([cap.PartnerTerms("X", {"income": D(120), "credit": D(100), "cash": D(100)}, INV.post)])


def test_golden_year_with_a_mid_year_flip():
    # 2025 has 365 days; flip on 1 July: pre-flip shares for 182 days (1 Jan - 1 Jul), post-flip for 183
    period = cap.SpvPeriod(
        date(2025, 1, 1),
        date(2025, 12, 31),
        book_income=D("36500"),
        tax_income=D("-100000"),
        credits=(cap.Credit(date(2025, 3, 15), D("30000"), D("30000")),),
        flip_date=date(2025, 7, 1),
    )
    partners = [
        cap.PartnerPeriod("INV", contributions=D("400000"), distributions=D("9000")),
        cap.PartnerPeriod("SPN", contributions=D("100000"), distributions=D("1000")),
    ]
    result = cap.capital_accounts(period, [INV, SPN], partners)
    inv, spn = result.rows
    # book 36,500: 18,200.00 pre (x 99 % / 1 %) and 18,300.00 post (x 5 % / 95 %)
    assert (inv.book_income, spn.book_income) == (D("18933.00"), D("17567.00"))
    # tax -100,000: pre -49,863.01 -> -49,364.38 / -498.63; post -50,136.99 -> -2,506.85 / -47,630.14
    assert (inv.tax_income, spn.tax_income) == (D("-51871.23"), D("-48128.77"))
    # the credit arose on 15 March, under the pre-flip credit shares
    assert (inv.credits, spn.credits, inv.credit_basis, spn.credit_basis) == (
        D("29700.00"),
        D("300.00"),
        D("29700.00"),
        D("300.00"),
    )
    assert (inv.book_end, spn.book_end) == (D("409933.00"), D("116567.00"))
    assert (inv.tax_end, spn.tax_end) == (D("309428.77"), D("50571.23"))
    assert result.reconciles and not result.deficits
    # the ledger's equity: 500,000 contributed + 36,500 income - 10,000 distributed
    assert result.ties_to(D("526500")) == 0
    assert result.ties_to(D("526400")) == D("-100.00")


def test_flip_outside_the_period_and_rounding_residuals():
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    assert cap.pre_flip_days(start, end, None) == (365, 365)
    assert cap.pre_flip_days(start, end, date(2024, 12, 31)) == (0, 365)
    assert cap.pre_flip_days(start, end, date(2025, 12, 31)) == (365, 365)
    assert cap.pre_flip_days(start, end, date(2025, 1, 1)) == (1, 365)
    third = cap.PartnerTerms("C", {c: D("33.34") for c in cap.CLASSES}, {c: D("33.34") for c in cap.CLASSES})
    a = cap.PartnerTerms("A", {c: D("33.33") for c in cap.CLASSES}, {c: D("33.33") for c in cap.CLASSES})
    b = cap.PartnerTerms("B", {c: D("33.33") for c in cap.CLASSES}, {c: D("33.33") for c in cap.CLASSES})
    split = cap.allocate_item(D("0.10"), [a, b, third], "income", start, end, None)
    # 0.033333 -> 0.03 each; 0.033340 -> 0.03; the missing cent goes to C (33.34 %)
    assert split.shares == {"A": D("0.03"), "B": D("0.03"), "C": D("0.04")}
    assert split.residuals == ((D("0.01"), "C"),)


def test_negative_book_capital_without_dro_is_flagged():
    period = cap.SpvPeriod(date(2025, 1, 1), date(2025, 12, 31), book_income=D("-300000"), tax_income=D("-300000"))
    dro_inv = cap.PartnerTerms("INV", INV.pre, INV.post, dro=True)
    partners = [
        cap.PartnerPeriod("INV", book_begin=D("100000"), tax_begin=D("100000")),
        cap.PartnerPeriod("SPN", book_begin=D("500"), tax_begin=D("500")),
    ]
    result = cap.capital_accounts(period, [INV, SPN], partners)
    # INV: 100,000 - 297,000 = -197,000 without DRO: 197,000 to reallocate; SPN: 500 - 3,000 = -2,500
    assert result.deficits == {"INV": D("197000.00"), "SPN": D("2500.00")}
    result = cap.capital_accounts(period, [dro_inv, SPN], partners)
    assert result.deficits == {"SPN": D("2500.00")}
    assert result.reconciles


def test_bad_period_input():
    with pytest.raises(cap.CapitalError, match="ends before it starts"):
        cap.pre_flip_days(date(2025, 2, 1), date(2025, 1, 1), None)
    period = cap.SpvPeriod(
        date(2025, 1, 1), date(2025, 12, 31), D(0), D(0), credits=(cap.Credit(date(2026, 1, 1), D(1), D(1)),)
    )
    with pytest.raises(cap.CapitalError, match="outside the period"):
        cap.capital_accounts(period, [INV, SPN], [])
    with pytest.raises(cap.CapitalError, match="without allocation terms"):
        cap.capital_accounts(cap.SpvPeriod(period.start, period.end, D(0), D(0)), [INV, SPN], [cap.PartnerPeriod("X")])
    with pytest.raises(cap.CapitalError, match="cannot be negative"):
        cap.capital_accounts(
            cap.SpvPeriod(period.start, period.end, D(0), D(0)),
            [INV, SPN],
            [cap.PartnerPeriod("INV", contributions=D(-1))],
        )
