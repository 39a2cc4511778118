"""Taxes per price component in the pricing engine (addons/ev_billing/lib/ev_pricing/taxes.py, adjustments.py).

Rules under test (module docstring, section *Taxes*):

* energy / time / idle / session fee carry their own taxes (``Tariff.energy_taxes`` ...),
  ``None`` = the tariff-level ``taxes``, ``()`` = untaxed;
* the multiplier gets one line per tax group of the energy/time/idle lines, each
  HALF_UP(group base x (multiplier - 1));
* a min/max adjustment is shared among the tax groups in proportion to their pre-clamp
  amounts, largest remainder to the cent (ties to the earlier group), so the shares add up
  to the adjustment;
* one tax line per distinct tax: base = sum of the lines carrying it, amount = HALF_UP(base x
  rate); tax = sum of the rounded tax lines.

Every golden value is computed by hand in the comment next to it.
"""

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from ev_pricing import (
    MeterSample,
    Session,
    Tariff,
    TariffValidationError,
    TaxRate,
    currency_decimals,
    price_session,
    round_money,
    running_estimate,
    validate_tariff,
)

UTC = UTC
NY = "America/New_York"
BERLIN = "Europe/Berlin"

SALES = TaxRate("Sales tax", D("0.0825"))
EXEMPT = TaxRate("Exempt", D("0"))
STATE = TaxRate("state", D("0.05"))
CITY = TaxRate("city", D("0.02"))
VAT = TaxRate("VAT", D("0.19"))


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def linear(start, end_charging, wh, unplug=None):
    """0 Wh at ``start``, ``wh`` at ``end_charging`` (constant power); unplugged at ``unplug``."""
    return Session(
        start=start, stop=unplug or end_charging, samples=(MeterSample(start, D(0)), MeterSample(end_charging, D(wh)))
    )


def rows(b):
    return [(ln.kind, ln.amount, tuple(t.name for t in ln.taxes)) for ln in b.lines]


def check_invariants(b):
    """Adds up; every line is quantity x unit price rounded; each tax line is HALF_UP(base x rate)
    with base = the sum of the pre-tax lines carrying that tax (what a round-globally accounting
    computes for invoice lines equal to the pre-tax lines)."""
    pre = [ln for ln in b.lines if ln.kind != "tax"]
    taxes = b.lines_of("tax")
    assert b.subtotal == sum((ln.amount for ln in pre), D(0))
    assert b.tax == sum((ln.amount for ln in taxes), D(0))
    assert b.total == b.subtotal + b.tax
    quantum = D(1).scaleb(-currency_decimals(b.currency))
    for line in b.lines:
        assert line.amount == round_money(line.quantity * line.unit_price, b.currency), line
        assert line.amount == line.amount.quantize(quantum)
    for line in taxes:
        (tax,) = line.taxes
        assert line.quantity == sum((ln.amount for ln in pre if tax in ln.taxes), D(0))
        assert line.unit_price == tax.rate
    distinct = {t for ln in pre for t in ln.taxes}
    assert len(taxes) == len(distinct) or not pre


# ---------------------------------------------------------------- defaults unchanged


