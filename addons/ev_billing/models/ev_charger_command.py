from odoo import models


class EvChargerCommand(models.Model):
    _inherit = "ev.charger.command"

    def _on_finished(self):
        """A refused or failed remote start releases the driver's pre-authorization."""
        res = super()._on_finished()
        starts = self.filtered(lambda c: c.action == "RequestStartTransaction")
        if starts:
            self.env["ev.payment.authorization"].sudo().search(
                [("command_id", "in", starts.ids)]
            )._ev_on_command_result()
        return res
