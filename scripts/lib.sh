# Shared set-up for ./ev run and ./ev test. Sourced, never executed.
# Every step checks before it acts, so a second run only verifies and reuses.
set -euo pipefail

EV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
EV_CACHE=${EV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ev-suite}
EV_PGPORT=${EV_PGPORT:-5433}
# PostgreSQL refuses to run as root, so as root the local cluster belongs to the postgres
# system user and lives where that user can reach it.
if [ "$(id -u)" = 0 ]; then _pgbase=/var/lib/postgresql/ev-suite; else _pgbase=$EV_CACHE; fi
EV_PGDATA=${EV_PGDATA:-$_pgbase/pgdata}
EV_PGSOCK=${EV_PGSOCK:-$_pgbase/pgsock}
EV_PGUSER=${EV_PGUSER:-odoo}
PYTHON=${PYTHON:-python3}
mkdir -p "$EV_CACHE"

log() { printf '\033[1m[ev]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[ev] ERROR:\033[0m %s\n' "$*" >&2; exit 2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# --- Debian packages: PostgreSQL server and the headers Odoo's wheels build against.
ensure_system_packages() {
  local missing=()
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  local pkg
  # chromium: Odoo's browser tests (tours) and phone-width screenshots; wkhtmltopdf: PDF reports
  for pkg in libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev gcc chromium wkhtmltopdf fonts-dejavu-core; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq || die "apt-get update failed; install ${missing[*]} by hand"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "could not install ${missing[*]}"
}

# --- Odoo 18 source: $ODOO_SRC, cloned only where the network allows.
ensure_odoo_src() {
  if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
    log "no Odoo source at $ODOO_SRC; trying to clone odoo/odoo 18.0"
    if [ -n "${EV_NO_CLONE:-}" ] || ! git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC" >/dev/null 2>&1; then
      die "Odoo 18 source not found at ODOO_SRC=$ODOO_SRC and it could not be cloned.
       Put an Odoo 18.0 Community tree there (odoo-bin at its top) or set ODOO_SRC."
    fi
  fi
  grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" 2>/dev/null \
    || die "$ODOO_SRC is not an Odoo 18.0 tree (odoo/release.py says otherwise)"
  # Some trees carry an older copy of the addons in ./addons: take Python and XML from odoo/addons.
  ODOO_ADDONS=$ODOO_SRC/odoo/addons
  [ -d "$ODOO_SRC/addons/web" ] && [ ! -d "$ODOO_ADDONS/web" ] && ODOO_ADDONS=$ODOO_SRC/addons
  EV_ADDONS_PATH="$ODOO_ADDONS,$EV_ROOT/addons"
  export ODOO_SRC ODOO_ADDONS EV_ADDONS_PATH
}

# --- Virtualenv cached outside the clone, keyed on the requirements and the interpreter.
ensure_venv() {
  local key
  key=$( { cat "$ODOO_SRC/requirements.txt" "$EV_ROOT"/requirements*.txt; $PYTHON -VV; } | sha256sum | cut -c1-16)
  VENV=$EV_CACHE/venv-$key
  if [ ! -f "$VENV/.complete" ]; then
    log "building virtualenv $VENV (first run only)"
    rm -rf "$VENV"
    $PYTHON -m venv "$VENV"
    local constraints=$EV_CACHE/pip-build-constraints.txt
    # cbor2 5.4.2's setup.py imports pkg_resources, gone from current setuptools.
    echo 'setuptools<70' > "$constraints"
    PIP_CONSTRAINT=$constraints PIP_BUILD_CONSTRAINT=$constraints "$VENV/bin/pip" install -q --upgrade pip wheel 'setuptools<70' \
      || die "pip could not upgrade itself in $VENV"
    PIP_CONSTRAINT=$constraints PIP_BUILD_CONSTRAINT=$constraints "$VENV/bin/pip" install -q -r "$ODOO_SRC/requirements.txt" \
      || die "installing Odoo's requirements failed (see pip output above)"
    PIP_CONSTRAINT=$constraints PIP_BUILD_CONSTRAINT=$constraints "$VENV/bin/pip" install -q -r "$EV_ROOT/requirements.txt" \
      || die "installing the suite's requirements failed (see pip output above)"
    # OCA addons are wheels that require an installed `odoo` distribution, which is not on the
    # registry: register the source tree as one (no copy, no dependencies), then install them.
    "$VENV/bin/pip" install -q --no-deps --no-build-isolation -e "$ODOO_SRC" \
      || die "registering $ODOO_SRC as the odoo distribution failed"
    PIP_CONSTRAINT=$constraints PIP_BUILD_CONSTRAINT=$constraints "$VENV/bin/pip" install -q -r "$EV_ROOT/requirements-oca.txt" \
      || die "installing the OCA addons (requirements-oca.txt) failed"
    touch "$VENV/.complete"
  fi
  export VENV PATH="$VENV/bin:$PATH"
}

# --- PostgreSQL: use $PGHOST if it answers, otherwise a project-local cluster in the cache.
pg_bin() { local b; b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1); echo "${b:-$(dirname "$(command -v initdb)")}"; }

