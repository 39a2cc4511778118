"""The remote-operation views load for each role (the charger form's new tabs, the connector's
reservation, the new menus' actions) and their fields read under the role's rights."""

from odoo.tests import new_test_user, tagged

from .common import EvCase

ACTIONS = (
    "ev_charging.ev_reservation_action",
    "ev_charging.ev_local_list_send_action",
    "ev_charging.ev_charger_profile_action",
    "ev_charging.ev_composite_schedule_action",
    "ev_charging.ev_maintenance_status_action",
    "ev_charging.ev_charging_profile_action",
)


@tagged("post_install", "-at_install")
class TestRemoteViews(EvCase):
    def test_views_load_and_read_per_role(self):
        users = {
            group: new_test_user(self.env, login=f"views_{group.split('.')[-1]}", groups=group)
            for group in (
                "ev_charging.group_ev_user",
                "ev_charging.group_ev_technician",
                "ev_charging.group_ev_manager",
            )
        }
        self.cp201.connection_state = "connected"
        for group, user in users.items():
            with self.subTest(group=group):
                Charger = self.env["ev.charger"].with_user(user)
                arch = Charger.get_views([(False, "form")])["views"]["form"]["arch"]
                for name in (
                    "action_new_reservation",
                    "action_get_local_list_version",
                    "action_new_composite_schedule",
                ):
                    self.assertIn(name, arch)
                manager_only = ("action_send_local_list", "action_apply_charging_profile", "action_update_firmware")
                for name in manager_only:
                    self.assertEqual(name in arch, group.endswith("manager"), (group, name))
                self.assertEqual("action_get_log" in arch, not group.endswith("ev_user"), group)
                fields = [
                    "reservation_ids",
                    "local_list_send_ids",
                    "charger_profile_ids",
                    "composite_schedule_ids",
                    "firmware_history_ids",
                    "log_history_ids",
                    "local_list_version",
                    "charging_limit_source",
                ]
                Charger.browse(self.cp201.id).read(fields)
                self.assertIn(
                    "action_reserve",
                    self.env["ev.connector"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"],
                )
                for xmlid in ACTIONS:
                    action = self.env.ref(xmlid)
                    Model = self.env[action.res_model].with_user(user)
                    Model.get_views([(False, mode) for mode in action.view_mode.split(",")])
                    Model.search_read([], limit=5)
