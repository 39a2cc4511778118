"""A partner's HLBV claim and earnings for one quarter."""

from odoo import fields, models


class EvSpvHlbv(models.Model):
    _name = "ev.spv.hlbv"
    _description = "SPV HLBV by partner and quarter"
    _order = "tax_year_id, quarter, member_id"

    tax_year_id = fields.Many2one("ev.spv.tax.year", required=True, ondelete="cascade", index=True)
    spv_id = fields.Many2one(related="tax_year_id.spv_id", store=True, index=True)
    company_id = fields.Many2one(related="tax_year_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="tax_year_id.currency_id")
    member_id = fields.Many2one("ev.spv.partner", string="Partner", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True, string="Contact")
    quarter = fields.Integer(required=True)
    period_start = fields.Date()
    period_end = fields.Date()
    net_assets = fields.Monetary("Net assets at book value", currency_field="currency_id")
    capital = fields.Monetary("§704(b) capital", currency_field="currency_id")
    claim_begin = fields.Monetary("Claim at beginning", currency_field="currency_id")
    claim_end = fields.Monetary("Claim at end", currency_field="currency_id")
    contributions = fields.Monetary(currency_field="currency_id")
    distributions = fields.Monetary(currency_field="currency_id")
    earnings = fields.Monetary("HLBV earnings", currency_field="currency_id")
