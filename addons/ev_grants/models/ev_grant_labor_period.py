from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_finance as fin


class EvGrantLaborPeriod(models.Model):
    """Labor charged to a grant by one employee over one period, and its after-the-fact
    certification by the employee and a supervisor (2 CFR 200.430(i))."""

    _name = "ev.grant.labor.period"
    _description = "Grant labor and effort certification"
    _inherit = ["mail.thread"]
    _order = "date_from desc, employee_id"
    _check_company_auto = True

    grant_id = fields.Many2one("ev.grant", required=True, ondelete="restrict", index=True, check_company=True)
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="grant_id.currency_id")
    employee_id = fields.Many2one("hr.employee", required=True, index=True, check_company=True)
    supervisor_id = fields.Many2one(related="employee_id.parent_id", string="Supervisor")
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    hours = fields.Float(readonly=True, digits=(10, 2), help="Hours on the grant's project in the period.")
    hours_all = fields.Float(
        "All hours", readonly=True, digits=(10, 2), help="Hours on all projects: the base of the effort %."
    )
    effort_percent = fields.Float("Effort (%)", compute="_compute_effort", digits=(6, 2))
    salary = fields.Monetary(readonly=True)
    fringe = fields.Monetary(readonly=True)
    cost_ids = fields.One2many("ev.grant.cost", "labor_period_id", readonly=True)
    employee_certified_by = fields.Many2one("res.users", readonly=True, tracking=True)
    employee_certified_on = fields.Datetime(readonly=True)
    supervisor_certified_by = fields.Many2one("res.users", readonly=True, tracking=True)
    supervisor_certified_on = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("draft", "To certify"), ("employee", "Certified by employee"), ("certified", "Certified")],
        compute="_compute_state",
        store=True,
        index=True,
    )

    _sql_constraints = [
        ("period_uniq", "unique(grant_id, employee_id, date_from)", "This employee already has this period."),
        ("dates_ok", "CHECK (date_to >= date_from)", "The period ends before it starts."),
    ]

    @api.depends("hours", "hours_all")
    def _compute_effort(self):
        for period in self:
            period.effort_percent = period.hours / period.hours_all * 100 if period.hours_all else 0.0

    @api.depends("employee_certified_by", "supervisor_certified_by")
    def _compute_state(self):
        for period in self:
            if period.supervisor_certified_by:
                period.state = "certified"
            elif period.employee_certified_by:
                period.state = "employee"
            else:
                period.state = "draft"

    def _compute_display_name(self):
        for period in self:
            period.display_name = f"{period.employee_id.name} {period.date_from}..{period.date_to}"

    @api.constrains("date_from", "date_to", "grant_id")
    def _check_period(self):
        for period in self:
            period.grant_id._check_period(period.date_from, _("Labor period of %s", period.employee_id.name))
            period.grant_id._check_period(period.date_to, _("Labor period of %s", period.employee_id.name))

    def _timesheets(self, all_projects=False):
        self.ensure_one()
        domain = [
            ("employee_id", "=", self.employee_id.id),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]
        if all_projects:
            domain.append(("project_id", "!=", False))
        else:
            domain.append(("project_id", "=", self.grant_id.project_id.id))
        return self.env["account.analytic.line"].sudo().search(domain)

    def action_compute(self):
        """Hours, salary and fringe from the timesheets at the rates in force each day; replaces
        the period's personnel (a) and fringe (b) cost lines."""
        for period in self:
            if period.employee_certified_by:
                raise UserError(_("%s is certified: reset the certification before recomputing.", period.display_name))
            timesheets = period._timesheets()
            rates = self.env["ev.grant.labor.rate"].search([("employee_id", "=", period.employee_id.id)])
            result = fin.labor_cost([(t.date, t.unit_amount) for t in timesheets], [r._as_period() for r in rates])
            if result.missing_rate_days:
                raise UserError(
                    _(
                        "No labor rate for %(employee)s on %(days)s: add an effective-dated rate "
                        "(Grants > Configuration > Labor rates).",
                        employee=period.employee_id.name,
                        days=", ".join(str(d) for d in result.missing_rate_days),
                    )
                )
            period.cost_ids.unlink()
            period.write(
                {
                    "hours": float(result.hours),
                    "hours_all": sum(period._timesheets(all_projects=True).mapped("unit_amount")),
                    "salary": float(result.salary),
                    "fringe": float(result.fringe),
                }
            )
            label = _(
                "%(employee)s, %(start)s to %(end)s",
                employee=period.employee_id.name,
                start=period.date_from,
                end=period.date_to,
            )
            vals = []
            for category, amount, what in (("a", result.salary, _("Salary")), ("b", result.fringe, _("Fringe"))):
                if amount:
                    vals.append(
                        {
                            "grant_id": period.grant_id.id,
                            "labor_period_id": period.id,
                            "source": "labor",
                            "category": category,
                            "name": f"{what}: {label}",
                            "date": period.date_to,
                            "amount": float(amount),
                        }
                    )
            self.env["ev.grant.cost"].create(vals)
        return True

    def action_certify_employee(self):
        for period in self:
            if period.sudo().employee_id.user_id != self.env.user:
                raise UserError(
                    _(
                        "Only %(employee)s may certify their own effort for %(period)s.",
                        employee=period.employee_id.name,
                        period=period.display_name,
                    )
                )
            if not period.cost_ids and not period.hours:
                raise UserError(_("Compute %s from the timesheets before certifying it.", period.display_name))
            period.write({"employee_certified_by": self.env.user.id, "employee_certified_on": fields.Datetime.now()})
        return True

    def action_certify_supervisor(self):
        for period in self:
            supervisor = period.sudo().employee_id.parent_id.user_id
            if not supervisor:
                raise UserError(
                    _("%s has no supervisor with a user: set the employee's manager.", period.employee_id.name)
                )
            if supervisor != self.env.user:
                raise UserError(
                    _(
                        "Only %(supervisor)s, the supervisor of %(employee)s, may certify %(period)s.",
                        supervisor=supervisor.name,
                        employee=period.employee_id.name,
                        period=period.display_name,
                    )
                )
            if not period.employee_certified_by:
                raise UserError(_("%s must first be certified by the employee.", period.display_name))
            period.write(
                {"supervisor_certified_by": self.env.user.id, "supervisor_certified_on": fields.Datetime.now()}
            )
        return True

    def action_reset_certification(self):
        if not self.env.user.has_group("ev_grants.group_grant_manager"):
            raise UserError(_("Only grant managers may reset an effort certification."))
        self.write(
            {
                "employee_certified_by": False,
                "employee_certified_on": False,
                "supervisor_certified_by": False,
                "supervisor_certified_on": False,
            }
        )
        return True
