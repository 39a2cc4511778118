"""Driver wallet pages: /my/ev/wallet (balance, history with running balance, top-up, pay now).

The wallet and its transactions are read as the driver (ev_billing's portal record rules: their own
customer's). A top-up goes through Odoo's payment framework: the amount form leads to ``payment.form`` with the
wallet company's providers; its transaction route creates the transaction (linked to the wallet, landing on
/my/ev/wallet) with payment's own ``_create_transaction``; ev_billing credits the wallet once the payment is
confirmed and immediately retries the unpaid sessions. *Pay now* on an unpaid wallet session tops up what is
missing; on an invoiced session it opens the invoice's portal page (its Pay button).
"""

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.ev_billing.lib.ev_site_margin import format_local
from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class EvWalletPortal(PaymentPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ev_wallet_count" in counters:
            Wallet = request.env["ev.wallet"]
            values["ev_wallet_count"] = (
                Wallet.search_count(self._ev_wallet_domain()) if Wallet.has_access("read") else 0
            )
        return values

    @staticmethod
    def _ev_wallet_domain():
        return [("partner_id", "=", request.env.user.partner_id.commercial_partner_id.id)]

    def _ev_wallet(self, wallet_id):
        wallet = request.env["ev.wallet"].browse(wallet_id)
        if not wallet.exists():
            return None
        try:
            wallet.check_access("read")
        except (AccessError, MissingError):
            return None
        return wallet

    def _ev_unpaid(self, wallet):
        """The wallet customer's sessions waiting for payment: (wallet sessions left unpaid, invoiced
        sessions whose invoice is not paid), read as the driver."""
        Session = request.env["ev.session"]
        partner = wallet.partner_id if wallet else request.env.user.partner_id.commercial_partner_id
        base = [("partner_id", "child_of", partner.id)]
        unpaid = Session.search(
            base + [("billing_state", "in", ("unpaid", "review")), ("billing_failed_since", "!=", False)]
        )
        invoiced = Session.search(base + [("billing_state", "=", "invoiced"), ("invoice_id", "!=", False)])
        to_pay = invoiced.filtered(
            lambda s: (
                s.sudo().invoice_id.state == "posted" and s.sudo().invoice_id.payment_state in ("not_paid", "partial")
            )
        )
        return unpaid, to_pay

    def _ev_wallet_values(self, wallet, page=1, **extra):
        values = self._prepare_portal_layout_values()
        Transaction = request.env["ev.wallet.transaction"]
        domain = [("wallet_id", "=", wallet.id)] if wallet else [("id", "=", 0)]
        url = "/my/ev/wallet"
        pager = portal_pager(
            url=url,
            total=Transaction.search_count(domain),
            page=page,
            step=self._items_per_page,
            url_args={"wallet_id": wallet.id} if wallet else {},
        )
        transactions = Transaction.search(
            domain, order="create_date desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        unpaid, invoiced = self._ev_unpaid(wallet)
        owed = sum(unpaid.mapped("cost_total"))
        missing = max(0.0, owed - (wallet.balance + wallet.credit_limit)) if wallet else 0.0
        values.update(
            {
                "page_name": "ev_wallet",
                "wallet": wallet,
                "wallets": request.env["ev.wallet"].search(self._ev_wallet_domain()),
                "transactions": transactions,
                "pager": pager,
                "unpaid_sessions": unpaid.sudo(),
                "invoiced_sessions": invoiced.sudo(),
                "owed": owed,
                "missing": wallet.currency_id.round(missing) if wallet else 0.0,
                "ev_local": lambda s, f="start_time": format_local(s[f], s.site_id.tz),
                "default_url": url,
                **extra,
            }
        )
        return values

    @http.route(
        ["/my/ev/wallet", "/my/ev/wallet/page/<int:page>"], type="http", auth="user", website=True, sitemap=False
    )
    def portal_ev_wallet(self, page=1, wallet_id=None, amount=None, **kwargs):
        Wallet = request.env["ev.wallet"]
        if not Wallet.has_access("read"):
            return request.redirect("/my")
        wallet = self._ev_wallet(int(wallet_id)) if wallet_id and str(wallet_id).isdigit() else None
        wallet = wallet or Wallet.search(self._ev_wallet_domain(), limit=1)
        return request.render(
            "ev_portal.portal_ev_wallet", self._ev_wallet_values(wallet, page=page, prefill=amount or "")
        )

    def _ev_topup_form_values(self, wallet, amount):
        partner = request.env.user.partner_id
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(wallet.company_id.id, partner.id, amount, currency_id=wallet.currency_id.id)
        )
        payment_methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(providers.ids, partner.id, currency_id=wallet.currency_id.id)
        )
        return {
            "amount": amount,
            "currency": wallet.currency_id,
            "res_company": wallet.company_id,
            "reference_prefix": f"WALLET-{wallet.id}",
            "partner_id": partner.id,
            "providers_sudo": providers,
            "payment_methods_sudo": payment_methods,
            "tokens_sudo": request.env["payment.token"],
            "availability_report": {},
            "show_tokenize_input_mapping": {p.id: False for p in providers},
            "transaction_route": f"/my/ev/wallet/{wallet.id}/transaction",
            "landing_route": "/my/ev/wallet",
            "access_token": False,
            "mode": "payment",
        }

    @http.route(
        "/my/ev/wallet/<int:wallet_id>/topup", type="http", auth="user", website=True, sitemap=False, methods=["POST"]
    )
    def portal_ev_wallet_topup(self, wallet_id, amount=None, **kwargs):
        wallet = self._ev_wallet(wallet_id)
        if not wallet:
            return request.redirect("/my/ev/wallet")
        try:
            value = self._cast_as_float(amount)
            if value is None:
                raise UserError(_("Enter the amount to add, e.g. 25.00."))
            value = wallet.currency_id.round(value)
            wallet._ev_check_topup(value, wallet.currency_id)
        except (UserError, ValidationError) as exc:
            return request.render(
                "ev_portal.portal_ev_wallet", self._ev_wallet_values(wallet, error=exc.args[0], prefill=amount or "")
            )
        values = self._ev_wallet_values(wallet)
        values.update(self._ev_topup_form_values(wallet, value))
        return request.render("ev_portal.portal_ev_wallet_topup", values)

    @http.route("/my/ev/wallet/<int:wallet_id>/transaction", type="json", auth="user")
    def portal_ev_wallet_transaction(self, wallet_id, amount=None, **kwargs):
        """payment.form's transaction route for a top-up: the wallet must be the driver's (record rules);
        currency, partner, reference and landing page are the wallet's; the amount is checked again."""
        wallet = self._ev_wallet(wallet_id)
        if not wallet:
            raise ValidationError(_("This wallet is not yours, or no longer exists."))
        value = wallet.currency_id.round(float(amount or 0.0))
        wallet._ev_check_topup(value, wallet.currency_id)
        for key in ("access_token", "csrf_token", "landing_route", "currency_id", "partner_id", "reference_prefix"):
            kwargs.pop(key, None)
        self._validate_transaction_kwargs(kwargs)
        if kwargs.pop("is_validation", False) or kwargs.get("flow") not in ("direct", "redirect", "token"):
            raise ValidationError(_("A top-up is a payment, not a validation of a payment method."))
        tx_sudo = self._create_transaction(
            amount=value,
            currency_id=wallet.currency_id.id,
            partner_id=request.env.user.partner_id.id,
            reference_prefix=f"WALLET-{wallet.id}",
            landing_route="/my/ev/wallet",
            custom_create_values=wallet.sudo()._ev_topup_transaction_values(),
            **kwargs,
        )
        return tx_sudo._get_processing_values()

    @http.route("/my/ev/sessions/<int:session_id>/pay", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_session_pay(self, session_id, **kwargs):
        """Pay now: an invoiced session opens its invoice's portal page (Pay button of the payment framework);
        a wallet session left unpaid opens the top-up form with what is missing."""
        try:
            session = self._document_check_access("ev.session", session_id)
        except (AccessError, MissingError):
            return request.redirect("/my/ev/sessions")
        invoice = session.invoice_id
        if session.billing_state == "invoiced" and invoice and invoice.payment_state in ("not_paid", "partial"):
            try:
                self._document_check_access("account.move", invoice.id)
            except (AccessError, MissingError):
                return request.redirect("/my/ev/wallet")
            return request.redirect(invoice.get_portal_url())
        wallet = request.env["ev.wallet"].search(
            self._ev_wallet_domain() + [("company_id", "=", session.company_id.id)], limit=1
        )
        if wallet:
            values = self._ev_wallet_values(wallet)
            amount = values["missing"] or session.cost_total
            return request.redirect(f"/my/ev/wallet?wallet_id={wallet.id}&amount={amount:.2f}#ev_topup")
        return request.redirect("/my/ev/wallet")
