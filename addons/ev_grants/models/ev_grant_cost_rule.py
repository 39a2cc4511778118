from odoo import fields, models

from ..lib import ev_grants_finance as fin

COST_CATEGORIES = [(k, label) for k, label in fin.CATEGORIES if k in fin.DIRECT]


class EvGrantCostRule(models.Model):
    _name = "ev.grant.cost.rule"
    _description = "Allowable-cost rule of a grant program"
    _order = "program_id, sequence, id"

    program_id = fields.Many2one("ev.grant.program", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    category = fields.Selection(COST_CATEGORIES, required=True)
    allowable = fields.Boolean(default=True, help="Unticked: every cost of this category is unallowable.")
    cap_per_line = fields.Monetary(
        "Cap per cost line", currency_field="currency_id", help="0 = no cap; above it a line is unallowable."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    reason = fields.Char(help="Shown on the cost lines this rule makes unallowable (cite the rule).")

    def _as_rule(self):
        self.ensure_one()
        return fin.CostRule(
            self.category,
            self.allowable,
            fin.money(self.cap_per_line) if self.cap_per_line else None,
            self.reason or "",
        )
