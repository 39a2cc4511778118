"""Unit tests of the pricing engine as a whole (addons/ev_billing/lib/ev_pricing): flat rate, session fee,
multiplier, min/max clamps, taxes, running estimate, JSON output and random invariants.

Run: python3 -m pytest tests/unit -q   (no Odoo needed; conftest.py puts every addons/*/lib directory on
sys.path). Every golden value is computed by hand in the comment next to it. Unless stated otherwise the
register grows linearly (constant power) between the samples given (helpers in pricing_helpers.py).
"""

import json
import random
from datetime import time, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from ev_pricing import (
    WEEKDAYS,
    Session,
    Tariff,
    TaxRate,
    TouWindow,
    currency_decimals,
    price_session,
    round_money,
    running_estimate,
)
from pricing_helpers import (
    BERLIN,
    EUR_FLAT,
    IDLE_TARIFF,
    NY,
    amounts,
    assert_consistent,
    linear_session,
    sample,
    utc,
)

# ---------------------------------------------------------------- basics


def test_flat_rate():
    # 10:00 -> 11:00 UTC, 0 -> 10000 Wh = 10 kWh x 0.30 = 3.00
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    b = price_session(EUR_FLAT, s, BERLIN)
    assert b.energy_kwh == D("10.000")
    assert [(ln.kind, ln.quantity, ln.unit_price, ln.amount) for ln in b.lines] == [
        ("energy", D("10.000"), D("0.30"), D("3.00"))
    ]
    assert (b.subtotal, b.tax, b.total) == (D("3.00"), D("0.00"), D("3.00"))
    assert b.currency == "EUR" and not b.is_free
    assert b.lines[0].window is None
    assert b.lines[0].local_start.isoformat() == "2026-03-02T11:00:00+01:00"
    assert_consistent(b)


def test_session_fee_added_once():
    # 3.00 energy + 1.50 session fee = 4.50
    t = Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("1.50"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN)
    fee = b.lines_of("session_fee")
    assert len(fee) == 1 and fee[0].amount == D("1.50") and fee[0].quantity == 1
    assert b.total == D("4.50")
    assert_consistent(b)


def test_currency_helpers():
    assert currency_decimals("EUR") == 2
    assert currency_decimals("JPY") == 0
    assert currency_decimals("KWD") == 3
    assert round_money(D("1.005"), "EUR") == D("1.01")  # HALF_UP, not HALF_EVEN (1.00)
    assert round_money(D("-1.005"), "EUR") == D("-1.01")  # ties away from zero
    assert round_money(D("2.5"), "JPY") == D("3")
    assert round_money(D("0.0005"), "KWD") == D("0.001")


# ---------------------------------------------------------------- multiplier, clamps, taxes


def test_multiplier_applies_to_energy_time_idle_not_session_fee():
    # energy 10 kWh x 0.30 = 3.00 ; time 1 h x 1.20 = 1.20 ; idle 10 min x 0.10 = 1.00 ;
    # session fee 1.00. Multiplier 1.1 on 3.00 + 1.20 + 1.00 = 5.20 -> 5.20 x 0.1 = 0.52.
    # subtotal 3.00 + 1.20 + 1.00 + 1.00 + 0.52 = 6.72
    t = Tariff(
        currency="EUR",
        energy_rate=D("0.30"),
        time_rate_per_hour=D("1.20"),
        session_fee=D("1.00"),
        idle_fee_per_minute=D("0.10"),
        idle_grace_minutes=0,
    )
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000, unplug=utc(2026, 3, 2, 11, 10))
    b = price_session(t, s, BERLIN, multiplier=D("1.1"))
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("3.00")),
        ("time", D("1.20")),
        ("idle", D("1.00")),
        ("session_fee", D("1.00")),
        ("multiplier", D("0.52")),
    ]
    mult = b.lines_of("multiplier")[0]
    assert (mult.quantity, mult.unit, mult.unit_price) == (D("5.20"), "EUR", D("0.1"))
    assert b.total == D("6.72") and b.multiplier == D("1.1")
    assert_consistent(b)


def test_multiplier_one_adds_no_line_and_discount_is_negative():
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    assert [ln.kind for ln in price_session(EUR_FLAT, s, BERLIN, multiplier=D("1")).lines] == ["energy"]
    # 0.8: 3.00 x -0.2 = -0.60 -> 2.40
    b = price_session(EUR_FLAT, s, BERLIN, multiplier=D("0.8"))
    assert amounts(b) == [D("3.00"), D("-0.60")] and b.total == D("2.40")


