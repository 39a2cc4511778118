#!/usr/bin/env bash
# ev_tax_equity benchmark (see bench/bench_tax_equity.py): runs in one transaction, rolled back, on a
# database where ev_tax_equity is installed (default: the one ./ev test builds, EV_TEST_DB or ev_test).
#   bench/run_tax.sh [--partners 1000] [--year 2025]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
setup_all test >/dev/null
db=${EV_BENCH_TAX_DB:-${EV_TEST_DB:-ev_test}}
exec "$VENV/bin/python" "$EV_ROOT/bench/bench_tax_equity.py" -c "$EV_ODOO_CONF" -d "$db" "$@"
