"""Partnership flip engine (pure Python, stdlib only): the projected flip year from a forecast, and the
actual flip date from an SPV's dated flows.

Projection (:func:`project`), annual, with NREL SAM's conventions for its "all equity partnership flip"
financial model:

* Year 0: the partners fund the installed cost in their equity shares (the tax investor
  ``investor_equity_share`` of it); nothing else happens in year 0.
* Years 1..N: revenue = energy x price, with energy x (1 - degradation) ** (n - 1) and price x
  (1 + price escalation) ** (n - 1); O&M = (per-kW cost x capacity + fixed annual cost + that year's
  energy x per-kWh cost) x (1 + inflation + O&M escalation) ** (n - 1), so year 1 pays the input values
  (SAM applies inflation from year 2; its default inflation is 2.5 %). EBITDA = revenue - O&M, all
  distributed as cash.
* Depreciation starts in year 1 with the published half-year (or mid-quarter) MACRS table of each
  depreciation class, on the installed cost less the credits' basis reduction (e.g. half of an ITC,
  or all of a §30C credit), after bonus depreciation of the class's rate.
* Credits are received in year 1.
* Taxable income = EBITDA - depreciation; tax = taxable income x tax rate, negative taxes are
  benefits used in the year they arise (the investor has other income to absorb them).
* The investor's after-tax flow of a year = cash share x EBITDA - tax share x tax + tax share x
  credits. Its cumulative IRR after year n is the IRR of years 0..n.
* Yield flip: the flip year is the first year whose cumulative IRR reaches the target; the post-flip
  shares apply from the year after the flip year. Fixed-date flip: the flip year is given.
  A target never reached gives no flip year (the pre-flip shares stay).

Amounts of each year are rounded to the cent; IRRs are Decimal fractions (see ``ev_tax_xirr``).

Actual flip (:func:`actual_flip`): the SPV's posted data give the investor's dated after-tax flows
(contributions negative, cash distributions, tax benefits = allocated taxable loss x the investor's tax
rate and credits, dated when they arise: see :func:`investor_flows`). The flip date is the first date on
which the cumulative flows up to and including that date have earned the target (xnpv at the target
rate >= 0, the same as XIRR >= target for conventional flows); the XIRR at that date is reported.
"""

from dataclasses import dataclass, field
from decimal import Decimal

try:  # inside the addon: odoo.addons.ev_tax_equity.lib
    from . import ev_tax_macrs, ev_tax_xirr
    from .ev_tax_money import HUNDRED, ZERO, cents, to_decimal
except ImportError:  # odoo-free unit tests import the lib modules by name
    import ev_tax_macrs
    import ev_tax_xirr
    from ev_tax_money import HUNDRED, ZERO, cents, to_decimal

ONE = Decimal(1)


class FlipError(ValueError):
    """Bad input to the flip engine (the message says what to fix)."""


@dataclass(frozen=True)
class DepreciationClass:
    """A share (percent) of the depreciable basis recovered over ``recovery_years`` with ``bonus_rate``."""

    share: Decimal
    recovery_years: int
    bonus_rate: Decimal = ZERO
    convention: str = ev_tax_macrs.HALF_YEAR
    quarter: int | None = None


@dataclass(frozen=True)
class Credit:
    """A tax credit received in year 1: ``rate`` percent of the installed cost, or a fixed ``amount``;
    ``basis_reduction`` percent of the credit reduces the depreciable basis (50 for an ITC, 100 for
    §30C)."""

    name: str
    rate: Decimal = ZERO
    amount: Decimal = ZERO
    basis_reduction: Decimal = Decimal(50)


@dataclass(frozen=True)
class ProjectionInputs:
    installed_cost: Decimal
    annual_energy_kwh: Decimal
    price_per_kwh: Decimal
    tax_rate: Decimal  # percent
    target_irr: Decimal  # percent
    investor_equity_share: Decimal  # percent of the installed cost
    investor_pre_cash: Decimal  # percent
    investor_post_cash: Decimal
    investor_pre_tax: Decimal  # percent of tax items, credits included
    investor_post_tax: Decimal
    years: int = 25
    capacity_kw: Decimal = ZERO
    om_per_kw_year: Decimal = ZERO
    om_fixed_annual: Decimal = ZERO
    om_per_kwh: Decimal = ZERO  # variable cost per kWh delivered (energy purchased, SAM's production O&M)
    inflation: Decimal = ZERO  # percent
    om_escalation: Decimal = ZERO  # percent above inflation
    price_escalation: Decimal = ZERO  # percent
    degradation: Decimal = ZERO  # percent per year
    depreciation: tuple = (DepreciationClass(Decimal(100), 5),)
    credits: tuple = ()
    flip_type: str = "yield"  # or "fixed"
    fixed_flip_year: int | None = None


