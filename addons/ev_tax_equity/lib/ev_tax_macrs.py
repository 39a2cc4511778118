"""MACRS tax depreciation (GDS) from the IRS Publication 946 percentage tables (pure Python, stdlib only).

Tables
    :data:`TABLES` holds Appendix A, Tables A-1 to A-5 of Publication 946 *as published*: percent of the
    depreciable basis per recovery year for 3-, 5-, 7-, 10-, 15- and 20-year property (200 % declining
    balance for 3 to 10 years, 150 % for 15 and 20 years, switching to straight line), under the
    half-year convention (A-1) and the mid-quarter convention for property placed in service in the
    first to fourth quarter of the tax year (A-2 to A-5). The IRS rounds each column so that it sums to
    exactly 100; the published values therefore differ by one unit of the last decimal from a plain
    rounding of the formula here and there, and Table A-2's 20-year column has 7.000 in year 2 (the
    formula gives 7.008; its last year, 0.565, absorbs the difference). We store and use the published
    figures, never the formula.

Conventions
    * Half-year unless more than 40 % of the depreciable basis of the personal property placed in
      service during the tax year is placed in service in its last three months (§168(d)(3)); then the
      mid-quarter convention applies to all of that year's property (:func:`convention_for_year`).
      The test counts the basis after §179 expensing and after a credit's basis reduction, *before*
      bonus depreciation, and ignores property placed in service and disposed of in the same year.
    * Quarters are quarters of the tax year (a fiscal year ending 30 June has its first quarter in
      July-September). Short tax years are not modelled.
    * The tax year in which property is placed in service is recovery year 1.

Amounts
    ``bonus = cents(basis * bonus rate)``; each recovery year's MACRS deduction is
    ``cents((basis - bonus) * table percent / 100)``; the last recovery year takes whatever is left so
    that bonus + all years = basis to the cent.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

try:  # inside the addon: odoo.addons.ev_tax_equity.lib
    from .ev_tax_money import HUNDRED, ZERO, cents, to_decimal
except ImportError:  # odoo-free unit tests import the lib modules by name
    from ev_tax_money import HUNDRED, ZERO, cents, to_decimal

RECOVERY_PERIODS = (3, 5, 7, 10, 15, 20)
#: declining-balance rate (percent) of each recovery period under GDS
METHODS = {3: 200, 5: 200, 7: 200, 10: 200, 15: 150, 20: 150}
HALF_YEAR = "HY"
MID_QUARTER = "MQ"
#: table keys: half-year, then mid-quarter by quarter of the tax year placed in service
TABLE_NAMES = {"HY": "Table A-1", "Q1": "Table A-2", "Q2": "Table A-3", "Q3": "Table A-4", "Q4": "Table A-5"}

_PUBLISHED = {
    # Table A-1, half-year convention
    "HY": {
        3: "33.33 44.45 14.81 7.41",
        5: "20.00 32.00 19.20 11.52 11.52 5.76",
        7: "14.29 24.49 17.49 12.49 8.93 8.92 8.93 4.46",
        10: "10.00 18.00 14.40 11.52 9.22 7.37 6.55 6.55 6.56 6.55 3.28",
        15: "5.00 9.50 8.55 7.70 6.93 6.23 5.90 5.90 5.91 5.90 5.91 5.90 5.91 5.90 5.91 2.95",
        20: "3.750 7.219 6.677 6.177 5.713 5.285 4.888 4.522 4.462 4.461 4.462 "
        "4.461 4.462 4.461 4.462 4.461 4.462 4.461 4.462 4.461 2.231",
    },
    # Table A-2, mid-quarter convention, placed in service in the first quarter
    "Q1": {
        3: "58.33 27.78 12.35 1.54",
        5: "35.00 26.00 15.60 11.01 11.01 1.38",
        7: "25.00 21.43 15.31 10.93 8.75 8.74 8.75 1.09",
        10: "17.50 16.50 13.20 10.56 8.45 6.76 6.55 6.55 6.56 6.55 0.82",
        15: "8.75 9.13 8.21 7.39 6.65 5.99 5.90 5.91 5.90 5.91 5.90 5.91 5.90 5.91 5.90 0.74",
        20: "6.563 7.000 6.482 5.996 5.546 5.130 4.746 4.459 4.459 4.459 4.459 "
        "4.460 4.459 4.460 4.459 4.460 4.459 4.460 4.459 4.460 0.565",
    },
    # Table A-3, second quarter
    "Q2": {
        3: "41.67 38.89 14.14 5.30",
        5: "25.00 30.00 18.00 11.37 11.37 4.26",
        7: "17.85 23.47 16.76 11.97 8.87 8.87 8.87 3.34",
        10: "12.50 17.50 14.00 11.20 8.96 7.17 6.55 6.55 6.56 6.55 2.46",
        15: "6.25 9.38 8.44 7.59 6.83 6.15 5.91 5.90 5.91 5.90 5.91 5.90 5.91 5.90 5.91 2.21",
        20: "4.688 7.148 6.612 6.116 5.658 5.233 4.841 4.478 4.463 4.463 4.463 "
        "4.463 4.463 4.463 4.462 4.463 4.462 4.463 4.462 4.463 1.673",
    },
    # Table A-4, third quarter
    "Q3": {
        3: "25.00 50.00 16.67 8.33",
        5: "15.00 34.00 20.40 12.24 11.30 7.06",
        7: "10.71 25.51 18.22 13.02 9.30 8.85 8.86 5.53",
        10: "7.50 18.50 14.80 11.84 9.47 7.58 6.55 6.55 6.56 6.55 4.10",
        15: "3.75 9.63 8.66 7.80 7.02 6.31 5.90 5.90 5.91 5.90 5.91 5.90 5.91 5.90 5.91 3.69",
        20: "2.813 7.289 6.742 6.237 5.769 5.336 4.936 4.566 4.460 4.460 4.460 "
        "4.460 4.461 4.460 4.461 4.460 4.461 4.460 4.461 4.460 2.788",
    },
    # Table A-5, fourth quarter
    "Q4": {
        3: "8.33 61.11 20.37 10.19",
        5: "5.00 38.00 22.80 13.68 10.94 9.58",
        7: "3.57 27.55 19.68 14.06 10.04 8.73 8.73 7.64",
        10: "2.50 19.50 15.60 12.48 9.98 7.99 6.55 6.55 6.56 6.55 5.74",
        15: "1.25 9.88 8.89 8.00 7.20 6.48 5.90 5.90 5.90 5.91 5.90 5.91 5.90 5.91 5.90 5.17",
        20: "0.938 7.430 6.872 6.357 5.880 5.439 5.031 4.654 4.458 4.458 4.458 "
        "4.458 4.458 4.458 4.458 4.458 4.458 4.459 4.458 4.459 3.901",
    },
}

#: {"HY"|"Q1".."Q4": {recovery period: (percent of year 1, year 2, ...)}}
TABLES = {
    key: {period: tuple(Decimal(value) for value in column.split()) for period, column in columns.items()}
    for key, columns in _PUBLISHED.items()
}


class MacrsError(ValueError):
    """Bad input to the depreciation engine (the message says what to fix)."""


def _check_period(recovery_years):
    if recovery_years not in RECOVERY_PERIODS:
        raise MacrsError(
            f"Recovery period {recovery_years!r} is not a GDS class of Tables A-1 to A-5: use one of "
            f"{', '.join(map(str, RECOVERY_PERIODS))} years."
        )


def tax_year_bounds(year, year_end_month=12):
    """First and last day of the tax year that ends in calendar ``year`` (month ``year_end_month``)."""
    if not 1 <= year_end_month <= 12:
        raise MacrsError(f"Tax year end month {year_end_month!r} must be 1 to 12.")
    start_month = year_end_month % 12 + 1
    start = date(year - 1 if year_end_month != 12 else year, start_month, 1)
    end_next = date(year + 1, 1, 1) if year_end_month == 12 else date(year, year_end_month + 1, 1)
    return start, date.fromordinal(end_next.toordinal() - 1)


def tax_year_of(day, year_end_month=12):
    """The tax year (named by the calendar year it ends in) that contains ``day``."""
    return day.year if day.month <= year_end_month else day.year + 1


def quarter_of(day, year_end_month=12):
    """Quarter (1-4) of the tax year in which ``day`` falls."""
    start, _end = tax_year_bounds(tax_year_of(day, year_end_month), year_end_month)
    months = (day.year - start.year) * 12 + day.month - start.month
    return months // 3 + 1


def table(convention, recovery_years, quarter=None):
    """The published percentages for a convention ("HY" or "MQ" with ``quarter``) and period."""
    _check_period(recovery_years)
    if convention == HALF_YEAR:
        return TABLES["HY"][recovery_years]
    if convention == MID_QUARTER:
        if quarter not in (1, 2, 3, 4):
            raise MacrsError(f"The mid-quarter convention needs the quarter placed in service (1-4), got {quarter!r}.")
        return TABLES[f"Q{quarter}"][recovery_years]
    raise MacrsError(f"Unknown convention {convention!r}: use 'HY' (half-year) or 'MQ' (mid-quarter).")


@dataclass(frozen=True)
class Placement:
    """One property placed in service, for the 40 % test: its date and basis (after §179 and credit
    basis reductions, before bonus). ``disposed_same_year`` excludes it from the test."""

    placed_in_service: date
    basis: Decimal
    disposed_same_year: bool = False


@dataclass(frozen=True)
class ConventionTest:
    convention: str
    total_basis: Decimal
    last_quarter_basis: Decimal

    @property
    def last_quarter_share(self):
        """Share of the year's basis placed in service in the last quarter, in percent (unrounded)."""
        return self.last_quarter_basis * HUNDRED / self.total_basis if self.total_basis else ZERO


