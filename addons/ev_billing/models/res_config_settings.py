from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_default_tariff_id = fields.Many2one(
        related="company_id.ev_default_tariff_id", readonly=False, domain="[('company_id', '=', company_id)]"
    )
    ev_cost_update_interval = fields.Integer(
        "CostUpdated interval (s)",
        config_parameter="ev_billing.cost_update_interval",
        default=60,
        help="OCPP 2.0.1 stations get the running cost of a session at most once per this many seconds, and "
        "only when it changed; the final total is always sent. 0 = every change.",
    )

    @api.constrains("ev_cost_update_interval")
    def _check_ev_cost_update_interval(self):
        for settings in self:
            if settings.ev_cost_update_interval < 0:
                raise ValidationError(
                    _(
                        "The CostUpdated interval is a number of seconds >= 0 (0 = send every change), got %s.",
                        settings.ev_cost_update_interval,
                    )
                )
