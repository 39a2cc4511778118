import secrets

from odoo import fields, models


class EvChargerPasswordWizard(models.TransientModel):
    _name = "ev.charger.password.wizard"
    _description = "Set a station's Basic-auth password"

    charger_id = fields.Many2one("ev.charger", required=True)
    password = fields.Char(
        required=True,
        default=lambda self: secrets.token_urlsafe(24)[:32],
        help="16 to 40 characters. Configure the same value on the station; Odoo keeps only a hash.",
    )

    def action_apply(self):
        self.ensure_one()
        # EV Managers only, on chargers they may write (checked by set_basic_auth_password)
        self.charger_id.set_basic_auth_password(self.password)
        return {"type": "ir.actions.act_window_close"}
