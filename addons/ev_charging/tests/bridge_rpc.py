"""Helpers of the bridge contract and command tests: XML-RPC as a given user, and a recording
HTTP listener standing in for a bridge node's control endpoint (the boundary Odoo posts wake-ups
to; the real bridge is exercised end to end in tests/e2e)."""

import json
import socket
import threading
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import HttpCase
from odoo.tests.common import Transport, new_test_user

from .common import EvCase


class EvRpcCase(EvCase, HttpCase):
    """EvCase's data, served over HTTP; ``rpc(login, model, method, *args)`` calls Odoo's
    external API as that user (password = login)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            "ev_user": new_test_user(cls.env, login="cmd_ev_user", groups="ev_charging.group_ev_user"),
            "technician": new_test_user(cls.env, login="cmd_technician", groups="ev_charging.group_ev_technician"),
            "manager": new_test_user(cls.env, login="cmd_manager", groups="ev_charging.group_ev_manager"),
            "bridge": new_test_user(cls.env, login="cmd_bridge", groups="base.group_user,ev_charging.group_ev_bridge"),
            "internal": new_test_user(cls.env, login="cmd_internal", groups="base.group_user"),
            "portal": new_test_user(cls.env, login="cmd_portal", groups="base.group_portal"),
        }

    def rpc(self, who, model, method, *args, **kwargs):
        login = self.users[who].login
        db = self.env.cr.dbname
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        self.assertTrue(uid, f"{login} could not log in")
        proxy = xmlrpc.client.ServerProxy(self.xmlrpc_url + "object", transport=Transport(self.cr), allow_none=True)
        return proxy.execute_kw(db, uid, login, model, method, list(args), kwargs)

    def connect(self, charger, node):
        """The charger connects through ``node`` (a Connection event, as the bridge sends it)."""
        self.ingest([self.ev(charger.identity, "Connection", {"state": "connected", "node": node})])
        return self.env["ev.bridge.node"].search([("name", "=", node)])


class NodeListener:
    """A local HTTP listener recording what Odoo posts to ``<node url>/commands/wake``.

    ``mode``: "answer" (200 {"done": ids}), "silent" (accepts the connection, never answers),
    or "dead" (nothing listens on the port)."""

    def __init__(self, mode="answer"):
        self.mode = mode
        self.requests = []
        self.connections = 0
        self._server = None
        self._silent = None
        if mode == "answer":
            recorder = self

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self):
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                    recorder.requests.append((self.path, dict(self.headers), body))
                    answer = json.dumps({"done": body.get("ids", []) if isinstance(body, dict) else []}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

                def log_message(self, *args):
                    pass

            self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            self.port = self._server.server_address[1]
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        elif mode == "silent":
            self._silent = socket.socket()
            self._silent.bind(("127.0.0.1", 0))
            self._silent.listen(16)
            self.port = self._silent.getsockname()[1]
            threading.Thread(target=self._accept_forever, daemon=True).start()
        else:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]  # closed again: connections are refused
        self.url = f"http://127.0.0.1:{self.port}"

    def _accept_forever(self):
        held = []
        while True:
            try:
                conn, _addr = self._silent.accept()
            except OSError:
                return
            self.connections += 1
            held.append(conn)  # never read, never answered

    def close(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._silent is not None:
            self._silent.close()
