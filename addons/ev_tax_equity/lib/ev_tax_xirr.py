"""IRR on periodic flows and XIRR on dated flows, in Decimal (pure Python, stdlib only).

Definitions
    * ``npv(rate, amounts)`` = sum of ``amount_i / (1 + rate) ** i`` (i = 0, 1, 2 ... periods).
    * ``xnpv(rate, flows)`` = sum of ``amount / (1 + rate) ** (days since the first flow / 365)``, the
      convention of spreadsheet XIRR (actual days over 365, leap years included).
    * ``irr`` / ``xirr`` return the rate where the (x)npv is zero, as a Decimal fraction (0.1109 =
      11.09 %), to 12 decimals. The root is bracketed between -99.9999999 % and the first bracket
      upper bound that changes the sign (up to 1,000,000 %), then found by bisection while it is wider than 0.5 and by
      false position (Illinois) after; every step is Decimal arithmetic (50 digits).

Edge cases
    * flows that never change sign (all in, all out, all zero) have no IRR: :class:`NoIrrError`;
    * flows whose npv does not change sign anywhere in the bracket (several sign changes with no root,
      e.g. -1, +3, -3): :class:`NoIrrError` too. With several roots the one found is the lowest-rate
      sign change on the grid; for conventional flows (outflows first) the root is unique.
    * ``reaches_target(flows, target)`` answers "has the investor earned at least ``target``?" as
      ``xnpv(target) >= 0`` for flows that start with an outflow, which for conventional flows is the
      same as ``xirr >= target`` and needs no root finding.
"""

from decimal import Decimal, localcontext

ZERO = Decimal(0)
ONE = Decimal(1)
PRECISION = 50
TOLERANCE = Decimal("1e-13")
LOWEST = Decimal("-0.999999999")
GRID = tuple(Decimal(x) for x in ("0", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10", "100", "1000", "10000"))


class NoIrrError(ValueError):
    """The flows have no internal rate of return (the message says why)."""


def _d(value):
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value)


def npv(rate, amounts):
    with localcontext() as ctx:
        ctx.prec = PRECISION
        base = ONE + _d(rate)
        total, factor = ZERO, ONE
        for amount in amounts:
            total += _d(amount) / factor
            factor *= base
        return +total


def _year_fractions(flows):
    first = min(day for day, _amount in flows)
    return [(Decimal((day - first).days) / Decimal(365), _d(amount)) for day, amount in flows]


def _xnpv_fractions(rate, fractions):
    with localcontext() as ctx:
        ctx.prec = PRECISION
        log_base = (ONE + _d(rate)).ln()
        return +sum(((amount / (log_base * t).exp()) if t else amount for t, amount in fractions), ZERO)


def xnpv(rate, flows):
    """Net present value of dated flows ``[(date, amount)]`` at ``rate``, discounted to the first date."""
    if _d(rate) <= -1:
        raise ValueError("A discount rate must be above -100 %.")
    return _xnpv_fractions(rate, _year_fractions(flows))


def _check_signs(amounts):
    if not any(a > 0 for a in amounts) or not any(a < 0 for a in amounts):
        raise NoIrrError("No IRR: the flows never change sign (they need at least one outflow and one inflow).")


def _solve(func):
    low, f_low = LOWEST, func(LOWEST)
    for high in GRID:
        f_high = func(high)
        if f_low == 0:
            return low
        if (f_low < 0) != (f_high < 0) or f_high == 0:
            break
        low, f_low = high, f_high
    else:
        raise NoIrrError("No IRR: the net present value does not change sign between -99.9999999 % and 1,000,000 %.")
    if f_high == 0:
        return high
    with localcontext() as ctx:
        ctx.prec = PRECISION
        side = 0
        for _ in range(1000):
            if abs(high - low) < TOLERANCE:
                break
            # false position (Illinois variant) inside the bracket, bisection while the bracket is wide
            if high - low > Decimal("0.5"):
                mid = (low + high) / 2
            else:
                mid = high - f_high * (high - low) / (f_high - f_low)
                if not low < mid < high:
                    mid = (low + high) / 2
            f_mid = func(mid)
            if f_mid == 0:
                return mid
            if (f_mid < 0) == (f_low < 0):
                low, f_low = mid, f_mid
                if side == -1:
                    f_high /= 2
                side = -1
            else:
                high, f_high = mid, f_mid
                if side == 1:
                    f_low /= 2
                side = 1
        return (low + high) / 2


def _round(rate):
    return rate.quantize(Decimal("1e-12"))


def irr(amounts):
    """IRR of periodic flows (index 0 = now, 1 = one period later ...)."""
    amounts = [_d(a) for a in amounts]
    _check_signs(amounts)
    return _round(_solve(lambda r: npv(r, amounts)))


def xirr(flows):
    """XIRR of dated flows ``[(date, amount)]`` (any order; same-day flows add up)."""
    flows = [(day, _d(amount)) for day, amount in flows]
    _check_signs([a for _d_, a in flows])
    fractions = _year_fractions(flows)
    return _round(_solve(lambda r: _xnpv_fractions(r, fractions)))


def reaches_target(flows, target):
    """True when dated flows (starting with an outflow) have earned at least ``target``: xnpv >= 0."""
    flows = [(day, _d(amount)) for day, amount in flows]
    if not any(a > 0 for _day, a in flows) or not any(a < 0 for _day, a in flows):
        return False
    return xnpv(target, flows) >= 0
