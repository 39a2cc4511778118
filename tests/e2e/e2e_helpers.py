"""End-to-end helpers: a real Odoo 18 server (odoo-bin, own process), the real bridge process and
simulated chargers built on the ``ocpp`` library, all on loopback.

``./ev test`` builds the database and exports EV_E2E_DB, EV_ODOO_CONF, VENV and ODOO_SRC. Without
them these tests fail (they never skip): run them through ``./ev test``.
"""

import asyncio
import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import pytest
import websockets
from websockets.headers import build_authorization_basic

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "admin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def charger_ws(bridge, identity, password, version="2.0.1"):
    """A charger's websocket to the bridge, with its OCPP subprotocol and Basic-auth credentials (await it,
    or use it with ``async with``)."""
    return websockets.connect(
        f"{bridge.url}/{identity}",
        subprotocols=["ocpp" + version],
        additional_headers={"Authorization": build_authorization_basic(identity, password)},
    )


async def exchange(bridge, identity, password, frames, version="2.0.1"):
    """Send raw OCPP ``frames`` (a list, JSON-encoded here; a string is sent as it is) one by one on a
    charger's websocket and return the bridge's answer to each (decoded)."""
    answers = []
    async with charger_ws(bridge, identity, password, version) as ws:
        for frame in frames:
            await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
            answers.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    return answers


def wait_until(predicate, timeout=30.0, interval=0.2, message="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last value: {last!r})")


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: the end-to-end tests run through ./ev test, which builds their database")
    return value


class OdooServer:
    """odoo-bin serving the e2e database on a free port; can be stopped and started again."""

    def __init__(self, db, conf, python, odoo_src, logdir, extra_args=()):
        self.db, self.conf, self.python, self.odoo_src = db, conf, python, odoo_src
        self.extra_args = list(extra_args)  # e.g. --workers=2 (the bench)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(logdir) / "odoo-e2e.log", "ab")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                self.python,
                f"{self.odoo_src}/odoo-bin",
                "-c",
                self.conf,
                # -d alone exposes only this database (Odoo's db_filter falls back to db_name) and lets
                # Odoo answer its database list from the configuration; with --db-filter every request
                # without a session (each XML-RPC call of the bridge) opened a new PostgreSQL connection
                # to list the databases
                "-d",
                self.db,
                f"--http-port={self.port}",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=warn",
                *self.extra_args,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.stop)  # never leave a server behind, even when pytest stops abruptly
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")

        def up():
            try:
                return common.authenticate(self.db, *ADMIN, {})
            except (OSError, xmlrpc.client.Error) as exc:
                if self.proc.poll() is not None:
                    raise AssertionError(f"odoo-bin exited with {self.proc.returncode}; see odoo-e2e.log") from exc
                return None

        self.uid = wait_until(up, timeout=120, message="Odoo to serve XML-RPC")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def call(self, model, method, *args, **kwargs):
        models = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return models.execute_kw(self.db, self.uid, ADMIN[1], model, method, list(args), kwargs)

    def search_read(self, model, domain, fields, **kw):
        return self.call(model, "search_read", domain, fields=fields, **kw)

    def call_as(self, login, password, model, method, *args, **kwargs):
        """XML-RPC as another user (its role's rights)."""
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")
        uid = common.authenticate(self.db, login, password, {})
        assert uid, f"{login} cannot log in"
        models = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return models.execute_kw(self.db, uid, password, model, method, list(args), kwargs)

    def jsonrpc(self, model, method, *args, **kwargs):
        """The same call over /jsonrpc: JSON carries control characters XML cannot."""
        import json
        import urllib.request

        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.db, self.uid, ADMIN[1], model, method, list(args), kwargs],
            },
        }
        request = urllib.request.Request(
            f"{self.url}/jsonrpc", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise AssertionError(answer["error"])
        return answer["result"]


class BridgeProcess:
    """``python -m ocpp_bridge`` as its own process, so it can be SIGKILLed and restarted."""

    def __init__(self, odoo, creds, workdir, logdir, node="e2e-node", node_number=3):
        self.odoo, self.creds = odoo, creds
        self.node, self.node_number = node, node_number
        self.port = free_port()
        self.control_port = creds["control_port"]
        self.metrics_port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/ocpp"
        self.control_url = f"http://127.0.0.1:{self.control_port}"
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}"
        self.outbox = Path(workdir) / "outbox.sqlite3"
        self.log = open(Path(logdir) / f"bridge-{node}.log", "ab")
        self.proc = None

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("EV_BRIDGE_")}
        env.update(
            {
                "EV_BRIDGE_NODE": self.node,
                "EV_BRIDGE_NODE_NUMBER": str(self.node_number),
                "EV_BRIDGE_LISTEN_HOST": "127.0.0.1",
                "EV_BRIDGE_LISTEN_PORT": str(self.port),
                "EV_BRIDGE_CONTROL_HOST": "127.0.0.1",
                "EV_BRIDGE_CONTROL_PORT": str(self.control_port),
                "EV_BRIDGE_METRICS_HOST": "127.0.0.1",
                "EV_BRIDGE_METRICS_PORT": str(self.metrics_port),
                "EV_BRIDGE_ODOO_URL": self.odoo.url,
                "EV_BRIDGE_ODOO_DB": self.odoo.db,
                "EV_BRIDGE_ODOO_LOGIN": self.creds["login"],
                "EV_BRIDGE_ODOO_API_KEY": self.creds["api_key"],
                "EV_BRIDGE_OUTBOX_PATH": str(self.outbox),
                "EV_BRIDGE_OUTBOX_BACKOFF_MAX": "1.0",
                "EV_BRIDGE_OUTBOX_IDLE_INTERVAL": "0.1",
                "EV_BRIDGE_STATION_CACHE_TTL": "1",
                "EV_BRIDGE_LOG_LEVEL": "INFO",
            }
        )
        return env

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ocpp_bridge"], cwd=ROOT, env=self.env(), stdout=self.log, stderr=subprocess.STDOUT
        )
        atexit.register(self.stop)

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError(f"bridge exited with {self.proc.returncode}; see bridge-{self.node}.log")
            with socket.socket() as s, socket.socket() as m:
                return (
                    s.connect_ex(("127.0.0.1", self.port)) == 0 and m.connect_ex(("127.0.0.1", self.metrics_port)) == 0
                )

        wait_until(listening, timeout=30, message="the bridge to listen")
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def health(self):
        import json
        import urllib.request

        with urllib.request.urlopen(self.metrics_url + "/health", timeout=10) as response:
            return json.loads(response.read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
