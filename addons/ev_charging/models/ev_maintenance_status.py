"""Firmware update and log upload history of a station: each FirmwareStatusNotification,
LogStatusNotification and 1.6 DiagnosticsStatusNotification is a dated row (the current status
stays on the charger: ``firmware_status``, ``diagnostics_status``), and so is the station's answer
to each UpdateFirmware / GetLog (GetDiagnostics) an operator sent. 2.0.1 rows carry the request's
``requestId`` and link to its command."""

from odoo import _, api, fields, models

KINDS = [("firmware", "Firmware update"), ("log", "Log upload")]
SOURCES = [("station", "Station notification"), ("request", "Request")]
#: the command that starts each kind
REQUEST_ACTION = {"firmware": "UpdateFirmware", "log": "GetLog"}


class EvMaintenanceStatus(models.Model):
    _name = "ev.maintenance.status"
    _description = "Firmware update / log upload status"
    _order = "timestamp desc, id desc"
    _check_company_auto = True
    _rec_name = "status"

    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, index=True)
    source = fields.Selection(SOURCES, required=True, default="station")
    status = fields.Char(required=True)
    request_id = fields.Integer("Request id", help="2.0.1 requestId (1.6 notifications carry none).")
    timestamp = fields.Datetime(required=True, index=True, help="When the bridge received it (UTC).")
    info = fields.Char()
    command_id = fields.Many2one("ev.charger.command", index=True, check_company=True)

    @api.model
    def _request_command(self, charger, kind, request_id):
        """The UpdateFirmware / GetLog command a notification belongs to: the one with its requestId
        (2.0.1), else the station's latest one (1.6 names none)."""
        Command = self.env["ev.charger.command"].sudo()
        domain = [("charger_id", "=", charger.id), ("action", "=", REQUEST_ACTION[kind])]
        if request_id:
            return Command.search(domain + [("ocpp_request_id", "=", request_id)], limit=1)
        return Command.search(domain + [("state", "in", ("sent", "accepted"))], limit=1, order="id desc")

    @api.model
    def _record(self, charger, kind, status, when, request_id=None):
        """One notification from the station."""
        return self.sudo().create(
            {
                "charger_id": charger.id,
                "kind": kind,
                "status": status,
                "request_id": request_id or 0,
                "timestamp": when,
                "command_id": self._request_command(charger, kind, request_id).id or False,
            }
        )

    @api.model
    def _on_request_answer(self, commands):
        """The station's answer to UpdateFirmware / GetLog, as a row of its history."""
        for cmd in commands:
            kind = "firmware" if cmd.action == "UpdateFirmware" else "log"
            params, result = cmd.params or {}, cmd.result if isinstance(cmd.result, dict) else {}
            if cmd.state == "accepted":
                status = cmd.result_status or _("Accepted")
            elif cmd.state == "rejected":
                status = cmd.result_status or _("Rejected")
            else:
                status = _("Not delivered")
            if kind == "firmware":
                target = (params.get("firmware") or {}).get("location")
            else:
                target = (
                    result.get("filename") or result.get("fileName") or (params.get("log") or {}).get("remoteLocation")
                )
            self.create(
                {
                    "charger_id": cmd.charger_id.id,
                    "kind": kind,
                    "source": "request",
                    "status": status,
                    "request_id": cmd.ocpp_request_id,
                    "timestamp": cmd.answered_at or fields.Datetime.now(),
                    "info": (cmd.error or target or "")[:250] or False,
                    "command_id": cmd.id,
                }
            )
