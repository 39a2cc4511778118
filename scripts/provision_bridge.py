"""Provision (or reuse) the demo bridge node's credentials over XML-RPC.

    python scripts/provision_bridge.py URL DB ADMIN_LOGIN ADMIN_PASSWORD NODE CONTROL_URL CACHE_FILE [SIM_PREFIX]

Prints shell ``export`` lines for the bridge (EV_BRIDGE_ODOO_LOGIN, EV_BRIDGE_ODOO_API_KEY) and, with
SIM_PREFIX, for the simulator (EV_SIM_PASSWORD): the demo's simulated stations (identities starting
with SIM_PREFIX) get a Basic-auth password generated on this machine, kept next to CACHE_FILE (mode
0600) and set in Odoo, so no demo password is committed. Odoo
keeps no secret for the node (it only wakes it up at CONTROL_URL; the node pulls commands with its
API key). Credentials are cached in CACHE_FILE and reused while they still work.
"""

import json
import secrets
import sys
import time
import xmlrpc.client
from pathlib import Path


def wait_for_odoo(url, timeout=180):
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    deadline = time.monotonic() + timeout
    while True:
        try:
            return common, common.version()
        except (OSError, xmlrpc.client.ProtocolError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"Odoo did not answer at {url} within {timeout} s") from exc
            time.sleep(1)


def main(url, db, admin, password, node, control_url, cache_file):
    common, _version = wait_for_odoo(url)
    cache = Path(cache_file)
    creds = json.loads(cache.read_text()) if cache.exists() else None
    if creds and creds.get("db") == db and common.authenticate(db, creds["login"], creds["api_key"], {}):
        models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        uid = common.authenticate(db, admin, password, {})
        nodes = models.execute_kw(
            db, uid, password, "ev.bridge.node", "search_read", [[("name", "=", node)]], {"fields": ["url"]}
        )
        if nodes and nodes[0]["url"] == control_url:
            return creds
    uid = common.authenticate(db, admin, password, {})
    if not uid:
        raise SystemExit(f"cannot log in to {db} as {admin}")
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    creds = models.execute_kw(db, uid, password, "ev.bridge.node", "provision_bridge", [node, control_url])
    creds["db"] = db
    cache.write_text(json.dumps(creds))
    cache.chmod(0o600)
    return creds


def simulator_password(url, db, admin, password, prefix, cache_file):
    """The simulated stations' password: generated once per database on this machine, set in Odoo."""
    path = Path(f"{cache_file}.sim-password")
    secret = path.read_text().strip() if path.exists() else ""
    fresh = not secret
    if fresh:
        secret = secrets.token_urlsafe(24)
        path.write_text(secret)
        path.chmod(0o600)
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    uid = common.authenticate(db, admin, password, {})
    ids = models.execute_kw(db, uid, password, "ev.charger", "search", [[("identity", "=like", f"{prefix}%")]])
    if ids:
        # set every time: a rebuilt database has other random passwords
        models.execute_kw(db, uid, password, "ev.charger", "set_basic_auth_password", [ids, secret])
    return secret


if __name__ == "__main__":
    c = main(*sys.argv[1:8])
    print(f"export EV_BRIDGE_ODOO_LOGIN={c['login']} EV_BRIDGE_ODOO_API_KEY={c['api_key']}")
    if len(sys.argv) > 8:
        sim = simulator_password(*sys.argv[1:5], sys.argv[8], sys.argv[7])
        print(f"export EV_SIM_PASSWORD={sim}")
