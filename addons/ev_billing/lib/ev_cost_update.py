"""When to send an OCPP 2.0.1 ``CostUpdated`` to a station, and with which ``totalCost``
(pure Python, stdlib only: never imports Odoo; tests in tests/unit/test_cost_update.py).

Decisions
=========

Why a command
    The bridge answers ``TransactionEvent`` before Odoo sees it, so it cannot put
    ``totalCost`` in that answer. Odoo sends the cost afterwards as a ``CostUpdated`` command
    (``totalCost`` and ``transactionId``) through the command path.

Running estimate
    Sent when the session's running estimate differs from the last amount sent for that
    session (compared after rounding to the currency's minor unit) and at least ``interval``
    seconds (wall clock, default 60) have passed since the last one. The first estimate is
    sent as soon as it exists. ``interval`` 0 sends every change.

Final total
    Sent once when the session is completed and priced, whatever the rate limit and even if
    it equals the last estimate (the station learns that this amount is final).

Rounding
    ``totalCost`` is the amount rounded HALF_UP to the currency's minor unit (e.g. 2 places
    for EUR/USD, 0 for JPY), as a JSON number.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

DEFAULT_INTERVAL_SECONDS = 60


def parse_interval(value: Any, default: int = DEFAULT_INTERVAL_SECONDS) -> int:
    """The configured rate limit in seconds: empty -> ``default``; else a whole number >= 0.

    Raises ValueError with what to fix on anything else."""
    if value is None or value is False or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"The CostUpdated interval must be a whole number of seconds (>= 0), got {value!r}.") from None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        raise ValueError(f"The CostUpdated interval must be a whole number of seconds (>= 0), got {value!r}.")
    return int(number)


def total_cost(amount: Any, decimal_places: int) -> int | float:
    """``amount`` rounded HALF_UP to ``decimal_places`` as a JSON number (int when 0 places)."""
    if isinstance(decimal_places, bool) or not isinstance(decimal_places, int) or decimal_places < 0:
        raise ValueError(f"decimal_places must be an integer >= 0, got {decimal_places!r}.")
    value = (
        amount if isinstance(amount, Decimal) else Decimal(repr(amount) if isinstance(amount, float) else str(amount))
    )
    if not value.is_finite() or value < 0:
        raise ValueError(f"A total cost must be a finite amount >= 0, got {amount!r}.")
    rounded = value.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)
    return int(rounded) if decimal_places == 0 else float(rounded)


def estimate_update_due(
    amount: int | float,
    now: datetime,
    last_amount: int | float | None,
    last_sent_at: datetime | None,
    interval_seconds: int,
) -> bool:
    """Whether a running estimate ``amount`` (already rounded by :func:`total_cost`) is sent at ``now``.

    ``last_amount`` / ``last_sent_at``: the last CostUpdated sent for the session (None: none yet)."""
    if interval_seconds < 0:
        raise ValueError(f"interval_seconds must be >= 0, got {interval_seconds!r}.")
    if last_sent_at is None or last_amount is None:
        return True
    if amount == last_amount:
        return False
    return now - last_sent_at >= timedelta(seconds=interval_seconds)


def cost_updated_params(amount: int | float, transaction_id: str) -> dict:
    """The OCPP 2.0.1 CostUpdated request payload."""
    if not transaction_id or len(str(transaction_id)) > 36:
        raise ValueError(f"CostUpdated needs the session's transactionId (1-36 characters), got {transaction_id!r}.")
    return {"totalCost": amount, "transactionId": str(transaction_id)}
