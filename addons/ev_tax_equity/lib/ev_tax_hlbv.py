"""Hypothetical liquidation at book value (HLBV), pure Python, stdlib only.

At each period end the partnership is assumed to sell all its assets for their GAAP book value, pay
its liabilities and distribute the rest as the partnership agreement says for a liquidation: by the
partners' positive capital accounts after allocating the gain (or loss) of that hypothetical sale.

1. ``gain = net assets at book value - sum of the partners' §704(b) capital accounts`` (zero when the
   §704(b) books are the GAAP books; not zero after a credit's basis adjustment or a revaluation),
   allocated by the agreement's gain shares in force (the income shares, pre- or post-flip).
2. A partner without a deficit restoration obligation cannot end below zero: its deficit is borne by
   the partners with positive balances in proportion to their gain shares (repeated until none is
   negative); a partner with a DRO keeps its negative claim (it would have to pay it in).
3. The claims add up to the net assets, unless the net assets are negative beyond what partners with a
   DRO owe: then the partners without one claim nothing and the rest (``unabsorbed``) is the creditors'
   loss. A partner's HLBV earnings of the period are
   ``claim at end - claim at beginning - contributions + distributions``.

Amounts are rounded to the cent (``ev_tax_money.allocate``: the difference to the largest share).
"""

from dataclasses import dataclass

try:  # inside the addon: odoo.addons.ev_tax_equity.lib
    from .ev_tax_money import ZERO, allocate, cents, to_decimal
except ImportError:  # odoo-free unit tests import the lib modules by name
    from ev_tax_money import ZERO, allocate, cents, to_decimal


class HlbvError(ValueError):
    """Bad input (the message says what to fix)."""


@dataclass(frozen=True)
class Liquidation:
    net_assets: object
    gain: object
    claims: dict  # {key: Decimal}
    reallocated: dict  # {key: deficit shifted away from that partner}
    unabsorbed: object = ZERO  # deficit no partner bears (negative net assets): the creditors' loss


def liquidation_claims(net_assets, capital, gain_shares, dro=None):
    """Claims of each partner on a liquidation at book value (see the module docstring)."""
    dro = dro or {}
    net_assets = cents(net_assets)
    capital = {key: cents(value) for key, value in capital.items()}
    shares = {key: to_decimal(gain_shares.get(key, 0)) for key in capital}
    if not capital:
        raise HlbvError("HLBV needs the partners' capital accounts.")
    if sum(shares.values(), ZERO) <= 0:
        raise HlbvError("HLBV needs gain shares that add up to more than zero.")
    gain = net_assets - sum(capital.values(), ZERO)
    gain_alloc = allocate(gain, shares)
    after = {key: capital[key] + gain_alloc.shares[key] for key in capital}
    reallocated = {}
    for _ in range(len(after) + 1):
        negatives = {k: -v for k, v in after.items() if v < 0 and not dro.get(k)}
        if not negatives:
            break
        deficit = sum(negatives.values(), ZERO)
        for key, amount in negatives.items():
            after[key] = ZERO
            reallocated[key] = reallocated.get(key, ZERO) + amount
        bearers = {k: shares[k] for k, v in after.items() if v > 0 and k not in negatives and shares[k] > 0}
        if not bearers:
            bearers = {k: v for k, v in after.items() if v > 0 and k not in negatives}
        if not bearers:
            break
        shifted = allocate(deficit, bearers)
        for key, amount in shifted.shares.items():
            after[key] -= amount
    unabsorbed = sum(after.values(), ZERO) - net_assets
    return Liquidation(net_assets, gain, after, reallocated, unabsorbed)


def hlbv_earnings(begin_claims, end_claims, contributions=None, distributions=None):
    """{key: claim at end - claim at beginning - contributions + distributions} for the period."""
    contributions = contributions or {}
    distributions = distributions or {}
    keys = list(dict.fromkeys(list(begin_claims) + list(end_claims)))
    return {
        key: cents(end_claims.get(key, ZERO))
        - cents(begin_claims.get(key, ZERO))
        - cents(contributions.get(key, ZERO))
        + cents(distributions.get(key, ZERO))
        for key in keys
    }
