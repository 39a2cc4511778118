from urllib.parse import urlparse

from odoo import _, models
from odoo.exceptions import ValidationError

STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_API_BASE_PARAM = "ev_billing.stripe_api_base"


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _compute_feature_support_fields(self):
        """Stripe can capture less than the authorized amount (``amount_to_capture``); Odoo 18 only
        declares 'full_only'. See payment_transaction._send_capture_request for the request."""
        res = super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "stripe").update({"support_manual_capture": "partial"})
        return res

    def _ev_stripe_api_base(self):
        """Stripe's API base URL: the ``ev_billing.stripe_api_base`` system parameter for a provider in
        *test* state (the demo's fake Stripe, scripts/fake_stripe.py), always Stripe's for an enabled one."""
        self.ensure_one()
        if self.state != "test":
            return STRIPE_API_BASE
        base = (self.env["ir.config_parameter"].sudo().get_param(STRIPE_API_BASE_PARAM) or STRIPE_API_BASE).strip()
        parsed = urlparse(base)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.netloc
            or parsed.path.strip("/")
            or parsed.query
            or parsed.fragment
        ):
            raise ValidationError(
                _(
                    "System parameter %(param)s must be a bare http(s) URL such as "
                    "%(default)s or http://127.0.0.1:8099, got %(value)r.",
                    param=STRIPE_API_BASE_PARAM,
                    default=STRIPE_API_BASE,
                    value=base,
                )
            )
        return base.rstrip("/")

    def _stripe_make_request(self, endpoint, payload=None, method="POST", offline=False, idempotency_key=None):
        """Only the URL changes: payment_stripe joins ``endpoint`` to https://api.stripe.com/v1/, and an
        absolute endpoint replaces that base, so headers, payload and error handling stay Odoo's."""
        if self.code == "stripe" and len(self) == 1:
            base = self._ev_stripe_api_base()
            if base != STRIPE_API_BASE:
                endpoint = f"{base}/v1/{endpoint.lstrip('/')}"
        return super()._stripe_make_request(
            endpoint, payload=payload, method=method, offline=offline, idempotency_key=idempotency_key
        )
