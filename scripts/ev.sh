#!/usr/bin/env bash
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: ./ev run [--reset]      start the suite with demo data on http://localhost:\${EV_HTTP_PORT:-8069}
       ./ev test [pytest args]  run every test (unit, Odoo, bridge, end-to-end) in a fresh database
       ./ev lint                the OCA linters (ruff, pylint-odoo, manifest/README checks) via pre-commit
USAGE
}

# Module list as Odoo wants it; each ev_* directory under addons/ is installed.
modules() { ev_addons; }

addons_hash() { (cd "$EV_ROOT/addons" && find . -type f \( -name '*.py' -o -name '*.xml' -o -name '*.csv' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

cmd_run() {
  setup_all
  local db=${EV_DB:-ev_demo}
  local stamp=$EV_CACHE/$db.addons-hash
  local logdir=$EV_CACHE/logs; mkdir -p "$logdir"
  local pids=()
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
  # fake Stripe API for pay by QR (test/demo only: addons/ev_billing/tests/fake_stripe.py), started first:
  # building the demo database runs a pay-by-QR session against it and points ev_billing.stripe_api_base at it
  local stripe_port=${EV_FAKE_STRIPE_PORT:-8099}
  "$VENV/bin/python" "$EV_ROOT/scripts/fake_stripe.py" --port "$stripe_port" --verbose \
    >>"$logdir/fake_stripe.log" 2>&1 &
  pids+=($!)
  export EV_FAKE_STRIPE_URL="http://127.0.0.1:$stripe_port"
  "$VENV/bin/python" -c 'import sys, time, urllib.request, urllib.error
for _ in range(50):
    try: urllib.request.urlopen(sys.argv[1] + "/v1/", timeout=1)
    except urllib.error.HTTPError: sys.exit(0)
    except OSError: time.sleep(0.2)
sys.exit(1)' "$EV_FAKE_STRIPE_URL" || log "fake Stripe did not answer on :$stripe_port (see $logdir/fake_stripe.log)"
  if [ "${1:-}" = "--reset" ]; then psql_ev -qc "drop database if exists $db" postgres; rm -f "$stamp"; fi
  if ! psql_ev -tAc "select 1 from pg_database where datname='$db'" postgres | grep -q 1; then
    log "creating database $db with $(modules) and demo data (about a minute)"
    odoo_bin -d "$db" -i "$(modules)" --stop-after-init --log-level=warn || die "installing the addons failed"
    addons_hash > "$stamp"
  elif [ "$(cat "$stamp" 2>/dev/null)" != "$(addons_hash)" ]; then
    log "addons changed: updating $db"
    # -i only for addons not installed yet: Odoo loads an addon named in -i in init mode, which would
    # run its install-once demo generators again (they are noupdate)
    local missing
    missing=$(psql_ev -tAc "select string_agg(m, ',') from unnest(string_to_array('$(modules)', ',')) m
      where m not in (select name from ir_module_module where state = 'installed')" "$db")
    odoo_bin -d "$db" ${missing:+-i "$missing"} -u "$(modules)" --stop-after-init --log-level=warn \
      || die "updating the addons failed"
    addons_hash > "$stamp"
  fi
  local port=${EV_HTTP_PORT:-8069} bridge_port=${EV_BRIDGE_PORT:-9000} control_port=${EV_BRIDGE_CONTROL_PORT:-9001}
  local metrics_port=${EV_BRIDGE_METRICS_PORT:-9002}
  # -d alone serves only this database (Odoo filters on db_name); --db-filter would make Odoo list the
  # databases over a new PostgreSQL connection on every XML-RPC call without a session (the bridge's)
  "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$EV_ODOO_CONF" -d "$db" --http-port="$port" &
  local odoo_pid=$!
  pids+=($odoo_pid)
  log "waiting for Odoo on :$port"
  eval "$("$VENV/bin/python" "$EV_ROOT/scripts/provision_bridge.py" "http://127.0.0.1:$port" "$db" admin admin \
    demo-node "http://127.0.0.1:$control_port" "$EV_CACHE/bridge-$db.json" SIM-)" || die "could not provision the bridge"
  (cd "$EV_ROOT" && EV_BRIDGE_NODE=demo-node EV_BRIDGE_LISTEN_PORT=$bridge_port EV_BRIDGE_CONTROL_PORT=$control_port \
    EV_BRIDGE_METRICS_PORT=$metrics_port \
    EV_BRIDGE_ODOO_URL="http://127.0.0.1:$port" EV_BRIDGE_ODOO_DB="$db" \
    EV_BRIDGE_OUTBOX_PATH="$EV_CACHE/outbox-$db.sqlite3" EV_BRIDGE_LOG_JSON=true \
    exec "$VENV/bin/python" -m ocpp_bridge >>"$logdir/bridge.log" 2>&1) &
  pids+=($!)
  sleep 2
  (cd "$EV_ROOT" && exec "$VENV/bin/python" -m ocpp_bridge.simulator --url "ws://127.0.0.1:$bridge_port/ocpp" \
    --count 5 --version mixed --prefix SIM- --password "$EV_SIM_PASSWORD" --tokens SIMTAG-0001,SIMTAG-0002 \
    --meter-interval 5 --session 60:240 --idle 10:40 >>"$logdir/simulator.log" 2>&1) &
  pids+=($!)
  log "Odoo:      http://localhost:$port   database: $db   login: admin   password: admin"
  log "bridge:    ws://localhost:$bridge_port/ocpp/<charge point id>   metrics/health: http://127.0.0.1:$metrics_port/metrics"
  log "simulator: 5 chargers SIM-0001..SIM-0005 (logs in $logdir)"
  log "fake Stripe: $EV_FAKE_STRIPE_URL/v1/ (pay by QR, test mode)"
  log "portal:    http://localhost:$port/my   investors goldengate-investor, prairie-investor, voltline-investor;"
  log "           driver ada-driver (password = login; demo data of ev_portal)"
  wait "$odoo_pid"
}

cmd_test() {
  # the test server (pytest-odoo --odoo-http, browser tours) gets a port of its own so that a
  # running ./ev run, or another clone's tests, never answer in its place
  EV_HTTP_PORT=${EV_TEST_HTTP_PORT:-$(free_port)}
  setup_all test
  local db=${EV_TEST_DB:-ev_test}
  log "building a fresh test database $db with $(modules) (install-time checks run here)"
  psql_ev -qc "drop database if exists $db" postgres
  local install_log=$EV_CACHE/install-$db.log
  odoo_bin -d "$db" -i "$(modules)" --stop-after-init --log-level=warn 2>&1 | tee "$install_log" \
    || die "installing $(modules) into a fresh database failed"
  # Odoo logs a failing data or demo file and goes on: the test database must be complete
  if grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$install_log" >/dev/null; then
    die "installing $(modules) logged errors (see $install_log): the test database would be incomplete"
  fi
  # the end-to-end tests run a real Odoo server on their own copy (pytest-odoo holds $db open)
  psql_ev -qc "drop database if exists ${db}_e2e" postgres
  psql_ev -qc "create database ${db}_e2e template $db" postgres
  rm -rf "$EV_CACHE/filestore/filestore/${db}_e2e"
  [ -d "$EV_CACHE/filestore/filestore/$db" ] && cp -r "$EV_CACHE/filestore/filestore/$db" "$EV_CACHE/filestore/filestore/${db}_e2e"
  export EV_TEST_DB=$db EV_E2E_DB=${db}_e2e EV_ODOO_CONF VENV ODOO_SRC EV_CACHE
  log "running pytest"
  set +e
  "$VENV/bin/python" -m pytest --odoo-database="$db" --odoo-config="$EV_ODOO_CONF" --odoo-http -p no:cacheprovider "$@"
  local rc=$?
  set -e
  if [ $rc -eq 5 ]; then die "pytest collected no test"; fi
  return $rc
}

cmd_lint() {
  exec 9>"$EV_CACHE/setup.lock"
  flock 9
  ensure_system_packages
  ensure_odoo_src
  ensure_venv
  flock -u 9
  export PYTHONPATH="$ODOO_SRC:$EV_ROOT${PYTHONPATH:+:$PYTHONPATH}"
  log "linting (pre-commit, local hooks from $VENV)"
  (cd "$EV_ROOT" && PRE_COMMIT_HOME=$EV_CACHE/pre-commit "$VENV/bin/pre-commit" run --all-files --show-diff-on-failure "$@")
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  lint) shift; cmd_lint "$@" ;;
  test) shift; cmd_test "$@" ;;
  -h|--help|"") usage ;;
  *) usage; exit 2 ;;
esac
