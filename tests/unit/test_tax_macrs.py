"""Golden tests of the MACRS engine (addons/ev_tax_equity/lib/ev_tax_macrs.py).

The tables below are a second, independent transcription of IRS Publication 946, Appendix A, laid
out as printed (one row per recovery year, columns 3-, 5-, 7-, 10-, 15- and 20-year property); the
engine stores them column-wise. Every value of every table is compared, every column must sum to
100, and every published value must be within one unit of its last decimal of the declining-balance
formula (except the one documented quirk of Table A-2), which catches a typo in either copy.
"""

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import ev_tax_macrs as macrs
import pytest

PERIODS = (3, 5, 7, 10, 15, 20)

# Publication 946 layout: "year: 3-yr 5-yr 7-yr 10-yr 15-yr 20-yr" ("-" where the column has ended)
PUB946 = {
    "HY": """
1  33.33 20.00 14.29 10.00 5.00 3.750
2  44.45 32.00 24.49 18.00 9.50 7.219
3  14.81 19.20 17.49 14.40 8.55 6.677
4  7.41 11.52 12.49 11.52 7.70 6.177
5  - 11.52 8.93 9.22 6.93 5.713
6  - 5.76 8.92 7.37 6.23 5.285
7  - - 8.93 6.55 5.90 4.888
8  - - 4.46 6.55 5.90 4.522
9  - - - 6.56 5.91 4.462
10 - - - 6.55 5.90 4.461
11 - - - 3.28 5.91 4.462
12 - - - - 5.90 4.461
13 - - - - 5.91 4.462
14 - - - - 5.90 4.461
15 - - - - 5.91 4.462
16 - - - - 2.95 4.461
17 - - - - - 4.462
18 - - - - - 4.461
19 - - - - - 4.462
20 - - - - - 4.461
21 - - - - - 2.231
""",
    "Q1": """
1  58.33 35.00 25.00 17.50 8.75 6.563
2  27.78 26.00 21.43 16.50 9.13 7.000
3  12.35 15.60 15.31 13.20 8.21 6.482
4  1.54 11.01 10.93 10.56 7.39 5.996
5  - 11.01 8.75 8.45 6.65 5.546
6  - 1.38 8.74 6.76 5.99 5.130
7  - - 8.75 6.55 5.90 4.746
8  - - 1.09 6.55 5.91 4.459
9  - - - 6.56 5.90 4.459
10 - - - 6.55 5.91 4.459
11 - - - 0.82 5.90 4.459
12 - - - - 5.91 4.460
13 - - - - 5.90 4.459
14 - - - - 5.91 4.460
15 - - - - 5.90 4.459
16 - - - - 0.74 4.460
17 - - - - - 4.459
18 - - - - - 4.460
19 - - - - - 4.459
20 - - - - - 4.460
21 - - - - - 0.565
""",
    "Q2": """
1  41.67 25.00 17.85 12.50 6.25 4.688
2  38.89 30.00 23.47 17.50 9.38 7.148
3  14.14 18.00 16.76 14.00 8.44 6.612
4  5.30 11.37 11.97 11.20 7.59 6.116
5  - 11.37 8.87 8.96 6.83 5.658
6  - 4.26 8.87 7.17 6.15 5.233
7  - - 8.87 6.55 5.91 4.841
8  - - 3.34 6.55 5.90 4.478
9  - - - 6.56 5.91 4.463
10 - - - 6.55 5.90 4.463
11 - - - 2.46 5.91 4.463
12 - - - - 5.90 4.463
13 - - - - 5.91 4.463
14 - - - - 5.90 4.463
15 - - - - 5.91 4.462
16 - - - - 2.21 4.463
17 - - - - - 4.462
18 - - - - - 4.463
19 - - - - - 4.462
20 - - - - - 4.463
21 - - - - - 1.673
""",
    "Q3": """
1  25.00 15.00 10.71 7.50 3.75 2.813
2  50.00 34.00 25.51 18.50 9.63 7.289
3  16.67 20.40 18.22 14.80 8.66 6.742
4  8.33 12.24 13.02 11.84 7.80 6.237
5  - 11.30 9.30 9.47 7.02 5.769
6  - 7.06 8.85 7.58 6.31 5.336
7  - - 8.86 6.55 5.90 4.936
8  - - 5.53 6.55 5.90 4.566
9  - - - 6.56 5.91 4.460
10 - - - 6.55 5.90 4.460
11 - - - 4.10 5.91 4.460
12 - - - - 5.90 4.460
13 - - - - 5.91 4.461
14 - - - - 5.90 4.460
15 - - - - 5.91 4.461
16 - - - - 3.69 4.460
17 - - - - - 4.461
18 - - - - - 4.460
19 - - - - - 4.461
20 - - - - - 4.460
21 - - - - - 2.788
""",
    "Q4": """
1  8.33 5.00 3.57 2.50 1.25 0.938
2  61.11 38.00 27.55 19.50 9.88 7.430
3  20.37 22.80 19.68 15.60 8.89 6.872
4  10.19 13.68 14.06 12.48 8.00 6.357
5  - 10.94 10.04 9.98 7.20 5.880
6  - 9.58 8.73 7.99 6.48 5.439
7  - - 8.73 6.55 5.90 5.031
8  - - 7.64 6.55 5.90 4.654
9  - - - 6.56 5.90 4.458
10 - - - 6.55 5.91 4.458
11 - - - 5.74 5.90 4.458
12 - - - - 5.91 4.458
13 - - - - 5.90 4.458
14 - - - - 5.91 4.458
15 - - - - 5.90 4.458
16 - - - - 5.17 4.458
17 - - - - - 4.458
18 - - - - - 4.459
19 - - - - - 4.458
20 - - - - - 4.459
21 - - - - - 3.901
""",
}


