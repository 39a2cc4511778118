"""Odoo's own cost of ingesting meter values, without the bridge, XML-RPC or the host's other processes.

    bench/run_ingest.sh                         # 500 sessions, one reading each per batch (sparse), 8 batches
    bench/run_ingest.sh --sessions 100 --readings 5   # the bench's dense shape: 5 readings per session per batch

(``run_ingest.sh`` sets up the machine's Odoo configuration, then runs this file.) On a database where
ev_charging and ev_billing are installed (default: the one ``./ev test`` builds), it creates a site with a
tariff and N connected 2.0.1 stations held by a bridge node, each with the EVSE and connector its status
report would have made known, then calls ``ev.ocpp.event.ingest`` the way the
bridge's batches do: one batch of Started events, then B batches of Updated events carrying R register
readings per session each, committing after every batch as a request would. It prints, per event, the
CPU time of this Odoo process and of its PostgreSQL backend (``/proc``) next to the wall clock: the CPU
figures move much less than the wall clock with the host's speed, and are the ones to compare between two
versions of the code. Everything it created is deleted at the end. Nothing is asserted.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import odoo
from odoo import api
from odoo.tools import config

PREFIX = "BENCH-INGEST-"


def iso(ts):
    return ts.isoformat().replace("+00:00", "Z")


def backend_cpu(cr):
    """CPU seconds used so far by this cursor's PostgreSQL backend (same machine only)."""
    cr.execute("SELECT pg_backend_pid()")
    pid = cr.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def setup(env, sessions):
    tariff = env["ev.tariff"].create({"name": f"{PREFIX}tariff", "energy_rate": 0.35, "session_fee": 1.0})
    site = env["ev.site"].create({"name": f"{PREFIX}site", "tz": "America/New_York", "tariff_id": tariff.id})
    node = env["ev.bridge.node"].create({"name": f"{PREFIX}node"})
    chargers = env["ev.charger"].create(
        [{"identity": f"{PREFIX}{i:05d}", "site_id": site.id, "ocpp_version": "2.0.1"} for i in range(sessions)]
    )
    chargers.write({"connection_state": "connected", "node_id": node.id})
    # the EVSE and connector each station reports in its StatusNotification after its boot
    evses = env["ev.evse"].create([{"charger_id": c.id, "evse_number": 1} for c in chargers])
    env["ev.connector"].create([{"evse_id": e.id, "connector_number": 1} for e in evses])
    return tariff, site, node, chargers


def events(chargers, run, number, readings, start, seq, log=True):
    """One batch: a Started per charger (``number`` 0), else ``readings`` Updated per charger; with ``log``
    each carries its message log (contract H: the CALL and CALLRESULT lines), as the bridge sends it."""
    batch = []
    for charger in chargers:
        for r in range(1 if number == 0 else readings):
            n = 0 if number == 0 else 1 + (number - 1) * readings + r
            ts = start + timedelta(seconds=10 * n)
            seq[0] += 1
            payload = {
                "eventType": "Started" if n == 0 else "Updated",
                "timestamp": iso(ts),
                "triggerReason": "CablePluggedIn" if n == 0 else "MeterValuePeriodic",
                "seqNo": n,
                "transactionInfo": {"transactionId": f"{run}-{charger.identity}", "chargingState": "Charging"},
                "evse": {"id": 1, "connectorId": 1},
                "meterValue": [
                    {
                        "timestamp": iso(ts),
                        "sampledValue": [
                            {
                                "value": 1_000_000 + 1_000 * n,
                                "measurand": "Energy.Active.Import.Register",
                                "context": "Transaction.Begin" if n == 0 else "Sample.Periodic",
                                "unitOfMeasure": {"unit": "Wh"},
                            }
                        ],
                    }
                ],
            }
            batch.append(
                {
                    "key": f"{run}:{seq[0]}",
                    "charger": charger.identity,
                    "action": "TransactionEvent",
                    "payload": payload,
                    "version": "2.0.1",
                    "ts": iso(ts),
                    "message_id": f"{run}-{seq[0]}",
                    **({"log": {"result_ts": iso(ts)}} if log else {}),
                }
            )
    return batch


