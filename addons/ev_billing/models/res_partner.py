from odoo import fields, models

BILLING_MODES = [
    ("session", "Invoice each session"),
    ("monthly", "Monthly invoice"),
    ("wallet", "Prepaid wallet"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    ev_billing_mode = fields.Selection(
        BILLING_MODES,
        string="EV charging billing",
        default="session",
        required=True,
        help="Invoice each session: ad-hoc drivers, one invoice per charging session. Monthly invoice: accounts, "
        "one invoice per month with every session. Prepaid wallet: the session cost is deducted from the "
        "customer's wallet. Set on the company (commercial partner): its contacts follow it.",
    )
    ev_wallet_ids = fields.One2many("ev.wallet", "partner_id", string="Charging wallets")
