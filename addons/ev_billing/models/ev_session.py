"""Session pricing (through the pure engine package lib/ev_pricing) and billing (invoice or wallet)."""

import logging
from collections import defaultdict
from datetime import UTC

import pytz

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.ev_charging.lib import ev_ocpp
from odoo.addons.ev_charging.models.ev_access import MANAGER

from ..lib import ev_pricing
from ..lib.ev_billing_policy import RETRY_INTERVAL, month_end, month_start, retry_action, to_decimal
from .ev_session_cost_line import KIND_PRODUCTS

_logger = logging.getLogger(__name__)

POWER_MEASURAND = "Power.Active.Import"
BILLING_STATES = [
    ("free", "Free"),
    ("no_customer", "No customer"),
    ("to_invoice", "To invoice"),
    ("invoiced", "Invoiced"),
    ("wallet_paid", "Paid from wallet"),
    ("unpaid", "Unpaid (retrying)"),
    ("review", "To review"),
]
BILLED_STATES = ("invoiced", "wallet_paid")


def _aware(value):
    """Naive UTC datetime (Odoo) -> aware UTC datetime (engine)."""
    return value.replace(tzinfo=UTC) if value else None


def _naive(value):
    return value.astimezone(UTC).replace(tzinfo=None) if value else False


def _without_nulls(value):
    """JSON ``value`` without its null members (an absent key: not applicable). A Json field is read over
    XML-RPC too, which cannot carry None."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value if item is not None]
    return value


class EvSession(models.Model):
    _inherit = "ev.session"

    tariff_id = fields.Many2one(
        "ev.tariff",
        readonly=True,
        index=True,
        check_company=True,
        help="Tariff applied (charger, else site, else company default) when the session was first priced.",
    )
    price_multiplier = fields.Float(digits=(6, 4), readonly=True, help="Charger multiplier applied.")
    cost_currency_id = fields.Many2one("res.currency", string="Cost currency", readonly=True)
    cost_subtotal = fields.Monetary(
        "Cost excl. tax", currency_field="cost_currency_id", readonly=True, aggregator="sum"
    )
    cost_tax = fields.Monetary("Tax", currency_field="cost_currency_id", readonly=True, aggregator="sum")
    cost_total = fields.Monetary(
        "Cost", currency_field="cost_currency_id", readonly=True, aggregator="sum", tracking=True
    )
    billed_energy_kwh = fields.Float("Billed energy (kWh)", digits=(16, 3), readonly=True, aggregator="sum")
    is_free = fields.Boolean("Free", readonly=True)
    priced_at = fields.Datetime(readonly=True, help="When the final cost was computed (UTC).")
    pricing_error = fields.Text(readonly=True)
    cost_line_ids = fields.One2many("ev.session.cost.line", "session_id", string="Cost lines", readonly=True)
    cost_breakdown = fields.Json(readonly=True, help="The pricing engine's breakdown (exact decimals), for audit.")
    cost_estimate = fields.Monetary(
        "Running estimate",
        currency_field="cost_currency_id",
        readonly=True,
        help="Cost if the vehicle were unplugged at the last meter reading.",
    )
    cost_estimate_at = fields.Datetime("Estimate as of", readonly=True)
    billing_state = fields.Selection(BILLING_STATES, readonly=True, index=True, tracking=True, copy=False)
    billing_error = fields.Text(readonly=True, copy=False)
    billing_attempts = fields.Integer(readonly=True, copy=False)
    billing_failed_since = fields.Datetime(readonly=True, copy=False)
    billing_next_retry = fields.Datetime(readonly=True, copy=False)
    invoice_id = fields.Many2one("account.move", readonly=True, copy=False, index=True, check_company=True)
    wallet_transaction_id = fields.Many2one(
        "ev.wallet.transaction", string="Wallet payment", readonly=True, copy=False, check_company=True
    )

    # ------------------------------------------------------------------------------------------
    # Pipeline steps (declared in ev_session_pipeline.py)
    # ------------------------------------------------------------------------------------------
    def _ev_estimate_running(self, batch=None):
        """Progress step "estimate": the running estimate of active sessions (readings read once)."""
        rows = batch.meter_rows() if batch is not None else self._ev_meter_rows()
        engines = {}  # one engine tariff per tariff for all the sessions
        for session in self:
            session._ev_estimate(rows.get(session.id, []), engines, batch)

    # ------------------------------------------------------------------------------------------
    # Pricing
    # ------------------------------------------------------------------------------------------
    def _ev_meter_rows(self):
        """Register and power readings of the sessions, in one read: {session id: [rows]}."""
        rows = (
            self.env["ev.meter.value"]
            .sudo()
            .search_read(
                [
                    ("session_id", "in", self.ids),
                    ("measurand", "in", [ev_ocpp.ENERGY_REGISTER, POWER_MEASURAND]),
                    ("phase", "in", [False, ""]),
                ],
                ["session_id", "timestamp", "measurand", "value"],
                order="timestamp, id",
            )
        )
        by_session = {}
        for row in rows:
            by_session.setdefault(row["session_id"][0], []).append(row)
        return by_session

    def _ev_meter_samples(self, final=True, rows=None):
        """The session's register readings as engine MeterSamples (aware UTC, Wh, with the power read at the
        same instant), plus its resolved meter start (and stop when ``final``) as anchor samples. The engine
        merges them (ev_pricing/meter.py, *Merging samples*). In OCPP 1.6 meterStart/meterStop are integers:
        the anchors of a 1.6 station are whole Wh (resolution 1). ``rows``: already read readings."""
        self.ensure_one()
        if rows is None:
            rows = self._ev_meter_rows().get(self.id, [])
        powers = {row["timestamp"]: row["value"] for row in rows if row["measurand"] == POWER_MEASURAND}
        # the start of 0 a lifetime register reported is no reading of this session (ev_ocpp.session_energy)
        below = self.meter_start_wh if self.meter_start_fixed else None
        readings = [
            (row["timestamp"], row["value"], 0)
            for row in rows
            if row["measurand"] == ev_ocpp.ENERGY_REGISTER and (below is None or row["value"] >= below)
        ]
        anchor_resolution = 1 if self.charger_id.ocpp_version == "1.6" else 0
        has_readings = bool(readings)
        if self.start_time and (self.has_meter_start or has_readings):
            readings.append((self.start_time, self.meter_start_wh, anchor_resolution))
        if final and self.stop_time and (self.has_meter_stop or has_readings):
            readings.append((self.stop_time, self.meter_stop_wh, anchor_resolution))
        return [
            ev_pricing.MeterSample(
                _aware(stamp),
                to_decimal(value),
                to_decimal(powers[stamp]) if stamp in powers else None,
                resolution,
            )
            for stamp, value, resolution in sorted(readings, key=lambda reading: reading[0])
        ]

    def _ev_resolve_tariff(self):
        self.ensure_one()
        return self.tariff_id or self.charger_id._ev_tariff()

    def _ev_estimate(self, rows=None, engines=None, batch=None):
        """Running estimate of an active session, as of its last meter reading. ``engines``: a cache
        {tariff id: engine tariff} shared by the sessions estimated together; ``batch``: the ingestion
        batch whose pipeline runs it (its writes may be deferred)."""
        self.ensure_one()
        if self.state != "active" or not self.start_time:
            return
        tariff = self._ev_resolve_tariff()
        if not tariff:
            return
        vals = {"tariff_id": tariff.id, "cost_currency_id": tariff.currency_id.id}
        try:
            samples = self._ev_meter_samples(final=False, rows=rows)
            start = _aware(self.start_time)
            now = max([s.timestamp for s in samples] + [start])
            engines = {} if engines is None else engines
            if tariff.id not in engines:
                engines[tariff.id] = tariff._ev_engine_tariff()
            breakdown = ev_pricing.running_estimate(
                engines[tariff.id],
                self.site_id.tz,
                start,
                samples,
                now,
                multiplier=to_decimal(self.charger_id.price_multiplier, 4),
            )
            vals.update(
                {"cost_estimate": float(breakdown.total), "cost_estimate_at": _naive(now), "pricing_error": False}
            )
        except ev_pricing.PricingError as exc:
            vals["pricing_error"] = str(exc)
        # only what changed: an unchanged tariff is not checked again (check_company) at every batch
        self.sudo()._ev_write_changed(vals, batch)

    def _ev_price(self, batch=None):
        """Final itemised cost of completed sessions (completion step "price"). Errors are recorded on the
        session (billing state 'To review'), never raised: the stop event that triggered the pricing must
        not be lost. ``batch``: the readings are the batch's (read once)."""
        rows = batch.meter_rows() if batch is not None else self._ev_meter_rows()
        for session in self:
            session._ev_price_one(rows.get(session.id, []))

    def _ev_price_one(self, rows=None):
        self.ensure_one()
        session = self.sudo()
        tariff = session._ev_resolve_tariff()
        error = breakdown = None
        if session.state != "completed":
            error = _("Only completed sessions get a final cost (this one is %s).", session.state)
        elif not tariff:
            error = _(
                "No tariff applies: set one on charger %(charger)s, on site %(site)s or as the company "
                "default (EV Charging > Configuration > Settings), then reprice.",
                charger=session.charger_id.identity,
                site=session.site_id.name,
            )
        elif session.energy_unreliable:
            error = _("The session's meter data is unreliable (see the meter values): correct it, then reprice.")
        elif not session.start_time or not session.stop_time:
            error = _("The session has no start or stop time.")
        else:
            try:
                breakdown = ev_pricing.price_session(
                    tariff._ev_engine_tariff(),
                    ev_pricing.Session(
                        start=_aware(session.start_time),
                        stop=_aware(session.stop_time),
                        samples=tuple(session._ev_meter_samples(final=True, rows=rows)),
                    ),
                    session.site_id.tz,
                    multiplier=to_decimal(session.charger_id.price_multiplier, 4),
                )
            except ev_pricing.PricingError as exc:
                error = str(exc)
        vals = {
            "tariff_id": tariff.id if tariff else False,
            "price_multiplier": session.charger_id.price_multiplier,
            "cost_line_ids": [Command.clear()],
        }
        if error:
            vals.update(
                {
                    "pricing_error": error,
                    "priced_at": False,
                    "cost_subtotal": 0.0,
                    "cost_tax": 0.0,
                    "cost_total": 0.0,
                    "is_free": False,
                    "cost_breakdown": False,
                    "billed_energy_kwh": 0.0,
                    "billing_state": "review",
                    "billing_error": _("Not priced: %s", error),
                }
            )
            session.write(vals)
            session.message_post(body=_("Pricing failed: %s", error))
            return False
        vals.update(
            {
                "cost_currency_id": tariff.currency_id.id,
                "cost_subtotal": float(breakdown.subtotal),
                "cost_tax": float(breakdown.tax),
                "cost_total": float(breakdown.total),
                "cost_estimate": float(breakdown.total),
                "cost_estimate_at": session.stop_time,
                "billed_energy_kwh": float(breakdown.energy_kwh),
                "is_free": breakdown.is_free,
                "priced_at": fields.Datetime.now(),
                "pricing_error": False,
                "cost_breakdown": _without_nulls(breakdown.to_dict()),
            }
        )
        vals["cost_line_ids"] += [
            Command.create(
                {
                    "sequence": index,
                    "kind": line.kind,
                    "label": line.label,
                    "quantity": float(line.quantity),
                    "unit": line.unit,
                    "unit_price": float(line.unit_price),
                    "amount": float(line.amount),
                    "window": line.window or False,
                    "date_start": _naive(line.local_start),
                    "date_end": _naive(line.local_end),
                    "tax_ids": [Command.set([tax.ref for tax in line.taxes if tax.ref])],
                }
            )
            for index, line in enumerate(breakdown.lines, 1)
        ]
        session.write(vals)
        if abs(session.billed_energy_kwh - session.energy_kwh) >= 0.0005:
            session.message_post(
                body=_(
                    "Billed energy %(billed)s kWh differs from the session's %(energy)s kWh "
                    "(meter readings outside the session are not billed).",
                    billed=session.billed_energy_kwh,
                    energy=session.energy_kwh,
                )
            )
        return breakdown

    # ------------------------------------------------------------------------------------------
    # Billing
    # ------------------------------------------------------------------------------------------
    def _ev_customer(self):
        self.ensure_one()
        return self.partner_id.commercial_partner_id

    def _ev_bill(self, now=None, batch=None):
        """Route priced sessions: free, invoice now (ad-hoc drivers), monthly invoice, or wallet
        (completion step "bill")."""
        for session in self.sudo():
            if session.billing_state in BILLED_STATES or not session.priced_at:
                continue
            customer = session._ev_customer()
            if session.is_free or session.cost_currency_id.is_zero(session.cost_total):
                session.write({"billing_state": "free", "billing_error": False})
            elif not customer:
                session.write(
                    {
                        "billing_state": "no_customer",
                        "billing_error": _(
                            "No customer: the id token %s is not linked to a driver.", session.id_token_value or "?"
                        ),
                    }
                )
            elif customer.ev_billing_mode == "wallet":
                session._ev_bill_wallet(now=now)
            else:
                session.write({"billing_state": "to_invoice", "billing_error": False})
                if customer.ev_billing_mode == "session":
                    session._ev_invoice_safely()

    def _ev_invoice_safely(self, invoice_date=None):
        """Create and post one invoice for ``self``; a failure is recorded, not raised."""
        try:
            with self.env.cr.savepoint():
                return self._ev_create_invoice(invoice_date)
        except (UserError, ValidationError) as exc:
            self.env.invalidate_all()
            message = exc.args[0] if exc.args else repr(exc)
            _logger.warning("ev_billing: invoicing sessions %s failed: %s", self.ids, message)
            self.sudo().write({"billing_error": _("Invoicing failed: %s", message)})
            return self.env["account.move"]

    def _ev_stop_date_local(self):
        self.ensure_one()
        stamp = self.stop_time or self.start_time
        return pytz.utc.localize(stamp).astimezone(pytz.timezone(self.site_id.tz or "UTC")).date()

    def _ev_invoice_section(self):
        self.ensure_one()
        local = pytz.utc.localize(self.start_time).astimezone(pytz.timezone(self.site_id.tz or "UTC"))
        return _(
            "Session %(tx)s, %(site)s, %(charger)s, %(start)s, %(kwh)s kWh",
            tx=self.transaction_id,
            site=self.site_id.name,
            charger=self.charger_id.display_name,
            start=local.strftime("%Y-%m-%d %H:%M %Z"),
            kwh=f"{self.billed_energy_kwh:.3f}",
        )

    def _ev_invoice_line_vals(self, fiscal_position):
        """One invoice line per pre-tax cost line, with that line's taxes (the component's taxes, as
        priced by the engine; a multiplier or min/max line split per tax group carries its group's)."""
        self.ensure_one()
        analytic = self.site_id._ev_analytic_account()
        lines = []
        for cost in self.cost_line_ids.filtered(lambda ln: ln.kind in KIND_PRODUCTS):
            lines.append(
                {
                    **cost._ev_invoice_quantity(),
                    "name": cost._ev_invoice_label(),
                    "tax_ids": [Command.set(fiscal_position.map_tax(cost.tax_ids).ids)],
                    "analytic_distribution": {str(analytic.id): 100.0},
                    "ev_session_id": self.id,
                    "ev_cost_kind": cost.kind,
                    "ev_amount": cost.amount,
                    "ev_energy_kwh": cost.quantity if cost.kind == "energy" else 0.0,
                }
            )
        return lines

    def _ev_create_invoice(self, invoice_date=None):
        """Create and post one customer invoice for the priced sessions in ``self`` (one customer,
        company and currency). The lines are the sessions' cost lines, each with its taxes (the tax
        amounts are computed by the accounting); several sessions get one section each."""
        sessions = self.sudo().sorted(lambda s: (s.start_time, s.id))
        if not sessions:
            return self.env["account.move"]
        customers = sessions.partner_id.commercial_partner_id
        if len(customers) != 1 or len(sessions.company_id) != 1 or len(sessions.cost_currency_id) != 1:
            raise UserError(_("One invoice covers sessions of one customer, company and currency."))
        if sessions.filtered(lambda s: s.billing_state in BILLED_STATES or not s.priced_at):
            raise UserError(
                _(
                    "Some sessions are not priced or already billed: %s",
                    ", ".join(
                        sessions.filtered(lambda s: s.billing_state in BILLED_STATES or not s.priced_at).mapped(
                            "display_name"
                        )
                    ),
                )
            )
        company = sessions.company_id
        env = self.env(context=dict(self.env.context, tracking_disable=True), su=True)
        fiscal_position = env["account.fiscal.position"].with_company(company)._get_fiscal_position(customers)
        line_cmds = []
        for session in sessions:
            if len(sessions) > 1:
                line_cmds.append(
                    Command.create({"display_type": "line_section", "name": session._ev_invoice_section()})
                )
            line_cmds += [Command.create(vals) for vals in session._ev_invoice_line_vals(fiscal_position)]
        if not invoice_date:
            invoice_date = max(s._ev_stop_date_local() for s in sessions)
        move = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customers.id,
                    "company_id": company.id,
                    "currency_id": sessions.cost_currency_id.id,
                    "invoice_date": invoice_date,
                    "fiscal_position_id": fiscal_position.id,
                    "invoice_origin": ", ".join(sessions[:5].mapped("display_name"))
                    + (" ..." if len(sessions) > 5 else ""),
                    "ref": _("EV charging %s", invoice_date.strftime("%Y-%m"))
                    if len(sessions) > 1
                    else _("EV charging session %s", sessions.display_name),
                    "invoice_line_ids": line_cmds,
                }
            )
        )
        move.action_post()
        sessions.write({"invoice_id": move.id, "billing_state": "invoiced", "billing_error": False})
        if len(sessions) == 1 and move.currency_id.compare_amounts(move.amount_total, sessions.cost_total):
            sessions.message_post(
                body=_(
                    "Invoice %(inv)s total %(inv_total)s differs from the session cost %(cost)s by tax rounding "
                    "(set the company's tax rounding to 'Round globally' to match the bill exactly).",
                    inv=move.name,
                    inv_total=move.amount_total,
                    cost=sessions.cost_total,
                )
            )
        return move

    def _ev_bill_wallet(self, now=None):
        """Deduct the cost from the customer's wallet, or leave it unpaid and retry (see ev_billing_policy)."""
        self.ensure_one()
        session = self.sudo()
        now = now or fields.Datetime.now()
        customer = session._ev_customer()
        wallet = (
            self.env["ev.wallet"]
            .sudo()
            .search([("partner_id", "=", customer.id), ("company_id", "=", session.company_id.id)], limit=1)
        )
        if not wallet or wallet.currency_id != session.cost_currency_id:
            reason = _(
                "%(customer)s pays by wallet but has no wallet in %(currency)s for %(company)s: create one.",
                customer=customer.display_name,
                currency=session.cost_currency_id.name,
                company=session.company_id.name,
            )
            session.write({"billing_state": "review", "billing_error": reason})
            session.message_post(body=reason)
            return False
        transaction, balance = wallet._ev_deduct(session)
        if transaction:
            session.write(
                {
                    "billing_state": "wallet_paid",
                    "wallet_transaction_id": transaction.id,
                    "billing_error": False,
                    "billing_next_retry": False,
                }
            )
            return transaction
        failed_since = session.billing_failed_since or now
        action = retry_action(failed_since, now)
        reason = _(
            "Wallet balance %(balance)s %(cur)s (allowed down to -%(limit)s) cannot pay %(cost)s.",
            balance=balance,
            cur=wallet.currency_id.name,
            limit=wallet.credit_limit,
            cost=session.cost_total,
        )
        vals = {
            "billing_attempts": session.billing_attempts + 1,
            "billing_failed_since": failed_since,
            "billing_error": reason,
        }
        if action == "review":
            vals.update({"billing_state": "review", "billing_next_retry": False})
            session.write(vals)
            session.message_post(body=_("Wallet payment still failing after 24 hours; flagged for review. %s", reason))
        else:
            vals.update({"billing_state": "unpaid", "billing_next_retry": now + RETRY_INTERVAL})
            session.write(vals)
        return False

    # ------------------------------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_ev_retry_billing(self, now=None):
        """Every 30 minutes: retry failed wallet payments (for 24 hours, then flag for review)."""
        now = now or fields.Datetime.now()
        sessions = self.sudo().search(
            [
                ("billing_state", "=", "unpaid"),
                "|",
                ("billing_next_retry", "=", False),
                ("billing_next_retry", "<=", now),
            ]
        )
        for session in sessions:
            session._ev_bill_wallet(now=now)
        return sessions

    @api.model
    def _cron_ev_invoicing(self, today=None):
        """Monthly invoices (for every month before ``today``'s) and per-session invoices still due."""
        today = today or fields.Date.context_today(self)
        first = month_start(today)
        groups = defaultdict(lambda: self.env["ev.session"].sudo())
        for session in self.sudo().search([("billing_state", "=", "to_invoice")], order="start_time, id"):
            customer = session._ev_customer()
            if not customer or not session.priced_at:
                continue
            if customer.ev_billing_mode == "session":
                groups[("session", session.id)] |= session
            elif (
                customer.ev_billing_mode == "monthly" and session.start_date_local and session.start_date_local < first
            ):
                groups[
                    (
                        "monthly",
                        session.company_id.id,
                        customer.id,
                        session.cost_currency_id.id,
                        month_start(session.start_date_local),
                    )
                ] |= session
        moves = self.env["account.move"]
        for key, sessions in groups.items():
            invoice_date = month_end(key[4]) if key[0] == "monthly" else None
            moves |= sessions._ev_invoice_safely(invoice_date)
        return moves

    # ------------------------------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------------------------------
    def _ev_check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only EV managers may reprice or re-bill sessions."))
        self.check_access("write")

    def action_ev_reprice(self):
        self._ev_check_manager()
        billed = self.filtered(lambda s: s.billing_state in BILLED_STATES)
        if billed:
            raise UserError(
                _(
                    "Sessions %s are already billed: cancel or reverse their invoice / wallet payment "
                    "before repricing.",
                    ", ".join(billed.mapped("display_name")),
                )
            )
        active = self.filtered(lambda s: s.state != "completed")
        if active:
            raise UserError(_("Only completed sessions can be priced (%s is not).", active[0].display_name))
        self.sudo().write({"billing_state": False, "billing_failed_since": False, "billing_attempts": 0})
        self._ev_price()
        self._ev_bill()
        return True

    def action_ev_retry_billing(self):
        self._ev_check_manager()
        sessions = self.filtered(lambda s: s.priced_at and s.billing_state not in BILLED_STATES)
        sessions.sudo().write({"billing_failed_since": False, "billing_attempts": 0, "billing_state": False})
        sessions._ev_bill()
        return True

    def action_ev_view_invoice(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.invoice_id.id,
            "view_mode": "form",
        }
