"""Charging tariffs. Validation and pricing are done by the pure engine package lib/ev_pricing."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_pricing
from ..lib.ev_billing_policy import to_decimal

#: decimals kept for rates (per kWh, per hour, per minute); money settings use the currency's
RATE_DIGITS = (16, 5)
#: per-component tax field -> ev_pricing.Tariff attribute (empty field = the tariff's taxes)
COMPONENT_TAX_FIELDS = {
    "energy_tax_ids": "energy_taxes",
    "time_tax_ids": "time_taxes",
    "idle_tax_ids": "idle_taxes",
    "session_fee_tax_ids": "session_fee_taxes",
}


class EvTariff(models.Model):
    _name = "ev.tariff"
    _description = "Charging tariff"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        tracking=True,
        default=lambda self: self.env.company.currency_id,
        help="ISO 4217 currency of every amount of this tariff.",
    )
    energy_rate = fields.Float(
        "Energy rate (per kWh)",
        digits=RATE_DIGITS,
        tracking=True,
        help="Base price per kWh, used outside time-of-use windows with an energy rate.",
    )
    time_rate_per_hour = fields.Float(
        "Charging time rate (per hour)",
        digits=RATE_DIGITS,
        tracking=True,
        help="Base price per hour of charging time (session start until charging "
        "ended); time after charging ended is priced by the idle fee only.",
    )
    session_fee = fields.Monetary(tracking=True, help="Flat fee per session (not subject to the charger multiplier).")
    idle_fee_per_minute = fields.Float(
        "Idle fee (per minute)",
        digits=RATE_DIGITS,
        tracking=True,
        help="Charged per whole minute the vehicle stays plugged in after charging "
        "ended, once the grace period is over.",
    )
    idle_grace_minutes = fields.Float("Idle grace (minutes)", digits=(8, 2), tracking=True)
    min_price = fields.Monetary(
        "Minimum price", tracking=True, help="Minimum pre-tax price of a billed session. 0 = no minimum."
    )
    max_price = fields.Monetary(
        "Maximum price", tracking=True, help="Maximum pre-tax price of a session. 0 = no maximum."
    )
    free_below_kwh = fields.Float(
        "Free below (kWh)",
        digits=(10, 3),
        default=2.0,
        tracking=True,
        help="Sessions delivering strictly less energy are free (no fee, no minimum). 0 disables the rule.",
    )
    window_ids = fields.One2many("ev.tariff.window", "tariff_id", string="Time-of-use windows", copy=True)
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Exclusive percentage taxes added on the pre-tax price of a session, never "
        "compounded. They apply to every component without taxes of its own (see the "
        "per-component taxes); the invoice lines carry their component's taxes.",
    )
    # Taxes per component (empty = the tariff's taxes), validated like tax_ids
    energy_tax_ids = fields.Many2many(
        "account.tax",
        "ev_tariff_energy_tax_rel",
        "tariff_id",
        "tax_id",
        string="Energy taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Taxes of the energy lines instead of the tariff's taxes; empty = the tariff's taxes.",
    )
    time_tax_ids = fields.Many2many(
        "account.tax",
        "ev_tariff_time_tax_rel",
        "tariff_id",
        "tax_id",
        string="Charging time taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Taxes of the charging time lines instead of the tariff's taxes; empty = the tariff's taxes.",
    )
    idle_tax_ids = fields.Many2many(
        "account.tax",
        "ev_tariff_idle_tax_rel",
        "tariff_id",
        "tax_id",
        string="Idle fee taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Taxes of the idle fee line instead of the tariff's taxes; empty = the tariff's taxes.",
    )
    session_fee_tax_ids = fields.Many2many(
        "account.tax",
        "ev_tariff_session_fee_tax_rel",
        "tariff_id",
        "tax_id",
        string="Session fee taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Taxes of the session fee line instead of the tariff's taxes; empty = the tariff's taxes. To leave "
        "the fee untaxed while the tariff has taxes, use a 0% tax.",
    )
    ev_pay_preauth_amount = fields.Monetary(
        "Pay-by-QR pre-authorization",
        help="Amount pre-authorized before a pay-by-QR session (in the tariff's currency); 0 = the company's default.",
    )
    description = fields.Text(help="Shown to drivers (receipts, payment page).")
    summary = fields.Char(compute="_compute_summary")
    charger_count = fields.Integer(compute="_compute_usage")
    site_count = fields.Integer(compute="_compute_usage")

    _sql_constraints = [
        ("free_below_positive", "CHECK (free_below_kwh >= 0)", "The free-below threshold must not be negative."),
    ]

    @api.depends("energy_rate", "session_fee", "idle_fee_per_minute", "currency_id", "window_ids")
    def _compute_summary(self):
        for tariff in self:
            cur = tariff.currency_id.name or ""
            parts = [f"{tariff.energy_rate:g} {cur}/kWh"]
            if tariff.time_rate_per_hour:
                parts.append(f"{tariff.time_rate_per_hour:g} {cur}/h")
            if tariff.session_fee:
                parts.append(_("%(fee)s %(cur)s per session", fee=tariff.session_fee, cur=cur))
            if tariff.idle_fee_per_minute:
                parts.append(
                    _(
                        "idle %(fee)g %(cur)s/min after %(grace)g min",
                        fee=tariff.idle_fee_per_minute,
                        cur=cur,
                        grace=tariff.idle_grace_minutes,
                    )
                )
            if tariff.window_ids:
                parts.append(_("%s time-of-use windows", len(tariff.window_ids)))
            tariff.summary = " + ".join(parts)

    def _compute_usage(self):
        chargers = dict(self.env["ev.charger"]._read_group([("tariff_id", "in", self.ids)], ["tariff_id"], ["__count"]))
        sites = dict(self.env["ev.site"]._read_group([("tariff_id", "in", self.ids)], ["tariff_id"], ["__count"]))
        for tariff in self:
            tariff.charger_count = chargers.get(tariff, 0)
            tariff.site_count = sites.get(tariff, 0)

    # ------------------------------------------------------------------------------------------
    # Engine conversion and validation
    # ------------------------------------------------------------------------------------------
    def _ev_engine_taxes(self, taxes=None):
        """``taxes`` (default: the tariff's taxes) as engine TaxRates; ``ref`` = the account.tax id."""
        self.ensure_one()
        result = []
        for tax in self.tax_ids if taxes is None else taxes:
            if tax.amount_type != "percent" or tax.price_include:
                raise ev_pricing.TariffValidationError(
                    _(
                        "Tax %(tax)s cannot be used on a tariff: only exclusive (price excluded) percentage taxes "
                        "are supported. Use an exclusive percentage tax.",
                        tax=tax.display_name,
                    )
                )
            result.append(ev_pricing.TaxRate(tax.name, to_decimal(tax.amount) / 100, ref=tax.id))
        return tuple(result)

    def _ev_engine_component_taxes(self):
        """Per-component engine taxes: {Tariff attribute: TaxRates}, only for components with own taxes."""
        self.ensure_one()
        return {attr: self._ev_engine_taxes(self[field]) for field, attr in COMPONENT_TAX_FIELDS.items() if self[field]}

    def _ev_engine_tariff(self):
        """This tariff as an ``ev_pricing.Tariff`` (raises ev_pricing.TariffValidationError)."""
        self.ensure_one()
        currency = self.currency_id
        places = currency.decimal_places
        code = currency.name
        iso_places = ev_pricing.currency_decimals(code)  # unknown currency -> TariffValidationError
        if iso_places != places:
            raise ev_pricing.TariffValidationError(
                _(
                    "Currency %(code)s rounds to %(odoo)s decimals in Odoo but ISO 4217 uses %(iso)s: fix the "
                    "currency's rounding (Accounting > Currencies) before pricing in it.",
                    code=code,
                    odoo=places,
                    iso=iso_places,
                )
            )
        digits = RATE_DIGITS[1]
        return ev_pricing.Tariff(
            currency=code,
            energy_rate=to_decimal(self.energy_rate, digits),
            time_rate_per_hour=to_decimal(self.time_rate_per_hour, digits),
            session_fee=to_decimal(self.session_fee, places),
            idle_fee_per_minute=to_decimal(self.idle_fee_per_minute, digits),
            idle_grace_minutes=to_decimal(self.idle_grace_minutes, 2),
            min_price=to_decimal(self.min_price, places) if self.min_price else None,
            max_price=to_decimal(self.max_price, places) if self.max_price else None,
            free_below_kwh=to_decimal(self.free_below_kwh, 3),
            windows=tuple(window._ev_engine_window() for window in self.window_ids),
            taxes=self._ev_engine_taxes(),
            name=self.name or "",
            **self._ev_engine_component_taxes(),
        )

    def _ev_check_tariff(self):
        for tariff in self:
            try:
                ev_pricing.validate_tariff(tariff._ev_engine_tariff())
            except ev_pricing.PricingError as exc:
                raise ValidationError(_("Tariff %(name)s: %(error)s", name=tariff.name, error=exc)) from None

    @api.constrains(
        "currency_id",
        "energy_rate",
        "time_rate_per_hour",
        "session_fee",
        "idle_fee_per_minute",
        "idle_grace_minutes",
        "min_price",
        "max_price",
        "free_below_kwh",
        "tax_ids",
        "window_ids",
        *COMPONENT_TAX_FIELDS,
    )
    def _check_tariff(self):
        self._ev_check_tariff()

    @api.model_create_multi
    def create(self, vals_list):
        # windows created with the tariff are validated once, by the tariff's constraint
        return super(EvTariff, self.with_context(ev_tariff_skip_window_check=True)).create(vals_list).with_env(self.env)

    def write(self, vals):
        if "window_ids" in vals:
            return super(EvTariff, self.with_context(ev_tariff_skip_window_check=True)).write(vals)
        return super().write(vals)

    # ------------------------------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------------------------------
    def action_view_chargers(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_charger_action")
        action["domain"] = [("tariff_id", "=", self.id)]
        return action

    def action_view_sites(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_site_action")
        action["domain"] = [("tariff_id", "=", self.id)]
        return action
