"""Remote operations on top of the command model (their actions are in ``COMMAND_ACTIONS``): the
OCPP request id of UpdateFirmware / GetLog, sending a command linked to the record that follows it, and where each
answer goes (``ANSWER_HOOKS``).

Who may send what stays in one place (``ev_charger_command.USER_ACTIONS`` / ``TECHNICIAN_ACTIONS``):
an EV User reserves and cancels, asks for the local list version and the composite schedule; a
Field Technician also gets logs; SendLocalList, Set/ClearChargingProfile and UpdateFirmware are an
EV Manager's.
"""

from odoo import api, fields, models

#: where the answer to each remote operation goes: action -> (model, method(commands))
ANSWER_HOOKS = {
    "ReserveNow": ("ev.reservation", "_on_reserve_answer"),
    "CancelReservation": ("ev.reservation", "_on_cancel_answer"),
    "SendLocalList": ("ev.local.list.send", "_on_send_answer"),
    "GetLocalListVersion": ("ev.charger", "_on_local_list_version"),
    "GetCompositeSchedule": ("ev.composite.schedule", "_on_schedule_answer"),
    "SetChargingProfile": ("ev.charger.profile", "_on_set_answer"),
    "ClearChargingProfile": ("ev.charger.profile", "_on_clear_answer"),
    "UpdateFirmware": ("ev.maintenance.status", "_on_request_answer"),
    "GetLog": ("ev.maintenance.status", "_on_request_answer"),
}
#: OCPP integers are 32-bit
MAX_OCPP_INT = 2**31 - 1


class EvChargerCommand(models.Model):
    _inherit = "ev.charger.command"

    ocpp_request_id = fields.Integer(
        "OCPP request id",
        compute="_compute_ocpp_request_id",
        store=True,
        index=True,
        help="requestId of an UpdateFirmware / GetLog: the station's status notifications name it.",
    )

    @api.depends("params")
    def _compute_ocpp_request_id(self):
        for cmd in self:
            value = cmd.params.get("requestId") if isinstance(cmd.params, dict) else None
            valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_OCPP_INT
            cmd.ocpp_request_id = value if valid else 0

    @api.model
    def _ev_send_linked(self, charger, action, params, link, connector=None, wait=True):
        """Queue ``action`` (with the caller's rights: the role policy applies), let ``link(command)``
        attach it to the record that follows it *before* it is routed (a command settled at once, e.g.
        the station is offline, reports to that record too), then wake the node after commit."""
        charger = self._as_record("ev.charger", charger)
        cmd = self.create(self._command_vals(charger, action, params, connector, None))
        link(cmd)
        cmd._route()
        cmd._wake_after_commit(wait=self._operator_wait() if wait else 0)
        return cmd

    def _on_finished(self):
        result = super()._on_finished()
        for action, (model, method) in ANSWER_HOOKS.items():
            commands = self.filtered(lambda c, action=action: c.action == action)
            if commands:
                getattr(self.env[model].sudo(), method)(commands.sudo())
        return result
