"""Shared set-up of the remote-operation tests: both stations connected through a node, one
connector each, XML-RPC as each role (EvRpcCase), and the node's side of a command (pull, then the
station's answer through bridge_result)."""

from .bridge_rpc import EvRpcCase

RPC_LOGGERS = ("odoo.http", "odoo.addons.base.controllers.rpc", "odoo.service.model")


class RemoteCase(EvRpcCase):
    NODE = "node-remote"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Command = cls.env["ev.charger.command"]

    def setUp(self):
        super().setUp()
        self.node = self.connect(self.cp201, self.NODE)
        self.connect(self.cp16, self.NODE)
        self.node.url = "http://127.0.0.1:9"  # wake-ups are postcommit: never sent from a test cursor
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "StatusNotification",
                    {
                        "timestamp": "2026-07-01T14:00:00Z",
                        "connectorStatus": "Available",
                        "evseId": 1,
                        "connectorId": 1,
                    },
                ),
                self.ev(
                    "T-16", "StatusNotification", {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
                ),
            ]
        )
        self.conn201 = self.cp201.connector_ids
        self.conn16 = self.cp16.connector_ids

    def deliver(self, command_id, answer, state="accepted"):
        """The node pulls the command through its own channel and reports the station's answer."""
        charger = self.Command.browse(command_id).charger_id.identity
        pulled = self.rpc("bridge", "ev.charger.command", "bridge_pull", self.NODE, [charger], [command_id])
        self.assertEqual([c["id"] for c in pulled], [command_id])
        self.assertTrue(self.rpc("bridge", "ev.charger.command", "bridge_result", command_id, state, answer))
        self.env.invalidate_all()
        return pulled[0]

    def queued(self, charger, action):
        return self.Command.search(
            [("charger_id", "=", charger.id), ("action", "=", action), ("state", "=", "queued")], order="id"
        )
