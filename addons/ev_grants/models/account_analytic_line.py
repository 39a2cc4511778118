from odoo import _, api, models
from odoo.exceptions import UserError


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    def _ev_grant_check(self):
        """Timesheets on a grant's project: inside the period of performance, and not in a period
        whose effort is already certified."""
        grants = self.env["ev.grant"].sudo().search([("project_id", "in", self.project_id.ids)]) if self else []
        by_project = {g.project_id.id: g for g in grants}
        for line in self:
            grant = by_project.get(line.project_id.id)
            if not grant:
                continue
            grant._check_period(line.date, _("Timesheet '%s'", line.name or line.employee_id.name))
            certified = grant.labor_period_ids.filtered(
                lambda p, line=line: (
                    p.employee_certified_by
                    and p.employee_id == line.employee_id
                    and p.date_from <= line.date <= p.date_to
                )
            )
            if certified:
                raise UserError(
                    _(
                        "The effort of %(employee)s for %(period)s is certified: timesheets of that period on grant "
                        "%(fain)s cannot change (ask a grant manager to reset the certification).",
                        employee=line.employee_id.name,
                        period=certified[0].display_name,
                        fain=grant.fain,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.filtered("project_id")._ev_grant_check()
        return lines

    def write(self, vals):
        if {"date", "unit_amount", "employee_id", "project_id", "task_id", "amount"} & set(vals):
            self.filtered("project_id")._ev_grant_check()
        res = super().write(vals)
        self.filtered("project_id")._ev_grant_check()
        return res

    def unlink(self):
        self.filtered("project_id")._ev_grant_check()
        return super().unlink()
