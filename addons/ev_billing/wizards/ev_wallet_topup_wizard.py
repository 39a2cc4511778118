from odoo import _, fields, models
from odoo.exceptions import AccessError

from odoo.addons.ev_charging.models.ev_access import MANAGER


class EvWalletTopupWizard(models.TransientModel):
    _name = "ev.wallet.topup.wizard"
    _description = "Top up or adjust a charging wallet"

    wallet_id = fields.Many2one("ev.wallet", required=True)
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    operation = fields.Selection(
        [("topup", "Top-up (payment received)"), ("adjustment", "Adjustment")], required=True, default="topup"
    )
    amount = fields.Monetary(required=True)
    reference = fields.Char(help="Payment reference (top-up) or reason (adjustment).")

    def action_confirm(self):
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only EV managers may credit or adjust wallets."))
        self.wallet_id.check_access("write")  # a wallet of the manager's companies
        wallet = self.wallet_id.sudo()
        if self.operation == "topup":
            wallet._ev_top_up(self.amount, self.reference)
        else:
            wallet._ev_adjust(self.amount, self.reference)
        return {"type": "ir.actions.act_window_close"}