def test_no_component_taxes_means_tariff_taxes_everywhere():
    # energy 10 kWh x 0.30 = 3.00, time 1 h x 1.20 = 1.20, idle 10 min x 0.10 = 1.00, fee 1.00,
    # multiplier x1.1 on 5.20 = 0.52, min 8.00 -> +1.28 ; VAT 19% on 8.00 = 1.52 ; total 9.52
    base = dict(
        currency="EUR",
        energy_rate=D("0.30"),
        time_rate_per_hour=D("1.20"),
        session_fee=D("1.00"),
        idle_fee_per_minute=D("0.10"),
        min_price=D("8.00"),
        taxes=(VAT,),
    )
    s = linear(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000, unplug=utc(2026, 3, 2, 11, 10))
    b = price_session(Tariff(**base), s, BERLIN, multiplier=D("1.1"))
    assert rows(b) == [
        ("energy", D("3.00"), ("VAT",)),
        ("time", D("1.20"), ("VAT",)),
        ("idle", D("1.00"), ("VAT",)),
        ("session_fee", D("1.00"), ("VAT",)),
        ("multiplier", D("0.52"), ("VAT",)),
        ("min_adjust", D("1.28"), ("VAT",)),
        ("tax", D("1.52"), ("VAT",)),
    ]
    assert b.lines_of("multiplier")[0].label == "Charger multiplier x1.1 on energy, time and idle (5.20 EUR)"
    assert b.lines_of("min_adjust")[0].label == "Minimum price 8.00 EUR"
    tax = b.lines_of("tax")[0]
    assert (tax.label, tax.quantity) == ("VAT 19%", D("8.00"))
    assert tax.base_kinds == ("energy", "time", "idle", "session_fee", "multiplier", "min_adjust")
    assert (b.subtotal, b.tax, b.total) == (D("8.00"), D("1.52"), D("9.52"))
    # the same taxes given per component (in any order) price exactly the same
    same = Tariff(**base, energy_taxes=(VAT,), time_taxes=[VAT], idle_taxes=(VAT,), session_fee_taxes=(VAT,))
    assert price_session(same, s, BERLIN, multiplier=D("1.1")).to_dict() == b.to_dict()
    check_invariants(b)


def test_same_tax_set_in_another_order_is_one_group():
    # energy 10 kWh x 0.30 = 3.00 (state, city) ; time 1 h x 1.00 = 1.00 (city, state) ; one multiplier
    # line x1.5 on 4.00 = 2.00 ; state 5% on 6.00 = 0.30 ; city 2% on 6.00 = 0.12 ; total 6.42
    t = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        time_rate_per_hour=D("1.00"),
        energy_taxes=(STATE, CITY),
        time_taxes=(CITY, STATE),
    )
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), 10000), NY, multiplier=D("1.5"))
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("3.00")),
        ("time", D("1.00")),
        ("multiplier", D("2.00")),
        ("tax", D("0.30")),
        ("tax", D("0.12")),
    ]
    assert [ln.label for ln in b.lines_of("tax")] == ["state 5%", "city 2%"]
    assert b.total == D("6.42")
    check_invariants(b)


# ---------------------------------------------------------------- mixed rates


def test_energy_sales_tax_session_fee_untaxed():
    # energy 20 kWh x 0.50 = 10.00, Sales tax 8.25% ; session fee 1.50 untaxed.
    # tax 10.00 x 0.0825 = 0.825 -> 0.83 (HALF_UP) ; subtotal 11.50 ; total 12.33
    # (with the tax on the whole subtotal it would be 11.50 x 0.0825 = 0.94875 -> 0.95)
    t = Tariff(currency="USD", energy_rate=D("0.50"), session_fee=D("1.50"), taxes=(SALES,), session_fee_taxes=())
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 16), 20000), NY)
    assert rows(b) == [
        ("energy", D("10.00"), ("Sales tax",)),
        ("session_fee", D("1.50"), ()),
        ("tax", D("0.83"), ("Sales tax",)),
    ]
    tax = b.lines_of("tax")[0]
    assert tax.label == "Sales tax 8.25% on 10.00 USD (energy)"
    assert (tax.quantity, tax.unit, tax.unit_price, tax.base_kinds) == (D("10.00"), "USD", D("0.0825"), ("energy",))
    assert (b.subtotal, b.tax, b.total) == (D("11.50"), D("0.83"), D("12.33"))
    check_invariants(b)


