"""Adjustments of the component lines: the charger multiplier and the min/max price clamp.

Charger multiplier
    The multiplier applies to energy, time and idle (the consumption-related components), NOT to
    the session fee. The energy/time/idle lines are grouped by taxes, and each group with a
    non-zero base gets its own ``multiplier`` line carrying the group's taxes: ``quantity`` = the
    group's rounded energy+time+idle sum, ``unit_price`` = ``multiplier - 1`` (e.g. 0.1 for x1.1,
    -0.2 for x0.8), ``amount`` = HALF_UP(quantity x (multiplier - 1)). So each tax group is scaled
    exactly by the multiplier, and every line stays ``quantity x unit_price`` rounded. With a
    single group (the default) there is one line "on energy, time and idle"; with several, the
    lines may add up to up to half a minor unit per group away from a single rounding of the
    whole base.

Minimum / maximum price
    The clamp applies to the pre-tax subtotal (after the multiplier, including the session fee);
    it adds a ``min_adjust`` (positive) or ``max_adjust`` (negative) line. The adjustment
    ``money(limit - subtotal)`` is shared among the tax groups of all pre-clamp lines
    (components and multiplier lines) in proportion to each group's pre-clamp amount (all are
    >= 0); the shares are rounded to the minor unit by the largest-remainder method (ties to the
    earlier group), so they sum to the adjustment exactly and the clamped subtotal equals the
    limit. Each non-zero share is one ``min_adjust``/``max_adjust`` line (quantity 1) carrying
    its group's taxes, its label naming the share ("..., share of energy (4.00 of 6.00 USD)").
    With a single group (the default) there is one line; when the pre-clamp subtotal is 0 the
    adjustment carries the tariff-level taxes.
"""

from __future__ import annotations

from decimal import Decimal

from .model import CONSUMPTION_KINDS, MAX_ADJUST, MIN_ADJUST, MULTIPLIER, PriceLine, Tariff, kind_words
from .money import ONE, ZERO, fmt, fmt_num, quantum, round_money, split_largest_remainder, sum_amounts
from .taxes import tax_groups


def multiplier_lines(lines: list[PriceLine], factor: Decimal, currency: str) -> list[PriceLine]:
    """The charger multiplier on energy + time + idle: one line per tax group of those components."""
    if factor == ONE:
        return []
    delta = factor - ONE
    groups = tax_groups(ln for ln in lines if ln.kind in CONSUMPTION_KINDS)
    out = []
    for taxes, members in groups:
        base = sum_amounts(members, currency)
        if base == 0:
            continue
        scope = "energy, time and idle" if len(groups) == 1 else kind_words(members)
        out.append(
            PriceLine(
                kind=MULTIPLIER,
                label=f"Charger multiplier x{fmt_num(factor)} on {scope} ({fmt(base)} {currency})",
                quantity=base,
                unit=currency,
                unit_price=delta,
                amount=round_money(base * delta, currency),
                taxes=taxes,
            )
        )
    return out


def _clamp(tariff: Tariff, subtotal: Decimal) -> tuple[str, str, Decimal] | None:
    """(kind, title, limit) when the subtotal is below the minimum or above the maximum price."""
    if tariff.min_price is not None and subtotal < tariff.min_price:
        return MIN_ADJUST, "Minimum price", tariff.min_price
    if tariff.max_price is not None and subtotal > tariff.max_price:
        return MAX_ADJUST, "Maximum price", tariff.max_price
    return None


def _adjust_line(kind: str, label: str, amount: Decimal, taxes) -> PriceLine:
    return PriceLine(
        kind=kind, label=label, quantity=ONE, unit="adjustment", unit_price=amount, amount=amount, taxes=taxes
    )


def clamp_lines(lines: list[PriceLine], tariff: Tariff) -> list[PriceLine]:
    """The min/max adjustment of the pre-tax ``lines``, shared among their tax groups."""
    currency = tariff.currency
    subtotal = sum_amounts(lines, currency)
    clamp = _clamp(tariff, subtotal)
    if not clamp:
        return []
    kind, title, limit = clamp
    diff = round_money(limit - subtotal, currency)
    label = f"{title} {fmt(round_money(limit, currency))} {currency}"
    groups = [(taxes, members) for taxes, members in tax_groups(lines) if sum_amounts(members, currency) > 0]
    if len(groups) <= 1:
        return [_adjust_line(kind, label, diff, groups[0][0] if groups else tariff.taxes)]
    weights = [sum_amounts(members, currency) for _, members in groups]
    sign = ONE if diff > 0 else -ONE
    shares = split_largest_remainder([abs(diff) * w / subtotal for w in weights], abs(diff), quantum(currency))
    out = []
    for (taxes, members), weight, share in zip(groups, weights, shares, strict=False):
        if share == ZERO:
            continue
        share_label = f"{label}, share of {kind_words(members)} ({fmt(weight)} of {fmt(subtotal)} {currency})"
        out.append(_adjust_line(kind, share_label, round_money(sign * share, currency), taxes))
    return out
