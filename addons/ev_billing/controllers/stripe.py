"""Stripe webhooks: a notification that cannot be authenticated is refused with 403, never processed.

payment_stripe processes an event without checking anything when the provider has no webhook secret,
and answers 500 to a missing or malformed ``Stripe-Signature`` header (KeyError/ValueError while
parsing it). Both are refused here before its own check runs (timestamp age, HMAC-SHA256)."""

import logging

from werkzeug.exceptions import Forbidden

from odoo.http import request

from odoo.addons.payment_stripe import utils as stripe_utils
from odoo.addons.payment_stripe.controllers.main import StripeController

_logger = logging.getLogger(__name__)


def signature_header_is_well_formed(header):
    """``t=<unix time>,v1=<hex>[,v0=...]``: comma-separated ``key=value`` pairs, a numeric ``t`` and a ``v1``."""
    if not header:
        return False
    pairs = [entry.split("=") for entry in header.split(",")]
    if any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
        return False
    values = dict(pairs)
    return values.get("t", "").isdigit() and bool(values.get("v1"))


class EvStripeController(StripeController):
    def _verify_notification_signature(self, tx_sudo):
        if not stripe_utils.get_webhook_secret(tx_sudo.provider_id):
            _logger.warning(
                "refused a Stripe webhook for %s: provider %s has no webhook secret to check it with",
                tx_sudo.reference,
                tx_sudo.provider_id.name,
            )
            raise Forbidden()
        if not signature_header_is_well_formed(request.httprequest.headers.get("Stripe-Signature")):
            _logger.warning(
                "refused a Stripe webhook for %s: no well-formed Stripe-Signature header", tx_sudo.reference
            )
            raise Forbidden()
        return super()._verify_notification_signature(tx_sudo)