def _published():
    cells = {}
    for key, text in PUB946.items():
        for line in text.strip().splitlines():
            year, *values = line.split()
            assert len(values) == 6, line
            for period, value in zip(PERIODS, values, strict=True):
                if value != "-":
                    cells[(key, period, int(year))] = D(value)
    return cells


PUBLISHED = _published()


@pytest.mark.parametrize(("key", "period", "year"), sorted(PUBLISHED), ids=lambda v: str(v))
def test_every_published_value(key, period, year):
    assert macrs.TABLES[key][period][year - 1] == PUBLISHED[(key, period, year)]


@pytest.mark.parametrize("key", sorted(PUB946))
@pytest.mark.parametrize("period", PERIODS)
def test_column_lengths_and_sums(key, period):
    column = macrs.TABLES[key][period]
    assert len(column) == period + 1  # the convention spreads the recovery over one more tax year
    assert len(column) == len([k for k in PUBLISHED if k[:2] == (key, period)])
    assert sum(column) == D(100)


def _formula(period, first_year_fraction):
    """Exact GDS percentages: declining balance (200 % or 150 %) switching to straight line over the
    remaining recovery period when that is larger, the convention's fraction in the first year."""
    rate = Fraction(macrs.METHODS[period], 100 * period)
    remaining, life_left, out = Fraction(100), Fraction(period), []
    for year in range(1, period + 2):
        portion = first_year_fraction if year == 1 else min(Fraction(1), life_left)
        amount = min(max(remaining * rate * portion, remaining / life_left * portion), remaining)
        life_left -= portion
        remaining -= amount
        out.append(amount)
    return out


FIRST_YEAR = {
    "HY": Fraction(1, 2),
    "Q1": Fraction(21, 24),
    "Q2": Fraction(15, 24),
    "Q3": Fraction(9, 24),
    "Q4": Fraction(3, 24),
}
#: Table A-2, 20-year property: the IRS prints 7.000 in year 2 (formula 7.008) and 0.565 in year 21 (0.557)
KNOWN_QUIRKS = {("Q1", 20, 2), ("Q1", 20, 21)}


