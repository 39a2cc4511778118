"""Billing policy helpers for ev_billing (pure Python, stdlib only: never imports Odoo).

The Odoo models call these functions so that the rules are unit-testable without a database
(tests/unit/test_billing_policy.py).

Decisions
=========

Numbers
    Odoo hands floats to Python. :func:`to_decimal` converts them through their shortest
    ``repr`` (``0.1`` -> ``Decimal("0.1")``), optionally rounded HALF_UP to ``places``, exactly
    like the pricing engine does.

Time-of-use hours
    Windows are edited as float hours (``float_time`` widget: 17.5 = 17:30). They are
    rounded to the minute; 24.0 means midnight at the end of the day and becomes 00:00
    (an end of 00:00 wraps past midnight in the engine, i.e. "until midnight").

Wallet (negative-balance policy)
    A session of cost ``amount`` is paid from the wallet when the balance after the
    deduction stays at or above ``-credit_limit`` (``credit_limit`` >= 0 is the negative
    balance the operator allows for this wallet; 0 = never below zero). Otherwise the
    session stays unpaid and the deduction is retried.

    The same policy applies when a wallet driver's token is presented at a station
    (:func:`wallet_may_charge`): what the wallet still owes (the cost of its sessions that
    could not be paid: unpaid, or flagged for review after 24 hours of failed deductions) is
    counted against the balance, and the token is accepted only while credit remains:
    ``balance - owed > -credit_limit``. At or below, no new session could be paid: the
    station is answered ``NoCredit`` (OCPP 2.0.1; the bridge answers ``Invalid`` to a 1.6
    station, which has no such status) until a top-up restores the credit.

Retries
    A failed wallet deduction is retried every :data:`RETRY_INTERVAL` (the cron runs every
    30 minutes) for :data:`RETRY_WINDOW` after the first failure; a failure at or after
    ``failed_since + RETRY_WINDOW`` flags the session for review (no more automatic retries).

Months
    Monthly invoicing bills, on the first run in a month, every session whose local start
    date lies before the first day of that month; the invoice date is the last day of the
    session's month (:func:`month_end`).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

RETRY_INTERVAL = timedelta(minutes=30)
RETRY_WINDOW = timedelta(hours=24)


def to_decimal(value: Any, places: int | None = None) -> Decimal:
    """Float/int/str/Decimal -> Decimal (floats through repr), optionally rounded HALF_UP."""
    if value is None or value is False:
        result = Decimal(0)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"expected a number, got a boolean ({value!r})")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        result = Decimal(str(value).strip())
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if places is not None:
        result = result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return result


def hours_to_time(hours: Any) -> time:
    """Float hours (17.5) -> ``time(17, 30)``, rounded to the minute; 24 -> 00:00.

    Raises ``ValueError`` outside [0, 24].
    """
    value = to_decimal(hours)
    if value < 0 or value > 24:
        raise ValueError(f"{_fmt_hours(value)} is not a time of day: use 00:00 to 24:00")
    minutes = int((value * 60).to_integral_value(rounding=ROUND_HALF_UP))
    if minutes >= 24 * 60:
        minutes = 0
    return time(minutes // 60, minutes % 60)


def _fmt_hours(value: Decimal) -> str:
    return format(value.normalize(), "f")


def format_hours(hours: Any) -> str:
    """17.5 -> '17:30', 24 -> '24:00' (for labels)."""
    value = to_decimal(hours)
    minutes = int((value * 60).to_integral_value(rounding=ROUND_HALF_UP))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wallet_can_pay(balance: Any, amount: Any, credit_limit: Any) -> bool:
    """True when ``balance - amount >= -credit_limit`` (see module docstring)."""
    balance, amount, limit = to_decimal(balance), to_decimal(amount), to_decimal(credit_limit)
    if amount < 0:
        raise ValueError(f"a deduction must not be negative, got {amount}")
    if limit < 0:
        raise ValueError(f"the allowed negative balance must not be negative, got {limit}")
    return balance - amount >= -limit


def wallet_may_charge(balance: Any, owed: Any, credit_limit: Any) -> bool:
    """True when a wallet driver may start a session: ``balance - owed > -credit_limit``
    (see module docstring, *Wallet*)."""
    balance, owed, limit = to_decimal(balance), to_decimal(owed), to_decimal(credit_limit)
    if owed < 0:
        raise ValueError(f"what a wallet owes must not be negative, got {owed}")
    if limit < 0:
        raise ValueError(f"the allowed negative balance must not be negative, got {limit}")
    return balance - owed > -limit


def retry_action(failed_since: datetime, now: datetime, window: timedelta = RETRY_WINDOW) -> str:
    """'retry' while ``now < failed_since + window``, else 'review'."""
    if now < failed_since:
        return "retry"
    return "review" if now - failed_since >= window else "retry"


def month_end(day: date) -> date:
    """Last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_start(day: date) -> date:
    return day.replace(day=1)


def price_per_kwh(revenue: Any, energy_kwh: Any, places: int = 4) -> Decimal | None:
    """Average price per kWh (``revenue / energy``), HALF_UP to ``places``; None without energy."""
    energy = to_decimal(energy_kwh)
    if energy <= 0:
        return None
    return (to_decimal(revenue) / energy).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
