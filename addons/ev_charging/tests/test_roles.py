"""Roles (issue 14 item 6): what a Field Technician may change on a site, enforced for every caller
(XML-RPC here, not only hidden in the form), and the command buttons each role sees match the
command policy (ev.charger.command USER_ACTIONS / TECHNICIAN_ACTIONS)."""

import xmlrpc.client

from lxml import etree

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.ev_charger_command import TECHNICIAN_ACTIONS, USER_ACTIONS
from .bridge_rpc import EvRpcCase

RPC_LOGGERS = ("odoo.http", "odoo.addons.base.controllers.rpc")
#: the command each button sends (its policy key)
BUTTONS = {
    "action_trigger_status": "TriggerMessage",
    "action_reset_soft": "Reset:OnIdle",
    "action_reset_hard": "Reset:Immediate",
    "action_clear_cache": "ClearCache",
    "action_unlock": "UnlockConnector",
    "action_make_unavailable": "ChangeAvailability",
    "action_make_available": "ChangeAvailability",
    "action_remote_start": "RequestStartTransaction",
    "action_remote_stop": "RequestStopTransaction",
}


@tagged("post_install", "-at_install")
class TestTechnicianSiteAccess(EvRpcCase):
    @mute_logger(*RPC_LOGGERS)
    def test_technician_edits_field_facts_not_configuration(self):
        self.assertTrue(
            self.rpc(
                "technician",
                "ev.site",
                "write",
                [self.site.id],
                {
                    "latitude": 40.7,
                    "longitude": -74.0,
                    "access_instructions": "Gate 4411",
                    "notes": "<p>Meter in room B</p>",
                },
            )
        )
        self.site.invalidate_recordset()
        self.assertEqual((self.site.latitude, self.site.access_instructions), (40.7, "Gate 4411"))
        forbidden = {
            "tz": "Europe/Paris",
            "name": "Renamed",
            "state": "operating",
            "company_id": self.site.company_id.id,
        }
        if "tariff_id" in self.site._fields:  # ev_billing: the site's tariff and analytic account
            forbidden["tariff_id"] = False
            forbidden["analytic_account_id"] = False
        for field, value in forbidden.items():
            with self.subTest(field=field), self.assertRaises(xmlrpc.client.Fault) as caught:
                self.rpc("technician", "ev.site", "write", [self.site.id], {field: value})
            self.assertIn("Only an EV Manager may change", caught.exception.faultString)
        self.site.invalidate_recordset()
        self.assertEqual(self.site.tz, "America/New_York")
        # an EV Manager may
        self.assertTrue(self.rpc("manager", "ev.site", "write", [self.site.id], {"tz": "America/Chicago"}))
        # an EV User may change nothing (access rights)
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("ev_user", "ev.site", "write", [self.site.id], {"notes": "<p>x</p>"})

    def test_site_form_shows_configuration_read_only_to_technicians(self):
        as_tech = self.site.with_user(self.users["technician"])
        self.assertFalse(as_tech.can_configure)
        self.assertTrue(self.site.with_user(self.users["manager"]).can_configure)


@tagged("post_install", "-at_install")
class TestCommandButtonsFollowThePolicy(EvRpcCase):
    def buttons(self, who, model, view_xmlid):
        view = self.env.ref(view_xmlid)
        arch = self.env[model].with_user(self.users[who]).get_views([(view.id, "form")])["views"]["form"]["arch"]
        return {node.get("name") for node in etree.fromstring(arch).iter("button") if node.get("name") in BUTTONS}

    def test_each_role_sees_the_commands_it_may_send(self):
        for who, allowed in (("ev_user", USER_ACTIONS), ("technician", TECHNICIAN_ACTIONS)):
            for model, view in (
                ("ev.charger", "ev_charging.ev_charger_view_form"),
                ("ev.connector", "ev_charging.ev_connector_view_form"),
                ("ev.session", "ev_charging.ev_session_view_form"),
            ):
                with self.subTest(who=who, model=model):
                    shown = self.buttons(who, model, view)
                    self.assertTrue(shown)
                    self.assertEqual(
                        {b for b in shown if BUTTONS[b] not in allowed}, set(), "a button the role may not use"
                    )
        self.assertIn("action_reset_hard", self.buttons("technician", "ev.charger", "ev_charging.ev_charger_view_form"))
        self.assertNotIn("action_reset_hard", self.buttons("ev_user", "ev.charger", "ev_charging.ev_charger_view_form"))

    @mute_logger(*RPC_LOGGERS)
    def test_ev_user_sends_and_reads_the_result(self):
        """The EV User presses Refresh status on a station that is not connected: the command is
        kept (failed, with the reason) and the user reads it."""
        action = self.rpc("ev_user", "ev.charger", "action_trigger_status", [self.cp16.id])
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("not connected", action["params"]["message"])
        commands = self.rpc(
            "ev_user", "ev.charger.command", "search_read", [("charger_id", "=", self.cp16.id)], ["state", "error"]
        )
        self.assertEqual([c["state"] for c in commands], ["failed"])
