from odoo import models


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _compute_feature_support_fields(self):
        """Stripe can capture less than the authorized amount (``amount_to_capture``); Odoo 18 only
        declares 'full_only'. See payment_transaction._send_capture_request for the request."""
        super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "stripe").update({"support_manual_capture": "partial"})
