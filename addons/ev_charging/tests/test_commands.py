"""Remote commands per role over RPC, the wake-up after commit (no network I/O inside a
transaction), what a station does not implement, and action_resend over XML-RPC."""

import xmlrpc.client

from odoo.tests import tagged
from odoo.tools import mute_logger

from .bridge_rpc import EvRpcCase, NodeListener

RPC_LOGGERS = ("odoo.http", "odoo.addons.base.controllers.rpc")


@tagged("post_install", "-at_install")
class TestCommandsByRole(EvRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Command = cls.env["ev.charger.command"]

    def setUp(self):
        super().setUp()
        self.node = self.connect(self.cp201, "node-roles")
        self.node.url = "http://127.0.0.1:9"  # wake-ups are postcommit: never sent from a test cursor

    def press(self, who, model, method, record_id, *args):
        return self.rpc(who, model, method, [record_id], *args)

    def deliver(self, command_id, answer):
        """The node pulls the command through its own channel and reports the station's answer."""
        pulled = self.rpc("bridge", "ev.charger.command", "bridge_pull", "node-roles", ["T-201"], [command_id])
        self.assertEqual([c["id"] for c in pulled], [command_id])
        self.assertTrue(self.rpc("bridge", "ev.charger.command", "bridge_result", command_id, "accepted", answer))

    def test_ev_user_and_technician_commands_are_sent_and_answered(self):
        """Issue 9.2: the command is queued with the user's rights, sent after commit, and the
        answer is recorded by the bridge user; no 'Only the OCPP bridge user' for the operator."""
        for who, method in (
            ("ev_user", "action_trigger_status"),
            ("ev_user", "action_reset_soft"),
            ("technician", "action_reset_hard"),
            ("technician", "action_clear_cache"),
            ("manager", "action_reset_hard"),
        ):
            with self.subTest(who=who, method=method):
                action = self.press(who, "ev.charger", method, self.cp201.id)
                self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window", "ev.charger.command"))
                command_id = action["res_id"]
                (cmd,) = self.rpc(who, "ev.charger.command", "read", [command_id], ["state", "requested_by", "node_id"])
                self.assertEqual(cmd["state"], "queued")
                self.assertEqual(cmd["requested_by"][0], self.users[who].id)
                self.assertEqual(cmd["node_id"][0], self.node.id)
                self.deliver(command_id, {"status": "Accepted"})
                (cmd,) = self.rpc(who, "ev.charger.command", "read", [command_id], ["state", "result_status", "error"])
                self.assertEqual((cmd["state"], cmd["result_status"], cmd["error"]), ("accepted", "Accepted", False))

    def test_connector_and_remote_start_as_ev_user(self):
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
                )
            ]
        )
        connector = self.cp201.connector_ids
        action = self.press("ev_user", "ev.connector", "action_unlock", connector.id)
        self.deliver(action["res_id"], {"status": "Unlocked"})
        wizard = self.rpc(
            "ev_user", "ev.remote.start.wizard", "create", {"connector_id": connector.id, "id_token_id": self.token.id}
        )
        action = self.rpc("ev_user", "ev.remote.start.wizard", "action_start", [wizard])
        self.deliver(action["res_id"], {"status": "Accepted"})
        cmd = self.Command.browse(action["res_id"])
        self.assertEqual(
            (cmd.action, cmd.state, cmd.requested_by), ("RequestStartTransaction", "accepted", self.users["ev_user"])
        )

    @mute_logger(*RPC_LOGGERS)
    def test_what_each_role_may_not_do(self):
        before = self.Command.search_count([])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "may not send 'Hard reset'"):
            self.press("ev_user", "ev.charger", "action_reset_hard", self.cp201.id)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "may not send 'Clear authorization cache'"):
            self.press("ev_user", "ev.charger", "action_clear_cache", self.cp201.id)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "may not send 'Set variables"):
            self.rpc(
                "technician",
                "ev.charger.command",
                "create",
                {"charger_id": self.cp201.id, "action": "SetVariables", "params": {"setVariableData": []}},
            )
        for who in ("internal", "portal"):
            with self.assertRaises(xmlrpc.client.Fault):
                self.press(who, "ev.charger", "action_trigger_status", self.cp201.id)
        self.assertEqual(self.Command.search_count([]), before, "nothing was queued")
        # the answer is the bridge's to record
        action = self.press("ev_user", "ev.charger", "action_trigger_status", self.cp201.id)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Only the OCPP bridge user"):
            self.rpc("ev_user", "ev.charger.command", "bridge_result", action["res_id"], "accepted", {})
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Only the OCPP bridge user"):
            self.rpc("ev_user", "ev.charger.command", "bridge_pull", "node-roles", ["T-201"])
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("ev_user", "ev.charger.command", "write", [action["res_id"]], {"state": "accepted"})
        # a user creating a command directly cannot forge its outcome
        forged = self.rpc(
            "ev_user",
            "ev.charger.command",
            "create",
            {
                "charger_id": self.cp201.id,
                "action": "TriggerMessage",
                "params": {"requestedMessage": "Heartbeat"},
                "state": "accepted",
                "result": {"status": "Accepted"},
                "requested_by": self.users["manager"].id,
            },
        )
        cmd = self.Command.browse(forged)
        self.assertEqual((cmd.state, cmd.result, cmd.requested_by), ("queued", False, self.users["ev_user"]))

    def test_action_resend_returns_an_action_over_xmlrpc(self):
        """Issue 9.8: action_resend returned None, which XML-RPC cannot marshal."""
        self.ingest([self.ev("T-201", "Connection", {"state": "disconnected", "node": "node-roles"})])
        action = self.press("ev_user", "ev.charger", "action_trigger_status", self.cp201.id)
        self.assertEqual(action["params"]["type"], "danger")  # not connected: failed at once
        cmd = self.Command.search([("charger_id", "=", self.cp201.id)], limit=1)
        self.assertEqual(cmd.state, "failed")
        self.connect(self.cp201, "node-roles")
        again = self.rpc("ev_user", "ev.charger.command", "action_resend", [cmd.id])
        self.assertEqual((again["type"], again["res_id"]), ("ir.actions.act_window", cmd.id))
        cmd.invalidate_recordset()
        self.assertEqual((cmd.state, cmd.error), ("queued", False))
        self.deliver(cmd.id, {"status": "Accepted"})
        with mute_logger(*RPC_LOGGERS), self.assertRaisesRegex(xmlrpc.client.Fault, "already delivered"):
            self.rpc("ev_user", "ev.charger.command", "action_resend", [cmd.id])


