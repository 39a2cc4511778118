"""Prepaid wallets. The balance is the sum of the wallet's transactions; every transaction is
created under a row lock on the wallet (SELECT ... FOR UPDATE) and records the running balance."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.ev_charging.models.ev_access import MANAGER, require_records

from ..lib.ev_billing_policy import to_decimal, wallet_can_pay, wallet_may_charge


class EvWallet(models.Model):
    _name = "ev.wallet"
    _description = "Prepaid charging wallet"
    _inherit = ["mail.thread"]
    _order = "partner_id, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        check_company=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        ondelete="restrict",
        help="The customer (commercial partner) whose sessions the wallet pays.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    credit_limit = fields.Monetary(
        "Allowed negative balance",
        tracking=True,
        help="The balance may go down to minus this amount to pay a session; 0 = never "
        "below zero. A session it cannot pay stays unpaid and is retried every 30 "
        "minutes for 24 hours, then flagged for review.",
    )
    balance = fields.Monetary(compute="_compute_balance")
    transaction_ids = fields.One2many("ev.wallet.transaction", "wallet_id", string="Transactions")
    unpaid_session_count = fields.Integer(compute="_compute_unpaid_session_count")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "This customer already has a wallet in this company.",
        ),
        (
            "credit_limit_positive",
            "CHECK (credit_limit >= 0)",
            "The allowed negative balance must be 0 or more (e.g. 20 lets the balance go down to -20).",
        ),
    ]

    @api.depends("partner_id.name")
    def _compute_name(self):
        for wallet in self:
            wallet.name = _("Wallet of %s", wallet.partner_id.name or "?")

    def _compute_balance(self):
        sums = dict(
            self.env["ev.wallet.transaction"]
            .sudo()
            ._read_group([("wallet_id", "in", self.ids)], ["wallet_id"], ["amount:sum"])
        )
        for wallet in self:
            wallet.balance = sums.get(wallet, 0.0)

    def _compute_unpaid_session_count(self):
        for wallet in self:
            wallet.unpaid_session_count = len(wallet._ev_unpaid_sessions())

    @api.constrains("partner_id")
    def _check_partner(self):
        for wallet in self:
            if wallet.partner_id.commercial_partner_id != wallet.partner_id:
                raise ValidationError(
                    _(
                        "A wallet belongs to the customer %s itself, not to one of its contacts.",
                        wallet.partner_id.commercial_partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------------------------------
    # Locked balance and transactions
    # ------------------------------------------------------------------------------------------
    def _ev_lock(self):
        """Row lock on the wallet until the end of the database transaction: concurrent deductions and
        top-ups of one wallet are serialised."""
        self.env.cr.execute("SELECT id FROM ev_wallet WHERE id IN %s FOR UPDATE", [tuple(self.ids)])

    def _ev_locked_balance(self):
        """Balance read from the database (call after _ev_lock)."""
        self.ensure_one()
        self.env["ev.wallet.transaction"].flush_model()
        self.env.cr.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM ev_wallet_transaction WHERE wallet_id = %s", [self.id]
        )
        return to_decimal(self.env.cr.fetchone()[0], self.currency_id.decimal_places)

    def _ev_post(self, amount, kind, session=None, reference=None, payment_transaction=None):
        """Lock, read the balance, and add a transaction of signed ``amount`` with its running balance."""
        self.ensure_one()
        places = self.currency_id.decimal_places
        amount = to_decimal(amount, places)
        self._ev_lock()
        balance = self._ev_locked_balance()
        return (
            self.env["ev.wallet.transaction"]
            .sudo()
            .with_context(ev_wallet_post=True)
            .create(
                {
                    "wallet_id": self.id,
                    "kind": kind,
                    "amount": float(amount),
                    "balance_after": float(balance + amount),
                    "session_id": session.id if session else False,
                    "reference": reference or False,
                    "payment_transaction_id": payment_transaction.id if payment_transaction else False,
                }
            )
        )

    def _ev_deduct(self, session):
        """Pay ``session.cost_total`` if the negative-balance policy allows it, atomically (row lock).

        Returns (transaction or False, balance before)."""
        self.ensure_one()
        places = self.currency_id.decimal_places
        amount = to_decimal(session.cost_total, places)
        self._ev_lock()
        balance = self._ev_locked_balance()
        if not wallet_can_pay(balance, amount, to_decimal(self.credit_limit, places)):
            return self.env["ev.wallet.transaction"], balance
        transaction = self._ev_post(
            -amount, "deduction", session=session, reference=_("Charging session %s", session.display_name)
        )
        return transaction, balance

    def _ev_unpaid_sessions(self):
        self.ensure_one()
        return (
            self.env["ev.session"]
            .sudo()
            .search(
                [
                    ("billing_state", "in", ("unpaid",)),
                    ("company_id", "=", self.company_id.id),
                    ("partner_id", "child_of", self.partner_id.id),
                ],
                order="stop_time, id",
            )
        )

    def _ev_owed(self):
        """What the wallet still owes: the cost of the customer's sessions its deductions could not pay
        (unpaid and retrying, or flagged for review after 24 hours of failures)."""
        self.ensure_one()
        sessions = (
            self.env["ev.session"]
            .sudo()
            .search(
                [
                    ("billing_state", "in", ("unpaid", "review")),
                    ("billing_failed_since", "!=", False),
                    ("company_id", "=", self.company_id.id),
                    ("partner_id", "child_of", self.partner_id.id),
                ]
            )
        )
        return sum(sessions.mapped("cost_total"))

    def _ev_may_charge(self):
        """Whether the customer may start a session (negative-balance policy at authorization)."""
        self.ensure_one()
        places = self.currency_id.decimal_places
        return wallet_may_charge(
            to_decimal(self.balance, places), to_decimal(self._ev_owed(), places), to_decimal(self.credit_limit, places)
        )

    def _ev_top_up(self, amount, reference=None, payment_transaction=None):
        """Add ``amount`` (> 0) and immediately retry the customer's unpaid sessions."""
        self.ensure_one()
        if self.currency_id.compare_amounts(amount or 0.0, 0.0) <= 0:
            raise UserError(_("A top-up must be a positive amount, got %s.", amount))
        transaction = self._ev_post(amount, "topup", reference=reference, payment_transaction=payment_transaction)
        for session in self._ev_unpaid_sessions():
            session._ev_bill_wallet()
        return transaction

    # ------------------------------------------------------------------------------------------
    # Online top-up through the payment framework
    # ------------------------------------------------------------------------------------------
    def _ev_check_topup(self, amount, currency):
        """Raise a UserError saying what to fix when ``amount`` in ``currency`` cannot top up this wallet."""
        self.ensure_one()
        if not self.active:
            raise UserError(_("The wallet %s is archived: it cannot be topped up.", self.display_name))
        if currency != self.currency_id:
            raise UserError(
                _(
                    "The wallet %(wallet)s is in %(wallet_cur)s: pay the top-up in %(wallet_cur)s, not %(cur)s.",
                    wallet=self.display_name,
                    wallet_cur=self.currency_id.name,
                    cur=currency.name,
                )
            )
        if self.currency_id.compare_amounts(amount or 0.0, 0.0) <= 0:
            raise UserError(_("A top-up must be a positive amount, got %s.", amount))

    def _ev_topup_transaction_values(self):
        """Create values the payment framework adds to a top-up transaction (links it to this wallet)."""
        self.ensure_one()
        return {"ev_wallet_id": self.id}

    def _ev_create_topup_transaction(self, provider, payment_method, amount, flow="direct"):
        """Create the draft top-up transaction the way payment's ``/payment/transaction`` route does
        (the portal's top-up route calls that route's ``_create_transaction`` with the same values)."""
        self.ensure_one()
        self._ev_check_topup(amount, self.currency_id)
        reference = self.env["payment.transaction"]._compute_reference(provider.code, prefix=f"WALLET-{self.id}")
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": payment_method.id,
                    "reference": reference,
                    "amount": amount,
                    "currency_id": self.currency_id.id,
                    "partner_id": self.partner_id.id,
                    "operation": f"online_{flow}",
                    "landing_route": "/my/ev/wallet",
                    **self._ev_topup_transaction_values(),
                }
            )
        )
        tx._log_sent_message()
        return tx

    def _ev_credit_from_transaction(self, tx):
        """Credit the confirmed payment transaction ``tx`` (its amount) to this wallet, once.

        Idempotent: under the wallet's row lock, a transaction already credited returns its wallet
        transaction (and a unique constraint on ev.wallet.transaction.payment_transaction_id backs it)."""
        self.ensure_one()
        wallet = self.sudo()
        wallet._ev_lock()
        WalletTx = self.env["ev.wallet.transaction"].sudo()
        done = WalletTx.search([("payment_transaction_id", "=", tx.id)], limit=1)
        if done:
            return done
        if tx.state != "done":
            raise UserError(
                _(
                    "The payment %(ref)s is %(state)s: only a confirmed payment credits a wallet.",
                    ref=tx.reference,
                    state=tx.state,
                )
            )
        if tx.partner_id.commercial_partner_id != wallet.partner_id:
            raise UserError(
                _(
                    "The payment %(ref)s was made by %(payer)s, not by the wallet's customer %(customer)s.",
                    ref=tx.reference,
                    payer=tx.partner_id.display_name,
                    customer=wallet.partner_id.display_name,
                )
            )
        wallet._ev_check_topup(tx.amount, tx.currency_id)
        transaction = wallet._ev_top_up(
            tx.amount, reference=_("Online payment %s", tx.reference), payment_transaction=tx
        )
        wallet.message_post(
            body=_(
                "Topped up %(amount)s %(cur)s by online payment %(ref)s.",
                amount=tx.amount,
                cur=tx.currency_id.name,
                ref=tx.reference,
            )
        )
        return transaction

    def _ev_adjust(self, amount, reference):
        """Manual correction (positive or negative) by a manager, with a mandatory reason."""
        self.ensure_one()
        if not reference:
            raise UserError(_("Give the reason of the wallet adjustment."))
        if self.currency_id.is_zero(amount or 0.0):
            raise UserError(_("An adjustment of 0 changes nothing."))
        return self._ev_post(amount, "adjustment", reference=reference)

    def action_top_up(self):
        self.ensure_one()
        require_records(self, "write", MANAGER, _("credit or adjust a wallet"))
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.wallet.topup.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_wallet_id": self.id},
        }

    def action_view_unpaid_sessions(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_session_action")
        action["domain"] = [("id", "in", self._ev_unpaid_sessions().ids)]
        return action