def cleanup(cr, run):
    """Delete what the run created (by SQL: the tables' own cascades follow)."""
    cr.execute("SELECT id FROM ev_charger WHERE identity LIKE %s", [PREFIX + "%"])
    chargers = [row[0] for row in cr.fetchall()]
    if chargers:
        cr.execute("DELETE FROM ev_charger_command WHERE charger_id = ANY(%s)", [chargers])
        cr.execute("DELETE FROM ev_ocpp_message WHERE charger_id = ANY(%s)", [chargers])
        cr.execute("DELETE FROM ev_ocpp_event WHERE charger_id = ANY(%s)", [chargers])
        cr.execute("DELETE FROM ev_meter_value WHERE charger_id = ANY(%s)", [chargers])
        cr.execute("DELETE FROM ev_session WHERE charger_id = ANY(%s)", [chargers])
        cr.execute("DELETE FROM ev_charger WHERE id = ANY(%s)", [chargers])
    cr.execute("DELETE FROM ev_site WHERE name = %s", [f"{PREFIX}site"])
    cr.execute("DELETE FROM ev_bridge_node WHERE name = %s", [f"{PREFIX}node"])
    cr.execute("DELETE FROM ev_tariff WHERE name = %s", [f"{PREFIX}tariff"])
    cr.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--db", required=True, help="database with ev_charging and ev_billing installed")
    parser.add_argument("--sessions", type=int, default=500, help="open transactions, one station each")
    parser.add_argument("--readings", type=int, default=1, help="readings per session in each Updated batch")
    parser.add_argument("--batches", type=int, default=8, help="Updated batches after the Started one")
    parser.add_argument(
        "--no-log", action="store_true", help="events without their message log (the bridge's message_log off)"
    )
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    run = f"bi{int(time.time())}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with registry.cursor() as cr:
        cleanup(cr, run)  # what an interrupted run left
        context = {
            "tracking_disable": True,
            "mail_notrack": True,
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
        }
        env = api.Environment(cr, odoo.SUPERUSER_ID, context)
        try:
            _tariff, _site, _node, chargers = setup(env, args.sessions)
            cr.commit()
            Event, seq, rows = env["ev.ocpp.event"], [0], []
            for number in range(args.batches + 1):
                batch = events(chargers, run, number, args.readings, start, seq, log=not args.no_log)
                wall, cpu, pg = time.perf_counter(), time.process_time(), backend_cpu(cr)
                results = Event.ingest(batch)
                cr.commit()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                pg = backend_cpu(cr) - pg if pg is not None else None
                bad = [r for r in results if r["status"] != "applied"]
                if bad:
                    sys.exit(f"batch {number}: {len(bad)} events not applied, e.g. {bad[0]}")
                rows.append((number, len(batch), wall, cpu, pg))
                env.invalidate_all()
        finally:
            cr.rollback()
            cleanup(cr, run)
    print(
        f"ev.ocpp.event.ingest in one Odoo process, {args.sessions} sessions, {args.readings} reading(s) per session "
        f"per batch, message log {'off' if args.no_log else 'on'}, database {args.db}"
    )
    print(f"{'batch':<22}{'events':>8}{'events/s':>10}{'Odoo CPU ms/event':>19}{'PostgreSQL CPU ms/event':>25}")
    for number, n, wall, cpu, pg in rows:
        label = "Started" if number == 0 else f"Updated #{number}"
        pg_text = f"{1000 * pg / n:.3f}" if pg is not None else "-"
        print(f"{label:<22}{n:>8}{n / wall:>10.0f}{1000 * cpu / n:>19.3f}{pg_text:>25}")
    updated = rows[1:]
    if updated:
        n = sum(r[1] for r in updated)
        odoo_ms = [1000 * r[3] / r[1] for r in updated]
        pg_ms = [1000 * r[4] / r[1] for r in updated if r[4] is not None]
        print(
            f"Updated batches: {n / sum(r[2] for r in updated):.0f} events/s; median CPU per event: Odoo "
            f"{statistics.median(odoo_ms):.3f} ms, PostgreSQL "
            f"{statistics.median(pg_ms) if pg_ms else float('nan'):.3f} ms"
        )


if __name__ == "__main__":
    main()
