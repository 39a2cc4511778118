#!/usr/bin/env bash
# Benchmark of the OCPP bridge + Odoo ingestion.  Usage:
#   bench/run.sh            full run (10,000 chargers, ~10 min on 2 cores)
#   bench/run.sh --quick    smoke run (200 chargers, a few seconds per step, < 1 min)
# Other options are passed to bench/bench_bridge.py (--chargers N, --load-seconds S, ... see --help).
# Needs what ./ev test builds (venv, local PostgreSQL, database ev_test). Uses its own database
# ($EV_BENCH_DB, default ev_bench), recreated from the template $EV_BENCH_TEMPLATE (default ev_test,
# e.g. the EV_TEST_DB of your checkout) at every run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE/.."
source scripts/lib.sh
setup_all
set +e
DB=${EV_BENCH_DB:-ev_bench}
TEMPLATE=${EV_BENCH_TEMPLATE:-ev_test}
case "$DB" in ev_test|ev_test_e2e|ev_demo|"$TEMPLATE"|"${TEMPLATE}_e2e") die "refusing to use $DB as the benchmark database";; esac

# 10,000 websockets on each side of loopback: the bridge and the client each need > 10k fds.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log "open files limit: $(ulimit -n)"

if psql_ev -tAc "select 1 from pg_database where datname='$TEMPLATE'" postgres | grep -q 1; then
  ok=0
  for i in $(seq 1 10); do
    psql_ev -qc "drop database if exists $DB" postgres 2>/dev/null \
      && psql_ev -qc "create database $DB template $TEMPLATE" postgres && { ok=1; break; }
    log "$TEMPLATE busy, retrying ($i/10)"; sleep 3
  done
  [ $ok = 1 ] || die "could not copy $TEMPLATE into $DB (someone is connected to $TEMPLATE)"
  # the template may predate the working tree's models: bring the copy's schema up to date
  odoo_bin -d "$DB" -u "$(ev_addons)" --stop-after-init --log-level=warn || die "could not update the modules in $DB"
else
  psql_ev -qc "drop database if exists $DB" postgres
  psql_ev -qc "create database $DB" postgres
  odoo_bin -d "$DB" -i "$(ev_addons)" --stop-after-init --log-level=warn || die "could not install ev_charging in $DB"
fi
set -e
exec "$VENV/bin/python" "$HERE/bench_bridge.py" --db "$DB" "$@"
