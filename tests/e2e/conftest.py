"""End-to-end fixtures (see e2e_helpers.py): a real Odoo server, the bridge process, chargers."""

import os

import pytest
from e2e_helpers import BridgeProcess, OdooServer, _env, free_port  # noqa: F401


@pytest.fixture(scope="session")
def e2e_logdir(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e-logs")


@pytest.fixture(scope="session")
def odoo(e2e_logdir):
    server = OdooServer(
        _env("EV_E2E_DB"),
        _env("EV_ODOO_CONF"),
        os.path.join(_env("VENV"), "bin", "python"),
        _env("ODOO_SRC"),
        e2e_logdir,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bridge_credentials(odoo):
    control_port = free_port()
    creds = odoo.call("ev.bridge.node", "provision_bridge", "e2e-node", f"http://127.0.0.1:{control_port}")
    creds["control_port"] = control_port
    return creds


@pytest.fixture(scope="session")
def bridge(odoo, bridge_credentials, tmp_path_factory, e2e_logdir):
    proc = BridgeProcess(odoo, bridge_credentials, tmp_path_factory.mktemp("bridge"), e2e_logdir)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def make_charger(odoo):
    """Register a charger in Odoo (with a Basic-auth password) for one test."""
    created = []

    def make(identity, version="2.0.1", password="e2e-password-0123456789", site=None):
        site_id = site or odoo.call("ev.site", "search", [], limit=1)[0]
        cid = odoo.call(
            "ev.charger",
            "create",
            {
                "identity": identity,
                "site_id": site_id,
                "ocpp_version": version,
                "security_profile": "1",
                "heartbeat_interval": 60,
            },
        )
        odoo.call("ev.charger", "set_basic_auth_password", [cid], password)
        created.append(cid)
        return cid

    return make