def convention_for_year(placements, tax_year, year_end_month=12):
    """Half-year or mid-quarter for the property placed in service in ``tax_year`` (the 40 % test).

    ``placements``: :class:`Placement` items; those placed in service outside the tax year are ignored.
    """
    start, end = tax_year_bounds(tax_year, year_end_month)
    total = last = ZERO
    for item in placements:
        if item.disposed_same_year or not start <= item.placed_in_service <= end:
            continue
        basis = to_decimal(item.basis, "basis")
        if basis < 0:
            raise MacrsError(f"A depreciable basis cannot be negative ({basis}).")
        total += basis
        if quarter_of(item.placed_in_service, year_end_month) == 4:
            last += basis
    convention = MID_QUARTER if total and last * 100 > total * 40 else HALF_YEAR
    return ConventionTest(convention, total, last)


@dataclass(frozen=True)
class ScheduleYear:
    year: int  # recovery year, 1 = the tax year placed in service
    percent: Decimal  # published table percent (0 for the bonus-only line of a fully expensed asset)
    bonus: Decimal
    macrs: Decimal
    accumulated: Decimal
    remaining: Decimal

    @property
    def total(self):
        return self.bonus + self.macrs


@dataclass(frozen=True)
class Schedule:
    basis: Decimal
    bonus_rate: Decimal  # percent
    bonus: Decimal
    convention: str
    quarter: int | None
    recovery_years: int
    years: tuple = field(default_factory=tuple)

    def deduction(self, recovery_year):
        """Total deduction (bonus + MACRS) of recovery year ``recovery_year`` (0 outside the schedule)."""
        for row in self.years:
            if row.year == recovery_year:
                return row.total
        return ZERO

    @property
    def total(self):
        return sum((row.total for row in self.years), ZERO)