@dataclass(frozen=True)
class ProjectionYear:
    year: int
    revenue: Decimal
    om: Decimal
    ebitda: Decimal
    depreciation: Decimal
    taxable_income: Decimal
    tax: Decimal  # positive = tax due, negative = benefit
    credits: Decimal
    investor_cash: Decimal
    investor_tax_benefit: Decimal
    investor_credits: Decimal
    investor_flow: Decimal
    investor_irr: Decimal | None  # cumulative, after this year
    post_flip: bool


@dataclass(frozen=True)
class Projection:
    inputs: ProjectionInputs
    depreciable_basis: Decimal
    credits_total: Decimal
    investor_equity: Decimal
    years: tuple = field(default_factory=tuple)
    flip_year: int | None = None
    irr_at_flip: Decimal | None = None

    @property
    def investor_flows(self):
        return [-self.investor_equity] + [row.investor_flow for row in self.years]

    @property
    def final_irr(self):
        return self.years[-1].investor_irr if self.years else None


def _pct(value, name):
    value = to_decimal(value, name)
    if not 0 <= value <= 100:
        raise FlipError(f"{name} must be between 0 and 100 percent, not {value}.")
    return value / HUNDRED


def _check(inputs):
    if to_decimal(inputs.installed_cost, "installed cost") <= 0:
        raise FlipError("The installed cost must be positive.")
    if not 1 <= inputs.years <= 100:
        raise FlipError(f"The analysis period must be 1 to 100 years, not {inputs.years}.")
    shares = sum((to_decimal(c.share, "depreciation share") for c in inputs.depreciation), ZERO)
    if inputs.depreciation and shares != HUNDRED:
        raise FlipError(f"The depreciation classes must cover 100 % of the basis, not {shares} %.")
    if inputs.flip_type not in ("yield", "fixed"):
        raise FlipError(f"Unknown flip type {inputs.flip_type!r}: use 'yield' or 'fixed'.")
    if inputs.flip_type == "fixed" and not inputs.fixed_flip_year:
        raise FlipError("A fixed-date flip needs its flip year.")


def project(inputs):
    """Annual projection of the investor's after-tax flows and the flip year (see the module docstring)."""
    _check(inputs)
    cost = cents(inputs.installed_cost)
    tax_rate = _pct(inputs.tax_rate, "Tax rate")
    target = _pct(inputs.target_irr, "Target IRR")
    pre_cash, post_cash = (
        _pct(inputs.investor_pre_cash, "Pre-flip cash share"),
        _pct(inputs.investor_post_cash, "Post-flip cash share"),
    )
    pre_tax, post_tax = (
        _pct(inputs.investor_pre_tax, "Pre-flip tax share"),
        _pct(inputs.investor_post_tax, "Post-flip tax share"),
    )
    equity = cents(cost * _pct(inputs.investor_equity_share, "Investor equity share"))
    credit_amounts = [
        cents(c.amount) if c.amount else cents(cost * to_decimal(c.rate) / HUNDRED) for c in inputs.credits
    ]
    credits_total = sum(credit_amounts, ZERO)
    reduction = sum(
        (
            cents(amount * to_decimal(c.basis_reduction) / HUNDRED)
            for c, amount in zip(inputs.credits, credit_amounts, strict=True)
        ),
        ZERO,
    )
    basis = cost - reduction
    if basis < 0:
        raise FlipError("The credits' basis reduction exceeds the installed cost.")
    depreciation = [ZERO] * (inputs.years + 1)
    for cls in inputs.depreciation:
        class_basis = cents(basis * to_decimal(cls.share) / HUNDRED)
        sched = ev_tax_macrs.schedule(class_basis, cls.recovery_years, cls.convention, cls.quarter, cls.bonus_rate)
        for row in sched.years:
            if row.year <= inputs.years:
                depreciation[row.year] += row.total
    escalation = ONE + (to_decimal(inputs.inflation) + to_decimal(inputs.om_escalation)) / HUNDRED
    om_base = to_decimal(inputs.om_per_kw_year) * to_decimal(inputs.capacity_kw) + to_decimal(inputs.om_fixed_annual)
    energy_factor = ONE - to_decimal(inputs.degradation) / HUNDRED
    price_factor = ONE + to_decimal(inputs.price_escalation) / HUNDRED
    fixed = inputs.fixed_flip_year if inputs.flip_type == "fixed" else None

    rows, flows = [], [-equity]
    flip_year = irr_at_flip = None
    for year in range(1, inputs.years + 1):
        post = (flip_year is not None and year > flip_year) or (fixed is not None and year > fixed)
        cash_share, tax_share = (post_cash, post_tax) if post else (pre_cash, pre_tax)
        revenue = cents(
            to_decimal(inputs.annual_energy_kwh)
            * energy_factor ** (year - 1)
            * to_decimal(inputs.price_per_kwh)
            * price_factor ** (year - 1)
        )
        energy = to_decimal(inputs.annual_energy_kwh) * energy_factor ** (year - 1)
        om = cents((om_base + energy * to_decimal(inputs.om_per_kwh)) * escalation ** (year - 1))
        ebitda = revenue - om
        taxable = ebitda - depreciation[year]
        tax = cents(taxable * tax_rate)
        year_credits = credits_total if year == 1 else ZERO
        inv_cash = cents(ebitda * cash_share)
        inv_benefit = cents(-tax * tax_share)
        inv_credits = cents(year_credits * tax_share)
        flow = inv_cash + inv_benefit + inv_credits
        flows.append(flow)
        try:
            irr = ev_tax_xirr.irr(flows)
        except ev_tax_xirr.NoIrrError:
            irr = None
        if flip_year is None and fixed is None and irr is not None and irr >= target:
            flip_year, irr_at_flip = year, irr
        if fixed is not None and year == fixed:
            flip_year, irr_at_flip = year, irr
        rows.append(
            ProjectionYear(
                year,
                revenue,
                om,
                ebitda,
                depreciation[year],
                taxable,
                tax,
                year_credits,
                inv_cash,
                inv_benefit,
                inv_credits,
                flow,
                irr,
                post,
            )
        )
    return Projection(inputs, basis, credits_total, equity, tuple(rows), flip_year, irr_at_flip)


