"""§30C credit of one charging port (an EVSE: the group of connectors that charge one vehicle)."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_tax_30c
from ..lib.ev_tax_money import to_decimal


class EvPortCredit(models.Model):
    _name = "ev.port.credit"
    _description = "§30C credit of a charging port"
    _order = "placed_in_service, id"
    _check_company_auto = True

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="spv_id.currency_id")
    evse_id = fields.Many2one("ev.evse", string="Port (EVSE)", required=True, index=True, check_company=True)
    charger_id = fields.Many2one(related="evse_id.charger_id", store=True)
    site_id = fields.Many2one(related="evse_id.site_id", store=True)
    asset_id = fields.Many2one(
        "account.asset",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
        help="The book asset of the charger; its tax basis is reduced by this credit.",
    )
    cost = fields.Monetary("Port cost", currency_field="currency_id", required=True)
    placed_in_service = fields.Date(related="asset_id.ev_placed_in_service", store=True)
    pwa_met = fields.Boolean("Prevailing wage and apprenticeship met")
    census_tract = fields.Char(help="11-digit census tract GEOID (state, county, tract).")
    eligible_tract = fields.Boolean(help="Low-income community or non-urban census tract (§30C(c)(3)).")
    rate = fields.Float("Rate (%)", compute="_compute_credit", store=True, digits=(6, 2))
    credit = fields.Monetary(compute="_compute_credit", store=True, currency_field="currency_id")
    capped = fields.Boolean(compute="_compute_credit", store=True)
    basis_reduction = fields.Monetary(compute="_compute_credit", store=True, currency_field="currency_id")
    reason = fields.Char(compute="_compute_credit", store=True)

    _sql_constraints = [
        ("evse_uniq", "unique(evse_id)", "This port already has its §30C credit."),
        ("cost_positive", "CHECK (cost >= 0)", "A port's cost cannot be negative."),
    ]

    def _compute_display_name(self):
        for credit in self:
            credit.display_name = f"§30C {credit.evse_id.display_name}"

    @api.depends("cost", "placed_in_service", "pwa_met", "eligible_tract")
    def _compute_credit(self):
        for line in self:
            if not line.placed_in_service:
                line.update(
                    {
                        "rate": 0.0,
                        "credit": 0.0,
                        "capped": False,
                        "basis_reduction": 0.0,
                        "reason": _("not placed in service yet"),
                    }
                )
                continue
            result = ev_tax_30c.port_credit(
                to_decimal(line.cost), line.placed_in_service, line.pwa_met, line.eligible_tract
            )
            line.update(
                {
                    "rate": float(result.rate),
                    "credit": float(result.credit),
                    "capped": result.capped,
                    "basis_reduction": float(result.basis_reduction),
                    "reason": result.reason,
                }
            )

    @api.constrains("census_tract", "evse_id", "asset_id")
    def _check_port(self):
        for line in self:
            if line.census_tract and not (line.census_tract.isdigit() and len(line.census_tract) == 11):
                raise ValidationError(
                    _(
                        "Census tract %s: enter the 11-digit GEOID (2 state, 3 county, 6 tract digits).",
                        line.census_tract,
                    )
                )
            if line.evse_id.company_id != line.spv_id.company_id:
                raise ValidationError(_("Port %s is not at a site of this SPV.", line.evse_id.display_name))
            if line.asset_id.company_id != line.spv_id.company_id:
                raise ValidationError(_("Asset %s is not in this SPV's books.", line.asset_id.display_name))
