from odoo import _, fields, models

from ..models.ev_access import require_command_rights


class EvRemoteStartWizard(models.TransientModel):
    _name = "ev.remote.start.wizard"
    _description = "Start a session remotely"

    connector_id = fields.Many2one("ev.connector", required=True)
    id_token_id = fields.Many2one("ev.id.token", string="Id token", required=True, domain=[("status", "=", "accepted")])

    def action_start(self):
        self.ensure_one()
        require_command_rights(self.connector_id, _("start a session remotely"))
        self.id_token_id.check_access("read")  # a token of the caller's companies only
        token = self.id_token_id
        params = {
            "remoteStartId": int(self.env["ir.sequence"].next_by_code("ev.remote.start") or 1),
            "evseId": self.connector_id.evse_number,
            "idToken": {"idToken": token.value, "type": token.token_type},
        }
        return self.env["ev.charger.command"].create_and_send(
            self.connector_id.charger_id, "RequestStartTransaction", params, self.connector_id
        )
