"""Bonus (special) depreciation rates as effective-dated data (§168(k)), pure Python, stdlib only.

Rates are data (:data:`RULES`), never constants in the code: a change of law is a new row.

* Property acquired after 27 September 2017 and before 20 January 2025: 100 % when placed in service
  before 2023, then the TCJA phase-down by calendar year placed in service: 80 % (2023), 60 % (2024),
  40 % (2025), 20 % (2026), 0 % from 2027.
* Property acquired after 19 January 2025 and placed in service after that date: 100 % permanently
  (Public Law 119-21, July 2025). For its first tax year ending after 19 January 2025 the taxpayer may
  elect 40 % instead (``elect_reduced``).
* The election out of bonus depreciation (§168(k)(7), per class and year) gives 0 % (``elect_out``).

Acquisition is the date of the binding written contract (a self-constructed property is acquired when
its construction begins). Dates are inclusive.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)


class BonusError(ValueError):
    """Bad input (the message says what to fix)."""


@dataclass(frozen=True)
class BonusRule:
    acquired_from: date
    acquired_to: date | None
    placed_from: date
    placed_to: date | None
    rate: Decimal
    law: str
    #: elective lower rate for the first tax year ending after ``election_year_ends_after``
    election_rate: Decimal | None = None
    election_year_ends_after: date | None = None

    def applies(self, acquired, placed):
        return (
            self.acquired_from <= acquired
            and (self.acquired_to is None or acquired <= self.acquired_to)
            and self.placed_from <= placed
            and (self.placed_to is None or placed <= self.placed_to)
        )


_TCJA = "Tax Cuts and Jobs Act (§168(k) as amended 2017)"
_TCJA_FROM, _TCJA_TO = date(2017, 9, 28), date(2025, 1, 19)
_OBBBA = "Public Law 119-21 (2025), §168(k) permanent 100 %"

RULES = (
    BonusRule(_TCJA_FROM, _TCJA_TO, date(2017, 9, 28), date(2022, 12, 31), Decimal(100), _TCJA),
    BonusRule(_TCJA_FROM, _TCJA_TO, date(2023, 1, 1), date(2023, 12, 31), Decimal(80), _TCJA),
    BonusRule(_TCJA_FROM, _TCJA_TO, date(2024, 1, 1), date(2024, 12, 31), Decimal(60), _TCJA),
    BonusRule(_TCJA_FROM, _TCJA_TO, date(2025, 1, 1), date(2025, 12, 31), Decimal(40), _TCJA),
    BonusRule(_TCJA_FROM, _TCJA_TO, date(2026, 1, 1), date(2026, 12, 31), Decimal(20), _TCJA),
    BonusRule(_TCJA_FROM, _TCJA_TO, date(2027, 1, 1), None, ZERO, _TCJA),
    BonusRule(
        date(2025, 1, 20),
        None,
        date(2025, 1, 20),
        None,
        Decimal(100),
        _OBBBA,
        election_rate=Decimal(40),
        election_year_ends_after=date(2025, 1, 19),
    ),
)


@dataclass(frozen=True)
class BonusResult:
    rate: Decimal  # percent
    rule: BonusRule | None
    reason: str


def bonus_rate(acquired, placed_in_service, tax_year_end=None, elect_reduced=False, elect_out=False, rules=RULES):
    """Bonus depreciation percent for property acquired on ``acquired`` and placed in service on
    ``placed_in_service``. ``tax_year_end``: last day of the tax year placed in service (needed only for
    ``elect_reduced``, defaults to 31 December of the placed-in-service year)."""
    if not acquired or not placed_in_service:
        raise BonusError("Bonus depreciation needs the acquisition and placed-in-service dates.")
    if placed_in_service < acquired:
        raise BonusError(
            f"Placed in service ({placed_in_service}) before it was acquired ({acquired}): correct the dates."
        )
    if elect_out and elect_reduced:
        raise BonusError("Choose either the election out of bonus depreciation or the reduced rate, not both.")
    rule = next((r for r in rules if r.applies(acquired, placed_in_service)), None)
    if rule is None:
        return BonusResult(ZERO, None, "no bonus depreciation for these dates")
    if elect_out:
        return BonusResult(ZERO, rule, "election out (§168(k)(7))")
    if elect_reduced:
        year_end = tax_year_end or date(placed_in_service.year, 12, 31)
        if rule.election_rate is None:
            raise BonusError(f"No reduced-rate election exists under {rule.law}.")
        first_year_end = _first_year_end_after(rule.election_year_ends_after, year_end)
        if year_end != first_year_end:
            raise BonusError(
                f"The {rule.election_rate} % election is only available for the first tax year ending after "
                f"{rule.election_year_ends_after:%d %B %Y} (the one ending {first_year_end})."
            )
        return BonusResult(rule.election_rate, rule, f"elected {rule.election_rate} % ({rule.law})")
    return BonusResult(rule.rate, rule, rule.law)


def _first_year_end_after(after, year_end):
    """First tax year end after ``after`` for a tax year ending on the month/day of ``year_end``."""
    candidate = date(after.year, year_end.month, _last_day(after.year, year_end.month))
    if candidate <= after:
        candidate = date(after.year + 1, year_end.month, _last_day(after.year + 1, year_end.month))
    return candidate


def _last_day(year, month):
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1).day