def test_session_fee_with_a_zero_rate_tax_gets_its_own_zero_line():
    # as above, the fee carries an explicit 0 % tax: "Exempt 0% on 1.50 USD (session fee)" = 0.00
    t = Tariff(
        currency="USD", energy_rate=D("0.50"), session_fee=D("1.50"), energy_taxes=(SALES,), session_fee_taxes=(EXEMPT,)
    )
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 16), 20000), NY)
    assert [(ln.label, ln.quantity, ln.amount) for ln in b.lines_of("tax")] == [
        ("Sales tax 8.25% on 10.00 USD (energy)", D("10.00"), D("0.83")),
        ("Exempt 0% on 1.50 USD (session fee)", D("1.50"), D("0.00")),
    ]
    assert b.total == D("12.33")
    check_invariants(b)


def test_multiplier_one_line_per_tax_group():
    # energy 6.7 kWh x 0.50 = 3.35 (Sales 8.25 %) ; time 1 h x 1.25 = 1.25 (untaxed) ; fee 1.00 (untaxed)
    # multiplier x1.1: energy group 3.35 x 0.1 = 0.335 -> 0.34 ; time group 1.25 x 0.1 = 0.125 -> 0.13
    # (one rounding of 4.60 x 0.1 would give 0.46: each group is rounded on its own, 0.47)
    # subtotal 3.35 + 1.25 + 1.00 + 0.34 + 0.13 = 6.07 ; Sales on 3.35 + 0.34 = 3.69 -> 0.304425 -> 0.30
    # total 6.37
    t = Tariff(
        currency="USD",
        energy_rate=D("0.50"),
        time_rate_per_hour=D("1.25"),
        session_fee=D("1.00"),
        taxes=(SALES,),
        time_taxes=(),
        session_fee_taxes=(),
    )
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), 6700), NY, multiplier=D("1.1"))
    assert rows(b) == [
        ("energy", D("3.35"), ("Sales tax",)),
        ("time", D("1.25"), ()),
        ("session_fee", D("1.00"), ()),
        ("multiplier", D("0.34"), ("Sales tax",)),
        ("multiplier", D("0.13"), ()),
        ("tax", D("0.30"), ("Sales tax",)),
    ]
    m_energy, m_time = b.lines_of("multiplier")
    assert (m_energy.quantity, m_energy.unit_price, m_energy.label) == (
        D("3.35"),
        D("0.1"),
        "Charger multiplier x1.1 on energy (3.35 USD)",
    )
    assert (m_time.quantity, m_time.unit_price, m_time.label) == (
        D("1.25"),
        D("0.1"),
        "Charger multiplier x1.1 on charging time (1.25 USD)",
    )
    tax = b.lines_of("tax")[0]
    assert (tax.label, tax.quantity) == ("Sales tax 8.25% on 3.69 USD (energy, charger multiplier)", D("3.69"))
    assert (b.subtotal, b.tax, b.total) == (D("6.07"), D("0.30"), D("6.37"))
    check_invariants(b)


def test_discount_multiplier_per_group_never_makes_a_group_negative():
    # x0.8: energy 3.35 -> 3.35 x -0.2 = -0.67 ; time 1.25 x -0.2 = -0.25 ; Sales on 2.68 = 0.2211 -> 0.22
    # subtotal 3.35 + 1.25 - 0.67 - 0.25 = 3.68 ; total 3.90
    t = Tariff(currency="USD", energy_rate=D("0.50"), time_rate_per_hour=D("1.25"), energy_taxes=(SALES,))
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), 6700), NY, multiplier=D("0.8"))
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("3.35")),
        ("time", D("1.25")),
        ("multiplier", D("-0.67")),
        ("multiplier", D("-0.25")),
        ("tax", D("0.22")),
    ]
    assert b.total == D("3.90")
    check_invariants(b)


# ---------------------------------------------------------------- clamps


