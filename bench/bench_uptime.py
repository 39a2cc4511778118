"""Benchmark of the operational uptime (addons/ev_charging/lib/ev_uptime.py). Nothing is asserted.

    python bench/bench_uptime.py                      # 10,000 connectors x one month (target < 10 s)
    python bench/bench_uptime.py --connectors 1000 --changes-per-day 24

Generates a deterministic (seeded) month of history for 10,000 connectors on 5,000 chargers (two
connectors each) spread over 100 sites in four timezones: a status change every ~2 hours per
connector (Available / Occupied, now and then Faulted or Unavailable for 5 minutes to 6 hours) and
a few disconnections per charger (1 minute to 3 hours). It then times what the monthly uptime job
computes: the month's bounds in each site's timezone, each charger's online / degraded / offline /
fault seconds and availability with and without fault periods, and each site's sum. Prints the
figure against the target. Pure Python, no database: reading the history from PostgreSQL and
storing the results is not in this figure (the job reads the history once per batch of chargers).
"""

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "addons" / "ev_charging" / "lib"))
import ev_uptime as up  # noqa: E402

TARGET_SECONDS = 10.0
TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


def status_history(rng, start, end, changes_per_day):
    periods, t = [], start
    mean_gap = 86400.0 / changes_per_day
    while t < end:
        roll = rng.random()
        if roll < 0.004:
            status, length = "Faulted", rng.uniform(300, 6 * 3600)
        elif roll < 0.006:
            status, length = "Unavailable", rng.uniform(300, 3 * 3600)
        else:
            status, length = ("Occupied" if roll < 0.45 else "Available"), rng.expovariate(1.0 / mean_gap)
        nxt = min(end, t + timedelta(seconds=max(60.0, length)))
        periods.append((t, nxt if nxt < end else None, status))
        t = nxt
    return periods


def connection_history(rng, start, end, drops):
    periods, t = [], start
    for _n in range(drops):
        off = t + timedelta(seconds=rng.uniform(0, (end - t).total_seconds() / 2))
        back = off + timedelta(seconds=rng.uniform(60, 3 * 3600))
        if back >= end:
            break
        periods.append((t, off))
        t = back
    periods.append((t, None))
    return periods


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connectors", type=int, default=10_000)
    parser.add_argument("--per-charger", type=int, default=2)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--changes-per-day", type=float, default=12.0)
    parser.add_argument("--drops-per-month", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    year, month = 2026, 3  # a month with a daylight-saving change
    history_start = datetime(2026, 2, 27)
    history_end = datetime(2026, 4, 2)
    t0 = time.perf_counter()
    chargers = []
    n_chargers = max(1, args.connectors // args.per_charger)
    periods = 0
    for i in range(n_chargers):
        connectors = [
            status_history(rng, history_start, history_end, args.changes_per_day) for _c in range(args.per_charger)
        ]
        periods += sum(len(c) for c in connectors)
        connected = connection_history(rng, history_start, history_end, rng.randint(0, args.drops_per_month))
        chargers.append((i % args.sites, connected, connectors))
    generated = time.perf_counter() - t0

    t1 = time.perf_counter()
    bounds = {s: up.month_bounds(year, month, TIMEZONES[s % len(TIMEZONES)]) for s in range(args.sites)}
    per_site = {}
    for site, connected, connectors in chargers:
        start, end = bounds[site]
        result = up.charger_availability(connected, connectors, start, end)
        _percentages = (result.availability_percent, result.availability_excl_faults_percent)
        per_site.setdefault(site, []).append(result)
    sites = {site: up.combine(results) for site, results in per_site.items()}
    network = up.combine(sites.values())
    elapsed = time.perf_counter() - t1

    print(
        f"history generated: {n_chargers:,} chargers, {n_chargers * args.per_charger:,} connectors, "
        f"{periods:,} status periods in {generated:.1f} s"
    )
    print(
        f"network {year}-{month:02d}: availability {network.availability_percent} %, without fault periods "
        f"{network.availability_excl_faults_percent} %, degraded {network.degraded_seconds / 3600:,.0f} h, "
        f"offline {network.offline_seconds / 3600:,.0f} h"
    )
    verdict = "OK" if elapsed < TARGET_SECONDS else "OVER TARGET"
    print(
        f"uptime of {n_chargers * args.per_charger:,} connectors x one month: {elapsed:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s) {verdict}"
    )


if __name__ == "__main__":
    main()
