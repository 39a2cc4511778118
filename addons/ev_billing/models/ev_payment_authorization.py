"""Pay by QR: a Stripe pre-authorization (manual capture) that starts a session remotely and is
captured for the session's real cost (or voided when the session is free)."""

import secrets
import uuid
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

AUTH_STATES = [
    ("pending", "Pending"),
    ("authorized", "Authorized"),
    ("started", "Start requested"),
    ("captured", "Captured"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
    ("failed", "Failed"),
]
OPEN_STATES = ("authorized", "started")
FAILED_COMMAND_STATES = ("rejected", "failed", "timeout")


class EvPaymentAuthorization(models.Model):
    _name = "ev.payment.authorization"
    _description = "Pay-by-QR pre-authorization"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, copy=False, default=lambda self: _("New"))
    connector_id = fields.Many2one("ev.connector", required=True, readonly=True, index=True, ondelete="restrict")
    charger_id = fields.Many2one(related="connector_id.charger_id", store=True, index=True)
    site_id = fields.Many2one(related="connector_id.site_id", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", string="Driver", readonly=True, index=True)
    email = fields.Char(readonly=True, help="Where the receipt is sent.")
    amount = fields.Monetary("Authorized amount", currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    captured_amount = fields.Monetary(currency_field="currency_id", readonly=True, tracking=True)
    state = fields.Selection(AUTH_STATES, required=True, default="pending", readonly=True, index=True, tracking=True)
    transaction_id = fields.Many2one(
        "payment.transaction", string="Payment transaction", readonly=True, index=True, copy=False
    )
    capture_transaction_id = fields.Many2one(
        "payment.transaction", string="Capture transaction", readonly=True, copy=False
    )
    payment_id = fields.Many2one(related="capture_transaction_id.payment_id", string="Payment")
    id_token_id = fields.Many2one("ev.id.token", string="Id token", readonly=True, copy=False)
    id_token_value = fields.Char("Id token value", readonly=True, index=True, copy=False)
    remote_start_id = fields.Integer("remoteStartId", readonly=True, copy=False)
    command_id = fields.Many2one("ev.charger.command", string="Start command", readonly=True, copy=False)
    session_id = fields.Many2one("ev.session", readonly=True, index=True, copy=False)
    authorized_at = fields.Datetime(readonly=True, copy=False)
    access_token = fields.Char(
        readonly=True, copy=False, groups="base.group_system", default=lambda self: str(uuid.uuid4())
    )
    error = fields.Text(readonly=True, copy=False)
    receipt_sent = fields.Boolean(readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = "QR-" + secrets.token_hex(4).upper()
        return super().create(vals_list)

    # ------------------------------------------------------------------------------------------
    # Creation from the public page
    # ------------------------------------------------------------------------------------------
    @api.model
    def _ev_preauth_amount(self, connector):
        """(amount, currency) to pre-authorize for ``connector``: the tariff's, else the company's."""
        tariff = connector.charger_id._ev_tariff()
        company = connector.company_id or self.env.company
        if tariff and tariff.ev_pay_preauth_amount > 0:
            return tariff.ev_pay_preauth_amount, tariff.currency_id
        return company.ev_pay_preauth_amount or 50.0, (tariff.currency_id if tariff else company.currency_id)

    @api.model
    def _ev_create_for_connector(self, connector, email=None, partner=None):
        connector = connector.sudo()
        amount, currency = self._ev_preauth_amount(connector)
        if not partner:
            email = (email or "").strip()
            partner = (
                self.env["res.partner"]
                .sudo()
                .create(
                    {
                        "name": email or _("Pay-by-QR driver"),
                        "email": email or False,
                        "company_id": connector.company_id.id,
                    }
                )
            )
        return self.sudo().create(
            {
                "connector_id": connector.id,
                "company_id": connector.company_id.id,
                "partner_id": partner.id,
                "email": email or partner.email,
                "amount": amount,
                "currency_id": currency.id,
            }
        )

    def _ev_stripe_provider(self):
        """The company's enabled Stripe provider in manual-capture mode."""
        self.ensure_one()
        return (
            self.env["payment.provider"]
            .sudo()
            .search(
                [
                    ("code", "=", "stripe"),
                    ("state", "in", ("enabled", "test")),
                    ("capture_manually", "=", True),
                    ("company_id", "=", self.company_id.id),
                ],
                limit=1,
            )
        )

    def _ev_status_url(self):
        """The driver's status page of this authorization (public, with its access token)."""
        self.ensure_one()
        return f"/ev/pay/status/{self.id}?access_token={self.sudo().access_token}"

    def _ev_transaction_values(self):
        """Create values the payment framework adds to the transaction (links it to this authorization)."""
        self.ensure_one()
        return {"ev_pay_authorization_id": self.id}

    def _ev_create_transaction(self, provider, payment_method, flow="direct"):
        """Create the draft transaction the way payment's ``/payment/transaction`` route does (the public
        controller calls that route's ``_create_transaction``); used by tests and back-office."""
        self.ensure_one()
        reference = self.env["payment.transaction"]._compute_reference(provider.code, prefix=self.name)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": payment_method.id,
                    "reference": reference,
                    "amount": self.amount,
                    "currency_id": self.currency_id.id,
                    "partner_id": self.partner_id.id,
                    "operation": f"online_{flow}",
                    "landing_route": self._ev_status_url(),
                    **self._ev_transaction_values(),
                }
            )
        )
        tx._log_sent_message()
        self.transaction_id = tx
        return tx

    # ------------------------------------------------------------------------------------------
    # Authorized: start the session remotely
    # ------------------------------------------------------------------------------------------
    def _ev_on_authorized(self):
        for auth in self.sudo().filtered(lambda a: a.state == "pending"):
            auth.write({"state": "authorized", "authorized_at": fields.Datetime.now()})
            auth._ev_remote_start()

    def _ev_remote_start(self):
        self.ensure_one()
        connector = self.connector_id
        value = "QR" + secrets.token_hex(9).upper()  # 20 chars: fits OCPP 1.6 (20) and 2.0.1 (36)
        token = (
            self.env["ev.id.token"]
            .sudo()
            .create(
                {
                    "value": value,
                    "token_type": "Central",
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "expiry": fields.Datetime.now() + timedelta(days=self.company_id.ev_pay_auth_expiry_days or 6),
                }
            )
        )
        remote_start_id = int(self.env["ir.sequence"].sudo().next_by_code("ev.remote.start") or 1)
        if connector.charger_id.ocpp_version == "1.6":
            params = {"connectorId": connector.evse_number, "idTag": value}
        else:
            params = {
                "remoteStartId": remote_start_id,
                "evseId": connector.evse_number,
                "idToken": {"idToken": value, "type": "Central"},
            }
        self.write({"id_token_id": token.id, "id_token_value": value, "remote_start_id": remote_start_id})
        command = (
            self.env["ev.charger.command"]
            .sudo()
            .create_and_push(connector.charger_id, "RequestStartTransaction", params, connector)
        )
        self.write({"command_id": command.id, "state": "started"})
        if command.state in FAILED_COMMAND_STATES:
            self._ev_void(
                "failed",
                _(
                    "The station did not start the session (%(state)s: %(error)s).",
                    state=command.state,
                    error=command.error or command.result_status or "",
                ),
            )

    def _ev_on_command_result(self):
        """A late answer to the start command (called from ev.charger.command._on_finished)."""
        for auth in self.filtered(
            lambda a: a.state == "started" and not a.session_id and a.command_id.state in FAILED_COMMAND_STATES
        ):
            auth._ev_void("failed", _("The station refused or did not answer the start command."))

    # ------------------------------------------------------------------------------------------
    # Session end: capture the real cost or void
    # ------------------------------------------------------------------------------------------
    def _ev_settle(self):
        """Capture the session's cost (partial capture), or void the authorization for a free session."""
        for auth in self.sudo().filtered(lambda a: a.state in OPEN_STATES and a.session_id):
            session = auth.session_id
            if not session.priced_at:
                auth.error = _(
                    "The session could not be priced (%s): capture or void manually.",
                    session.pricing_error or session.billing_error or "?",
                )
                auth.message_post(body=auth.error)
                continue
            if session.is_free or session.cost_currency_id.is_zero(session.cost_total):
                auth._ev_void(
                    "cancelled",
                    _("Free session (%(kwh)s kWh): authorization cancelled.", kwh=f"{session.billed_energy_kwh:.3f}"),
                )
                auth._ev_send_receipt()
                continue
            if session.cost_currency_id != auth.currency_id:
                auth._ev_fail(
                    _(
                        "The session is priced in %(cost)s but %(auth)s was authorized.",
                        cost=session.cost_currency_id.name,
                        auth=auth.currency_id.name,
                    )
                )
                continue
            auth._ev_capture(session.cost_total)
            auth._ev_send_receipt()

    def _ev_capture(self, amount):
        self.ensure_one()
        tx = self.transaction_id
        to_capture = min(amount, self.amount)
        if self.currency_id.compare_amounts(amount, self.amount) > 0:
            self.session_id.message_post(
                body=_(
                    "Session cost %(cost)s exceeds the pre-authorized %(auth)s: only %(auth)s is captured, the "
                    "rest is due on the invoice.",
                    cost=amount,
                    auth=self.amount,
                )
            )
        try:
            with self.env.cr.savepoint():
                capture_tx = tx._send_capture_request(amount_to_capture=to_capture) or tx
        except (UserError, ValidationError) as exc:
            self._ev_fail(_("Capture of %(amount)s failed: %(error)s", amount=to_capture, error=exc.args[0]))
            return False
        if capture_tx.state != "done":
            self._ev_fail(
                _(
                    "Capture of %(amount)s not confirmed by Stripe (transaction %(ref)s is %(state)s).",
                    amount=to_capture,
                    ref=capture_tx.reference,
                    state=capture_tx.state,
                )
            )
            return False
        invoice = self.session_id.invoice_id
        if invoice:
            # account_payment reconciles a partial capture with its source transaction's invoices.
            (tx | capture_tx).write({"invoice_ids": [(4, invoice.id)]})
        # Book it now (the payment cron would do it later): one payment of the captured amount,
        # reconciled with the session's invoice.
        capture_tx._post_process()
        self.write(
            {
                "state": "captured",
                "captured_amount": to_capture,
                "capture_transaction_id": capture_tx.id,
                "error": False,
            }
        )
        self.id_token_id.write({"status": "expired"})
        return capture_tx

    def _ev_void(self, state, reason):
        self.ensure_one()
        tx = self.transaction_id
        if tx and tx.state == "authorized":
            try:
                with self.env.cr.savepoint():
                    tx._send_void_request()
            except (UserError, ValidationError) as exc:
                reason = _("%(reason)s Void request failed: %(error)s", reason=reason, error=exc.args[0])
        self.write({"state": state, "error": reason if state in ("failed", "expired") else False})
        self.id_token_id.write({"status": "expired"})  # the token must not start another session
        self.message_post(body=reason)

    def _ev_fail(self, reason):
        self.ensure_one()
        self.write({"state": "failed", "error": reason})
        self.message_post(body=reason)
        if self.session_id:
            self.session_id.write({"billing_error": reason})
            self.session_id.message_post(body=reason)

    def _ev_send_receipt(self):
        self.ensure_one()
        if not (self.email or self.partner_id.email):
            return
        template = self.env.ref("ev_billing.mail_template_ev_pay_receipt", raise_if_not_found=False)
        if template:
            template.sudo().send_mail(self.id)
            self.receipt_sent = True

    # ------------------------------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_ev_expire(self, now=None):
        """Cancel uncaptured authorizations older than the company's validity (Stripe cancels them after
        7 days anyway) and flag their sessions for review; drop pending ones never paid."""
        now = now or fields.Datetime.now()
        expired = self.browse()
        for auth in self.sudo().search([("state", "in", ("pending",) + OPEN_STATES)]):
            days = auth.company_id.ev_pay_auth_expiry_days or 6
            since = auth.authorized_at or auth.create_date
            if since > now - timedelta(days=days):
                continue
            reason = _("Authorization not captured within %s days: cancelled.", days)
            auth._ev_void("expired", reason)
            if auth.session_id:
                auth.session_id.write(
                    {
                        "billing_state": "review",
                        "billing_error": _(
                            "Pay-by-QR authorization %(name)s expired before capture; bill the driver otherwise.",
                            name=auth.name,
                        ),
                    }
                )
                auth.session_id.message_post(body=reason)
            expired |= auth
        return expired
