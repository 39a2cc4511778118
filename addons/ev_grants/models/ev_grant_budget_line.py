from odoo import fields, models

from ..lib import ev_grants_finance as fin

BUDGET_CATEGORIES = [(k, label) for k, label in fin.CATEGORIES if k != "i"]


class EvGrantBudgetLine(models.Model):
    _name = "ev.grant.budget.line"
    _description = "Grant budget line (SF-424A object class category)"
    _order = "grant_id, category"

    grant_id = fields.Many2one("ev.grant", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="grant_id.currency_id")
    category = fields.Selection(BUDGET_CATEGORIES, required=True)
    amount_federal = fields.Monetary("Federal")
    amount_non_federal = fields.Monetary("Non-federal")
    amount_total = fields.Monetary("Total", compute="_compute_total")

    _sql_constraints = [
        ("category_uniq", "unique(grant_id, category)", "The budget has one line per SF-424A category."),
        (
            "amounts_positive",
            "CHECK (amount_federal >= 0 AND amount_non_federal >= 0)",
            "Budget amounts cannot be negative.",
        ),
    ]

    def _compute_total(self):
        for line in self:
            line.amount_total = line.amount_federal + line.amount_non_federal
