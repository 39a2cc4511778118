"""Golden tests of ev_portal's balance sheet / profit and loss (addons/ev_portal/lib/ev_portal_statements.py)."""

from datetime import date
from decimal import Decimal as D

import pytest
from ev_portal_statements import (
    AccountBalance,
    StatementError,
    balance_sheet,
    check_period,
    preset_period,
    profit_and_loss,
)

ROWS = [
    AccountBalance("1000", "Bank", "asset_cash", D("12500.004")),
    AccountBalance("1200", "Receivables", "asset_receivable", D("1499.996")),
    AccountBalance("1520", "Chargers", "asset_fixed", D("484000")),
    AccountBalance("1590", "Accumulated depreciation", "asset_fixed", D("-24200")),
    AccountBalance("2000", "Payables", "liability_payable", D("-3000")),
    AccountBalance("3100", "Partners' capital", "equity", D("-490000")),
    AccountBalance("3200", "Partners' distributions", "equity", D("20000")),
    AccountBalance("4000", "Charging revenue", "income", D("-40000")),
    AccountBalance("5000", "Electricity", "expense_direct_cost", D("15000")),
    AccountBalance("6500", "Depreciation expense", "expense_depreciation", D("24200")),
    AccountBalance("9999", "Memo", "off_balance", D("5")),
]


def test_balance_sheet_signs_rounding_and_earnings_to_date():
    sheet = balance_sheet(ROWS, date(2025, 12, 31))
    assert sheet.assets.lines == [
        ("1000", "Bank", D("12500.00")),
        ("1200", "Receivables", D("1500.00")),
        ("1520", "Chargers", D("484000.00")),
        ("1590", "Accumulated depreciation", D("-24200.00")),
    ]
    assert sheet.assets.total == D("473800.00")
    assert sheet.liabilities.lines == [("2000", "Payables", D("3000.00"))]
    # capital credit shown positive, distributions negative, the P&L to date is one equity line
    assert sheet.equity.lines == [
        ("3100", "Partners' capital", D("490000.00")),
        ("3200", "Partners' distributions", D("-20000.00")),
        ("", "Earnings to date", D("800.00")),
    ]
    assert sheet.total_liabilities_equity == D("473800.00")
    assert sheet.balanced


def test_unbalanced_input_is_reported_not_hidden():
    rows = ROWS[:-2]  # depreciation expense missing: debits != credits
    assert not balance_sheet(rows, date(2025, 12, 31)).balanced


def test_unknown_account_type_is_refused_with_the_account():
    with pytest.raises(StatementError, match="Account 7 Odd: unknown account type 'weird'"):
        balance_sheet([AccountBalance("7", "Odd", "weird", D("1"))], date(2025, 1, 1))


def test_profit_and_loss():
    pl = profit_and_loss(ROWS, date(2025, 1, 1), date(2025, 12, 31))
    assert pl.income.lines == [("4000", "Charging revenue", D("40000.00"))]
    assert pl.expenses.lines == [
        ("5000", "Electricity", D("15000.00")),
        ("6500", "Depreciation expense", D("24200.00")),
    ]
    assert pl.net_income == D("800.00")
    # the net income of the P&L is the earnings line of the balance sheet over the same entries
    assert balance_sheet(ROWS, date(2025, 12, 31)).equity.lines[-1][2] == pl.net_income


def test_loss_and_empty_period():
    pl = profit_and_loss([AccountBalance("6000", "Fees", "expense", D("10.005"))], date(2025, 1, 1), date(2025, 1, 31))
    assert pl.net_income == D("-10.01")
    assert profit_and_loss([], date(2025, 1, 1), date(2025, 1, 1)).net_income == D("0.00")


def test_period_checks():
    with pytest.raises(StatementError, match="starts .2025-02-01. after it ends .2025-01-31.: swap the dates"):
        check_period(date(2025, 2, 1), date(2025, 1, 31))
    with pytest.raises(StatementError, match="both the first and the last day"):
        check_period(None, date(2025, 1, 31))


@pytest.mark.parametrize(
    "preset,today,end_month,expected",
    [
        ("year", date(2026, 5, 20), 12, (date(2026, 1, 1), date(2026, 5, 20))),
        ("last_year", date(2026, 5, 20), 12, (date(2025, 1, 1), date(2025, 12, 31))),
        ("year", date(2026, 5, 20), 6, (date(2025, 7, 1), date(2026, 5, 20))),
        ("year", date(2026, 8, 1), 6, (date(2026, 7, 1), date(2026, 8, 1))),
        ("last_year", date(2026, 8, 1), 6, (date(2025, 7, 1), date(2026, 6, 30))),
        ("quarter", date(2026, 5, 20), 12, (date(2026, 4, 1), date(2026, 5, 20))),
        ("last_quarter", date(2026, 5, 20), 12, (date(2026, 1, 1), date(2026, 3, 31))),
        ("last_quarter", date(2026, 2, 1), 12, (date(2025, 10, 1), date(2025, 12, 31))),
        ("month", date(2026, 3, 15), 12, (date(2026, 3, 1), date(2026, 3, 15))),
        ("last_month", date(2026, 3, 15), 12, (date(2026, 2, 1), date(2026, 2, 28))),
        ("last_month", date(2026, 1, 15), 12, (date(2025, 12, 1), date(2025, 12, 31))),
    ],
)
def test_preset_periods(preset, today, end_month, expected):
    assert preset_period(preset, today, end_month) == expected


def test_unknown_preset():
    with pytest.raises(StatementError, match="Unknown period 'decade'"):
        preset_period("decade", date(2026, 1, 1))
    with pytest.raises(StatementError, match="month 1 to 12, not 13"):
        preset_period("year", date(2026, 1, 1), 13)
