from odoo import _, fields, models
from odoo.exceptions import UserError

from ..models.ev_access import require_command_rights
from .ev_remote_operation_common import iso, location_problem


class EvLogRequestWizard(models.TransientModel):
    """GetLog (1.6 GetDiagnostics) from the charger form (Field Technician and up). The station's
    LogStatusNotifications / DiagnosticsStatusNotifications make the charger's log history."""

    _name = "ev.log.request.wizard"
    _description = "Get a station's log"

    charger_id = fields.Many2one("ev.charger", required=True)
    ocpp_version = fields.Selection(related="charger_id.ocpp_version")
    remote_location = fields.Char(
        "Upload to", required=True, help="Where the station uploads the log, e.g. ftp://logs.example.com/incoming/"
    )
    log_type = fields.Selection(
        [("DiagnosticsLog", "Diagnostics"), ("SecurityLog", "Security (2.0.1)")],
        required=True,
        default="DiagnosticsLog",
    )
    oldest = fields.Datetime("From")
    latest = fields.Datetime("To")
    retries = fields.Integer()
    retry_interval = fields.Integer("Retry interval (s)")

    def _problems(self):
        problems = []
        problem = location_problem(self.env, self.remote_location, _("The upload location"))
        if problem:
            problems.append(problem)
        if self.ocpp_version == "1.6" and self.log_type != "DiagnosticsLog":
            problems.append(_("An OCPP 1.6 station only uploads its diagnostics log."))
        if self.oldest and self.latest and self.latest < self.oldest:
            problems.append(_("The end of the period cannot be before its start."))
        if self.retries < 0 or self.retry_interval < 0:
            problems.append(_("Retries and the retry interval cannot be negative."))
        return problems

    def action_send(self):
        self.ensure_one()
        require_command_rights(self.charger_id, _("get a station's log"))
        self.env["ev.charger.command"]._check_operator_allowed("GetLog", {})
        problems = self._problems()
        if problems:
            raise UserError(_("Cannot ask for this log: %s", " ".join(problems)))
        log = {"remoteLocation": self.remote_location.strip()}
        if self.oldest:
            log["oldestTimestamp"] = iso(self.oldest)
        if self.latest:
            log["latestTimestamp"] = iso(self.latest)
        params = {"logType": self.log_type, "requestId": self.charger_id._ocpp_request_id(), "log": log}
        if self.retries:
            params["retries"] = self.retries
        if self.retry_interval:
            params["retryInterval"] = self.retry_interval
        return self.env["ev.charger.command"].create_and_send(self.charger_id, "GetLog", params)
