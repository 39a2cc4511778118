"""Partner allocations and capital accounts of a partnership (pure Python, stdlib only).

Allocations
    Each partner has percentages per item class (``income`` = income and loss, ``credit`` = credits
    and their basis effects, ``cash`` = distributions) before and after the flip; each class sums to
    100 % over the partners (:func:`check_terms`). The shares in force on a day are the pre-flip ones
    up to and including the flip date, the post-flip ones after it.

    An item of a period (the tax year, or the part of it up to a quarter end) is split by days when
    the flip falls inside the period: ``pre = cents(amount x pre-flip days / days)`` goes by the
    pre-flip shares and the rest by the post-flip shares. Each split is rounded to the cent with the
    rounding difference to the partner with the largest share (``ev_tax_money.allocate``).
    Credits arise on a date (the property's placed-in-service date) and are allocated by the credit
    shares in force that day, with their basis reduction.

Capital accounts (per partner and period, both ledgers)
    §704(b) book:  beginning + contributions + allocated book income (loss) - distributions = ending
    tax basis:     beginning + contributions + allocated taxable income (loss)
                   - allocated credit basis reduction - distributions = ending
    The book ledger is the SPV's general ledger (GAAP = §704(b) book here: no revaluations), so the
    partners' book capital adds up to the ledger's equity; the tax ledger carries the credits' basis
    reduction (the partnership's basis in the property is reduced, and so are the partners' tax
    capital accounts, in the credit ratio).
    A negative book capital account of a partner without a deficit restoration obligation is flagged
    with the amount to reallocate to the other partners (its deficit).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

try:  # inside the addon: odoo.addons.ev_tax_equity.lib
    from .ev_tax_money import HUNDRED, ZERO, allocate, cents, to_decimal
except ImportError:  # odoo-free unit tests import the lib modules by name
    from ev_tax_money import HUNDRED, ZERO, allocate, cents, to_decimal

CLASSES = ("income", "credit", "cash")


class CapitalError(ValueError):
    """Bad input (the message says what to fix)."""


@dataclass(frozen=True)
class PartnerTerms:
    key: object
    pre: dict  # {"income": percent, "credit": percent, "cash": percent}
    post: dict
    dro: bool = False
    name: str = ""


def check_terms(terms):
    """Refuse allocations whose classes do not sum to exactly 100 % (before and after the flip)."""
    errors = []
    for phase in ("pre", "post"):
        for cls in CLASSES:
            values = [to_decimal(getattr(t, phase).get(cls, 0), f"{cls} share") for t in terms]
            if any(v < 0 or v > 100 for v in values):
                errors.append(f"{phase}-flip {cls} shares must each be between 0 and 100 %")
            total = sum(values, ZERO)
            if total != HUNDRED:
                errors.append(f"{phase}-flip {cls} shares sum to {total} %, not 100 %")
    if errors:
        raise CapitalError("Allocations: " + "; ".join(errors) + ".")


def shares_on(terms, day, flip_date, cls):
    phase = "post" if flip_date is not None and day > flip_date else "pre"
    return {t.key: to_decimal(getattr(t, phase).get(cls, 0)) for t in terms}


def pre_flip_days(start, end, flip_date):
    """Days of [start, end] on which the pre-flip shares are in force, and the days of the period."""
    days = (end - start).days + 1
    if days <= 0:
        raise CapitalError(f"The period {start} - {end} ends before it starts.")
    if flip_date is None or flip_date >= end:
        return days, days
    if flip_date < start:
        return 0, days
    return (flip_date - start).days + 1, days


@dataclass(frozen=True)
class ItemAllocation:
    shares: dict
    pre_amount: Decimal
    post_amount: Decimal
    residuals: tuple  # ((amount, key), ...) rounding differences given to the largest partner


def allocate_item(amount, terms, cls, start, end, flip_date):
    """Split ``amount`` of the period [start, end] between partners by class ``cls`` (see module doc)."""
    amount = cents(amount)
    pre_days, days = pre_flip_days(start, end, flip_date)
    pre_amount = cents(amount * pre_days / days)
    post_amount = amount - pre_amount
    result = {t.key: ZERO for t in terms}
    residuals = []
    for phase, part in (("pre", pre_amount), ("post", post_amount)):
        if not part and phase == "post":
            continue
        alloc = allocate(part, {t.key: to_decimal(getattr(t, phase).get(cls, 0)) for t in terms})
        for key, value in alloc.shares.items():
            result[key] += value
        if alloc.residual:
            residuals.append((alloc.residual, alloc.residual_to))
    return ItemAllocation(result, pre_amount, post_amount, tuple(residuals))


@dataclass(frozen=True)
class Credit:
    day: date
    amount: Decimal
    basis_reduction: Decimal


@dataclass(frozen=True)
class PartnerPeriod:
    """A partner's own posted data of the period."""

    key: object
    book_begin: Decimal = ZERO
    tax_begin: Decimal = ZERO
    contributions: Decimal = ZERO
    tax_contributions: Decimal | None = None  # tax basis of contributed property (cash: same as book)
    distributions: Decimal = ZERO