def schedule(basis, recovery_years, convention=HALF_YEAR, quarter=None, bonus_rate=0):
    """Year-by-year tax depreciation of one property: bonus in year 1, then the published MACRS
    percentages applied to the basis left after bonus (see the module docstring for the rounding)."""
    basis = cents(to_decimal(basis, "basis"))
    if basis < 0:
        raise MacrsError(f"A depreciable basis cannot be negative ({basis}).")
    bonus_rate = to_decimal(bonus_rate, "bonus rate")
    if not 0 <= bonus_rate <= 100:
        raise MacrsError(f"A bonus depreciation rate is 0 to 100 percent, not {bonus_rate}.")
    percents = table(convention, recovery_years, quarter)
    bonus = cents(basis * bonus_rate / HUNDRED)
    rest = basis - bonus
    rows = []
    accumulated = macrs_sum = ZERO
    for index, percent in enumerate(percents, 1):
        amount = rest - macrs_sum if index == len(percents) else cents(rest * percent / HUNDRED)
        macrs_sum += amount
        year_bonus = bonus if index == 1 else ZERO
        accumulated += year_bonus + amount
        rows.append(ScheduleYear(index, percent, year_bonus, amount, accumulated, basis - accumulated))
    return Schedule(
        basis,
        bonus_rate,
        bonus,
        convention,
        quarter if convention == MID_QUARTER else None,
        recovery_years,
        tuple(rows),
    )


