"""Shared helpers of the pricing unit tests (test_pricing*.py)."""

from datetime import UTC, datetime, time
from decimal import Decimal as D

from ev_pricing import WEEKDAYS, MeterSample, Session, Tariff, TouWindow, currency_decimals, round_money

NY = "America/New_York"
BERLIN = "Europe/Berlin"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def sample(ts, wh, power=None):
    return MeterSample(ts, D(wh), None if power is None else D(power))


def linear_session(start, stop, wh, stop_charging=None, unplug=None):
    """Samples at start (0 Wh) and at stop_charging (wh); the vehicle unplugs at ``unplug``."""
    end = stop_charging or stop
    return Session(start=start, stop=unplug or stop, samples=(sample(start, 0), sample(end, wh)))


def amounts(breakdown, kind=None):
    return [line.amount for line in breakdown.lines if kind is None or line.kind == kind]


def assert_consistent(b):
    """The breakdown adds up exactly and every line is quantity x unit price, rounded."""
    assert b.total == b.subtotal + b.tax
    assert b.total == sum(amounts(b), D(0))
    assert b.tax == sum(amounts(b, "tax"), D(0))
    for line in b.lines:
        assert line.amount == round_money(line.quantity * line.unit_price, b.currency), line
        assert line.amount == line.amount.quantize(D(1).scaleb(-currency_decimals(b.currency)))
    energy = [line.quantity for line in b.lines if line.kind == "energy"]
    if energy:
        assert sum(energy, D(0)) == b.energy_kwh


EUR_FLAT = Tariff(currency="EUR", energy_rate=D("0.30"))

PEAK_BERLIN = Tariff(
    currency="EUR",
    energy_rate=D("0.30"),
    windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("0.50")),),
)

IDLE_TARIFF = Tariff(currency="EUR", energy_rate=D("0.30"), idle_fee_per_minute=D("0.10"), idle_grace_minutes=15)