@dataclass(frozen=True)
class SpvPeriod:
    start: date
    end: date
    book_income: Decimal
    tax_income: Decimal
    credits: tuple = ()
    flip_date: date | None = None


@dataclass(frozen=True)
class CapitalRow:
    key: object
    book_begin: Decimal
    contributions: Decimal
    book_income: Decimal
    distributions: Decimal
    book_end: Decimal
    tax_begin: Decimal
    tax_contributions: Decimal
    tax_income: Decimal
    credit_basis: Decimal  # allocated basis reduction (a decrease of tax capital)
    tax_end: Decimal
    credits: Decimal
    deficit: Decimal  # amount to reallocate (0 unless a negative book account without DRO)

    @property
    def book_reconciles(self):
        return self.book_begin + self.contributions + self.book_income - self.distributions == self.book_end

    @property
    def tax_reconciles(self):
        return (
            self.tax_begin + self.tax_contributions + self.tax_income - self.credit_basis - self.distributions
            == self.tax_end
        )


@dataclass(frozen=True)
class CapitalResult:
    period: SpvPeriod
    rows: tuple
    residuals: tuple = field(default_factory=tuple)

    def total(self, attr):
        return sum((getattr(row, attr) for row in self.rows), ZERO)

    @property
    def reconciles(self):
        return (
            all(row.book_reconciles and row.tax_reconciles for row in self.rows)
            and self.total("book_income") == cents(self.period.book_income)
            and self.total("tax_income") == cents(self.period.tax_income)
            and self.total("credits") == sum((cents(c.amount) for c in self.period.credits), ZERO)
        )

    @property
    def deficits(self):
        return {row.key: row.deficit for row in self.rows if row.deficit}

    def ties_to(self, ledger_equity):
        """The partners' book capital adds up to the ledger's equity (the difference, 0 when it ties)."""
        return cents(ledger_equity) - self.total("book_end")


def capital_accounts(period, terms, partners):
    """Roll every partner's capital accounts forward over ``period`` (see the module docstring)."""
    check_terms(terms)
    by_key = {p.key: p for p in partners}
    unknown = set(by_key) - {t.key for t in terms}
    if unknown:
        raise CapitalError(f"Posted data for partners without allocation terms: {sorted(map(str, unknown))}.")
    book = allocate_item(period.book_income, terms, "income", period.start, period.end, period.flip_date)
    tax = allocate_item(period.tax_income, terms, "income", period.start, period.end, period.flip_date)
    credits = {t.key: ZERO for t in terms}
    basis = {t.key: ZERO for t in terms}
    residuals = list(book.residuals) + list(tax.residuals)
    for credit in period.credits:
        if not period.start <= credit.day <= period.end:
            raise CapitalError(f"A credit dated {credit.day} is outside the period {period.start} - {period.end}.")
        weights = shares_on(terms, credit.day, period.flip_date, "credit")
        alloc = allocate(credit.amount, weights)
        red = allocate(credit.basis_reduction, weights)
        for key in credits:
            credits[key] += alloc.shares[key]
            basis[key] += red.shares[key]
        residuals += [(a.residual, a.residual_to) for a in (alloc, red) if a.residual]
    rows = []
    for t in terms:
        p = by_key.get(t.key, PartnerPeriod(t.key))
        contributions = cents(p.contributions)
        tax_contributions = cents(p.tax_contributions if p.tax_contributions is not None else p.contributions)
        distributions = cents(p.distributions)
        if contributions < 0 or distributions < 0 or tax_contributions < 0:
            raise CapitalError(f"Contributions and distributions of {t.name or t.key} cannot be negative.")
        book_begin, tax_begin = cents(p.book_begin), cents(p.tax_begin)
        book_end = book_begin + contributions + book.shares[t.key] - distributions
        tax_end = tax_begin + tax_contributions + tax.shares[t.key] - basis[t.key] - distributions
        deficit = -book_end if book_end < 0 and not t.dro else ZERO
        rows.append(
            CapitalRow(
                t.key,
                book_begin,
                contributions,
                book.shares[t.key],
                distributions,
                book_end,
                tax_begin,
                tax_contributions,
                tax.shares[t.key],
                basis[t.key],
                tax_end,
                credits[t.key],
                deficit,
            )
        )
    return CapitalResult(period, tuple(rows), tuple(residuals))
