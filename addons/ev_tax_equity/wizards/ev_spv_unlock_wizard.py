"""Reopen a locked tax year (to correct it and amend its K-1s), with the reason."""

from odoo import fields, models


class EvSpvUnlockWizard(models.TransientModel):
    _name = "ev.spv.unlock.wizard"
    _description = "Reopen a tax year"

    tax_year_id = fields.Many2one("ev.spv.tax.year", required=True)
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        self.tax_year_id.action_unlock(self.reason)
        return {"type": "ir.actions.act_window_close"}
