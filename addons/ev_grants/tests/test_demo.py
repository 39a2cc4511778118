"""The demo: a NEVI grant funding the Chicago demo site with timesheets, a trip, equipment with a
receipt, an outage with an excluded reason and the EV-ChART files of its quarter."""

import base64

from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from ..lib import ev_grants_evchart as ec


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    def test_demo_grant(self):
        grant = self.env.ref("ev_grants.demo_grant_nevi")  # ./ev test installs the demo data
        self.assertEqual(grant.state, "active")
        self.assertEqual(grant.site_ids, self.env.ref("ev_charging.site_chi"))
        timesheets = self.env["account.analytic.line"].search([("project_id", "=", grant.project_id.id)])
        self.assertEqual(len(timesheets), 10)
        self.assertEqual(set(grant.labor_period_ids.mapped("state")), {"certified"})
        trip = self.env.ref("ev_grants.demo_trip")
        self.assertEqual((trip.state, trip.method, trip.per_diem_total), ("posted", "per_diem", 390.0))
        self.assertTrue(trip.expense_ids.receipt_ids)
        charger = self.env.ref("ev_grants.demo_equipment_charger")
        self.assertEqual((charger.state, charger.category), ("posted", "d"))
        self.assertEqual(base64.b64decode(charger.receipt_ids.datas)[:5], b"%PDF-")
        outage = self.env.ref("ev_grants.demo_outage_grid")
        self.assertEqual(outage.reason_id, self.env.ref("ev_grants.outage_reason_grid"))
        self.assertEqual(outage.duration_minutes, 195.0)
        export = self.env.ref("ev_grants.demo_evchart_export")
        self.assertEqual(export.state, "done")
        modules = {f.module for f in export.file_ids}
        self.assertEqual(modules, {"2", "3", "4", "9"})
        for f in export.file_ids:
            problems = ec.validate_csv_text(int(f.module), base64.b64decode(f.data).decode())
            self.assertEqual(problems, [], f.name)