@pytest.mark.parametrize("key", sorted(PUB946))
@pytest.mark.parametrize("period", PERIODS)
def test_published_values_follow_the_formula(key, period):
    unit = Fraction(1, 1000) if period == 20 else Fraction(1, 100)
    for year, exact in enumerate(_formula(period, FIRST_YEAR[key]), 1):
        published = Fraction(macrs.TABLES[key][period][year - 1])
        if (key, period, year) in KNOWN_QUIRKS:
            assert abs(published - exact) < 10 * unit
        else:
            assert abs(published - exact) <= unit * Fraction(3, 2), (key, period, year, float(exact))


def test_domain_facts_excerpt():
    """The excerpt quoted in the project's domain facts (section 4) matches."""
    assert macrs.table("HY", 5) == tuple(D(v) for v in "20.00 32.00 19.20 11.52 11.52 5.76".split())
    assert macrs.table("MQ", 5, 4) == tuple(D(v) for v in "5.00 38.00 22.80 13.68 10.94 9.58".split())
    assert macrs.table("MQ", 5, 2) == tuple(D(v) for v in "25.00 30.00 18.00 11.37 11.37 4.26".split())


# --- worked dollar schedules ------------------------------------------------------------------
def _amounts(sched):
    return [row.total for row in sched.years]


def test_five_year_half_year_10000():
    sched = macrs.schedule(D("10000"), 5)
    assert _amounts(sched) == [D("2000.00"), D("3200.00"), D("1920.00"), D("1152.00"), D("1152.00"), D("576.00")]
    assert sched.years[-1].remaining == 0 and sched.total == D("10000.00")


def test_sam_basis_850000_five_year():
    # $1,000,000 less half of a 30 % ITC: 850,000 x 20 / 32 / 19.2 / 11.52 / 11.52 / 5.76 %
    sched = macrs.schedule(D("850000"), 5)
    assert _amounts(sched) == [
        D(v) for v in ("170000.00", "272000.00", "163200.00", "97920.00", "97920.00", "48960.00")
    ]


def test_seven_year_with_60_percent_bonus():
    # 2024 property: bonus 60 % of 125,000 = 75,000; MACRS on 50,000: 7,145 12,245 8,745 6,245 4,465 4,460 4,465
    # and the last year takes the remainder 2,230
    sched = macrs.schedule(D("125000"), 7, bonus_rate=60)
    assert sched.bonus == D("75000.00")
    assert [row.macrs for row in sched.years] == [
        D("7145.00"),
        D("12245.00"),
        D("8745.00"),
        D("6245.00"),
        D("4465.00"),
        D("4460.00"),
        D("4465.00"),
        D("2230.00"),
    ]
    assert sched.years[0].total == D("82145.00")
    assert sched.total == D("125000.00")


def test_mid_quarter_q4_rounding_goes_to_last_year():
    # 12,345.67 x 5.00 / 38.00 / 22.80 / 13.68 / 10.94 %: 617.28 4691.35 2814.81 1688.89 1350.62; the
    # last year is 12,345.67 - 11,162.95 = 1,182.72 (the table's 9.58 % would give 1,182.72 too)
    sched = macrs.schedule(D("12345.67"), 5, "MQ", 4)
    assert _amounts(sched) == [D(v) for v in ("617.28", "4691.35", "2814.81", "1688.89", "1350.62", "1182.72")]
    assert sched.quarter == 4 and sched.convention == "MQ"


def test_twenty_year_remainder_absorbs_rounding():
    # 333.33 x published percentages, each rounded; the last year takes what is left
    sched = macrs.schedule(D("333.33"), 20, "MQ", 1)
    assert sched.total == D("333.33")
    assert sched.years[1].macrs == D("23.33")  # 333.33 x 7.000 % = 23.3331
    assert sched.years[-1].macrs == D("333.33") - sum(row.macrs for row in sched.years[:-1])


def test_full_bonus_leaves_nothing_to_macrs():
    sched = macrs.schedule(D("80000"), 5, bonus_rate=100)
    assert sched.years[0].total == D("80000.00")
    assert all(row.macrs == 0 for row in sched.years)


