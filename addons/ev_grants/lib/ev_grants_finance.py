"""Grant cost rules of 2 CFR 200 used by ev_grants. Pure Python: never imports Odoo.

* SF-424A object class categories a..j (``CATEGORIES``); i (total direct) and j (indirect) are
  computed, never charged directly.
* Equipment: tangible property with a useful life of more than one year and a **per-unit**
  acquisition cost at or above the lesser of the recipient's capitalization level and $10,000
  (2 CFR 200.1 since 1 Oct 2024); below it, supplies (``classify_purchase``).
* Labor (2 CFR 200.430): hours x the hourly rate in force on the day of the timesheet, fringe =
  salary x the fringe rate of that rate period (``labor_cost``); rate periods of one employee may
  not overlap (``overlaps``).
* Indirect costs: rate x modified total direct costs (MTDC: direct costs less equipment,
  construction (capital expenditures) and the part of each subaward above $50,000); the de minimis
  rate is 15 % (2 CFR 200.414(f)).
* Allowability against the program's rules (``judge``): a rule of the line's category may make it
  unallowable (with its reason) or cap the amount of one line.
* Budget vs actual per category, SF-425 lines 10a-10o and 11, program rollups and the CEO
  compliance summary, all from plain numbers.

Money is ``Decimal`` rounded HALF_UP to the cent at each stored amount.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
EQUIPMENT_THRESHOLD = Decimal("10000")
DE_MINIMIS_RATE = Decimal("15")
SUBAWARD_MTDC_LIMIT = Decimal("50000")

CATEGORIES = [
    ("a", "a. Personnel"),
    ("b", "b. Fringe Benefits"),
    ("c", "c. Travel"),
    ("d", "d. Equipment"),
    ("e", "e. Supplies"),
    ("f", "f. Contractual"),
    ("g", "g. Construction"),
    ("h", "h. Other"),
    ("i", "i. Total Direct Charges"),
    ("j", "j. Indirect Charges"),
]
DIRECT = ("a", "b", "c", "d", "e", "f", "g", "h")
#: excluded from the MTDC base
MTDC_EXCLUDED = ("d", "g")


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def pct(part, whole) -> Decimal:
    whole = Decimal(str(whole or 0))
    if not whole:
        return ZERO
    return (Decimal(str(part or 0)) / whole * 100).quantize(CENT, rounding=ROUND_HALF_UP)


# --- equipment ---------------------------------------------------------------------------------


def equipment_threshold(capitalization_level=None) -> Decimal:
    """The lesser of the recipient's capitalization level (if any) and $10,000."""
    if capitalization_level:
        return min(Decimal(str(capitalization_level)), EQUIPMENT_THRESHOLD)
    return EQUIPMENT_THRESHOLD


def classify_purchase(unit_cost, useful_life_years=2, capitalization_level=None) -> str:
    """'d' (equipment) or 'e' (supplies) for an item of ``unit_cost`` per unit."""
    if useful_life_years is not None and useful_life_years <= 1:
        return "e"
    return "d" if money(unit_cost) >= equipment_threshold(capitalization_level) else "e"


# --- labor -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatePeriod:
    date_from: date
    date_to: date | None  # None = open-ended
    hourly_rate: Decimal
    fringe_rate: Decimal  # percent

    def covers(self, day: date) -> bool:
        return self.date_from <= day and (self.date_to is None or day <= self.date_to)


def overlaps(periods: Iterable[tuple]) -> list[tuple]:
    """Pairs of ``(date_from, date_to or None, label)`` that overlap (dates inclusive)."""
    items = sorted(periods, key=lambda p: p[0])
    found = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a[1] is None or b[0] <= a[1]:
                found.append((a, b))
    return found


def rate_on(periods: Iterable[RatePeriod], day: date) -> RatePeriod | None:
    for period in periods:
        if period.covers(day):
            return period
    return None


@dataclass
class LaborCost:
    hours: Decimal
    salary: Decimal
    fringe: Decimal
    missing_rate_days: list

    @property
    def total(self):
        return self.salary + self.fringe


