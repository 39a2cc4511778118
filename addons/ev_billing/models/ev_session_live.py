from odoo import models


class EvSession(models.Model):
    """The live updates (ev_charging's ev.live) carry the running cost too."""

    _inherit = "ev.session"

    def _ev_live_fields(self):
        return super()._ev_live_fields() + ["cost_estimate", "cost_total", "cost_currency_id"]
