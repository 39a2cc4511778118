"""Pay by QR on sessions: link the session started by an authorization, bill it per session and
capture (or void) at the end."""

from collections import defaultdict

from odoo import fields, models

from .ev_payment_authorization import OPEN_STATES
from .ev_session import BILLED_STATES


class EvSession(models.Model):
    _inherit = "ev.session"

    ev_pay_authorization_id = fields.Many2one(
        "ev.payment.authorization",
        string="Pay-by-QR authorization",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )

    def _ev_qr_link(self, batch=None):
        """Link sessions to the open authorization whose generated id token started them (first step of
        the stages "estimate" and "price", before a pay-by-QR session is billed on its own). The open
        authorizations of all the sessions are read in one query; each is given to one session."""
        sessions = self.sudo().filtered(lambda s: not s.ev_pay_authorization_id and s.id_token_value)
        if not sessions:
            return
        auths = (
            self.env["ev.payment.authorization"]
            .sudo()
            .search(
                [
                    ("id_token_value", "in", list(set(sessions.mapped("id_token_value")))),
                    ("state", "in", OPEN_STATES),
                    ("session_id", "=", False),
                    ("charger_id", "in", sessions.charger_id.ids),
                ]
            )
        )
        open_auths = defaultdict(list)  # (token value, charger id) -> authorizations, in their order
        for auth in auths:
            open_auths[auth.id_token_value, auth.charger_id.id].append(auth)
        for session in sessions:
            candidates = open_auths.get((session.id_token_value, session.charger_id.id))
            if candidates:
                auth = candidates.pop(0)
                session.ev_pay_authorization_id = auth
                auth.session_id = session

    def _ev_settle_payment(self, batch=None):
        """Completion step "settle_payment": capture the billed cost of pay-by-QR sessions (or void)."""
        self.ev_pay_authorization_id._ev_settle()

    def _ev_bill(self, now=None, batch=None):
        """A pay-by-QR session is invoiced on its own whatever the driver's billing mode: the capture is
        reconciled with that invoice."""
        qr = self.sudo().filtered(
            lambda s: (
                s.ev_pay_authorization_id
                and s.priced_at
                and s.billing_state not in BILLED_STATES
                and not s.is_free
                and not s.cost_currency_id.is_zero(s.cost_total)
                and s._ev_customer()
            )
        )
        res = super(EvSession, self - qr)._ev_bill(now=now, batch=batch)
        for session in qr:
            session.write({"billing_state": "to_invoice", "billing_error": False})
            session._ev_invoice_safely()
        return res