def labor_cost(entries: Iterable[tuple], periods: list[RatePeriod]) -> LaborCost:
    """Salary and fringe of timesheet ``entries`` (``(day, hours)``) at the rate in force each day.
    Each entry is rounded to the cent; days without a rate are listed and not costed."""
    hours = salary = fringe = ZERO
    missing = []
    for day, entry_hours in entries:
        entry_hours = Decimal(str(entry_hours))
        hours += entry_hours
        period = rate_on(periods, day)
        if not period:
            missing.append(day)
            continue
        amount = money(entry_hours * Decimal(str(period.hourly_rate)))
        salary += amount
        fringe += money(amount * Decimal(str(period.fringe_rate)) / 100)
    return LaborCost(hours, salary, fringe, sorted(set(missing)))


# --- indirect ----------------------------------------------------------------------------------


def mtdc_base(direct_by_category: dict, subawards: Iterable = ()) -> Decimal:
    """MTDC: direct costs without equipment and construction; of each subaward (contractual,
    category f, given as amounts in ``subawards``) only the first $50,000 counts."""
    base = sum((money(v) for k, v in direct_by_category.items() if k in DIRECT and k not in MTDC_EXCLUDED), ZERO)
    for amount in subawards:
        excess = money(amount) - SUBAWARD_MTDC_LIMIT
        if excess > 0:
            base -= excess
    return base


def indirect_cost(direct_by_category: dict, rate_percent, subawards: Iterable = ()) -> Decimal:
    return money(mtdc_base(direct_by_category, subawards) * Decimal(str(rate_percent or 0)) / 100)


# --- allowability ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostRule:
    category: str
    allowable: bool
    cap_per_line: Decimal | None = None
    reason: str = ""


def judge(category: str, amount, rules: Iterable[CostRule]) -> tuple[bool, str]:
    """(allowable, reason) of a cost line of ``category`` and ``amount`` under the program's
    rules; the first rule of the category decides."""
    for rule in rules:
        if rule.category != category:
            continue
        if not rule.allowable:
            return False, rule.reason or f"category {category} is not allowable under this program"
        if rule.cap_per_line is not None and money(amount) > money(rule.cap_per_line):
            return False, (
                f"{money(amount)} is above the program's cap of {money(rule.cap_per_line)} per line"
                + (f" ({rule.reason})" if rule.reason else "")
            )
        return True, ""
    return True, ""


# --- budget vs actual --------------------------------------------------------------------------


@dataclass
class BudgetRow:
    category: str
    label: str
    budget: Decimal
    actual: Decimal
    unallowable: Decimal

    @property
    def remaining(self):
        return self.budget - self.actual

    @property
    def percent_spent(self):
        return pct(self.actual, self.budget)


def budget_vs_actual(budget: dict, costs: Iterable[tuple], indirect_rate=0, subawards=()) -> list[BudgetRow]:
    """Rows a..j. ``budget``: {category: amount}; ``costs``: ``(category, amount, allowable)``.
    Actual counts allowable costs only (unallowable ones are shown apart); i = a..h, j = the
    indirect rate on the MTDC of the allowable direct costs."""
    actual = {k: ZERO for k in DIRECT}
    unallowable = {k: ZERO for k in DIRECT}
    for category, amount, allowable in costs:
        if category not in DIRECT:
            raise ValueError(f"costs are charged to categories a-h, not {category!r}")
        (actual if allowable else unallowable)[category] += money(amount)
    rows = [
        BudgetRow(k, label, money(budget.get(k)), actual[k], unallowable[k]) for k, label in CATEGORIES if k in DIRECT
    ]
    total_budget_direct = sum((money(budget.get(k)) for k in DIRECT), ZERO)
    rows.append(
        BudgetRow(
            "i",
            dict(CATEGORIES)["i"],
            money(budget.get("i")) or total_budget_direct,
            sum(actual.values(), ZERO),
            sum(unallowable.values(), ZERO),
        )
    )
    rows.append(
        BudgetRow(
            "j", dict(CATEGORIES)["j"], money(budget.get("j")), indirect_cost(actual, indirect_rate, subawards), ZERO
        )
    )
    rows.append(
        BudgetRow(
            "k",
            "k. Totals",
            rows[-2].budget + rows[-1].budget,
            rows[-2].actual + rows[-1].actual,
            rows[-2].unallowable,
        )
    )
    return rows


