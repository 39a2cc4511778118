from odoo import fields, models


class EvRemoteStartWizard(models.TransientModel):
    _name = "ev.remote.start.wizard"
    _description = "Start a session remotely"

    connector_id = fields.Many2one("ev.connector", required=True)
    id_token_id = fields.Many2one("ev.id.token", string="Id token", required=True, domain=[("status", "=", "accepted")])

    def action_start(self):
        self.ensure_one()
        token = self.id_token_id
        params = {
            "remoteStartId": int(self.env["ir.sequence"].next_by_code("ev.remote.start") or 1),
            "evseId": self.connector_id.evse_number,
            "idToken": {"idToken": token.value, "type": token.token_type},
        }
        return self.env["ev.charger.command"].create_and_send(
            self.connector_id.charger_id, "RequestStartTransaction", params, self.connector_id
        )
