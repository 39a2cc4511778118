from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TARIFF_SOURCES = [("charger", "Charger"), ("site", "Site"), ("company", "Company default"), ("none", "None")]


class EvCharger(models.Model):
    _inherit = "ev.charger"

    tariff_id = fields.Many2one(
        "ev.tariff",
        check_company=True,
        tracking=True,
        help="Overrides the site's tariff and the company default.",
    )
    price_multiplier = fields.Float(
        digits=(6, 4),
        default=1.0,
        required=True,
        tracking=True,
        help="Multiplies energy, time and idle charges of this charger (e.g. 1.1 for "
        "a premium location); the session fee is not multiplied.",
    )
    effective_tariff_id = fields.Many2one("ev.tariff", string="Applied tariff", compute="_compute_effective_tariff")
    tariff_source = fields.Selection(TARIFF_SOURCES, compute="_compute_effective_tariff")

    @api.constrains("price_multiplier")
    def _check_price_multiplier(self):
        for charger in self:
            if charger.price_multiplier <= 0:
                raise ValidationError(
                    _(
                        "Charger %(charger)s: the price multiplier must be above 0 (1.0 = "
                        "tariff price), got %(value)s.",
                        charger=charger.identity,
                        value=charger.price_multiplier,
                    )
                )

    @api.depends("tariff_id", "site_id.tariff_id", "company_id.ev_default_tariff_id")
    def _compute_effective_tariff(self):
        for charger in self:
            tariff, source = charger._ev_tariff_and_source()
            charger.effective_tariff_id = tariff
            charger.tariff_source = source

    def _ev_tariff_and_source(self):
        """Tariff by precedence charger -> site -> company default (archived tariffs are skipped)."""
        self.ensure_one()
        for tariff, source in (
            (self.tariff_id, "charger"),
            (self.site_id.tariff_id, "site"),
            (self.company_id.ev_default_tariff_id, "company"),
        ):
            if tariff and tariff.active:
                return tariff, source
        return self.env["ev.tariff"], "none"

    def _ev_tariff(self):
        return self._ev_tariff_and_source()[0]
