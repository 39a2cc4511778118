from odoo import api, fields, models

DEADLINE_KINDS = [
    ("sf425", "SF-425 Federal Financial Report"),
    ("evchart_quarterly", "EV-ChART quarterly data"),
    ("evchart_annual", "EV-ChART annual data"),
    ("performance", "Performance report"),
    ("other", "Other"),
]


class EvGrantDeadline(models.Model):
    _name = "ev.grant.deadline"
    _description = "Report due under a grant"
    _order = "date_due, id"

    grant_id = fields.Many2one("ev.grant", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    name = fields.Char(required=True)
    kind = fields.Selection(DEADLINE_KINDS, required=True, default="other")
    date_due = fields.Date("Due", required=True)
    date_submitted = fields.Date("Submitted")
    overdue = fields.Boolean(compute="_compute_overdue")

    @api.depends("date_due", "date_submitted")
    def _compute_overdue(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.overdue = not line.date_submitted and line.date_due < today

    def action_submitted(self):
        self.write({"date_submitted": fields.Date.context_today(self)})
