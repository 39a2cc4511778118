"""One partner's part of a distribution: its history of cash received."""

from odoo import fields, models


class EvSpvDistributionLine(models.Model):
    _name = "ev.spv.distribution.line"
    _description = "SPV distribution to a partner"
    _order = "date desc, id"

    distribution_id = fields.Many2one("ev.spv.distribution", required=True, ondelete="cascade", index=True)
    spv_id = fields.Many2one(related="distribution_id.spv_id", store=True, index=True)
    company_id = fields.Many2one(related="distribution_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="distribution_id.currency_id")
    date = fields.Date(related="distribution_id.date", store=True, index=True)
    member_id = fields.Many2one("ev.spv.partner", string="Partner", required=True, index=True, ondelete="restrict")
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True, string="Contact")
    percent = fields.Float("Cash share (%)", digits=(7, 4))
    amount = fields.Monetary(currency_field="currency_id")
