"""Lifecycle phases (project tasks as steps, gates) and the compliance calendar (dated activities, reminders,
the overdue view)."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EvTaxCase


@tagged("post_install", "-at_install")
class TestLifecycle(EvTaxCase):
    def test_steps_are_project_tasks_and_gate_the_phase(self):
        spv = self.spv
        spv.action_create_steps()
        self.assertTrue(spv.project_id and spv.project_id.company_id == spv.company_id)
        templates = self.env["ev.spv.phase.step"].search([])
        self.assertEqual(len(spv.task_ids), len(templates))
        spv.action_create_steps()  # idempotent
        self.assertEqual(len(spv.task_ids), len(templates))
        sourcing = spv.task_ids.filtered(lambda t: t.ev_spv_phase == "sourcing")
        with self.assertRaisesRegex(UserError, "cannot leave phase Sourcing: these steps are not done: .*Site control"):
            spv.action_next_phase()
        sourcing.write({"state": "1_done"})
        spv.action_next_phase()
        self.assertEqual(spv.phase, "structuring")
        # the automatic steps of Structuring close when the data shows them
        spv.action_confirm_allocations()
        structuring = spv.task_ids.filtered(lambda t: t.ev_spv_phase == "structuring")
        manual = structuring.filtered(lambda t: not t.ev_step_id.check)
        manual.write({"state": "1_done"})
        spv.action_next_phase()
        self.assertEqual(spv.phase, "construction")
        self.assertTrue(all(t.is_closed for t in structuring), "books and allocations steps closed by their checks")

    def test_move_with_a_reason(self):
        spv = self.spv
        spv.action_create_steps()
        wizard = self.env["ev.spv.phase.wizard"].create({"spv_id": spv.id, "phase": "construction"})
        self.assertIn("Site control", wizard.open_steps)
        with self.assertRaisesRegex(UserError, "move with a reason"):
            wizard.action_apply()
        wizard.reason = "Acquired a project already permitted"
        wizard.action_apply()
        self.assertEqual(spv.phase, "construction")
        self.assertIn("Acquired a project already permitted", spv.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "already in phase Construction"):
            spv._ev_move_phase("construction", "again")

    def test_compliance_calendar(self):
        spv = self.spv
        site, charger = self._site_with_ports(spv)
        site.ev_nevi_funded = True
        self._golden_year(spv, self.inv, self.spn)  # ports placed in service 1 March 2024
        obligations = spv._ev_generate_calendar(today=date(2025, 2, 1))
        due = {o.key: o.due_date for o in obligations}
        # 2024 return and K-1s: 15 March 2025 is a Saturday -> Monday 17 March; with extension 15 September
        self.assertEqual(due["1065:2024"], date(2025, 3, 17))
        self.assertEqual(due["1065x:2024"], date(2025, 9, 15))
        self.assertEqual(due["k1:2024"], date(2025, 3, 17))
        self.assertEqual(due["1065:2025"], date(2026, 3, 16))
        self.assertEqual(due[f"evchart:2024:{site.id}"], date(2025, 3, 1))
        self.assertEqual(due[f"evchartq:2025:1:{site.id}"], date(2025, 4, 30))
        self.assertEqual(due["recapture:2024-03-01"], date(2029, 3, 1))
        # every obligation is a dated activity
        form = next(o for o in obligations if o.key == "1065:2024")
        self.assertEqual(form.activity_ids.date_deadline, date(2025, 3, 17))
        self.assertFalse(spv._ev_generate_calendar(today=date(2025, 2, 1)), "never twice")
        # reminders 14 days before
        self.env["ev.spv.obligation"]._cron_remind(today=date(2025, 3, 2))
        self.assertFalse(form.reminded)
        reminded = self.env["ev.spv.obligation"]._cron_remind(today=date(2025, 3, 3))
        self.assertIn(form, reminded)
        self.assertIn("is due on 2025-03-17", form.message_ids[0].body)
        # overdue view, done
        overdue = self.env["ev.spv.obligation"].search([("spv_id", "=", spv.id), ("overdue", "=", True)])
        self.assertIn(form, overdue, "due in 2025, open: overdue today")
        form.action_done()
        self.assertNotIn(form, self.env["ev.spv.obligation"].search([("overdue", "=", True)]))
        self.assertFalse(form.activity_ids)

    def test_custom_obligation(self):
        custom = self.env["ev.spv.obligation"].create(
            {"spv_id": self.spv.id, "name": "State LLC annual report", "due_date": date(2030, 4, 15)}
        )
        self.assertEqual(custom.kind, "custom")
        self.assertEqual(custom.activity_ids.date_deadline, date(2030, 4, 15))
        self.assertFalse(custom.overdue)
        with self.assertRaisesRegex(UserError, "overdue"):
            self.env["ev.spv.obligation"].search([("overdue", "in", [True])])
