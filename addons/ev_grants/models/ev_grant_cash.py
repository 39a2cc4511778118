from odoo import api, fields, models


class EvGrantCash(models.Model):
    _name = "ev.grant.cash"
    _description = "Grant cash receipt or program income"
    _order = "date desc, id desc"

    grant_id = fields.Many2one("ev.grant", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="grant_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    kind = fields.Selection(
        [
            ("drawdown", "Federal cash received (drawdown)"),
            ("program_income", "Program income earned"),
            ("program_income_used", "Program income used (addition alternative)"),
        ],
        required=True,
        default="drawdown",
    )
    amount = fields.Monetary(required=True)
    name = fields.Char("Reference")

    @api.constrains("date", "grant_id")
    def _check_period(self):
        for line in self.filtered(lambda line: line.kind != "drawdown"):
            line.grant_id._check_period(line.date, line.name or line.kind)
