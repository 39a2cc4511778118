"""Provision (or reuse) the demo bridge node's credentials over XML-RPC.

    python scripts/provision_bridge.py URL DB ADMIN_LOGIN ADMIN_PASSWORD NODE CONTROL_URL CACHE_FILE

Prints shell ``export`` lines for the bridge (EV_BRIDGE_ODOO_LOGIN, EV_BRIDGE_ODOO_API_KEY). Odoo
keeps no secret for the node (it only wakes it up at CONTROL_URL; the node pulls commands with its
API key). Credentials are cached in CACHE_FILE and reused while they still work.
"""

import json
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


if __name__ == "__main__":
    c = main(*sys.argv[1:8])
    print(f"export EV_BRIDGE_ODOO_LOGIN={c['login']} EV_BRIDGE_ODOO_API_KEY={c['api_key']}")
