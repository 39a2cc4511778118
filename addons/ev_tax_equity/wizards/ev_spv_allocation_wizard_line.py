from odoo import fields, models


class EvSpvAllocationWizardLine(models.TransientModel):
    _name = "ev.spv.allocation.wizard.line"
    _description = "Change SPV allocations: one partner"

    wizard_id = fields.Many2one("ev.spv.allocation.wizard", required=True, ondelete="cascade")
    member_id = fields.Many2one("ev.spv.partner", string="Partner", required=True)
    pre_income_pct = fields.Float("Income before (%)", digits=(7, 4))
    pre_credit_pct = fields.Float("Credits before (%)", digits=(7, 4))
    pre_cash_pct = fields.Float("Cash before (%)", digits=(7, 4))
    post_income_pct = fields.Float("Income after (%)", digits=(7, 4))
    post_credit_pct = fields.Float("Credits after (%)", digits=(7, 4))
    post_cash_pct = fields.Float("Cash after (%)", digits=(7, 4))
