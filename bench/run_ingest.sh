#!/usr/bin/env bash
# Odoo's own cost of ingesting meter values (see bench/bench_ingest_odoo.py): on a database where
# ev_charging and ev_billing are installed (default: the one ./ev test builds, EV_TEST_DB or ev_test);
# everything it creates is deleted at the end.
#   bench/run_ingest.sh [--sessions 500] [--readings 1] [--batches 8]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
setup_all test >/dev/null
db=${EV_BENCH_INGEST_DB:-${EV_TEST_DB:-ev_test}}
exec "$VENV/bin/python" "$EV_ROOT/bench/bench_ingest_odoo.py" -c "$EV_ODOO_CONF" -d "$db" "$@"
