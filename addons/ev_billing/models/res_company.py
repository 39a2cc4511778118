from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ev_default_tariff_id = fields.Many2one(
        "ev.tariff",
        string="Default charging tariff",
        check_company=True,
        help="Used for chargers whose charger and site set no tariff.",
    )
    ev_pay_preauth_amount = fields.Monetary(
        "Pay-by-QR pre-authorization",
        default=50.0,
        currency_field="currency_id",
        help="Amount pre-authorized on the driver's card before a pay-by-QR session starts, unless the "
        "tariff sets its own.",
    )
    ev_pay_auth_expiry_days = fields.Integer(
        "Pay-by-QR authorization validity (days)",
        default=6,
        help="Uncaptured pay-by-QR authorizations older than this are cancelled (Stripe cancels uncaptured "
        "payment intents after 7 days).",
    )
