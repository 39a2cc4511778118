#!/usr/bin/env bash
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: ./ev run [--reset]      start the suite with demo data on http://localhost:\${EV_HTTP_PORT:-8069}
       ./ev test [pytest args]  run every test (unit, Odoo, bridge, end-to-end) in a fresh database
USAGE
}

# Module list as Odoo wants it; each ev_* directory under addons/ is installed.
modules() { ev_addons; }

addons_hash() { (cd "$EV_ROOT/addons" && find . -type f \( -name '*.py' -o -name '*.xml' -o -name '*.csv' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

cmd_run() {
  setup_all
  local db=${EV_DB:-ev_demo} stamp=$EV_CACHE/$db.addons-hash
  if [ "${1:-}" = "--reset" ]; then psql_ev -qc "drop database if exists $db" postgres; rm -f "$stamp"; fi
  if ! psql_ev -tAc "select 1 from pg_database where datname='$db'" postgres | grep -q 1; then
    log "creating database $db with $(modules) and demo data (about a minute)"
    odoo_bin -d "$db" -i "$(modules)" --stop-after-init --log-level=warn || die "installing the addons failed"
    addons_hash > "$stamp"
  elif [ "$(cat "$stamp" 2>/dev/null)" != "$(addons_hash)" ]; then
    log "addons changed: updating $db"
    odoo_bin -d "$db" -i "$(modules)" -u "$(modules)" --stop-after-init --log-level=warn || die "updating the addons failed"
    addons_hash > "$stamp"
  fi
  log "Odoo: http://localhost:${EV_HTTP_PORT:-8069}  database: $db  login: admin  password: admin"
  exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$EV_ODOO_CONF" -d "$db" --db-filter="^$db\$"
}

cmd_test() {
  setup_all
  local db=${EV_TEST_DB:-ev_test}
  log "building a fresh test database $db with $(modules) (install-time checks run here)"
  psql_ev -qc "drop database if exists $db" postgres
  odoo_bin -d "$db" -i "$(modules)" --stop-after-init --log-level=warn \
    || die "installing $(modules) into a fresh database failed"
  export EV_TEST_DB=$db EV_ODOO_CONF VENV ODOO_SRC
  log "running pytest"
  set +e
  "$VENV/bin/python" -m pytest --odoo-database="$db" --odoo-config="$EV_ODOO_CONF" -p no:cacheprovider "$@"
  local rc=$?
  set -e
  if [ $rc -eq 5 ]; then die "pytest collected no test"; fi
  return $rc
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  -h|--help|"") usage ;;
  *) usage; exit 2 ;;
esac
