"""Golden tests of the 2 CFR 200 cost rules (ev_grants/lib/ev_grants_finance.py)."""

from datetime import date
from decimal import Decimal

import ev_grants_finance as fin
import pytest

D = Decimal


@pytest.mark.parametrize(
    ("unit_cost", "life", "cap", "category"),
    [
        ("9999.99", 5, None, "e"),
        ("10000.00", 5, None, "d"),
        ("10000.004", 5, None, "d"),
        ("9999.995", 5, None, "d"),  # rounds to 10,000.00
        ("45000", 1, None, "e"),  # useful life of one year or less: supplies
        ("6000", 5, 5000, "d"),  # the recipient's capitalization level is lower
        ("6000", 5, 25000, "e"),  # a higher level does not raise the federal threshold
    ],
)
def test_equipment_threshold_per_unit(unit_cost, life, cap, category):
    assert fin.classify_purchase(D(unit_cost), life, cap) == category


def test_overlapping_rate_periods():
    periods = [
        (date(2026, 1, 1), date(2026, 6, 30), "A"),
        (date(2026, 7, 1), None, "B"),
        (date(2026, 6, 30), date(2026, 8, 1), "C"),
    ]
    pairs = {(a[2], b[2]) for a, b in fin.overlaps(periods)}
    assert pairs == {("A", "C"), ("C", "B")}
    assert fin.overlaps([(date(2026, 1, 1), date(2026, 1, 31), "x"), (date(2026, 2, 1), None, "y")]) == []


def test_labor_cost_at_the_rate_in_force_each_day():
    periods = [
        fin.RatePeriod(date(2026, 1, 1), date(2026, 1, 31), D("40.00"), D("30")),
        fin.RatePeriod(date(2026, 2, 1), None, D("42.50"), D("31.5")),
    ]
    cost = fin.labor_cost(
        [(date(2026, 1, 30), D("7.5")), (date(2026, 2, 2), D("8")), (date(2025, 12, 31), D("2"))], periods
    )
    # 7.5 x 40 = 300.00 (fringe 90.00); 8 x 42.50 = 340.00 (fringe 107.10); 31 Dec 2025 has no rate
    assert cost.hours == D("17.5")
    assert cost.salary == D("640.00")
    assert cost.fringe == D("197.10")
    assert cost.total == D("837.10")
    assert cost.missing_rate_days == [date(2025, 12, 31)]


def test_mtdc_and_de_minimis_indirect():
    direct = {
        "a": D("100000"),
        "b": D("30000"),
        "c": D("5000"),
        "d": D("250000"),
        "e": D("8000"),
        "f": D("120000"),
        "g": D("400000"),
        "h": D("2000"),
    }
    # base: a+b+c+e+f+h = 265,000, less the part of the 120,000 subaward above 50,000 = 195,000
    assert fin.mtdc_base(direct, subawards=[D("120000")]) == D("195000.00")
    assert fin.indirect_cost(direct, fin.DE_MINIMIS_RATE, subawards=[D("120000")]) == D("29250.00")


def test_judge_against_program_rules():
    rules = [
        fin.CostRule("h", False, None, "Entertainment is unallowable (2 CFR 200.438)"),
        fin.CostRule("e", True, D("5000"), "supplies above 5,000 need prior approval"),
    ]
    assert fin.judge("h", 10, rules) == (False, "Entertainment is unallowable (2 CFR 200.438)")
    assert fin.judge("e", D("5000.00"), rules) == (True, "")
    allowed, reason = fin.judge("e", D("5000.01"), rules)
    assert not allowed and reason.startswith("5000.01 is above the program's cap of 5000.00 per line")
    assert fin.judge("a", 1, rules) == (True, "")


def test_budget_vs_actual_golden():
    budget = {"a": 100000, "b": 30000, "c": 6000, "d": 250000, "e": 5000, "f": 0, "g": 400000, "h": 1000, "j": 21150}
    costs = [
        ("a", D("40000.00"), True),
        ("b", D("12000.00"), True),
        ("c", D("1101.00"), True),
        ("c", D("250.00"), False),  # unallowable: shown apart, not in actual
        ("d", D("85000.00"), True),
        ("e", D("2400.00"), True),
        ("g", D("150000.00"), True),
    ]
    rows = {r.category: r for r in fin.budget_vs_actual(budget, costs, indirect_rate=15)}
    assert rows["a"].remaining == D("60000.00") and rows["a"].percent_spent == D("40.00")
    assert rows["c"].actual == D("1101.00") and rows["c"].unallowable == D("250.00")
    assert rows["i"].budget == D("792000.00")
    assert rows["i"].actual == D("290501.00")
    # j: 15 % of MTDC (a+b+c+e = 55,501.00) = 8,325.15
    assert rows["j"].actual == D("8325.15")
    assert rows["k"].budget == D("813150.00")
    assert rows["k"].actual == D("298826.15")
    assert rows["k"].remaining == D("514323.85")
    with pytest.raises(ValueError, match="categories a-h"):
        fin.budget_vs_actual(budget, [("j", 1, True)])


def test_sf425_lines():
    v = fin.sf425(
        cash_receipts=300000,
        cash_disbursements=290501,
        authorized=800000,
        federal_expenditures="232400.80",
        federal_unliquidated=15000,
        recipient_share_required=200000,
        recipient_expenditures="58100.20",
        program_income_earned=1200,
        program_income_addition=1200,
        indirect_rate=15,
        indirect_base=55501,
    )
    assert v["10c"] == D("9499.00")
    assert v["10g"] == D("247400.80")
    assert v["10h"] == D("552599.20")
    assert v["10k"] == D("141899.80")
    assert v["10o"] == D("0.00")
    assert v["11_amount"] == D("8325.15") == v["11_federal"]
    assert set(v) == set(fin.SF425_LABELS)


def test_program_rollup_for_the_ceo_report():
    rows = fin.rollup(
        [
            {
                "program": "NEVI",
                "awarded": 800000,
                "spent": 300000,
                "unallowable": 250,
                "certifications_missing": 1,
                "overdue_reports": 0,
                "ports_below_97": 1,
            },
            {
                "program": "NEVI",
                "awarded": 200000,
                "spent": 50000,
                "unallowable": 0,
                "certifications_missing": 0,
                "overdue_reports": 1,
            },
            {
                "program": "CFI",
                "awarded": 500000,
                "spent": 0,
                "unallowable": 0,
                "certifications_missing": 0,
                "overdue_reports": 0,
            },
        ]
    )
    assert [r["program"] for r in rows] == ["CFI", "NEVI"]
    cfi, nevi = rows
    assert nevi["grants"] == 2
    assert nevi["awarded"] == D("1000000.00") and nevi["remaining"] == D("650000.00")
    assert nevi["percent_spent"] == D("35.00")
    assert (nevi["certifications_missing"], nevi["overdue_reports"], nevi["ports_below_97"]) == (1, 1, 1)
    assert nevi["attention"] is True and cfi["attention"] is False
