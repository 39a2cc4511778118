"""Awards as analytic accounts, the cost ledger, the period of performance, allowability and
budget vs actual."""

from datetime import date
from decimal import Decimal

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import GrantCase


@tagged("post_install", "-at_install")
class TestGrantCosts(GrantCase):
    def test_each_grant_has_its_own_plan_account_and_timesheet_project(self):
        grant = self.grant
        root = self.env.ref("ev_grants.analytic_plan_grants")
        self.assertEqual(grant.analytic_plan_id.parent_id, root)
        self.assertEqual(grant.analytic_plan_id.name, "Grant TEST-FAIN-0001")
        self.assertEqual(grant.analytic_account_id.plan_id, grant.analytic_plan_id)
        self.assertEqual(grant.analytic_account_id.code, "TEST-FAIN-0001")
        column = grant._analytic_column()
        self.assertEqual(grant.project_id[column], grant.analytic_account_id)
        self.assertTrue(grant.project_id.allow_timesheets)
        # a timesheet on the project is tagged with the grant's account
        line = self.timesheet(date(2026, 1, 5), 2)
        self.assertEqual(line[column], grant.analytic_account_id)

    def test_costs_are_analytic_lines_of_the_grant(self):
        cost = self.cost(amount=1000, name="Trenching")
        line = cost.analytic_line_id
        self.assertEqual(line[self.grant._analytic_column()], self.grant.analytic_account_id)
        self.assertEqual(line.amount, -1000)
        self.assertEqual(line.name, "[g] Trenching")
        self.assertEqual(cost.federal_amount, 800.0)  # 800,000 / (800,000 + 200,000)
        cost.amount = 1500
        self.assertEqual(line.amount, -1500)
        cost.unlink()
        self.assertFalse(line.exists())

    def test_cost_outside_the_period_of_performance_is_refused(self):
        before = self.env["ev.grant.cost"].search_count([])
        with self.refused(
            ValidationError,
            r"dated 2028-10-01, outside the period of performance of grant "
            r"TEST-FAIN-0001 \(2025-10-01 to 2028-09-30\)",
        ):
            self.cost(date=date(2028, 10, 1), name="Late invoice")
        self.assertEqual(self.env["ev.grant.cost"].search_count([]), before)
        with self.refused(ValidationError, "Timesheet .* outside the period of performance"):
            self.timesheet(date(2025, 9, 30), 3)
        cost = self.cost(date=date(2028, 9, 30))
        with self.refused(ValidationError, "would fall outside the new period of performance"):
            self.grant.date_end = date(2028, 6, 30)
        self.assertTrue(cost.exists())

    def test_allowability_from_the_program_rules(self):
        party = self.cost(category="h", amount=640, name="Reception catering")
        self.assertFalse(party.allowable)
        self.assertEqual(party.unallowable_reason, "Entertainment (2 CFR 200.438)")
        ok = self.cost(category="e", amount=5000, name="Cable kits")
        self.assertTrue(ok.allowable)
        capped = self.cost(category="e", amount=5000.01, name="More cable kits")
        self.assertFalse(capped.allowable)
        self.assertIn("above the program's cap of 5000.00 per line (prior approval)", capped.unallowable_reason)
        with self.refused(UserError, "marked unallowable: give the reason"):
            self.cost(category="g", amount=10, name="Flowers", allowable=False, unallowable_reason=False)
        self.assertEqual(self.grant.unallowable_total, 640 + 5000.01)

    def test_budget_vs_actual(self):
        self.cost(category="g", amount=150000, name="Civil works")
        self.cost(category="e", amount=2400, name="Cable kits")
        self.cost(category="c", amount=1101, name="Travel")
        self.cost(category="h", amount=640, name="Catering")  # unallowable
        self.cost(category="g", amount=999, name="Outside the report", date=date(2027, 1, 1))
        rows = {r.category: r for r in self.grant._budget_rows(date(2025, 10, 1), date(2026, 12, 31))}
        self.assertEqual(rows["g"].budget, Decimal("400000.00"))
        self.assertEqual(rows["g"].actual, Decimal("150000.00"))
        self.assertEqual(rows["g"].remaining, Decimal("250000.00"))
        self.assertEqual(rows["g"].percent_spent, Decimal("37.50"))
        self.assertEqual(rows["h"].actual, Decimal("0.00"))
        self.assertEqual(rows["h"].unallowable, Decimal("640.00"))
        self.assertEqual(rows["i"].budget, Decimal("792000.00"))
        self.assertEqual(rows["i"].actual, Decimal("153501.00"))
        # 15 % de minimis on the MTDC (travel + supplies = 3,501.00; construction excluded)
        self.assertEqual(rows["j"].actual, Decimal("525.15"))
        self.assertEqual(rows["k"].actual, Decimal("154026.15"))

    def test_indirect_rate_rules(self):
        with self.refused(ValidationError, "de minimis indirect rate: set a rate above 0 and at most 15"):
            self.grant.indirect_rate = 16
        with self.refused(ValidationError, "has no indirect costs"):
            self.grant.write({"indirect_type": "none", "indirect_rate": 10})

    def test_activation_needs_a_budget(self):
        grant = self.env["ev.grant"].create(
            {
                "name": "Empty",
                "fain": "EMPTY-1",
                "program_id": self.program.id,
                "date_start": date(2026, 1, 1),
                "date_end": date(2026, 12, 31),
                "federal_amount": 1000,
            }
        )
        with self.refused(UserError, "has no budget"):
            grant.action_activate()
        self.grant.action_activate()
        self.assertEqual(self.grant.state, "active")

    def test_reporting_deadlines(self):
        self.grant.action_plan_deadlines()
        quarterly = self.grant.deadline_ids.filtered(lambda d: d.kind == "evchart_quarterly").sorted("date_due")
        self.assertEqual(len(quarterly), 12)  # Q4 2025 .. Q3 2028
        self.assertEqual(quarterly[0].date_due, date(2026, 1, 31))
        self.assertEqual(quarterly[-1].date_due, date(2028, 10, 31))
        annual = self.grant.deadline_ids.filtered(lambda d: d.kind == "evchart_annual")
        self.assertEqual(annual.mapped("date_due")[0], date(2026, 3, 1))
        sf425 = self.grant.deadline_ids.filtered(lambda d: d.kind == "sf425").sorted("date_due")
        self.assertEqual(sf425[0].date_due, date(2026, 1, 30))
        count = len(self.grant.deadline_ids)
        self.grant.action_plan_deadlines()
        self.assertEqual(len(self.grant.deadline_ids), count)

    @mute_logger("odoo.sql_db")
    def test_duplicate_fain_is_refused(self):
        with self.assertRaises(IntegrityError):
            self.env["ev.grant"].create(
                {
                    "name": "Dup",
                    "fain": "TEST-FAIN-0001",
                    "program_id": self.program.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                    "federal_amount": 1,
                }
            )