@tagged("post_install", "-at_install")
class TestWakeUpAfterCommit(EvRpcCase):
    def setUp(self):
        super().setUp()
        self.node = self.connect(self.cp201, "node-wake")
        self.Command = self.env["ev.charger.command"]

    def listener(self, mode):
        listener = NodeListener(mode)
        self.addCleanup(listener.close)
        self.node.url = listener.url
        return listener

    def test_wake_up_is_sent_after_commit_with_ids_only(self):
        node = self.listener("answer")
        action = self.Command.create_and_send(self.cp201, "TriggerMessage", {"requestedMessage": "Heartbeat"})
        self.Command.create_and_send(self.cp201, "Reset", {"type": "OnIdle"})
        self.assertEqual(node.requests, [], "nothing leaves Odoo while the transaction is open")
        ids = self.Command.search([("charger_id", "=", self.cp201.id)], order="id").ids
        self.assertEqual(action["res_id"], ids[0])
        self.env.cr.postcommit.run()  # what Odoo does right after COMMIT
        self.assertEqual(len(node.requests), 1, "one wake-up per node and transaction")
        path, headers, body = node.requests[0]
        self.assertEqual(path, "/commands/wake")
        self.assertEqual(body, {"ids": ids, "chargers": ["T-201"], "wait": 35})
        self.assertNotIn("Authorization", headers, "no secret: the node pulls through its own channel")

    def test_automated_commands_do_not_wait(self):
        node = self.listener("answer")
        self.Command.sudo().create_and_push(self.cp201, "RequestStopTransaction", {"transactionId": "X"})
        self.env.cr.postcommit.run()
        self.assertEqual(node.requests[0][2]["wait"], 0)

    def test_dead_node_leaves_the_command_queued_with_the_reason(self):
        self.listener("dead")
        self.Command.create_and_send(self.cp201, "TriggerMessage", {"requestedMessage": "Heartbeat"})
        cmd = self.Command.search([("charger_id", "=", self.cp201.id)])
        with mute_logger("odoo.addons.ev_charging.models.ev_charger_command"):
            self.env.cr.postcommit.run()
        cmd.invalidate_recordset()
        self.assertEqual(cmd.state, "queued", "the node pulls it with its next batch or poll")
        self.assertIn("did not answer the wake-up", cmd.error)

    def test_slow_node_is_never_called_during_ingestion(self):
        """Issue 8.3: a node that accepts connections and never answers holds no Odoo
        transaction: ingestion and the commands it queues touch no network; ingest_and_pull
        hands the queued command over in the answer."""
        node = self.listener("silent")
        queued = self.Command.sudo()._queue_for_station(self.cp201, "TriggerMessage", {"requestedMessage": "Heartbeat"})
        self.Command.sudo().create_and_push(self.cp201, "UnlockConnector", {"evseId": 1, "connectorId": 1})
        answer = self.env["ev.ocpp.event"].ingest_and_pull([self.ev("T-201", "Heartbeat", {})], "node-wake", ["T-201"])
        self.assertEqual(answer["results"][0]["status"], "applied")
        self.assertEqual(node.connections, 0, "no connection to the node while the transaction is open")
        self.assertEqual([c["id"] for c in answer["commands"]][:1], queued.ids)
        self.assertEqual(queued.state, "sent")