def test_min_price_shared_by_pre_clamp_amounts():
    # energy 10 kWh x 0.40 = 4.00 (Sales) ; fee 2.00 (untaxed) ; subtotal 6.00 < min 10.00 -> +4.00
    # shares: 4.00 x 4/6 = 2.6667, 4.00 x 2/6 = 1.3333 -> floors 2.66 + 1.33 = 3.99, the last cent goes
    # to the larger remainder (0.0067) -> 2.67 (Sales) + 1.33 (untaxed)
    # Sales on 4.00 + 2.67 = 6.67 -> 0.550275 -> 0.55 ; subtotal 10.00 ; total 10.55
    t = Tariff(
        currency="USD",
        energy_rate=D("0.40"),
        session_fee=D("2.00"),
        min_price=D("10.00"),
        energy_taxes=(SALES,),
        session_fee_taxes=(),
    )
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), 10000), NY)
    assert rows(b) == [
        ("energy", D("4.00"), ("Sales tax",)),
        ("session_fee", D("2.00"), ()),
        ("min_adjust", D("2.67"), ("Sales tax",)),
        ("min_adjust", D("1.33"), ()),
        ("tax", D("0.55"), ("Sales tax",)),
    ]
    assert [ln.label for ln in b.lines_of("min_adjust")] == [
        "Minimum price 10.00 USD, share of energy (4.00 of 6.00 USD)",
        "Minimum price 10.00 USD, share of session fee (2.00 of 6.00 USD)",
    ]
    assert all((ln.quantity, ln.unit_price) == (D(1), ln.amount) for ln in b.lines_of("min_adjust"))
    assert b.lines_of("tax")[0].label == "Sales tax 8.25% on 6.67 USD (energy, minimum price)"
    assert (b.subtotal, b.tax, b.total) == (D("10.00"), D("0.55"), D("10.55"))
    check_invariants(b)


def test_max_price_with_multiplier_and_two_taxes():
    # energy 100 kWh x 0.30 = 30.00 (state 5 % + city 2 %) ; idle 20 min x 0.25 = 5.00 (state) ; fee 1.00 (untaxed)
    # multiplier x1.1: energy group 3.00, idle group 0.50 ; pre-clamp 39.50 > max 25.00 -> -14.50
    # group weights 33.00 / 5.50 / 1.00 of 39.50: 14.50 x ... = 12.113924 / 2.018987 / 0.367089
    # floors 12.11 + 2.01 + 0.36 = 14.48, 2 cents to the largest remainders (0.008987, 0.007089):
    # -12.11 (state+city), -2.02 (state), -0.37 (untaxed) ; subtotal 25.00
    # state on 30.00 + 5.00 + 3.00 + 0.50 - 12.11 - 2.02 = 24.37 -> 1.2185 -> 1.22
    # city  on 30.00 + 3.00 - 12.11 = 20.89 -> 0.4178 -> 0.42 ; tax 1.64 ; total 26.64
    t = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        idle_fee_per_minute=D("0.25"),
        session_fee=D("1.00"),
        max_price=D("25.00"),
        energy_taxes=(STATE, CITY),
        idle_taxes=(STATE,),
    )
    s = linear(utc(2026, 7, 1, 14), utc(2026, 7, 2, 0), 100000, unplug=utc(2026, 7, 2, 0, 20))
    b = price_session(t, s, NY, multiplier=D("1.1"))
    assert rows(b) == [
        ("energy", D("30.00"), ("state", "city")),
        ("idle", D("5.00"), ("state",)),
        ("session_fee", D("1.00"), ()),
        ("multiplier", D("3.00"), ("state", "city")),
        ("multiplier", D("0.50"), ("state",)),
        ("max_adjust", D("-12.11"), ("state", "city")),
        ("max_adjust", D("-2.02"), ("state",)),
        ("max_adjust", D("-0.37"), ()),
        ("tax", D("1.22"), ("state",)),
        ("tax", D("0.42"), ("city",)),
    ]
    assert [(ln.label, ln.quantity) for ln in b.lines_of("tax")] == [
        ("state 5% on 24.37 USD (energy, idle fee, charger multiplier, maximum price)", D("24.37")),
        ("city 2% on 20.89 USD (energy, charger multiplier, maximum price)", D("20.89")),
    ]
    assert (
        b.lines_of("max_adjust")[0].label == "Maximum price 25.00 USD, share of energy, charger multiplier "
        "(33.00 of 39.50 USD)"
    )
    assert (b.subtotal, b.tax, b.total) == (D("25.00"), D("1.64"), D("26.64"))
    check_invariants(b)


