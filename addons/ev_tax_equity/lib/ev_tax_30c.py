"""§30C alternative fuel vehicle refueling property credit, per charging port (pure Python, stdlib only).

For depreciable property placed in service after 2022 (Inflation Reduction Act):

* the credit is 6 % of the port's cost, five times that (30 %) when the prevailing wage and
  apprenticeship requirements are met;
* at most $100,000 per item, each charging port being an item;
* only in an eligible census tract (a low-income community or a non-urban tract);
* the depreciable basis is reduced by the full credit (§30C(e)(1));
* no credit for property placed in service after the cut-off of :data:`CUTOFFS` (30 June 2026 under
  Public Law 119-21; 31 December 2032 under the IRA before it). The cut-off, rates and cap are data.

Partnerships report it on Form 8911 and pass it to the partners on Schedule K-1 (see ``ev_tax_1065``).
Credits are rounded to the cent.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

try:  # inside the addon: odoo.addons.ev_tax_equity.lib
    from .ev_tax_money import HUNDRED, ZERO, cents, to_decimal
except ImportError:  # odoo-free unit tests import the lib modules by name
    from ev_tax_money import HUNDRED, ZERO, cents, to_decimal


@dataclass(frozen=True)
class CreditRules:
    law: str
    placed_from: date
    placed_to: date
    base_rate: Decimal  # percent
    pwa_rate: Decimal  # percent, prevailing wage and apprenticeship met
    cap_per_item: Decimal


#: newest first: the first whose placed-in-service window contains the date applies
CUTOFFS = (
    CreditRules(
        "Public Law 119-21 (2025)", date(2023, 1, 1), date(2026, 6, 30), Decimal(6), Decimal(30), Decimal(100000)
    ),
)
#: the window the IRA set before Public Law 119-21 shortened it (kept for the record and for tests)
IRA_2022 = CreditRules(
    "Inflation Reduction Act (2022)", date(2023, 1, 1), date(2032, 12, 31), Decimal(6), Decimal(30), Decimal(100000)
)


class CreditError(ValueError):
    """Bad input (the message says what to fix)."""


@dataclass(frozen=True)
class PortCredit:
    cost: Decimal
    rate: Decimal  # percent applied (0 when not eligible)
    credit: Decimal
    capped: bool
    basis_reduction: Decimal
    basis_after_credit: Decimal
    eligible: bool
    reason: str


def port_credit(cost, placed_in_service, pwa_met, eligible_tract, rules=CUTOFFS):
    """The §30C credit of one charging port of cost ``cost`` placed in service on ``placed_in_service``."""
    cost = cents(to_decimal(cost, "port cost"))
    if cost < 0:
        raise CreditError(f"A port's cost cannot be negative ({cost}).")
    if not placed_in_service:
        raise CreditError("The §30C credit needs the port's placed-in-service date.")

    def none(reason):
        return PortCredit(cost, ZERO, ZERO, False, ZERO, cost, False, reason)

    if not eligible_tract:
        return none("not in an eligible census tract (low-income or non-urban)")
    window = next((r for r in rules if r.placed_from <= placed_in_service <= r.placed_to), None)
    if window is None:
        latest = max(r.placed_to for r in rules)
        if placed_in_service > latest:
            return none(f"placed in service after {latest:%d %B %Y} (cut-off)")
        return none("placed in service before 2023: the pre-IRA §30C rules are not modelled")
    rate = window.pwa_rate if pwa_met else window.base_rate
    uncapped = cents(cost * rate / HUNDRED)
    credit = min(uncapped, window.cap_per_item)
    capped = credit < uncapped
    reason = f"{rate} % ({'prevailing wage and apprenticeship met' if pwa_met else 'base rate'}, {window.law})"
    if capped:
        reason += f", capped at {window.cap_per_item:,.0f} per port"
    return PortCredit(cost, rate, credit, capped, credit, cost - credit, True, reason)
