"""Energy purchase cost of a priced session (site's dated purchase rate), for cost vs revenue."""

from odoo import api, fields, models

from ..lib.ev_site_margin import energy_cost, rate_on


class EvSession(models.Model):
    _inherit = "ev.session"

    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")
    energy_purchase_rate = fields.Float(
        "Purchase rate per kWh",
        digits=(16, 5),
        compute="_compute_energy_cost",
        store=True,
        help="Site's energy purchase rate in force on the session's local start date (company currency).",
    )
    energy_cost = fields.Monetary(
        "Energy purchase cost",
        currency_field="company_currency_id",
        compute="_compute_energy_cost",
        store=True,
        aggregator="sum",
        help="Billed kWh x the site's purchase rate, rounded half-up to the company currency's decimals. "
        "0 without a rate or before the session is priced.",
    )

    @api.depends(
        "priced_at",
        "billed_energy_kwh",
        "start_date_local",
        "site_id.energy_cost_ids.date_from",
        "site_id.energy_cost_ids.cost_per_kwh",
        "company_id.currency_id",
    )
    def _compute_energy_cost(self):
        for session in self:
            rate = None
            if session.priced_at and session.site_id:
                rate = rate_on(
                    [(r.date_from, r.cost_per_kwh) for r in session.site_id.energy_cost_ids], session.start_date_local
                )
            places = session.company_id.currency_id.decimal_places if session.company_id else 2
            session.energy_purchase_rate = float(rate) if rate is not None else 0.0
            session.energy_cost = float(energy_cost(session.billed_energy_kwh or 0.0, rate, places))