# --- conventions --------------------------------------------------------------------------------
def _p(day, basis, disposed=False):
    return macrs.Placement(day, D(basis), disposed)


def test_forty_percent_test_boundary():
    exactly_40 = [_p(date(2025, 3, 1), 600), _p(date(2025, 11, 1), 400)]
    result = macrs.convention_for_year(exactly_40, 2025)
    assert (result.convention, result.total_basis, result.last_quarter_basis) == ("HY", D(1000), D(400))
    assert result.last_quarter_share == D(40)
    just_over = [_p(date(2025, 3, 1), "599.99"), _p(date(2025, 10, 1), "400.01")]
    assert macrs.convention_for_year(just_over, 2025).convention == "MQ"


def test_forty_percent_test_ignores_other_years_and_same_year_disposals():
    items = [
        _p(date(2024, 12, 31), 10_000),  # previous tax year
        _p(date(2025, 2, 1), 100),
        _p(date(2025, 12, 1), 90),
        _p(date(2025, 12, 2), 1_000, disposed=True),
    ]
    result = macrs.convention_for_year(items, 2025)
    assert result.convention == "MQ" and result.total_basis == D(190)
    assert macrs.convention_for_year([], 2025).convention == "HY"


def test_fiscal_year_quarters():
    # tax year ending 30 June 2026 runs 1 July 2025 - 30 June 2026: April-June is its 4th quarter
    assert macrs.tax_year_bounds(2026, 6) == (date(2025, 7, 1), date(2026, 6, 30))
    assert macrs.tax_year_of(date(2025, 7, 1), 6) == 2026
    assert macrs.quarter_of(date(2025, 7, 1), 6) == 1
    assert macrs.quarter_of(date(2026, 5, 15), 6) == 4
    assert macrs.quarter_of(date(2025, 12, 31), 12) == 4
    assert macrs.quarter_of(date(2025, 4, 1), 12) == 2
    items = [_p(date(2025, 12, 1), 100), _p(date(2026, 5, 1), 101)]
    assert macrs.convention_for_year(items, 2026, 6).convention == "MQ"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: macrs.schedule(100, 4), "Recovery period 4"),
        (lambda: macrs.schedule(-1, 5), "cannot be negative"),
        (lambda: macrs.schedule(100, 5, bonus_rate=101), "0 to 100 percent"),
        (lambda: macrs.schedule(100, 5, "MQ"), "needs the quarter"),
        (lambda: macrs.schedule(100, 5, "XX"), "Unknown convention"),
        (lambda: macrs.schedule("abc", 5), "not a number"),
        (lambda: macrs.tax_year_bounds(2025, 13), "1 to 12"),
    ],
)
def test_bad_input_is_refused_with_a_reason(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_form_4562_summary():
    assets = [
        macrs.TaxAsset("old charger", date(2024, 5, 1), D("10000"), 5),  # year 2 in 2025: 32 %
        macrs.TaxAsset("charger", date(2025, 3, 1), D("50000"), 5, D(40)),  # bonus 20,000; 30,000 x 20 %
        macrs.TaxAsset("site work", date(2025, 6, 1), D("20000"), 15),  # 20,000 x 5 %
    ]
    summary = macrs.form_4562(assets, 2025)
    assert summary["convention"] == "HY"
    assert summary["line_14"] == D("20000.00")
    assert summary["line_17"] == D("3200.00")
    assert [(r["line"], r["basis"], r["deduction"], r["method"]) for r in summary["line_19"]] == [
        ("19b", D("30000.00"), D("6000.00"), "200 DB"),
        ("19e", D("20000.00"), D("1000.00"), "150 DB"),
    ]
    assert summary["line_22"] == D("30200.00")
    assert macrs.deductions_for_year(assets, 2025)["charger"] == (D("20000.00"), D("6000.00"))
    assert "old charger" not in macrs.deductions_for_year(assets, 2023)
