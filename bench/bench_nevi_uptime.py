"""Benchmark of NEVI uptime per port (addons/ev_grants/lib/ev_grants_uptime.py). Nothing is asserted.

    python bench/bench_nevi_uptime.py                # 10,000 ports x 30 days (target < 10 s)
    python bench/bench_nevi_uptime.py --ports 1000 --days 7 --changes-per-day 24

Generates a deterministic status history (seeded): each port has one connector, every fifth port
two (CCS + CHAdeMO, the port down only while both are); a status change every ~2 hours on average
(Available / Occupied, now and then Faulted or Unavailable for 5 minutes to 6 hours), and one
outage in ten carries a staff-set excluded reason. It then times the two steps the monthly uptime
job runs per port: status history -> outage intervals (``port_outage_intervals``), and outage
intervals + reasons -> minutes and uptime % (``port_uptime``) over the month. Prints the figures
against the target. Pure Python, no database: the Odoo side (reading the history, storing the
results) is not in this figure.
"""

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "addons" / "ev_grants" / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "addons" / "ev_charging" / "lib"))  # interval rules
import ev_grants_uptime as up  # noqa: E402
from bench_uptime import status_history as history  # noqa: E402  (the same generated status history)

TARGET_SECONDS = 10.0
REASONS = ["grid", "network", "vehicle", "maintenance", "vandalism", "natural_disaster", "operating_hours"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ports", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--changes-per-day", type=float, default=12.0)
    parser.add_argument("--seed", type=int, default=680116)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    start = datetime(2026, 6, 1)
    end = start + timedelta(days=args.days)
    t0 = time.perf_counter()
    ports = []
    for i in range(args.ports):
        n_conn = 2 if i % 5 == 0 else 1
        ports.append([history(rng, start, end, args.changes_per_day) for _ in range(n_conn)])
    generated = time.perf_counter() - t0
    periods = sum(len(c) for p in ports for c in p)

    t1 = time.perf_counter()
    outages = []
    for connectors in ports:
        intervals = up.port_outage_intervals(connectors, start, end)
        outages.append([(s, e, rng.choice(REASONS) if rng.random() < 0.1 else None) for s, e in intervals])
    t2 = time.perf_counter()
    results = [up.port_uptime(o, start, end) for o in outages]
    t3 = time.perf_counter()

    total = t3 - t1
    below = sum(1 for r in results if not r.meets_requirement)
    n_outages = sum(len(o) for o in outages)
    print(
        f"NEVI uptime benchmark: {args.ports:,} ports x {args.days} days, {periods:,} status periods "
        f"(generated in {generated:.1f} s), {n_outages:,} outages"
    )
    print(f"{'figure':<46}{'measured':>12}{'target':>12}")
    print(f"{'status history -> outage intervals':<46}{t2 - t1:>11.2f}s{'':>12}")
    print(f"{'outage intervals -> minutes and uptime %':<46}{t3 - t2:>11.2f}s{'':>12}")
    print(
        f"{'uptime of every port (both steps)':<46}{total:>11.2f}s{TARGET_SECONDS:>11.1f}s"
        f"  {'OK' if total < TARGET_SECONDS else 'OVER TARGET'}"
    )
    print(f"{'per port':<46}{total / args.ports * 1e6:>10.0f}us")
    print(f"ports at or below 97 %: {below:,} of {args.ports:,}")


if __name__ == "__main__":
    main()
