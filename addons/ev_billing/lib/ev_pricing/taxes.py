"""Taxes: tax groups and the exclusive tax lines of a breakdown.

Taxes
    Taxes are exclusive (added on top), never compounded. Every pre-tax line carries a tuple of
    taxes (``PriceLine.taxes``):

    * energy, time, idle, session fee: the component's own list (``Tariff.energy_taxes``,
      ``time_taxes``, ``idle_taxes``, ``session_fee_taxes``); ``None`` (the default) means the
      tariff-level ``Tariff.taxes``, ``()`` means untaxed. A tax listed twice in one list is a
      validation error.
    * A *tax group* is a set of taxes (order ignored); lines are grouped in the order their
      group first appears (:func:`tax_groups`). The multiplier and min/max adjustments are split
      per tax group (see :mod:`.adjustments`).
    * Tax lines: one per distinct tax carried by any pre-tax line, in order of first appearance
      (a breakdown without pre-tax lines lists the tariff-level taxes on a base of 0).
      ``quantity`` (the base) = the sum of the rounded amounts of the lines carrying that tax;
      ``unit_price`` = the rate; ``amount`` = HALF_UP(base x rate); ``taxes`` = (that tax,);
      ``base_kinds`` = the kinds of those lines. The label is "<name> <rate>%" when the tax is on
      every pre-tax line, else "<name> <rate>% on <base> <currency> (<kinds>)". ``tax`` = the
      sum of the rounded tax lines. This is what an accounting that rounds each tax globally
      over a document computes for invoice lines equal to the pre-tax lines with their taxes.
      With the same taxes on every component (the default), each tax is computed on the clamped
      subtotal.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import TAX, PriceLine, Tariff, TaxRate, kind_words
from .money import fmt, fmt_num, round_money, sum_amounts


def tax_groups(lines: Iterable[PriceLine]) -> list[tuple[tuple[TaxRate, ...], list[PriceLine]]]:
    """Lines grouped by the set of taxes they carry (order of first appearance)."""
    groups: dict[frozenset, tuple[tuple[TaxRate, ...], list[PriceLine]]] = {}
    for line in lines:
        groups.setdefault(frozenset(line.taxes), (line.taxes, []))[1].append(line)
    return list(groups.values())


def _distinct_taxes(priced: list[PriceLine], tariff: Tariff) -> list[TaxRate]:
    ordered: list[TaxRate] = []
    for line in priced:
        ordered += [tax for tax in line.taxes if tax not in ordered]
    return ordered if priced else list(tariff.taxes)


def tax_lines(priced: list[PriceLine], tariff: Tariff) -> list[PriceLine]:
    """One tax line per distinct tax of the pre-tax lines ``priced``, on the sum of the lines carrying it."""
    currency = tariff.currency
    lines = []
    for tax in _distinct_taxes(priced, tariff):
        members = [ln for ln in priced if tax in ln.taxes]
        base = sum_amounts(members, currency)
        label = f"{tax.name} {fmt_num(tax.rate * 100)}%"
        if len(members) != len(priced):
            label += f" on {fmt(base)} {currency} ({kind_words(members)})"
        lines.append(
            PriceLine(
                kind=TAX,
                label=label,
                quantity=base,
                unit=currency,
                unit_price=tax.rate,
                amount=round_money(base * tax.rate, currency),
                taxes=(tax,),
                base_kinds=tuple(dict.fromkeys(ln.kind for ln in members)),
            )
        )
    return lines