def test_min_price_clamp():
    # 10 kWh x 0.30 = 3.00 < 5.00 -> min_adjust +2.00 -> 5.00
    t = Tariff(currency="EUR", energy_rate=D("0.30"), min_price=D("5.00"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN)
    assert [(ln.kind, ln.amount) for ln in b.lines] == [("energy", D("3.00")), ("min_adjust", D("2.00"))]
    assert b.total == D("5.00")
    assert_consistent(b)


def test_max_price_clamp_then_tax():
    # 100 kWh x 0.30 = 30.00 > 20.00 -> max_adjust -10.00 -> 20.00 ; VAT 19% on 20.00 = 3.80 ; total 23.80
    t = Tariff(currency="EUR", energy_rate=D("0.30"), max_price=D("20.00"), taxes=(TaxRate("VAT", D("0.19")),))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 20), 100000), BERLIN)
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("30.00")),
        ("max_adjust", D("-10.00")),
        ("tax", D("3.80")),
    ]
    assert (b.subtotal, b.tax, b.total) == (D("20.00"), D("3.80"), D("23.80"))
    assert_consistent(b)


def test_clamp_is_after_multiplier():
    # 10 kWh x 0.30 = 3.00, x1.1 -> +0.30 = 3.30 ; min 3.50 -> +0.20 ; total 3.50
    t = Tariff(currency="EUR", energy_rate=D("0.30"), min_price=D("3.50"))
    b = price_session(t, linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000), BERLIN, multiplier=D("1.1"))
    assert [(ln.kind, ln.amount) for ln in b.lines] == [
        ("energy", D("3.00")),
        ("multiplier", D("0.30")),
        ("min_adjust", D("0.20")),
    ]
    assert b.total == D("3.50")


def test_taxes_exclusive_each_on_subtotal_half_up():
    # 3.00 energy + 1.50 fee = 4.50. VAT 19%: 0.855 -> 0.86 (HALF_UP) ; total 5.36
    s = linear_session(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), 10000)
    t = Tariff(currency="EUR", energy_rate=D("0.30"), session_fee=D("1.50"), taxes=(TaxRate("VAT", D("0.19")),))
    b = price_session(t, s, BERLIN)
    assert b.lines_of("tax")[0].amount == D("0.86") and b.lines_of("tax")[0].label == "VAT 19%"
    assert (b.subtotal, b.tax, b.total) == (D("4.50"), D("0.86"), D("5.36"))
    # Two taxes, not compounded: 4.50 x 0.05 = 0.225 -> 0.23 ; 4.50 x 0.0975 = 0.43875 -> 0.44 ; total 5.17
    t2 = Tariff(
        currency="USD",
        energy_rate=D("0.30"),
        session_fee=D("1.50"),
        taxes=(TaxRate("state", D("0.05")), TaxRate("city", D("0.0975"))),
    )
    b2 = price_session(t2, s, NY)
    assert amounts(b2, "tax") == [D("0.23"), D("0.44")]
    assert (b2.tax, b2.total) == (D("0.67"), D("5.17"))
    assert_consistent(b2)


# ---------------------------------------------------------------- running estimate

RICH_TARIFF = Tariff(
    currency="EUR",
    energy_rate=D("0.30"),
    session_fee=D("0.50"),
    time_rate_per_hour=D("0.60"),
    idle_fee_per_minute=D("0.10"),
    idle_grace_minutes=10,
    max_price=D("50.00"),
    taxes=(TaxRate("VAT", D("0.19")),),
    windows=(TouWindow("peak", WEEKDAYS, time(17), time(21), energy_rate=D("0.50"), time_rate_per_hour=D("1.00")),),
)
RICH_SAMPLES = tuple(
    # Monday 16:00-18:30 CET, 1137 Wh per 10 min until 16:30 UTC (17:30 CET), then idle
    sample(utc(2026, 3, 2, 15) + timedelta(minutes=10 * i), min(i, 9) * 1137, 7400 if i <= 9 else 0)
    for i in range(16)
)


def test_running_estimate_equals_final_price():
    start, last = RICH_SAMPLES[0].timestamp, RICH_SAMPLES[-1].timestamp
    final = price_session(RICH_TARIFF, Session(start, last, RICH_SAMPLES), BERLIN, multiplier=D("1.1"))
    estimate = running_estimate(RICH_TARIFF, BERLIN, start, RICH_SAMPLES, last, multiplier=D("1.1"))
    assert estimate.to_dict() == final.to_dict()
    assert final.lines_of("idle") and final.lines_of("time") and len(final.lines_of("energy")) == 2
    assert_consistent(final)