# --- SF-425 ------------------------------------------------------------------------------------


def sf425(
    *,
    cash_receipts,
    cash_disbursements,
    authorized,
    federal_expenditures,
    federal_unliquidated,
    recipient_share_required,
    recipient_expenditures,
    program_income_earned=0,
    program_income_deduction=0,
    program_income_addition=0,
    indirect_rate=0,
    indirect_base=0,
    indirect_federal_share=None,
) -> dict:
    """SF-425 Federal Financial Report lines 10a-10o and 11 (indirect expense)."""
    v = {
        "10a": money(cash_receipts),
        "10b": money(cash_disbursements),
        "10d": money(authorized),
        "10e": money(federal_expenditures),
        "10f": money(federal_unliquidated),
        "10i": money(recipient_share_required),
        "10j": money(recipient_expenditures),
        "10l": money(program_income_earned),
        "10m": money(program_income_deduction),
        "10n": money(program_income_addition),
    }
    v["10c"] = v["10a"] - v["10b"]
    v["10g"] = v["10e"] + v["10f"]
    v["10h"] = v["10d"] - v["10g"]
    v["10k"] = v["10i"] - v["10j"]
    v["10o"] = v["10l"] - v["10m"] - v["10n"]
    charged = money(Decimal(str(indirect_base or 0)) * Decimal(str(indirect_rate or 0)) / 100)
    v["11_rate"] = money(indirect_rate)
    v["11_base"] = money(indirect_base)
    v["11_amount"] = charged
    v["11_federal"] = charged if indirect_federal_share is None else money(indirect_federal_share)
    return dict(sorted(v.items()))


SF425_LABELS = {
    "10a": "a. Cash receipts",
    "10b": "b. Cash disbursements",
    "10c": "c. Cash on hand (a - b)",
    "10d": "d. Total federal funds authorized",
    "10e": "e. Federal share of expenditures",
    "10f": "f. Federal share of unliquidated obligations",
    "10g": "g. Total federal share (e + f)",
    "10h": "h. Unobligated balance of federal funds (d - g)",
    "10i": "i. Total recipient share required",
    "10j": "j. Recipient share of expenditures",
    "10k": "k. Remaining recipient share to be provided (i - j)",
    "10l": "l. Total federal program income earned",
    "10m": "m. Program income expended in accordance with the deduction alternative",
    "10n": "n. Program income expended in accordance with the addition alternative",
    "10o": "o. Unexpended program income (l - m or n)",
    "11_rate": "11. Indirect expense: rate (%)",
    "11_base": "11. Indirect expense: base",
    "11_amount": "11. Indirect expense: amount charged",
    "11_federal": "11. Indirect expense: federal share",
}


# --- program rollup and CEO compliance report ---------------------------------------------------


def rollup(grants: Iterable[dict]) -> list[dict]:
    """Per program: number of grants, awarded, spent (federal share of allowable costs),
    remaining, unallowable, certifications missing, overdue reports. ``grants``: dicts with
    ``program``, ``awarded``, ``spent``, ``unallowable``, ``certifications_missing``,
    ``overdue_reports``; optional ``ports_below_97``."""
    programs = {}
    for g in grants:
        p = programs.setdefault(
            g["program"],
            {
                "program": g["program"],
                "grants": 0,
                "awarded": ZERO,
                "spent": ZERO,
                "unallowable": ZERO,
                "certifications_missing": 0,
                "overdue_reports": 0,
                "ports_below_97": 0,
            },
        )
        p["grants"] += 1
        p["awarded"] += money(g["awarded"])
        p["spent"] += money(g["spent"])
        p["unallowable"] += money(g["unallowable"])
        p["certifications_missing"] += int(g.get("certifications_missing", 0))
        p["overdue_reports"] += int(g.get("overdue_reports", 0))
        p["ports_below_97"] += int(g.get("ports_below_97", 0))
    result = []
    for p in sorted(programs.values(), key=lambda r: r["program"]):
        p["remaining"] = p["awarded"] - p["spent"]
        p["percent_spent"] = pct(p["spent"], p["awarded"])
        p["attention"] = bool(
            p["unallowable"] or p["certifications_missing"] or p["overdue_reports"] or p["ports_below_97"]
        )
        result.append(p)
    return result
