"""Balance sheet and profit & loss of an SPV from its account balances (no Odoo import).

Input rows are ``AccountBalance(code, name, account_type, balance)`` with ``balance`` = debit - credit of the
posted entries (a Decimal), ``account_type`` one of Odoo's account types. Rules:

* **Balance sheet at a date** (balances of every entry up to that date): assets show the balance, liabilities
  and equity show its opposite (credit balances are positive). The profit or loss of every income and expense
  account to that date is one equity line, *Earnings to date*, because an SPV's earnings are its partners'
  capital until they are distributed. Off-balance accounts are left out. ``balanced`` says whether total
  assets = total liabilities + total equity to the cent.
* **Profit and loss of a period** (balances of the entries in the period): income (income, other income) shows
  the opposite of the balance, expenses (cost of revenue, expenses, depreciation) the balance; net income =
  income - expenses.
* Amounts are rounded to the cent, half up, once per account; totals are sums of the rounded lines.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

ASSET_TYPES = (
    "asset_receivable",
    "asset_cash",
    "asset_current",
    "asset_non_current",
    "asset_prepayments",
    "asset_fixed",
)
LIABILITY_TYPES = ("liability_payable", "liability_credit_card", "liability_current", "liability_non_current")
EQUITY_TYPES = ("equity", "equity_unaffected")
INCOME_TYPES = ("income", "income_other")
EXPENSE_TYPES = ("expense_direct_cost", "expense", "expense_depreciation")
PL_TYPES = INCOME_TYPES + EXPENSE_TYPES


class StatementError(ValueError):
    """Bad input: the message says what to fix."""


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class AccountBalance:
    code: str
    name: str
    account_type: str
    balance: Decimal


@dataclass
class Section:
    key: str
    label: str
    lines: list = field(default_factory=list)  # [(code, name, amount)]

    @property
    def total(self) -> Decimal:
        return sum((amount for _code, _name, amount in self.lines), ZERO)


@dataclass
class BalanceSheet:
    as_of: date
    assets: Section
    liabilities: Section
    equity: Section

    @property
    def total_liabilities_equity(self) -> Decimal:
        return self.liabilities.total + self.equity.total

    @property
    def balanced(self) -> bool:
        return self.assets.total == self.total_liabilities_equity


@dataclass
class ProfitLoss:
    date_from: date
    date_to: date
    income: Section
    expenses: Section

    @property
    def net_income(self) -> Decimal:
        return self.income.total - self.expenses.total


def _sorted(rows):
    return sorted(rows, key=lambda r: (r.code or "", r.name or ""))


def balance_sheet(rows, as_of: date, earnings_label: str = "Earnings to date") -> BalanceSheet:
    """The balance sheet at ``as_of`` from the cumulative balances ``rows``."""
    assets = Section("assets", "Assets")
    liabilities = Section("liabilities", "Liabilities")
    equity = Section("equity", "Partners' capital")
    earnings = ZERO
    for row in _sorted(rows):
        amount = cents(row.balance)
        if row.account_type in ASSET_TYPES:
            if amount:
                assets.lines.append((row.code, row.name, amount))
        elif row.account_type in LIABILITY_TYPES:
            if amount:
                liabilities.lines.append((row.code, row.name, -amount))
        elif row.account_type in EQUITY_TYPES:
            if amount:
                equity.lines.append((row.code, row.name, -amount))
        elif row.account_type in PL_TYPES:
            earnings -= amount
        elif row.account_type != "off_balance":
            raise StatementError(f"Account {row.code} {row.name}: unknown account type {row.account_type!r}.")
    if earnings:
        equity.lines.append(("", earnings_label, earnings))
    return BalanceSheet(as_of, assets, liabilities, equity)


def profit_and_loss(rows, date_from: date, date_to: date) -> ProfitLoss:
    """The profit and loss of the period from the balances ``rows`` of the entries in the period."""
    check_period(date_from, date_to)
    income = Section("income", "Income")
    expenses = Section("expenses", "Expenses")
    for row in _sorted(rows):
        amount = cents(row.balance)
        if not amount:
            continue
        if row.account_type in INCOME_TYPES:
            income.lines.append((row.code, row.name, -amount))
        elif row.account_type in EXPENSE_TYPES:
            expenses.lines.append((row.code, row.name, amount))
    return ProfitLoss(date_from, date_to, income, expenses)


def check_period(date_from: date, date_to: date):
    if not date_from or not date_to:
        raise StatementError("Choose both the first and the last day of the period.")
    if date_from > date_to:
        raise StatementError(f"The period starts ({date_from}) after it ends ({date_to}): swap the dates.")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def preset_period(preset: str, today: date, year_end_month: int = 12) -> tuple[date, date]:
    """(first day, last day) of a named period: ``year`` (the tax year to date), ``last_year`` (the last
    complete tax year), ``quarter`` (the calendar quarter to date), ``last_quarter``, ``month``, ``last_month``."""
    if not 1 <= year_end_month <= 12:
        raise StatementError(f"A tax year ends in month 1 to 12, not {year_end_month}.")
    if preset in ("year", "last_year"):
        end_year = today.year if today.month <= year_end_month else today.year + 1
        if preset == "last_year":
            end_year -= 1
        end = _month_end(end_year, year_end_month)
        start_month = year_end_month % 12 + 1
        start = date(end_year - (1 if year_end_month != 12 else 0), start_month, 1)
        return start, min(end, today) if preset == "year" else end
    if preset in ("quarter", "last_quarter"):
        q_start_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, q_start_month, 1)
        if preset == "quarter":
            return start, today
        prev_end = date.fromordinal(start.toordinal() - 1)
        return date(prev_end.year, prev_end.month - 2, 1), prev_end
    if preset in ("month", "last_month"):
        start = date(today.year, today.month, 1)
        if preset == "month":
            return start, today
        prev_end = date.fromordinal(start.toordinal() - 1)
        return date(prev_end.year, prev_end.month, 1), prev_end
    raise StatementError(f"Unknown period {preset!r}: use year, last_year, quarter, last_quarter, month or last_month.")