ensure_postgres() {
  if [ -n "${EV_DB_HOST:-}" ]; then
    export EV_DB_HOST EV_DB_PORT=${EV_DB_PORT:-5432} EV_DB_USER=${EV_DB_USER:-odoo} EV_DB_PASSWORD=${EV_DB_PASSWORD:-odoo}
    return 0
  fi
  local bin; bin=$(pg_bin)
  local runas=()
  # PostgreSQL refuses to run as root: the local cluster belongs to the postgres system user.
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
    runas=(runuser -u postgres --)
  fi
  mkdir -p "$EV_PGSOCK"
  [ ${#runas[@]} -gt 0 ] && chown postgres "$(dirname "$EV_PGDATA")" "$EV_PGSOCK"
  if [ ! -f "$EV_PGDATA/PG_VERSION" ]; then
    log "creating a local PostgreSQL cluster in $EV_PGDATA"
    mkdir -p "$EV_PGDATA"
    [ ${#runas[@]} -gt 0 ] && chown postgres "$EV_PGDATA" "$EV_PGSOCK"
    "${runas[@]}" "$bin/initdb" -D "$EV_PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
      || die "initdb failed in $EV_PGDATA"
    cat >> "$EV_PGDATA/postgresql.conf" <<CONF
port = $EV_PGPORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$EV_PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
  fi
  [ ${#runas[@]} -gt 0 ] && chown postgres "$EV_PGSOCK"
  if ! "${runas[@]}" "$bin/pg_ctl" -D "$EV_PGDATA" status >/dev/null 2>&1; then
    log "starting PostgreSQL on port $EV_PGPORT"
    "${runas[@]}" "$bin/pg_ctl" -D "$EV_PGDATA" -l "$EV_PGDATA/server.log" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start; see $EV_PGDATA/server.log"
  fi
  if ! "$bin/psql" -h "$EV_PGSOCK" -p "$EV_PGPORT" -U postgres -tAc "select 1 from pg_roles where rolname='$EV_PGUSER'" postgres | grep -q 1; then
    "$bin/psql" -h "$EV_PGSOCK" -p "$EV_PGPORT" -U postgres -qc "create role $EV_PGUSER login superuser password 'odoo'" postgres
  fi
  export EV_DB_HOST=127.0.0.1 EV_DB_PORT=$EV_PGPORT EV_DB_USER=$EV_PGUSER EV_DB_PASSWORD=odoo
}

psql_ev() { PGPASSWORD=$EV_DB_PASSWORD "$(pg_bin)/psql" -h "$EV_DB_HOST" -p "$EV_DB_PORT" -U "$EV_DB_USER" "$@"; }

# Odoo configuration for this machine, written into the cache (config/odoo.conf is the
# production/docker one; this one points at the local cluster and the local source).
# One file per checkout and purpose (run/test): several clones of the project can share the
# cache without loading each other's addons or fighting over the HTTP port.
write_odoo_conf() {
  local purpose=${1:-run}
  local conf=$EV_CACHE/odoo-local-$(printf %s "$EV_ROOT" | sha256sum | cut -c1-10)-$purpose.conf
  cat > "$conf" <<CONF
[options]
addons_path = $EV_ADDONS_PATH
db_host = $EV_DB_HOST
db_port = $EV_DB_PORT
db_user = $EV_DB_USER
db_password = $EV_DB_PASSWORD
admin_passwd = ${EV_ADMIN_PASSWD:-admin}
data_dir = $EV_CACHE/filestore
http_port = ${EV_HTTP_PORT:-8069}
list_db = True
without_demo = False
limit_time_cpu = 600
limit_time_real = 1200
CONF
  EV_ODOO_CONF=$conf
  export EV_ODOO_CONF
}

ev_addons() { (cd "$EV_ROOT/addons" && for d in ev_*/; do [ -f "$d/__manifest__.py" ] && printf "%s\n" "${d%/}"; done | paste -sd, -); }

# A free TCP port on loopback (for the test server when EV_HTTP_PORT is not set).
free_port() { $PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

setup_all() {
  # one set-up at a time per cache: two commands started together must not build the same
  # virtualenv or start the same cluster twice
  exec 9>"$EV_CACHE/setup.lock"
  flock 9
  ensure_system_packages
  ensure_odoo_src
  ensure_venv
  ensure_postgres
  flock -u 9
  write_odoo_conf "${1:-run}"
  export PYTHONPATH="$ODOO_SRC:$EV_ROOT${PYTHONPATH:+:$PYTHONPATH}"
}

odoo_bin() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$EV_ODOO_CONF" "$@"; }
