"""Authorization: the wallet's negative-balance policy applies when a driver's token is presented."""

import logging

from odoo import models

_logger = logging.getLogger(__name__)


class EvIdToken(models.Model):
    _inherit = "ev.id.token"

    def _bridge_auth_answer(self, charger):
        """An accepted token of a wallet customer without credit left gets ``NoCredit`` (see
        ev_billing_policy, *Wallet*), cached briefly so that a top-up takes effect quickly."""
        answer = super()._bridge_auth_answer(charger)
        if answer["status"] != "Accepted":
            return answer
        customer = self.partner_id.commercial_partner_id
        if not customer or customer.ev_billing_mode != "wallet":
            return answer
        company = charger.company_id if charger else self.company_id or self.env.company
        wallet = (
            self.env["ev.wallet"].sudo().search([("partner_id", "=", customer.id), ("company_id", "=", company.id)])
        )
        if wallet and wallet._ev_may_charge():
            return answer
        _logger.info(
            "ev_billing: token %s of %s refused (NoCredit): %s",
            self.value,
            customer.display_name,
            "wallet without credit" if wallet else f"no wallet in {company.name}",
        )
        return {**answer, "status": "NoCredit", "cache_seconds": 60}
