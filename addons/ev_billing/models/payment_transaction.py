"""Stripe partial capture (``amount_to_capture``) and the pay-by-QR hooks on transactions."""

import logging
import pprint

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.payment import utils as payment_utils

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    ev_pay_authorization_id = fields.Many2one(
        "ev.payment.authorization", string="Pay-by-QR authorization", readonly=True, index="btree_not_null", copy=False
    )
    ev_wallet_id = fields.Many2one(
        "ev.wallet",
        string="Wallet top-up",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="The charging wallet this payment tops up once confirmed.",
    )

    # ------------------------------------------------------------------------------------------
    # Stripe partial capture
    # ------------------------------------------------------------------------------------------
    def _send_capture_request(self, amount_to_capture=None):
        """Stripe: capture ``amount_to_capture`` only (payment_stripe captures in full).

        Like payment_adyen's partial capture, the captured amount becomes a child transaction (done,
        it gets the account.payment) and the released remainder a child void transaction (cancelled);
        the source transaction is then confirmed without a payment of its own
        (account_payment skips sources whose children are processed). Full captures keep Odoo's path."""
        if (
            self.provider_code != "stripe"
            or not amount_to_capture
            or not self.currency_id.compare_amounts(amount_to_capture, self.amount)
        ):
            return super()._send_capture_request(amount_to_capture=amount_to_capture)
        self.ensure_one()
        self._ensure_provider_is_not_disabled()
        if (
            self.currency_id.compare_amounts(amount_to_capture, 0) <= 0
            or self.currency_id.compare_amounts(amount_to_capture, self.amount) > 0
        ):
            raise ValidationError(
                _(
                    "Stripe: the amount to capture must be above 0 and at most the authorized "
                    "%(amount)s (got %(capture)s).",
                    amount=self.amount,
                    capture=amount_to_capture,
                )
            )
        payload = {"amount_to_capture": payment_utils.to_minor_currency_units(amount_to_capture, self.currency_id)}
        payment_intent = self.provider_id._stripe_make_request(
            f"payment_intents/{self.provider_reference}/capture",
            payload=payload,
            idempotency_key=payment_utils.generate_idempotency_key(self, scope="payment_intents_capture"),
        )
        _logger.info("partial capture response for transaction %s:\n%s", self.reference, pprint.pformat(payment_intent))
        status = payment_intent.get("status")
        if status != "succeeded":
            raise ValidationError(
                _("Stripe: partial capture of %(ref)s returned status %(status)s.", ref=self.reference, status=status)
            )
        received = payment_utils.to_major_currency_units(
            payment_intent.get("amount_received", payload["amount_to_capture"]), self.currency_id
        )
        capture_tx = self._create_child_transaction(received)
        capture_tx.provider_reference = payment_intent.get("latest_charge") or payment_intent.get("id")
        remainder = self.currency_id.round(self.amount - received)
        if not self.currency_id.is_zero(remainder):
            # Stripe releases the uncaptured remainder; record it as a cancelled (voided) child.
            void_tx = self._create_child_transaction(remainder)
            void_tx._set_canceled(_("Released by Stripe on partial capture."))
        capture_tx._set_done()  # confirms the source once captured + released = authorized
        return capture_tx

    # ------------------------------------------------------------------------------------------
    # Pay by QR
    # ------------------------------------------------------------------------------------------
    def _set_authorized(self, state_message=None, extra_allowed_states=()):
        txs = super()._set_authorized(state_message=state_message, extra_allowed_states=extra_allowed_states)
        txs.filtered("ev_pay_authorization_id").ev_pay_authorization_id._ev_on_authorized()
        return txs

    def _set_error(self, state_message, extra_allowed_states=()):
        txs = super()._set_error(state_message, extra_allowed_states=extra_allowed_states)
        for tx in txs.filtered(lambda t: t.ev_pay_authorization_id.state == "pending"):
            tx.ev_pay_authorization_id.sudo().write({"state": "failed", "error": state_message})
        return txs

    def _set_canceled(self, state_message=None, extra_allowed_states=()):
        txs = super()._set_canceled(state_message=state_message, extra_allowed_states=extra_allowed_states)
        for tx in txs.filtered(lambda t: t.ev_pay_authorization_id.state == "pending"):
            tx.ev_pay_authorization_id.sudo().write({"state": "cancelled"})
        return txs

    # ------------------------------------------------------------------------------------------
    # Wallet top-up
    # ------------------------------------------------------------------------------------------
    def _stripe_prepare_payment_intent_payload(self):
        """A wallet top-up is captured at once, also when the provider captures manually (pay by QR)."""
        payload = super()._stripe_prepare_payment_intent_payload()
        if self.ev_wallet_id:
            payload["capture_method"] = "automatic"
        return payload

    def _post_process(self):
        """Credit the wallet of a confirmed top-up, exactly once (see ev.wallet._ev_credit_from_transaction)."""
        res = super()._post_process()
        for tx in self.filtered(lambda t: t.state == "done" and t.ev_wallet_id and t.operation != "validation"):
            try:
                with self.env.cr.savepoint():
                    tx.ev_wallet_id._ev_credit_from_transaction(tx)
            except UserError as exc:
                # never block the other transactions' post-processing; a manager credits by hand
                _logger.warning("wallet top-up %s not credited: %s", tx.reference, exc.args[0])
                tx.ev_wallet_id.sudo().message_post(
                    body=_("Online payment %(ref)s was not credited: %(error)s", ref=tx.reference, error=exc.args[0])
                )
        return res
