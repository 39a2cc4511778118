"""Labor from timesheets: effective-dated rates, fringe, after-the-fact certification by the employee
and the supervisor (2 CFR 200.430), locked timesheets and missing certifications."""

from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import GrantCase


@tagged("post_install", "-at_install")
class TestLabor(GrantCase):
    def period(self, employee=None, start=date(2026, 3, 1), end=date(2026, 3, 31)):
        return self.env["ev.grant.labor.period"].create(
            {
                "grant_id": self.grant.id,
                "employee_id": (employee or self.engineer).id,
                "date_from": start,
                "date_to": end,
            }
        )

    def test_overlapping_rates_are_refused(self):
        with self.refused(
            ValidationError,
            r"Labor rates of Grant Engineer overlap: .* End the earlier rate the day before the later one starts",
        ):
            self.env["ev.grant.labor.rate"].create(
                {
                    "employee_id": self.engineer.id,
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 4, 30),
                    "hourly_rate": 50,
                }
            )
        self.assertEqual(self.env["ev.grant.labor.rate"].search_count([("employee_id", "=", self.engineer.id)]), 2)

    def test_salary_and_fringe_at_the_rate_of_each_day(self):
        self.timesheet(date(2026, 3, 13), 8)  # 40.00/h, fringe 30 %: 320.00 + 96.00
        self.timesheet(date(2026, 3, 17), 6)  # 44.00/h, fringe 32 %: 264.00 + 84.48
        other = self.env["project.project"].create({"name": "Other work", "allow_timesheets": True})
        self.timesheet(date(2026, 3, 18), 2, project=other)
        self.timesheet(date(2026, 4, 1), 5)  # another period
        period = self.period()
        period.action_compute()
        self.assertEqual(period.hours, 14)
        self.assertEqual(period.hours_all, 16)
        self.assertAlmostEqual(period.effort_percent, 87.5)
        self.assertEqual(period.salary, 584.00)
        self.assertEqual(period.fringe, 180.48)
        costs = {c.category: c for c in period.cost_ids}
        self.assertEqual(costs["a"].amount, 584.00)
        self.assertEqual(costs["b"].amount, 180.48)
        self.assertEqual(costs["a"].date, date(2026, 3, 31))
        self.assertEqual(costs["a"].source, "labor")
        # recomputing replaces the lines
        period.action_compute()
        self.assertEqual(len(period.cost_ids), 2)

    def test_a_day_without_rate_is_named(self):
        self.timesheet(date(2026, 3, 2), 1, employee=self.boss)
        with self.refused(UserError, "No labor rate for Grant Boss on 2026-03-02"):
            self.period(employee=self.boss).action_compute()

    def test_certification_by_employee_then_supervisor_locks_the_timesheets(self):
        line = self.timesheet(date(2026, 3, 13), 8)
        april = self.timesheet(date(2026, 4, 2), 3)
        period = self.period()
        period.action_compute()
        with self.refused(UserError, "Only Grant Engineer may certify their own effort"):
            period.with_user(self.boss_user).action_certify_employee()
        with self.refused(UserError, "must first be certified by the employee"):
            period.with_user(self.boss_user).action_certify_supervisor()
        period.with_user(self.engineer_user).action_certify_employee()
        self.assertEqual(period.state, "employee")
        with self.refused(UserError, "Only Grant Boss, the supervisor of Grant Engineer, may certify"):
            period.with_user(self.engineer_user).action_certify_supervisor()
        period.with_user(self.boss_user).action_certify_supervisor()
        self.assertEqual(period.state, "certified")
        self.assertEqual(period.supervisor_certified_by, self.boss_user)
        with self.refused(UserError, "is certified: timesheets of that period on grant TEST-FAIN-0001"):
            line.unit_amount = 9
        with self.refused(UserError, "is certified"):
            self.timesheet(date(2026, 3, 20), 1)
        with self.refused(UserError, "reset the certification before recomputing"):
            period.action_compute()
        april.unit_amount = 4  # not certified: fine
        self.assertEqual(line.unit_amount, 8)
        with self.refused(UserError, "Only grant managers may reset"):
            period.with_user(self.engineer_user).action_reset_certification()
        period.action_reset_certification()
        self.assertEqual(period.state, "draft")

    def test_missing_certifications(self):
        self.timesheet(date(2026, 3, 13), 8)
        self.timesheet(date(2026, 4, 2), 3)
        self.timesheet(date(2026, 5, 4), 3)  # the current month of "today": not due yet
        period = self.period()
        period.action_compute()
        period.with_user(self.engineer_user).action_certify_employee()
        missing = self.grant._certifications_missing(today=date(2026, 5, 15))
        # March is only half certified (no supervisor yet), April not at all
        self.assertEqual(
            [(e, m) for e, m in missing], [(self.engineer, date(2026, 3, 1)), (self.engineer, date(2026, 4, 1))]
        )
        period.with_user(self.boss_user).action_certify_supervisor()
        self.assertEqual(
            self.grant._certifications_missing(today=date(2026, 5, 15)), [(self.engineer, date(2026, 4, 1))]
        )
