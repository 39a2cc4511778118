"""Public pay-by-QR pages (no website module needed: portal.frontend_layout).

The routes are ``website=True`` like payment's own pages (/payment/pay): that makes them frontend
requests, so the portal's QWeb helpers that payment.form needs (``is_html_empty``...) are in the rendering
context. The transaction route follows the document routes of Odoo (sale's /my/orders/<id>/transaction):
payment.form's JS posts only the payment option, the flow and the form's ``access_token`` (here the
authorization's) to it; the amount, currency and partner are the authorization's."""

import werkzeug

from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.payment.controllers.portal import PaymentPortal

#: connector statuses in which a session can be started remotely (2.0.1 Occupied: a vehicle is plugged in)
STARTABLE_STATUSES = ("Available", "Occupied")


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

    @staticmethod
    def _ev_availability(connector):
        """(can a session be started now, status shown to the driver): a station that is not connected is
        shown as such, whatever its connectors last reported."""
        charger = connector.charger_id
        if charger.connection_state == "never":
            return False, _("Not connected yet")
        if charger.connection_state != "connected":
            return False, _("Offline")
        return connector.status in STARTABLE_STATUSES, connector.status or _("Unknown")

    def _ev_page_values(self, connector, token, **extra):
        amount, currency = request.env["ev.payment.authorization"].sudo()._ev_preauth_amount(connector)
        available, status = self._ev_availability(connector)
        return {
            "connector": connector,
            "tariff": connector.charger_id._ev_tariff(),
            "amount": amount,
            "currency": currency,
            "token": token,
            "available": available,
            "status_label": status,
            **extra,
        }

    @http.route("/ev/pay/<string:token>", type="http", auth="public", methods=["GET"], website=True, sitemap=False)
    def ev_pay_page(self, token, **kwargs):
        connector = self._ev_connector(token)
        return request.render("ev_billing.ev_pay_page", self._ev_page_values(connector, token))

    @http.route(
        "/ev/pay/<string:token>/start", type="http", auth="public", methods=["POST"], website=True, sitemap=False
    )
    def ev_pay_start(self, token, email=None, **kwargs):
        """Create the pending authorization and show Odoo's payment form (Stripe, manual capture)."""
        connector = self._ev_connector(token)
        values = self._ev_page_values(connector, token)
        if not values["available"]:
            return request.render("ev_billing.ev_pay_page", values)
        auth = request.env["ev.payment.authorization"].sudo()._ev_create_for_connector(connector, email=email)
        provider = auth._ev_stripe_provider()
        payment_methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(provider.ids, auth.partner_id.id, currency_id=auth.currency_id.id)
            if provider
            else provider
        )
        values.update(
            {
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
                "transaction_route": f"/ev/pay/auth/{auth.id}/transaction",
                "landing_route": auth._ev_status_url(),
                "access_token": auth.access_token,
                "mode": "payment",
            }
        )
        return request.render("ev_billing.ev_pay_form_page", values)

    @http.route("/ev/pay/auth/<int:auth_id>/transaction", type="json", auth="public")
    def ev_pay_transaction(self, auth_id, access_token, **kwargs):
        """Payment's transaction route for an authorization (what payment.form's JS calls): the amount,
        currency and partner are the authorization's, the transaction is linked to it, the driver lands on
        its status page."""
        auth = self._ev_authorization(auth_id, access_token)
        if auth.state != "pending" or auth.transaction_id:
            raise ValidationError(_("This authorization was already used; scan the QR code again."))
        amount = kwargs.pop("amount", None)
        if amount is not None and auth.currency_id.compare_amounts(float(amount), auth.amount):
            raise ValidationError(_("The amount to pre-authorize is %s; reload the page.", auth.amount))
        self._validate_transaction_kwargs(kwargs)
        if kwargs.pop("is_validation", False) or kwargs.get("flow") not in ("direct", "redirect"):
            raise ValidationError(_("A pre-authorization is paid by card, directly or with a redirection."))
        kwargs.pop("landing_route", None)
        kwargs.pop("csrf_token", None)
        tx_sudo = self._create_transaction(
            amount=auth.amount,
            currency_id=auth.currency_id.id,
            partner_id=auth.partner_id.id,
            reference_prefix=auth.name,
            landing_route=auth._ev_status_url(),
            custom_create_values=auth._ev_transaction_values(),
            **kwargs,
        )
        auth.transaction_id = tx_sudo
        return tx_sudo._get_processing_values()

    @http.route(
        "/ev/pay/status/<int:auth_id>", type="http", auth="public", methods=["GET"], website=True, sitemap=False
    )
    def ev_pay_status(self, auth_id, access_token=None, **kwargs):
        auth = self._ev_authorization(auth_id, access_token)
        return request.render("ev_billing.ev_pay_status_page", {"authorization": auth, "connector": auth.connector_id})
