from contextlib import contextmanager
from datetime import date

from odoo import Command
from odoo.tests.common import TransactionCase


class GrantCase(TransactionCase):
    """A NEVI program and grant (FY2026-FY2028) funding a Chicago site with one two-port DC
    charger; an engineer and a supervisor with users and labor rates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.usd = cls.env.ref("base.USD")
        cls.site = cls.env["ev.site"].create(
            {
                "name": "Grant Test Site",
                "code": "GTS",
                "tz": "America/Chicago",
                "state": "operating",
                "commissioning_date": date(2024, 6, 1),
                "evchart_station_id": "IL-TEST-0001",
                "evchart_network_provider": "ev-suite",
            }
        )
        cls.charger = cls.env["ev.charger"].create({"identity": "GT-DC-1", "site_id": cls.site.id})
        cls.conn1 = cls.charger._get_connector(1, 1)
        cls.conn2 = cls.charger._get_connector(2, 1)
        cls.program = cls.env["ev.grant.program"].create(
            {
                "name": "NEVI test program",
                "code": "NEVI-T",
                "rule_ids": [
                    Command.create({"category": "h", "allowable": False, "reason": "Entertainment (2 CFR 200.438)"}),
                    Command.create({"category": "e", "cap_per_line": 5000, "reason": "prior approval"}),
                ],
            }
        )
        cls.grant = cls.env["ev.grant"].create(
            {
                "name": "Test corridor award",
                "fain": "TEST-FAIN-0001",
                "program_id": cls.program.id,
                "date_start": date(2025, 10, 1),
                "date_end": date(2028, 9, 30),
                "federal_amount": 800000,
                "cost_share_required": 200000,
                "indirect_type": "de_minimis",
                "indirect_rate": 15,
                "site_ids": [Command.set(cls.site.ids)],
                "budget_line_ids": [
                    Command.create({"category": k, "amount_federal": fed, "amount_non_federal": non})
                    for k, fed, non in (
                        ("a", 80000, 20000),
                        ("b", 24000, 6000),
                        ("c", 4800, 1200),
                        ("d", 200000, 50000),
                        ("e", 4000, 1000),
                        ("g", 320000, 80000),
                        ("h", 800, 200),
                    )
                ],
            }
        )
        group_user = cls.env.ref("ev_grants.group_grant_user")
        cls.boss_user = cls.env["res.users"].create(
            {"name": "Grant Boss", "login": "grant-boss", "groups_id": [Command.set([group_user.id])]}
        )
        cls.engineer_user = cls.env["res.users"].create(
            {"name": "Grant Engineer", "login": "grant-engineer", "groups_id": [Command.set([group_user.id])]}
        )
        cls.boss = cls.env["hr.employee"].create({"name": "Grant Boss", "user_id": cls.boss_user.id})
        cls.engineer = cls.env["hr.employee"].create(
            {"name": "Grant Engineer", "user_id": cls.engineer_user.id, "parent_id": cls.boss.id}
        )
        Rate = cls.env["ev.grant.labor.rate"]
        Rate.create(
            {
                "employee_id": cls.engineer.id,
                "date_from": date(2025, 10, 1),
                "date_to": date(2026, 3, 15),
                "hourly_rate": 40,
                "fringe_rate": 30,
            }
        )
        Rate.create(
            {"employee_id": cls.engineer.id, "date_from": date(2026, 3, 16), "hourly_rate": 44, "fringe_rate": 32}
        )

    @contextmanager
    def refused(self, exception, pattern):
        """Like assertRaisesRegex, inside a savepoint (as a refused RPC call rolls back)."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def timesheet(self, day, hours, employee=None, project=None):
        return self.env["account.analytic.line"].create(
            {
                "name": "Inspection",
                "project_id": (project or self.grant.project_id).id,
                "employee_id": (employee or self.engineer).id,
                "date": day,
                "unit_amount": hours,
            }
        )

    def cost(self, **vals):
        values = {"grant_id": self.grant.id, "name": "Cost", "date": date(2026, 2, 1), "category": "g", "amount": 100}
        values.update(vals)
        return self.env["ev.grant.cost"].create(values)
