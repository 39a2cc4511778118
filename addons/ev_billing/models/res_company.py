from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ev_default_tariff_id = fields.Many2one(
        "ev.tariff", string="Default charging tariff", check_company=True,
        help="Used for chargers whose charger and site set no tariff.")