# ---------------------------------------------------------------------------------------------
# Several properties: conventions per placed-in-service year, a year's deductions, Form 4562
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaxAsset:
    """A property of the partnership for tax depreciation: ``basis`` after the credit basis reduction
    and before bonus; ``bonus_rate`` in percent (see ``ev_tax_bonus``)."""

    key: object
    placed_in_service: date
    basis: Decimal
    recovery_years: int
    bonus_rate: Decimal = ZERO
    disposed_same_year: bool = False


#: Form 4562 Part III, line 19 rows by recovery period
FORM_4562_LINE_19 = {3: "19a", 5: "19b", 7: "19c", 10: "19d", 15: "19e", 20: "19f"}


def conventions_by_year(assets, year_end_month=12):
    """{tax year: ConventionTest} for every tax year in which one of ``assets`` was placed in service."""
    years = {tax_year_of(asset.placed_in_service, year_end_month) for asset in assets}
    placements = [Placement(a.placed_in_service, a.basis, a.disposed_same_year) for a in assets]
    return {year: convention_for_year(placements, year, year_end_month) for year in sorted(years)}


def asset_schedule(asset, conventions, year_end_month=12):
    """The :class:`Schedule` of ``asset`` under the convention of its placed-in-service year."""
    pis_year = tax_year_of(asset.placed_in_service, year_end_month)
    convention = conventions[pis_year].convention
    quarter = quarter_of(asset.placed_in_service, year_end_month) if convention == MID_QUARTER else None
    return schedule(asset.basis, asset.recovery_years, convention, quarter, asset.bonus_rate)


def deductions_for_year(assets, tax_year, year_end_month=12):
    """{asset key: (bonus, macrs)} of tax year ``tax_year``."""
    conventions = conventions_by_year(assets, year_end_month)
    result = {}
    for asset in assets:
        recovery_year = tax_year - tax_year_of(asset.placed_in_service, year_end_month) + 1
        if recovery_year < 1:
            continue
        sched = asset_schedule(asset, conventions, year_end_month)
        row = next((r for r in sched.years if r.year == recovery_year), None)
        if row:
            result[asset.key] = (row.bonus, row.macrs)
    return result


def form_4562(assets, tax_year, year_end_month=12):
    """Form 4562-style summary of ``tax_year``: line 14 (special depreciation allowance of property placed
    in service this year), line 17 (MACRS of property placed in service in earlier years), line 19 rows
    (this year's property by recovery period: basis after bonus, period, convention, method, deduction)
    and line 22 (total)."""
    conventions = conventions_by_year(assets, year_end_month)
    line14 = line17 = ZERO
    rows = {}
    for asset in assets:
        pis_year = tax_year_of(asset.placed_in_service, year_end_month)
        recovery_year = tax_year - pis_year + 1
        if recovery_year < 1:
            continue
        sched = asset_schedule(asset, conventions, year_end_month)
        row = next((r for r in sched.years if r.year == recovery_year), None)
        if not row:
            continue
        if recovery_year > 1:
            line17 += row.macrs
            continue
        line14 += row.bonus
        line = FORM_4562_LINE_19[asset.recovery_years]
        entry = rows.setdefault(
            line,
            {
                "line": line,
                "recovery_years": asset.recovery_years,
                "convention": sched.convention,
                "method": f"{METHODS[asset.recovery_years]} DB",
                "basis": ZERO,
                "deduction": ZERO,
            },
        )
        entry["basis"] += sched.basis - sched.bonus
        entry["deduction"] += row.macrs
    line19 = [rows[key] for key in sorted(rows)]
    total = line14 + line17 + sum((r["deduction"] for r in line19), ZERO)
    convention = conventions.get(tax_year)
    return {
        "tax_year": tax_year,
        "convention": convention.convention if convention else HALF_YEAR,
        "last_quarter_share": convention.last_quarter_share if convention else ZERO,
        "line_14": line14,
        "line_17": line17,
        "line_19": line19,
        "line_22": total,
    }
