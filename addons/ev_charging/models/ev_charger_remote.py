"""The remote operations on the charger: its reservations, local authorisation list, charging
profiles and composite schedules, firmware and log history, and the buttons of the charger form
that start them (views/ev_charger_remote_views.xml). Every button checks the caller's rights first
(``require_command_rights`` and the role policy of the command it sends)."""

from odoo import _, api, fields, models

from ..lib import ev_local_list
from .ev_access import require_command_rights


class EvCharger(models.Model):
    _inherit = "ev.charger"

    reservation_ids = fields.One2many("ev.reservation", "charger_id", string="Reservations")
    local_list_version = fields.Integer(
        "Local list version", readonly=True, help="Version of the local authorization list the station last accepted."
    )
    local_list_size = fields.Integer("Entries on the local list", readonly=True)
    local_list_reported = fields.Integer(
        "Reported list version",
        readonly=True,
        help="What the station answered to the last GetLocalListVersion (1.6: -1 = no local list support).",
    )
    local_list_reported_at = fields.Datetime("Version reported at", readonly=True)
    local_list_unknown = fields.Boolean(
        "Local list out of sync",
        readonly=True,
        help="The station reported another version than the one it last accepted: the next update is a full one.",
    )
    local_list_send_ids = fields.One2many("ev.local.list.send", "charger_id", string="Local list updates")
    charger_profile_ids = fields.One2many("ev.charger.profile", "charger_id", string="Charging profiles")
    composite_schedule_ids = fields.One2many("ev.composite.schedule", "charger_id", string="Composite schedules")
    firmware_history_ids = fields.One2many(
        "ev.maintenance.status", "charger_id", domain=[("kind", "=", "firmware")], string="Firmware history"
    )
    log_history_ids = fields.One2many(
        "ev.maintenance.status", "charger_id", domain=[("kind", "=", "log")], string="Log upload history"
    )
    charging_limit_source = fields.Char(
        "External charging limit",
        readonly=True,
        help="2.0.1 NotifyChargingLimit: who limits the station from outside (EMS, SO, CSO, Other); "
        "empty once ClearedChargingLimit came.",
    )

    @api.model
    def _ocpp_request_id(self):
        """A fresh requestId (UpdateFirmware, GetLog): the station's notifications name it."""
        return int(self.env["ir.sequence"].sudo().next_by_code("ev.ocpp.request") or 1)

    # --- buttons -------------------------------------------------------------------------------
    def _open_form(self, model, name, context, view=None):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "views": [[self.env.ref(view).id if view else False, "form"]],
            "target": "new",
            "context": context,
        }

    def action_new_reservation(self):
        self.ensure_one()
        require_command_rights(self, _("reserve a connector"))
        self.env["ev.charger.command"]._check_operator_allowed("ReserveNow", {})
        return self._open_form(
            "ev.reservation",
            _("Reserve on %s", self.identity),
            {"default_charger_id": self.id},
            "ev_charging.ev_reservation_view_form_dialog",
        )

    def action_send_local_list(self):
        """Send what changed on the local list since the station's last accepted version (the whole
        list when that is not known). EV Manager."""
        self.ensure_one()
        return self.env["ev.local.list.send"]._send_from_button(self, ev_local_list.DIFFERENTIAL)

    def action_send_local_list_full(self):
        self.ensure_one()
        return self.env["ev.local.list.send"]._send_from_button(self, ev_local_list.FULL)

    def action_get_local_list_version(self):
        self.ensure_one()
        require_command_rights(self, _("ask a station for its local list version"))
        return self._command("GetLocalListVersion", {})

    def action_new_composite_schedule(self):
        self.ensure_one()
        require_command_rights(self, _("ask a station for its composite schedule"))
        self.env["ev.charger.command"]._check_operator_allowed("GetCompositeSchedule", {})
        return self._open_form(
            "ev.composite.schedule",
            _("Composite schedule of %s", self.identity),
            {"default_charger_id": self.id},
            "ev_charging.ev_composite_schedule_view_form_dialog",
        )

    def action_apply_charging_profile(self):
        self.ensure_one()
        require_command_rights(self, _("apply a charging profile"))
        self.env["ev.charger.command"]._check_operator_allowed("SetChargingProfile", {})
        return self._open_form(
            "ev.charging.profile.apply.wizard",
            _("Apply a charging profile to %s", self.identity),
            {"default_charger_id": self.id, "default_target": "chargers"},
        )

    def action_update_firmware(self):
        self.ensure_one()
        require_command_rights(self, _("update a station's firmware"))
        self.env["ev.charger.command"]._check_operator_allowed("UpdateFirmware", {})
        return self._open_form(
            "ev.firmware.update.wizard", _("Update the firmware of %s", self.identity), {"default_charger_id": self.id}
        )

    def action_get_log(self):
        self.ensure_one()
        require_command_rights(self, _("get a station's log"))
        self.env["ev.charger.command"]._check_operator_allowed("GetLog", {})
        return self._open_form(
            "ev.log.request.wizard", _("Get the log of %s", self.identity), {"default_charger_id": self.id}
        )

    # --- answers ---------------------------------------------------------------------------------
    @api.model
    def _on_local_list_version(self, commands):
        for cmd in commands.filtered(lambda c: c.state == "accepted"):
            charger = cmd.charger_id
            try:
                reported = ev_local_list.reported_version(cmd.result, charger.ocpp_version)
            except ValueError as exc:
                cmd.error = str(exc)[:250]
                continue
            charger.write(
                {
                    "local_list_reported": reported,
                    "local_list_reported_at": cmd.answered_at or fields.Datetime.now(),
                    "local_list_unknown": reported != charger.local_list_version,
                }
            )
