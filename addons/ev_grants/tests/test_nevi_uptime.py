"""NEVI uptime per port from the status history: outages detected per port (all connectors down),
excluded reasons set by staff, monthly uptime over the trailing 12 months (site timezone)."""

from datetime import date, datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import GrantCase

T0 = datetime(2024, 1, 1)


@tagged("post_install", "-at_install")
class TestNeviUptime(GrantCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Connector = cls.env["ev.connector"]
        for conn in (cls.conn1, cls.conn2):
            Connector._apply_status(conn, "Available", T0)
        # port 1: a 195-minute fault; port 2: 600 minutes unavailable (maintenance)
        Connector._apply_status(cls.conn1, "Faulted", datetime(2025, 1, 10, 12, 0), error_code="GroundFailure")
        Connector._apply_status(cls.conn1, "Available", datetime(2025, 1, 10, 15, 15))
        Connector._apply_status(cls.conn2, "Unavailable", datetime(2025, 2, 1, 6, 0))
        Connector._apply_status(cls.conn2, "Available", datetime(2025, 2, 1, 16, 0))
        cls.evse1, cls.evse2 = cls.conn1.evse_id, cls.conn2.evse_id
        cls.Uptime = cls.env["ev.grant.uptime"]
        cls.Outage = cls.env["ev.grant.outage"]

    def outage_of(self, evse):
        return self.Outage.search([("evse_id", "=", evse.id)], order="date_start")

    def test_outages_detected_and_uptime_with_an_excluded_reason(self):
        self.Uptime._compute_for(self.site, 2025, 6)  # July 2024 - June 2025, Chicago time
        fault, maintenance = self.outage_of(self.evse1), self.outage_of(self.evse2)
        self.assertEqual(
            (fault.date_start, fault.date_end, fault.duration_minutes),
            (datetime(2025, 1, 10, 12, 0), datetime(2025, 1, 10, 15, 15), 195.0),
        )
        self.assertEqual(maintenance.duration_minutes, 600.0)
        self.assertEqual(fault.source, "detected")
        with self.refused(ValidationError, "is excluded \\(Scheduled maintenance\\): say why in the notes"):
            maintenance.reason_id = self.env.ref("ev_grants.outage_reason_maintenance")
        maintenance.write(
            {
                "reason_id": self.env.ref("ev_grants.outage_reason_maintenance").id,
                "notes": "Planned dispenser firmware upgrade, posted 7 days ahead",
            }
        )
        records = self.Uptime._compute_for(self.site, 2025, 6)
        by_port = {r.evse_id: r for r in records}
        one, two = by_port[self.evse1], by_port[self.evse2]
        self.assertEqual(one.month, date(2025, 6, 1))
        self.assertEqual((one.window_start, one.window_end), (datetime(2024, 7, 1, 5), datetime(2025, 7, 1, 5)))
        self.assertEqual((one.outage_minutes, one.excluded_minutes), (195.0, 0.0))
        self.assertAlmostEqual(one.uptime_percent, 99.96)  # (525,600 - 195) / 525,600
        self.assertTrue(one.meets_requirement)
        self.assertFalse(one.partial)
        self.assertEqual((two.outage_minutes, two.excluded_minutes, two.uptime_percent), (600.0, 600.0, 100.0))
        self.assertEqual(two.excluded_detail, "maintenance: 600.00")
        # computing again updates the same records and keeps the reason staff set
        again = self.Uptime._compute_for(self.site, 2025, 6)
        self.assertEqual(again, records)
        self.assertEqual(self.outage_of(self.evse2).reason_id.code, "maintenance")

    def test_a_port_is_down_only_while_all_its_connectors_are(self):
        charger = self.env["ev.charger"].create({"identity": "GT-DUAL", "site_id": self.site.id})
        ccs, chademo = charger._get_connector(1, 1), charger._get_connector(1, 2)
        Connector = self.env["ev.connector"]
        for conn in (ccs, chademo):
            Connector._apply_status(conn, "Available", T0)
        Connector._apply_status(ccs, "Faulted", datetime(2025, 3, 3, 10, 0))
        Connector._apply_status(ccs, "Available", datetime(2025, 3, 3, 12, 0))
        Connector._apply_status(chademo, "Faulted", datetime(2025, 3, 3, 11, 0))
        Connector._apply_status(chademo, "Available", datetime(2025, 3, 3, 13, 0))
        records = self.Uptime._compute_for(self.site, 2025, 6)
        dual = records.filtered(lambda r: r.evse_id == ccs.evse_id)
        self.assertEqual(dual.outage_minutes, 60.0)
        outage = self.outage_of(ccs.evse_id)
        self.assertEqual((outage.date_start, outage.date_end), (datetime(2025, 3, 3, 11), datetime(2025, 3, 3, 12)))

    def test_a_port_below_97_percent_is_flagged(self):
        Connector = self.env["ev.connector"]
        Connector._apply_status(self.conn1, "Faulted", datetime(2025, 5, 1, 0, 0))
        Connector._apply_status(self.conn1, "Available", datetime(2025, 5, 15, 0, 0))  # 20,160 minutes
        records = self.Uptime._compute_for(self.site, 2025, 6)
        one = records.filtered(lambda r: r.evse_id == self.evse1)
        self.assertEqual(one.outage_minutes, 20355.0)
        self.assertAlmostEqual(one.uptime_percent, 96.13)
        self.assertFalse(one.meets_requirement)
        self.assertEqual([u.evse_id for u in self.grant._ports_below_requirement()], [self.evse1])

    def test_a_port_in_service_for_part_of_the_window(self):
        self.site.commissioning_date = date(2025, 1, 1)
        one = self.Uptime._compute_for(self.site, 2025, 6).filtered(lambda r: r.evse_id == self.evse1)
        self.assertTrue(one.partial)
        self.assertEqual(one.window_start, datetime(2025, 1, 1, 6))  # midnight in Chicago (CST)
        # 181 days less the DST hour = 260,580 minutes; 195 down: 99.925 %
        self.assertAlmostEqual(one.uptime_percent, 99.93)

    def test_stale_detected_outages_go_but_reasoned_ones_stay(self):
        self.Uptime._compute_for(self.site, 2025, 6)
        ghost = self.Outage.create(
            {
                "evse_id": self.evse1.id,
                "date_start": datetime(2025, 4, 1),
                "date_end": datetime(2025, 4, 1, 1),
                "source": "detected",
            }
        )
        kept = self.Outage.create(
            {
                "evse_id": self.evse1.id,
                "date_start": datetime(2025, 4, 2),
                "date_end": datetime(2025, 4, 2, 1),
                "source": "detected",
                "reason_id": self.env.ref("ev_grants.outage_reason_vandalism").id,
                "notes": "Cable cut, police report 2025-118",
            }
        )
        self.Uptime._compute_for(self.site, 2025, 6)
        self.assertFalse(ghost.exists())
        self.assertTrue(kept.exists())
