from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_default_tariff_id = fields.Many2one(related="company_id.ev_default_tariff_id", readonly=False,
                                           domain="[('company_id', '=', company_id)]")