def sam_all_equity_flip_case():
    """The NREL SAM all-equity partnership flip case of the project's issue: $1,000,000 installed cost,
    876,000 kWh/yr at $0.18 flat, O&M $20/kW-yr on 500 kW (SAM's default 2.5 % inflation escalates it
    from year 2), 5-year MACRS half-year, 30 % ITC reducing the basis by half of it, 21 % tax, the
    investor funds 98 % and takes 98 % of cash and tax items before the flip, 15 % after, 11 % after-tax
    target, 25 years. SAM: flip in year 8 with an investor IRR of 11.09 %."""
    return ProjectionInputs(
        installed_cost=Decimal(1_000_000),
        annual_energy_kwh=Decimal(876_000),
        price_per_kwh=Decimal("0.18"),
        capacity_kw=Decimal(500),
        om_per_kw_year=Decimal(20),
        inflation=Decimal("2.5"),
        tax_rate=Decimal(21),
        target_irr=Decimal(11),
        investor_equity_share=Decimal(98),
        investor_pre_cash=Decimal(98),
        investor_post_cash=Decimal(15),
        investor_pre_tax=Decimal(98),
        investor_post_tax=Decimal(15),
        years=25,
        depreciation=(DepreciationClass(Decimal(100), 5),),
        credits=(Credit("ITC", rate=Decimal(30), basis_reduction=Decimal(50)),),
    )


# ---------------------------------------------------------------------------------------------
# Actual flip from dated flows
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlowItem:
    day: object  # datetime.date
    amount: Decimal  # investor's point of view: contributions negative
    kind: str  # contribution, distribution, tax_benefit, credit


def investor_flows(contributions=(), distributions=(), taxable_income=(), credits=(), tax_rate=ZERO):
    """The investor's dated after-tax flows: ``contributions`` and ``distributions`` [(date, amount > 0)],
    ``taxable_income`` [(date, allocated taxable income)] turned into a benefit (or a cost) of
    ``-income x tax_rate %`` on the same date, ``credits`` [(date, allocated credit)]."""
    rate = _pct(tax_rate, "Investor tax rate")
    items = [FlowItem(d, -cents(a), "contribution") for d, a in contributions]
    items += [FlowItem(d, cents(a), "distribution") for d, a in distributions]
    items += [FlowItem(d, cents(-to_decimal(a) * rate), "tax_benefit") for d, a in taxable_income if a]
    items += [FlowItem(d, cents(a), "credit") for d, a in credits if a]
    return sorted(items, key=lambda item: (item.day, item.kind))


@dataclass(frozen=True)
class ActualFlip:
    flip_date: object | None
    irr_at_flip: Decimal | None
    irr_to_date: Decimal | None
    reached: bool


def actual_flip(flows, target_irr):
    """First date on which the cumulative ``flows`` ([FlowItem] or [(date, amount)]) earn ``target_irr``
    percent; the XIRR then, and the XIRR of all flows (None when it does not exist)."""
    target = _pct(target_irr, "Target IRR")
    pairs = sorted(
        ((item.day, item.amount) if isinstance(item, FlowItem) else (item[0], to_decimal(item[1])) for item in flows),
        key=lambda pair: pair[0],
    )
    try:
        irr_to_date = ev_tax_xirr.xirr(pairs) if pairs else None
    except ev_tax_xirr.NoIrrError:
        irr_to_date = None
    if not pairs or pairs[0][1] >= 0 and not any(a < 0 for _d, a in pairs):
        return ActualFlip(None, None, irr_to_date, False)
    days = sorted({day for day, _a in pairs})
    for day in days:
        upto = [(d, a) for d, a in pairs if d <= day]
        if ev_tax_xirr.reaches_target(upto, target):
            return ActualFlip(day, ev_tax_xirr.xirr(upto), irr_to_date, True)
    return ActualFlip(None, None, irr_to_date, False)