def test_single_taxed_group_keeps_one_adjust_line():
    # the fee is 0, so only the energy group has an amount: one min_adjust line, as without component taxes
    # 10 kWh x 0.30 = 3.00 (Sales) -> min 5.00 -> +2.00 (Sales) ; Sales on 5.00 = 0.4125 -> 0.41 ; total 5.41
    t = Tariff(currency="USD", energy_rate=D("0.30"), min_price=D("5.00"), energy_taxes=(SALES,), session_fee_taxes=())
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), 10000), NY)
    assert rows(b) == [
        ("energy", D("3.00"), ("Sales tax",)),
        ("min_adjust", D("2.00"), ("Sales tax",)),
        ("tax", D("0.41"), ("Sales tax",)),
    ]
    assert b.lines_of("min_adjust")[0].label == "Minimum price 5.00 USD"
    assert b.lines_of("tax")[0].label == "Sales tax 8.25%"
    assert b.total == D("5.41")


def test_min_price_on_a_zero_subtotal_takes_the_tariff_taxes():
    # energy at 0.00/kWh (untaxed): 10 kWh = 0.00 ; min 5.00 -> +5.00 with the tariff's VAT 19% = 0.95
    t = Tariff(currency="EUR", energy_rate=D("0"), min_price=D("5.00"), taxes=(VAT,), energy_taxes=())
    b = price_session(t, linear(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN)
    assert rows(b) == [("energy", D("0.00"), ()), ("min_adjust", D("5.00"), ("VAT",)), ("tax", D("0.95"), ("VAT",))]
    assert b.lines_of("tax")[0].label == "VAT 19% on 5.00 EUR (minimum price)"
    assert b.total == D("5.95")
    check_invariants(b)


# ---------------------------------------------------------------- misc


def test_free_session_ignores_component_taxes():
    t = Tariff(
        currency="USD", energy_rate=D("0.50"), session_fee=D("1.00"), energy_taxes=(SALES,), session_fee_taxes=(EXEMPT,)
    )
    b = price_session(t, linear(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), 1999), NY)
    assert b.is_free and [ln.kind for ln in b.lines] == ["free"] and b.total == D("0.00")
    assert b.lines[0].taxes == ()


