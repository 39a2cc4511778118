"""Energy purchase rates per site (dated), for cost vs revenue."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EvSiteEnergyCost(models.Model):
    _name = "ev.site.energy.cost"
    _description = "Energy purchase rate of a charging site"
    _order = "site_id, date_from desc"
    _rec_name = "date_from"

    site_id = fields.Many2one("ev.site", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="site_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="site_id.company_id.currency_id", string="Currency")
    date_from = fields.Date(
        "From", required=True, help="Rate in force from this date (site's local date) until the next row's date."
    )
    cost_per_kwh = fields.Float(
        "Purchase cost per kWh",
        required=True,
        digits=(16, 5),
        help="What the site pays its energy supplier per kWh, excl. tax, in the company's currency.",
    )
    note = fields.Char(help="E.g. the supplier contract.")

    @api.constrains("site_id", "date_from")
    def _check_one_rate_per_date(self):
        for rate in self:
            if self.search_count(
                [("site_id", "=", rate.site_id.id), ("date_from", "=", rate.date_from), ("id", "!=", rate.id)]
            ):
                raise ValidationError(
                    _(
                        "%(site)s already has a purchase rate starting on %(date)s: change that row instead of adding "
                        "one.",
                        site=rate.site_id.display_name,
                        date=rate.date_from,
                    )
                )

    @api.constrains("cost_per_kwh")
    def _check_cost_per_kwh(self):
        for rate in self:
            if rate.cost_per_kwh < 0:
                raise ValidationError(
                    _(
                        "The energy purchase cost of %(site)s from %(date)s is %(cost)s: enter 0 or a positive "
                        "amount per kWh.",
                        site=rate.site_id.display_name,
                        date=rate.date_from,
                        cost=rate.cost_per_kwh,
                    )
                )
