from odoo import _, fields, models
from odoo.exceptions import UserError

from ..models.ev_access import require_command_rights
from .ev_remote_operation_common import iso, location_problem


class EvFirmwareUpdateWizard(models.TransientModel):
    """UpdateFirmware from the charger form (EV Manager). The station's FirmwareStatusNotifications
    then make the charger's firmware history."""

    _name = "ev.firmware.update.wizard"
    _description = "Update a station's firmware"

    charger_id = fields.Many2one("ev.charger", required=True)
    ocpp_version = fields.Selection(related="charger_id.ocpp_version")
    location = fields.Char(required=True, help="URL of the firmware image, e.g. https://firmware.example.com/v2.1.bin")
    retrieve_date = fields.Datetime("Download from", required=True, default=fields.Datetime.now)
    install_date = fields.Datetime("Install from", help="2.0.1 only: when to install once downloaded.")
    retries = fields.Integer(help="Download attempts before giving up (empty: the station decides).")
    retry_interval = fields.Integer("Retry interval (s)")
    signing_certificate = fields.Text(help="2.0.1 signed firmware: the PEM certificate that signed it.")
    signature = fields.Char(help="2.0.1 signed firmware: base64 signature of the image.")

    def _problems(self):
        problems = []
        problem = location_problem(self.env, self.location, _("The firmware location"))
        if problem:
            problems.append(problem)
        if self.retries < 0 or self.retry_interval < 0:
            problems.append(_("Retries and the retry interval cannot be negative."))
        if self.ocpp_version == "1.6" and (self.install_date or self.signing_certificate or self.signature):
            problems.append(_("OCPP 1.6 has no install time, signing certificate or signature: leave them empty."))
        if bool(self.signing_certificate) != bool(self.signature):
            problems.append(_("A signed firmware needs both the signing certificate and the signature."))
        if self.signing_certificate and len(self.signing_certificate) > 5500:
            problems.append(_("The signing certificate is longer than 5500 characters."))
        if self.signature and len(self.signature) > 800:
            problems.append(_("The signature is longer than 800 characters."))
        if self.install_date and self.install_date < self.retrieve_date:
            problems.append(_("The install time cannot be before the download time."))
        return problems

    def action_send(self):
        self.ensure_one()
        require_command_rights(self.charger_id, _("update a station's firmware"))
        self.env["ev.charger.command"]._check_operator_allowed("UpdateFirmware", {})
        problems = self._problems()
        if problems:
            raise UserError(_("Cannot send this firmware update: %s", " ".join(problems)))
        firmware = {"location": self.location.strip(), "retrieveDateTime": iso(self.retrieve_date)}
        for key, value in (
            ("installDateTime", iso(self.install_date)),
            ("signingCertificate", self.signing_certificate or None),
            ("signature", self.signature or None),
        ):
            if value:
                firmware[key] = value
        params = {"requestId": self.charger_id._ocpp_request_id(), "firmware": firmware}
        if self.retries:
            params["retries"] = self.retries
        if self.retry_interval:
            params["retryInterval"] = self.retry_interval
        return self.env["ev.charger.command"].create_and_send(self.charger_id, "UpdateFirmware", params)
