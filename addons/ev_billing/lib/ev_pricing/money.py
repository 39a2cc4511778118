"""Numbers, currencies, rounding and formatting.

Numbers
    All arithmetic uses :class:`decimal.Decimal` (internal precision :data:`PRECISION` digits,
    set by the engine around a pricing). Inputs may be ``Decimal``, ``int``, ``str`` or
    ``float``; a float is converted through its shortest ``repr`` (``0.1`` becomes
    ``Decimal("0.1")``, not the binary expansion). ``bool``, NaN and infinities are rejected.

Rounding
    * Every line amount is ``round_half_up(quantity * unit_price)`` to the currency's minor
      unit (2 decimals for EUR/USD, 0 for JPY, 3 for KWD ...), rounded once, at the end of that
      line. Ties go away from zero (``ROUND_HALF_UP``: 3.085 -> 3.09, -0.005 -> -0.01).
    * ``subtotal`` = sum of the rounded pre-tax lines, ``tax`` = sum of the rounded tax lines,
      ``total = subtotal + tax``. The breakdown therefore always adds up exactly, and
      ``amount == round_half_up(quantity * unit_price)`` holds for every line (for min/max
      adjustments the quantity is 1).
    * Energy quantities are kWh with 3 decimals (1 Wh, :data:`KWH_QUANT`). Time quantities are
      hours with 4 decimals (0.36 s, :data:`HOUR_QUANT`), HALF_UP. Idle quantities are whole
      minutes.
    * A total split into parts (energy per window, a min/max adjustment per tax group) is
      split by the largest-remainder method (:func:`split_largest_remainder`), so the parts
      always add up to the total.
    * Money settings of the tariff (session fee, min and max price) must be representable in
      the currency's minor unit (``0.50`` EUR is fine, ``0.5`` JPY is rejected). Rates (per
      kWh, per hour, per minute) may carry more decimals (``0.3456`` EUR/kWh is fine).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .currencies import CURRENCY_MINOR_UNITS
from .errors import PricingError, TariffValidationError

ZERO = Decimal(0)
ONE = Decimal(1)
KWH_QUANT = Decimal("0.001")
HOUR_QUANT = Decimal("0.0001")
PRECISION = 50
#: remainders are compared at this resolution so that interpolation noise (~1e-45) cannot
#: break a real tie; real ties go to the earlier part
_REMAINDER_NOISE = Decimal("1e-15")


def to_decimal(value: Any, what: str, error: type[PricingError] = TariffValidationError) -> Decimal:
    """``value`` as a finite Decimal (float through its shortest repr); ``error`` names ``what``."""
    if isinstance(value, bool):
        raise error(f"{what}: expected a number, got a boolean ({value!r}).")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise error(f"{what}: {value!r} is not a number.") from None
    else:
        raise error(f"{what}: expected a number, got {type(value).__name__} ({value!r}).")
    if not result.is_finite():
        raise error(f"{what}: {value!r} is not a finite number.")
    return result


def opt_decimal(value: Any, what: str) -> Decimal | None:
    return None if value is None else to_decimal(value, what)


def fmt(value: Decimal) -> str:
    """Plain (never exponent) string of a Decimal."""
    return format(value, "f")


def fmt_num(value: Decimal) -> str:
    """Compact human string: 2 -> '2', 2.50 -> '2.5'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def currency_decimals(code: str) -> int:
    """Number of minor-unit decimals of an ISO 4217 currency (EUR 2, JPY 0, KWD 3)."""
    if not isinstance(code, str) or code not in CURRENCY_MINOR_UNITS:
        hint = ""
        if isinstance(code, str) and code.strip().upper() in CURRENCY_MINOR_UNITS:
            hint = f" (did you mean {code.strip().upper()!r}? codes are upper case)"
        raise TariffValidationError(f"Unknown currency {code!r}: not an ISO 4217 currency code{hint}.")
    return CURRENCY_MINOR_UNITS[code]


def quantum(currency: str) -> Decimal:
    """The currency's minor unit as a Decimal (0.01 for USD, 1 for JPY)."""
    return Decimal(1).scaleb(-currency_decimals(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` HALF_UP (ties away from zero) to the currency's minor unit."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def sum_amounts(lines: Iterable[Any], currency: str) -> Decimal:
    """Sum of the ``amount`` of ``lines``, with the currency's exponent (0.00 for none)."""
    return sum((line.amount for line in lines), round_money(ZERO, currency))


def check_money(value: Decimal, what: str, currency: str) -> None:
    """Refuse a money setting with more decimals than the currency has."""
    if value != value.quantize(quantum(currency), rounding=ROUND_HALF_UP):
        raise TariffValidationError(
            f"{what} {fmt(value)} has more decimals than {currency} allows ({currency_decimals(currency)})."
        )


def split_largest_remainder(exact: list[Decimal], total: Decimal, step: Decimal) -> list[Decimal]:
    """Round non-negative ``exact`` parts down to ``step`` and hand out the rest (one ``step`` at a
    time, largest remainder first, ties to the earlier part) so that they sum to ``total``."""
    floors = [max(ZERO, value).quantize(step, rounding=ROUND_DOWN) for value in exact]
    units = int((total - sum(floors, ZERO)) / step)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]).quantize(_REMAINDER_NOISE), i))
    for i in order[: max(units, 0)]:
        floors[i] += step
    return floors
