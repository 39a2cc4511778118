"""Public pay-by-QR pages (no website module needed: web.frontend_layout)."""

import werkzeug

from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.portal import PaymentPortal


class EvPayController(PaymentPortal):
    @staticmethod
    def _ev_connector(token):
        connector = (
            request.env["ev.connector"].sudo().search([("ev_pay_token", "=", token)], limit=1) if token else None
        )
        if not connector:
            raise werkzeug.exceptions.NotFound()
        return connector

    @staticmethod
    def _ev_authorization(auth_id, access_token):
        auth = request.env["ev.payment.authorization"].sudo().browse(int(auth_id)).exists()
        if not auth or not access_token or not consteq(auth.access_token or "", access_token):
            raise werkzeug.exceptions.NotFound()
        return auth

    @http.route("/ev/pay/<string:token>", type="http", auth="public", methods=["GET"], sitemap=False)
    def ev_pay_page(self, token, **kwargs):
        connector = self._ev_connector(token)
        Auth = request.env["ev.payment.authorization"].sudo()
        amount, currency = Auth._ev_preauth_amount(connector)
        return request.render(
            "ev_billing.ev_pay_page",
            {
                "connector": connector,
                "tariff": connector.charger_id._ev_tariff(),
                "amount": amount,
                "currency": currency,
                "token": token,
                "available": connector.status in ("Available", "Occupied"),
            },
        )

    @http.route("/ev/pay/<string:token>/start", type="http", auth="public", methods=["POST"], sitemap=False)
    def ev_pay_start(self, token, email=None, **kwargs):
        """Create the pending authorization and show Odoo's payment form (Stripe, manual capture)."""
        connector = self._ev_connector(token)
        auth = request.env["ev.payment.authorization"].sudo()._ev_create_for_connector(connector, email=email)
        provider = auth._ev_stripe_provider()
        payment_methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(provider.ids, auth.partner_id.id, currency_id=auth.currency_id.id)
            if provider
            else provider
        )
        values = {
            "connector": connector,
            "authorization": auth,
            "amount": auth.amount,
            "currency": auth.currency_id,
            "res_company": auth.company_id,
            "reference_prefix": auth.name,
            "partner_id": auth.partner_id.id,
            "providers_sudo": provider,
            "payment_methods_sudo": payment_methods,
            "tokens_sudo": request.env["payment.token"],
            "availability_report": {},
            "show_tokenize_input_mapping": {p.id: False for p in provider},
            "transaction_route": f"/ev/pay/auth/{auth.id}/transaction?access_token={auth.access_token}",
            "landing_route": f"/ev/pay/status/{auth.id}?access_token={auth.access_token}",
            "access_token": payment_utils.generate_access_token(auth.partner_id.id, auth.amount, auth.currency_id.id),
        }
        return request.render("ev_billing.ev_pay_form_page", values)

    @http.route("/ev/pay/auth/<int:auth_id>/transaction", type="json", auth="public")
    def ev_pay_transaction(self, auth_id, amount, currency_id, partner_id, access_token, **kwargs):
        """Payment's /payment/transaction for an authorization: the amount and partner are the
        authorization's, the transaction is linked to it."""
        auth = self._ev_authorization(auth_id, request.httprequest.args.get("access_token"))
        if auth.state != "pending" or auth.transaction_id:
            raise ValidationError(_("This authorization was already used; scan the QR code again."))
        if (
            not payment_utils.check_access_token(access_token, partner_id, amount and float(amount), currency_id)
            or int(partner_id) != auth.partner_id.id
            or int(currency_id) != auth.currency_id.id
            or auth.currency_id.compare_amounts(float(amount), auth.amount)
        ):
            raise ValidationError(_("The access token is invalid."))
        self._validate_transaction_kwargs(kwargs, additional_allowed_keys=("reference_prefix",))
        kwargs.pop("reference_prefix", None)
        tx_sudo = self._create_transaction(
            amount=auth.amount,
            currency_id=auth.currency_id.id,
            partner_id=auth.partner_id.id,
            reference_prefix=auth.name,
            custom_create_values=auth._ev_transaction_values(),
            **kwargs,
        )
        auth.transaction_id = tx_sudo
        return tx_sudo._get_processing_values()

    @http.route("/ev/pay/status/<int:auth_id>", type="http", auth="public", methods=["GET"], sitemap=False)
    def ev_pay_status(self, auth_id, access_token=None, **kwargs):
        auth = self._ev_authorization(auth_id, access_token)
        return request.render("ev_billing.ev_pay_status_page", {"authorization": auth, "connector": auth.connector_id})