@tagged("post_install", "-at_install")
class TestStationDoesNotImplement(EvRpcCase):
    def test_not_implemented_is_remembered_per_station_and_firmware(self):
        """Issue 9.7: a station that answered NotImplemented to CostUpdated is not sent it again
        (until its firmware changes); another station still is."""
        Command = self.env["ev.charger.command"].sudo()
        self.connect(self.cp201, "node-ni")
        other = self.env["ev.charger"].create({"identity": "T-201-B", "site_id": self.site.id})
        self.connect(other, "node-ni")
        self.cp201.firmware_version = "1.0"
        params = {"totalCost": 1.5, "transactionId": "TX-1"}
        first = Command._queue_for_station(self.cp201, "CostUpdated", params)
        self.assertEqual(first.state, "queued")
        self.rpc("bridge", "ev.charger.command", "bridge_pull", "node-ni", ["T-201"], first.ids)
        self.rpc(
            "bridge",
            "ev.charger.command",
            "bridge_result",
            first.id,
            "failed",
            {"error": "NotImplemented: Requested Action is not known by receiver", "errorCode": "NotImplemented"},
        )
        first.invalidate_recordset()
        self.assertTrue(first.unsupported)
        self.assertFalse(Command._queue_for_station(self.cp201, "CostUpdated", params), "not queued again")
        self.assertTrue(Command._queue_for_station(other, "CostUpdated", params), "other stations still get it")
        self.assertTrue(Command._queue_for_station(self.cp201, "TriggerMessage", {"requestedMessage": "Heartbeat"}))
        # an operator asking for it anyway is told why at once
        action = self.env["ev.charger.command"].create_and_send(self.cp201, "CostUpdated", params)
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("answered NotImplemented/NotSupported to CostUpdated", action["params"]["message"])
        # new firmware: worth trying again
        self.cp201.firmware_version = "2.0"
        self.assertTrue(Command._queue_for_station(self.cp201, "CostUpdated", params))
