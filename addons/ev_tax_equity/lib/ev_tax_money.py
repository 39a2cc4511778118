"""Money, percentages and allocations for the tax-equity engines (pure Python, stdlib only).

One place for the rounding rules of ``ev_tax_equity`` (every ``lib/ev_tax_*`` module uses it):

* Money is :class:`decimal.Decimal` in US dollars, rounded to the cent **once**, at the end of each
  amount, half away from zero (``ROUND_HALF_UP``: 0.005 -> 0.01, -0.005 -> -0.01).
* Percentages are Decimals in percent (``Decimal("98")`` = 98 %); :func:`fraction` turns them into
  fractions. Shares are never rounded before they multiply an amount.
* Splitting an amount between partners (:func:`allocate`) rounds every share to the cent and gives
  the rounding difference to the partner with the largest share (the first one in input order on a
  tie), so the shares always add up to the amount exactly; the difference and who took it are
  returned so that reports can state them.

Inputs may be ``Decimal``, ``int`` or ``str``; a ``float`` goes through its shortest ``repr``
(``0.1`` -> ``Decimal("0.1")``). ``bool``, NaN and infinities are refused with ``ValueError``.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def to_decimal(value, name="value"):
    """``value`` as a finite Decimal (floats through their shortest repr)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}: a number is required, got {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"{name}: {value!r} is not a number") from exc
    if not result.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return result


def cents(value):
    """Round to the cent, half away from zero."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fraction(percent):
    """A percentage (98 = 98 %) as a fraction (0.98), unrounded."""
    return to_decimal(percent, "percentage") / HUNDRED


def quantize(value, places):
    """Round to ``places`` decimals, half away from zero (for rates and percentages shown)."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Allocation:
    """Result of :func:`allocate`: the shares (same keys as the weights, in input order), the rounding
    difference that was added to ``residual_to`` (zero when the rounded shares already summed up)."""

    shares: dict
    residual: Decimal
    residual_to: object

    def __getitem__(self, key):
        return self.shares[key]


def allocate(amount, weights):
    """Split ``amount`` (rounded to the cent first) by ``weights`` ({key: weight >= 0}).

    Every share is ``cents(amount * weight / total weight)``; the difference between ``amount`` and
    the sum of the rounded shares goes to the key with the largest weight (first on a tie).
    All-zero weights are refused: there is nobody to give the amount to.
    """
    amount = cents(amount)
    weights = {key: to_decimal(weight, f"weight of {key!r}") for key, weight in weights.items()}
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("allocation weights cannot be negative")
    total = sum(weights.values(), ZERO)
    if not weights or total == 0:
        if amount == 0:
            return Allocation({key: ZERO for key in weights}, ZERO, None)
        raise ValueError(f"cannot allocate {amount}: no weight to allocate it by")
    shares = {key: cents(amount * weight / total) for key, weight in weights.items()}
    residual = amount - sum(shares.values(), ZERO)
    largest = max(weights, key=lambda key: weights[key])  # first of the largest on a tie
    if residual:
        shares[largest] += residual
    return Allocation(shares, residual, largest if residual else None)