def test_running_estimate_ignores_future_samples():
    start, now = RICH_SAMPLES[0].timestamp, utc(2026, 3, 2, 16, 5)
    known = [s for s in RICH_SAMPLES if s.timestamp <= now]
    estimate = running_estimate(RICH_TARIFF, BERLIN, start, RICH_SAMPLES, now)
    final_if_unplugged_now = price_session(RICH_TARIFF, Session(start, now, tuple(known)), BERLIN)
    assert estimate.to_dict() == final_if_unplugged_now.to_dict()
    assert estimate.session_stop == now


def test_running_estimate_while_charging():
    # 10 kW since 10:00; at 10:30 with samples every 10 min: 5 kWh x 0.30 = 1.50, no idle
    samples = [sample(utc(2026, 3, 2, 10, m), m * 10000 // 60, 10000) for m in (0, 10, 20, 30)]
    est = running_estimate(IDLE_TARIFF, BERLIN, utc(2026, 3, 2, 10), samples, utc(2026, 3, 2, 10, 30))
    assert est.energy_kwh == D("5.000") and est.total == D("1.50") and est.lines_of("idle") == []
    # early in the session (under 2 kWh) the estimate is 0: the session would be free if it stopped now
    early = running_estimate(IDLE_TARIFF, BERLIN, utc(2026, 3, 2, 10), samples, utc(2026, 3, 2, 10, 10))
    assert early.is_free and early.total == D("0.00")


# ---------------------------------------------------------------- output and invariants


def test_to_dict_is_json_safe():
    b = price_session(
        RICH_TARIFF,
        Session(RICH_SAMPLES[0].timestamp, RICH_SAMPLES[-1].timestamp, RICH_SAMPLES),
        BERLIN,
        multiplier=D("1.1"),
    )
    d = b.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert isinstance(d["total"], str) and d["total"] == format(b.total, "f")
    assert {"kind", "label", "quantity", "unit", "unit_price", "amount", "window", "local_start", "local_end"} <= set(
        d["lines"][0]
    )
    assert all(isinstance(line["amount"], str) for line in d["lines"])
    assert d["site_tz"] == BERLIN and d["currency"] == "EUR"
    # no exponent notation anywhere
    assert "E" not in json.dumps([line["quantity"] for line in d["lines"]])


@pytest.mark.parametrize("seed", range(40))
def test_random_sessions_always_add_up(seed):
    rng = random.Random(seed)
    tz = rng.choice([NY, BERLIN, "UTC", "Asia/Tokyo", "Australia/Lord_Howe"])
    currency = rng.choice(["EUR", "USD", "JPY", "KWD"])
    windows = tuple(
        TouWindow(
            f"w{i}",
            frozenset(rng.sample(range(7), rng.randint(1, 7))),
            time(rng.randint(0, 23), rng.choice([0, 15, 30, 45])),
            time(rng.randint(0, 23), rng.choice([0, 30])),
            energy_rate=D(rng.randint(0, 900)) / 1000 if rng.random() < 0.8 else None,
            time_rate_per_hour=D(rng.randint(1, 300)) / 100 if rng.random() < 0.3 else D("0.5"),
            priority=i,
        )
        for i in range(rng.randint(0, 4))
    )
    tariff = Tariff(
        currency=currency,
        energy_rate=D(rng.randint(1, 900)) / 1000,
        session_fee=D(rng.randint(0, 3)),
        idle_fee_per_minute=D(rng.randint(0, 50)) / 100,
        idle_grace_minutes=rng.randint(0, 30),
        windows=windows,
        taxes=(TaxRate("t", D(rng.randint(0, 25)) / 100),),
    )
    start = utc(
        2026, rng.choice([3, 10, 11]), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    )
    t, wh, samples = start, 0, []
    for _ in range(rng.randint(1, 60)):
        samples.append(sample(t, wh, rng.choice([None, 0, 7000])))
        t += timedelta(seconds=rng.randint(1, 3600))
        wh += rng.choice([0, rng.randint(0, 20000)])
    stop = t + timedelta(minutes=rng.randint(0, 120))
    b = price_session(
        tariff, Session(start, stop, tuple(samples)), tz, multiplier=D(rng.choice(["1", "1.1", "0.9", "1.25"]))
    )
    assert_consistent(b)
    est = running_estimate(tariff, tz, start, samples, stop, multiplier=b.multiplier)
    assert est.to_dict() == b.to_dict()
    if not b.is_free:
        expected = (D(samples[-1].energy_wh - samples[0].energy_wh) / 1000).quantize(D("0.001"), ROUND_HALF_UP)
        assert b.energy_kwh == expected
