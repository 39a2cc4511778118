from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_grants_finance as fin


class EvGrantLaborRate(models.Model):
    _name = "ev.grant.labor.rate"
    _description = "Hourly labor rate of an employee (effective-dated)"
    _order = "employee_id, date_from desc"
    _check_company_auto = True

    employee_id = fields.Many2one("hr.employee", required=True, index=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date("Effective from", required=True)
    date_to = fields.Date("Effective to", help="Empty: until a later rate starts.")
    hourly_rate = fields.Monetary(required=True)
    fringe_rate = fields.Float("Fringe rate (%)", digits=(6, 2), help="Fringe benefits as a percentage of salary.")

    _sql_constraints = [
        ("dates_ok", "CHECK (date_to IS NULL OR date_to >= date_from)", "A rate cannot end before it starts."),
        ("rate_positive", "CHECK (hourly_rate > 0)", "The hourly rate must be positive."),
        ("fringe_ok", "CHECK (fringe_rate >= 0 AND fringe_rate < 100)", "The fringe rate must be 0 to 100 %."),
    ]

    @api.constrains("employee_id", "date_from", "date_to")
    def _check_overlap(self):
        for employee in self.mapped("employee_id"):
            rates = self.search([("employee_id", "=", employee.id)])
            pairs = fin.overlaps([(r.date_from, r.date_to or None, r) for r in rates])
            if pairs:
                a, b = pairs[0]
                raise ValidationError(
                    _(
                        "Labor rates of %(employee)s overlap: %(a_rate)s from %(a_from)s to %(a_to)s and "
                        "%(b_rate)s from %(b_from)s to %(b_to)s. End the earlier rate the day before the later one "
                        "starts.",
                        employee=employee.name,
                        a_rate=a[2].hourly_rate,
                        a_from=a[0],
                        a_to=a[1] or _("open end"),
                        b_rate=b[2].hourly_rate,
                        b_from=b[0],
                        b_to=b[1] or _("open end"),
                    )
                )

    def _as_period(self):
        self.ensure_one()
        return fin.RatePeriod(
            self.date_from, self.date_to or None, fin.money(self.hourly_rate), fin.money(self.fringe_rate)
        )
