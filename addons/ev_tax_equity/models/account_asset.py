"""Book assets (OCA account_asset_management) of an SPV, with their tax depreciation settings."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_tax_bonus, ev_tax_macrs
from ..lib.ev_tax_money import cents, to_decimal

RECOVERY_PERIODS = [(str(years), f"{years}-year") for years in ev_tax_macrs.RECOVERY_PERIODS]
ASSET_KINDS = [("charger", "Charger"), ("site_work", "Site work"), ("other", "Other")]
BONUS_ELECTIONS = [
    ("none", "Default rate"),
    ("out", "Elect out of bonus depreciation"),
    ("reduced", "Elect the reduced rate (first tax year after 19 Jan 2025)"),
]


class AccountAsset(models.Model):
    _inherit = "account.asset"

    ev_spv_id = fields.Many2one(
        "ev.spv", string="SPV", compute="_compute_ev_spv", store=True, index=True, check_company=True
    )
    ev_kind = fields.Selection(ASSET_KINDS, string="EV asset kind")
    ev_charger_id = fields.Many2one("ev.charger", string="Charger", index=True, check_company=True)
    ev_site_id = fields.Many2one("ev.site", string="Site", index=True, check_company=True)
    ev_acquired_date = fields.Date(
        "Acquired on", help="Binding contract date (start of construction for self-built property): bonus rules."
    )
    ev_placed_in_service = fields.Date("Placed in service", help="Starts the tax depreciation and the §30C credit.")
    ev_recovery_years = fields.Selection(
        RECOVERY_PERIODS,
        string="Tax recovery period",
        default="5",
        help="GDS class (Pub 946). Chargers: 5 or 7 years in practice (no specific IRS guidance); site work "
        "(land improvements): 15 years. Check with a tax adviser.",
    )
    ev_bonus_election = fields.Selection(BONUS_ELECTIONS, string="Bonus election", default="none", required=True)
    ev_bonus_rate = fields.Float("Bonus depreciation (%)", compute="_compute_ev_tax", store=True, digits=(6, 2))
    ev_bonus_reason = fields.Char(compute="_compute_ev_tax", store=True)
    ev_credit_basis_reduction = fields.Monetary(
        "Credit basis reduction", compute="_compute_ev_credit", store=True, currency_field="currency_id"
    )
    ev_tax_basis = fields.Monetary(
        "Tax basis",
        compute="_compute_ev_credit",
        store=True,
        currency_field="currency_id",
        help="Cost less the basis reduction of its §30C credits, before bonus depreciation.",
    )
    ev_port_credit_ids = fields.One2many("ev.port.credit", "asset_id", string="§30C credits")

    @api.depends("company_id")
    def _compute_ev_spv(self):
        spvs = self.env["ev.spv"].sudo().search([("company_id", "in", self.company_id.ids)])
        for asset in self:
            asset.ev_spv_id = spvs.filtered(lambda s, asset=asset: s.company_id == asset.company_id)[:1]

    def _ev_bonus(self):
        """ev_tax_bonus's answer for this asset (raises ev_tax_bonus.BonusError on impossible dates)."""
        self.ensure_one()
        end_month = int(self.ev_spv_id.tax_year_end_month or 12)
        pis = self.ev_placed_in_service
        year_end = ev_tax_macrs.tax_year_bounds(ev_tax_macrs.tax_year_of(pis, end_month), end_month)[1]
        return ev_tax_bonus.bonus_rate(
            self.ev_acquired_date or pis,
            pis,
            tax_year_end=year_end,
            elect_reduced=self.ev_bonus_election == "reduced",
            elect_out=self.ev_bonus_election == "out",
        )

    @api.depends("ev_acquired_date", "ev_placed_in_service", "ev_bonus_election", "ev_spv_id.tax_year_end_month")
    def _compute_ev_tax(self):
        for asset in self:
            if not asset.ev_placed_in_service:
                asset.ev_bonus_rate, asset.ev_bonus_reason = 0.0, False
                continue
            try:
                result = asset._ev_bonus()
            except ev_tax_bonus.BonusError as exc:  # refused by _check_ev_bonus
                asset.ev_bonus_rate, asset.ev_bonus_reason = 0.0, str(exc)
                continue
            asset.ev_bonus_rate, asset.ev_bonus_reason = float(result.rate), result.reason

    @api.constrains("ev_acquired_date", "ev_placed_in_service", "ev_bonus_election")
    def _check_ev_bonus(self):
        for asset in self.filtered("ev_placed_in_service"):
            try:
                asset._ev_bonus()
            except ev_tax_bonus.BonusError as exc:
                raise ValidationError(_("Asset %(asset)s: %(error)s", asset=asset.display_name, error=exc)) from exc

    @api.depends("purchase_value", "ev_port_credit_ids.basis_reduction")
    def _compute_ev_credit(self):
        for asset in self:
            reduction = sum(asset.ev_port_credit_ids.mapped("basis_reduction"))
            asset.ev_credit_basis_reduction = reduction
            asset.ev_tax_basis = asset.purchase_value - reduction

    @api.constrains("ev_placed_in_service", "ev_acquired_date", "company_id")
    def _check_ev_dates(self):
        for asset in self:
            spv = asset.ev_spv_id
            pis = asset.ev_placed_in_service
            if pis and spv.formation_date and pis < spv.formation_date:
                raise ValidationError(
                    _(
                        "Asset %(asset)s: placed in service on %(pis)s, before %(spv)s was formed (%(formed)s). "
                        "An SPV's property is placed in service once the SPV exists: correct the date.",
                        asset=asset.display_name,
                        pis=pis,
                        spv=spv.name,
                        formed=spv.formation_date,
                    )
                )
            if pis and asset.ev_acquired_date and pis < asset.ev_acquired_date:
                raise ValidationError(
                    _("Asset %s: it cannot be placed in service before it was acquired.", asset.display_name)
                )

    def _ev_tax_asset(self, disposed_same_year=False):
        self.ensure_one()
        return ev_tax_macrs.TaxAsset(
            self.id,
            self.ev_placed_in_service,
            cents(to_decimal(self.ev_tax_basis)),
            int(self.ev_recovery_years or 5),
            to_decimal(self.ev_bonus_rate),
            disposed_same_year,
        )