def test_tax_ref_distinguishes_taxes_and_reaches_the_breakdown():
    # two taxes with the same name and rate but different refs (e.g. two Odoo taxes) are two tax lines
    # energy 10 kWh x 0.30 = 3.00 (ref 1) ; fee 1.00 (ref 2) ; 3.00 x 0.10 = 0.30 ; 1.00 x 0.10 = 0.10
    t1, t2 = TaxRate("tax", D("0.10"), ref=1), TaxRate("tax", D("0.10"), ref=2)
    t = Tariff(
        currency="EUR", energy_rate=D("0.30"), session_fee=D("1.00"), energy_taxes=(t1,), session_fee_taxes=(t2,)
    )
    b = price_session(t, linear(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN)
    assert [(ln.quantity, ln.amount, ln.taxes[0].ref) for ln in b.lines_of("tax")] == [
        (D("3.00"), D("0.30"), 1),
        (D("1.00"), D("0.10"), 2),
    ]
    d = b.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["lines"][0]["taxes"] == [{"name": "tax", "rate": "0.10", "ref": 1}]
    assert d["lines"][-1]["base_kinds"] == ["session_fee"]


def test_running_estimate_equals_final_with_component_taxes():
    t = Tariff(
        currency="USD",
        energy_rate=D("0.50"),
        time_rate_per_hour=D("1.25"),
        session_fee=D("1.00"),
        min_price=D("20.00"),
        taxes=(SALES,),
        time_taxes=(STATE,),
        session_fee_taxes=(),
    )
    samples = (MeterSample(utc(2026, 7, 1, 14), D(0)), MeterSample(utc(2026, 7, 1, 15), D(6700)))
    final = price_session(t, Session(utc(2026, 7, 1, 14), utc(2026, 7, 1, 15), samples), NY, multiplier=D("1.1"))
    est = running_estimate(t, NY, utc(2026, 7, 1, 14), samples, utc(2026, 7, 1, 15), multiplier=D("1.1"))
    assert est.to_dict() == final.to_dict()
    check_invariants(final)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"energy_taxes": (TaxRate("VAT", D("19")),)}, "rates are fractions"),
        ({"session_fee_taxes": (TaxRate("neg", D("-0.01")),)}, "must not be negative"),
        ({"idle_taxes": (VAT, VAT)}, "Tariff idle fee taxes: tax 'VAT' is listed twice"),
        ({"taxes": (SALES, SALES)}, "Tariff taxes: tax 'Sales tax' is listed twice"),
        ({"time_taxes": ("VAT",)}, "must be TaxRate objects"),
        ({"time_taxes": (TaxRate("odd", D("0.1"), ref=[1]),)}, "must be hashable"),
    ],
)
def test_component_taxes_are_validated(kwargs, message):
    with pytest.raises(TariffValidationError, match=message):
        validate_tariff(Tariff(currency="EUR", energy_rate=D("0.30"), **kwargs))


def test_a_bare_tax_instead_of_a_list_is_rejected():
    with pytest.raises(TariffValidationError, match="expected a list of TaxRate"):
        Tariff(currency="EUR", energy_rate=D("0.30"), energy_taxes=VAT)


@pytest.mark.parametrize("seed", range(60))
def test_random_component_taxes_always_add_up(seed):
    rng = random.Random(seed)
    pool = [TaxRate(f"t{i}", D(rng.randint(0, 2500)) / 10000) for i in range(4)]

    def some_taxes():
        return None if rng.random() < 0.25 else tuple(rng.sample(pool, rng.randint(0, 3)))

    currency = rng.choice(["EUR", "USD", "JPY", "KWD"])
    q = D(1).scaleb(-currency_decimals(currency))
    min_price = D(rng.randint(0, 4000)) * q if rng.random() < 0.4 else None
    max_price = (min_price or 0) + D(rng.randint(0, 4000)) * q if rng.random() < 0.4 else None
    tariff = Tariff(
        currency=currency,
        energy_rate=D(rng.randint(0, 900)) / 1000,
        time_rate_per_hour=D(rng.randint(0, 300)) / 100,
        session_fee=D(rng.randint(0, 3)),
        idle_fee_per_minute=D(rng.randint(0, 50)) / 100,
        idle_grace_minutes=rng.randint(0, 10),
        min_price=min_price,
        max_price=max_price,
        taxes=tuple(rng.sample(pool, rng.randint(0, 2))),
        energy_taxes=some_taxes(),
        time_taxes=some_taxes(),
        idle_taxes=some_taxes(),
        session_fee_taxes=some_taxes(),
    )
    start = utc(2026, 7, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
    end = start + timedelta(minutes=rng.randint(1, 600))
    stop = end + timedelta(minutes=rng.randint(0, 90))
    b = price_session(
        tariff,
        linear(start, end, rng.randint(0, 120000), unplug=stop),
        NY,
        multiplier=D(rng.choice(["1", "1.1", "0.85", "1.37", "0"])),
    )
    check_invariants(b)
    if not b.is_free:
        if b.lines_of("min_adjust"):
            assert b.subtotal == tariff.min_price
        if b.lines_of("max_adjust"):
            assert b.subtotal == tariff.max_price
        for line in b.lines_of("multiplier"):
            assert line.amount == round_money(line.quantity * (b.multiplier - 1), currency)
