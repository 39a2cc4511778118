from odoo import _, api, fields, models
from odoo.exceptions import UserError

TRANSACTION_KINDS = [
    ("topup", "Top-up"),
    ("deduction", "Session payment"),
    ("refund", "Refund"),
    ("adjustment", "Adjustment"),
]


class EvWalletTransaction(models.Model):
    _name = "ev.wallet.transaction"
    _description = "Wallet transaction"
    _order = "id desc"
    _check_company_auto = True

    wallet_id = fields.Many2one(
        "ev.wallet", required=True, index=True, ondelete="restrict", readonly=True, check_company=True
    )
    partner_id = fields.Many2one(related="wallet_id.partner_id", store=True, index=True)
    company_id = fields.Many2one(related="wallet_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="wallet_id.currency_id", store=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    kind = fields.Selection(TRANSACTION_KINDS, required=True, readonly=True)
    amount = fields.Monetary(required=True, readonly=True, help="Positive: credit; negative: debit.")
    balance_after = fields.Monetary(
        "Running balance", readonly=True, help="Wallet balance right after this transaction."
    )
    session_id = fields.Many2one("ev.session", readonly=True, index=True, ondelete="restrict", check_company=True)
    reference = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)
    payment_transaction_id = fields.Many2one(
        "payment.transaction",
        string="Online payment",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        help="The payment transaction of an online top-up.",
    )

    _sql_constraints = [
        (
            "payment_transaction_uniq",
            "unique(payment_transaction_id)",
            "This online payment has already credited a wallet.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("ev_wallet_post"):
            raise UserError(
                _(
                    "Wallet transactions are created by top-ups, session payments and adjustments "
                    "(buttons on the wallet), never by hand."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(_("Wallet transactions cannot be changed: post an adjustment instead."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Wallet transactions cannot be deleted: post an adjustment instead."))
