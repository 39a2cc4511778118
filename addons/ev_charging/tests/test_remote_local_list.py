"""The local authorisation list (issue 9, item 11): built from Odoo's id tokens (status, expiry,
group), full then differential updates computed from what the station last accepted, versions per
charger, a VersionMismatch/Failed differential followed by a full resend, GetLocalListVersion; as
the EV Manager (send) and the EV User (version), over RPC."""

import xmlrpc.client
from datetime import datetime

from odoo.tests import tagged
from odoo.tools import mute_logger

from .remote_common import RPC_LOGGERS, RemoteCase


@tagged("post_install", "-at_install")
class TestLocalList(RemoteCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token.write({"local_list": True, "group_token": "FLEET-1", "expiry": datetime(2027, 1, 1)})
        cls.card_b = cls.env["ev.id.token"].create({"value": "CARD-B", "local_list": True})
        cls.card_c = cls.env["ev.id.token"].create({"value": "CARD-C", "token_type": "KeyCode", "local_list": True})
        cls.not_listed = cls.env["ev.id.token"].create({"value": "CARD-NOT-LISTED"})
        company_b = cls.env["res.company"].create({"name": "Other SPV"})
        cls.env["ev.id.token"].create({"value": "OTHER-SPV-CARD", "local_list": True, "company_id": company_b.id})
        cls.long_tag = cls.env["ev.id.token"].create({"value": "CARD-LONGER-THAN-20-CHARS", "local_list": True})

    def send(self, charger, method="action_send_local_list", who="manager"):
        return self.rpc(who, "ev.charger", method, [charger.id])

    def update_of(self, action):
        return self.env["ev.local.list.send"].search([("command_id", "=", action["res_id"])])

    def test_full_then_differential_from_the_acknowledged_list(self):
        # nothing accepted yet: "send changes" sends the whole list
        action = self.send(self.cp201)
        update = self.update_of(action)
        self.assertEqual((update.version_number, update.update_type, update.entry_count), (1, "Full", 4))
        pulled = self.deliver(action["res_id"], {"status": "Accepted"})
        self.assertEqual(pulled["action"], "SendLocalList")
        items = {i["idToken"]["idToken"]: i for i in pulled["params"]["localAuthorizationList"]}
        self.assertEqual(pulled["params"]["versionNumber"], 1)
        self.assertEqual(sorted(items), ["CARD-B", "CARD-C", "CARD-LONGER-THAN-20-CHARS", "TOKEN-0001"])
        self.assertEqual(
            items["TOKEN-0001"]["idTokenInfo"],
            {
                "status": "Accepted",
                "cacheExpiryDateTime": "2027-01-01T00:00:00Z",
                "groupIdToken": {"idToken": "FLEET-1", "type": "Central"},
            },
        )
        self.assertEqual(items["CARD-C"]["idToken"]["type"], "KeyCode")
        self.assertEqual(update.state, "accepted")
        self.assertEqual((self.cp201.local_list_version, self.cp201.local_list_size), (1, 4))
        # a token blocked, one taken off the list, a new one: only those go, as version 2
        self.card_b.action_block()
        self.card_c.local_list = False
        self.not_listed.local_list = True
        action = self.send(self.cp201)
        update = self.update_of(action)
        self.assertEqual(
            (update.version_number, update.update_type, update.entry_count, update.removed_count),
            (2, "Differential", 2, 1),
        )
        pulled = self.deliver(action["res_id"], {"status": "Accepted"})
        self.assertEqual(
            pulled["params"]["localAuthorizationList"],
            [
                {"idToken": {"idToken": "CARD-B", "type": "ISO14443"}, "idTokenInfo": {"status": "Blocked"}},
                {"idToken": {"idToken": "CARD-NOT-LISTED", "type": "ISO14443"}, "idTokenInfo": {"status": "Accepted"}},
                {"idToken": {"idToken": "CARD-C", "type": "KeyCode"}},
            ],
        )
        self.assertEqual((self.cp201.local_list_version, self.cp201.local_list_size), (2, 4))
        # nothing changed: nothing is sent
        before = self.Command.search_count([])
        action = self.send(self.cp201)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("up to date", action["params"]["message"])
        self.assertEqual(self.Command.search_count([]), before)
        # a full list on demand
        action = self.send(self.cp201, "action_send_local_list_full")
        self.assertEqual((self.update_of(action).update_type, self.update_of(action).version_number), ("Full", 3))

    def test_version_mismatch_or_failed_differential_is_followed_by_a_full_list(self):
        self.deliver(self.send(self.cp201)["res_id"], {"status": "Accepted"})
        self.card_b.action_block()
        action = self.send(self.cp201)
        differential = self.update_of(action)
        self.deliver(action["res_id"], {"status": "VersionMismatch"}, state="rejected")
        self.assertEqual(differential.state, "version_mismatch")
        (full,) = self.env["ev.local.list.send"].search([("resend_of_id", "=", differential.id)])
        self.assertEqual((full.update_type, full.version_number, full.command_id.state), ("Full", 3, "queued"))
        self.assertIn("full list was sent again as version 3", differential.note)
        self.deliver(full.command_id.id, {"status": "Accepted"})
        self.assertEqual(self.cp201.local_list_version, 3)
        # a station answering Failed to a differential update: the same; a failed full update is not repeated
        self.card_b.action_accept()
        action = self.send(self.cp201)
        self.deliver(action["res_id"], {"status": "Failed"}, state="rejected")
        (full,) = self.env["ev.local.list.send"].search([("resend_of_id", "=", self.update_of(action).id)])
        self.deliver(full.command_id.id, {"status": "Failed"}, state="rejected")
        self.assertEqual(full.state, "failed")
        self.assertFalse(self.env["ev.local.list.send"].search([("resend_of_id", "=", full.id)]))
        self.assertEqual(self.cp201.local_list_version, 3)

    def test_list_version_reported_by_the_station(self):
        self.deliver(self.send(self.cp16)["res_id"], {"status": "Accepted"})
        self.assertIn("CARD-LONGER-THAN-20-CHARS", self.cp16.local_list_send_ids.skipped)
        self.assertEqual(self.cp16.local_list_size, 3, "1.6: a tag over 20 characters is left out")
        action = self.rpc("ev_user", "ev.charger", "action_get_local_list_version", [self.cp16.id])
        pulled = self.deliver(action["res_id"], {"listVersion": 1})
        self.assertEqual((pulled["action"], pulled["version"]), ("GetLocalListVersion", "1.6"))
        self.assertEqual((self.cp16.local_list_reported, self.cp16.local_list_unknown), (1, False))
        # the station lost its list: the next update is a full one, above the version it reported
        action = self.rpc("ev_user", "ev.charger", "action_get_local_list_version", [self.cp16.id])
        self.deliver(action["res_id"], {"listVersion": 7})
        self.assertTrue(self.cp16.local_list_unknown)
        update = self.update_of(self.send(self.cp16))
        self.assertEqual((update.update_type, update.version_number), ("Full", 8))
        self.deliver(update.command_id.id, {"status": "Accepted"})
        self.assertFalse(self.cp16.local_list_unknown)
        # 2.0.1 answers versionNumber; an answer without it leaves the charger as it was
        action = self.rpc("ev_user", "ev.charger", "action_get_local_list_version", [self.cp201.id])
        self.deliver(action["res_id"], {"listVersion": 3})
        self.assertFalse(self.cp201.local_list_reported_at)
        self.assertIn("without an integer versionNumber", self.Command.browse(action["res_id"]).error)

    @mute_logger(*RPC_LOGGERS)
    def test_who_may_send_and_limits(self):
        before = self.Command.search_count([])
        for who in ("ev_user", "technician"):
            with self.assertRaisesRegex(xmlrpc.client.Fault, "may not send 'Send the local authorization list'"):
                self.send(self.cp201, who=who)
        for who in ("internal", "portal"):
            with self.assertRaises(xmlrpc.client.Fault):
                self.rpc(who, "ev.charger", "action_get_local_list_version", [self.cp201.id])
        self.assertFalse(self.env["ev.local.list.send"].search([]))
        self.assertEqual(self.Command.search_count([]), before)
        self.env["ir.config_parameter"].set_param("ev_charging.local_list_max_items", "2")
        with self.assertRaisesRegex(xmlrpc.client.Fault, "holds 4 entries; a station takes at most 2"):
            self.send(self.cp201)
        # the user cannot forge an update
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("manager", "ev.local.list.send", "create", {"charger_id": self.cp201.id, "update_type": "Full"})
