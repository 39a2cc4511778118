"""EV-ChART quarterly files of a station set: every row that would be refused is listed before any
file is produced; the files follow evchart-columns.md."""

import base64
from datetime import date, datetime

from odoo.tests import tagged

from ..lib import ev_grants_evchart as ec
from .common import GrantCase


@tagged("post_install", "-at_install")
class TestEvchartExport(GrantCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Connector = cls.env["ev.connector"]
        for conn in (cls.conn1, cls.conn2):
            Connector._apply_status(conn, "Available", datetime(2024, 1, 1))
        Connector._apply_status(cls.conn1, "Faulted", datetime(2025, 1, 10, 12, 0))
        Connector._apply_status(cls.conn1, "Available", datetime(2025, 1, 10, 15, 15))
        Connector._apply_status(cls.conn2, "Unavailable", datetime(2025, 2, 1, 6, 0))
        Connector._apply_status(cls.conn2, "Available", datetime(2025, 2, 1, 16, 0))
        token = cls.env["ev.id.token"].create({"value": "GRANT-RFID-1", "token_type": "ISO14443"})
        cls.sessions = cls.env["ev.session"].create(
            [
                {
                    "transaction_id": f"TX-{i}",
                    "charger_id": cls.charger.id,
                    "connector_id": conn.id,
                    "id_token_id": token.id,
                    "start_time": datetime(2025, 2, 10 + i, 15, 0),
                    "stop_time": datetime(2025, 2, 10 + i, 15, 40),
                    "state": "completed",
                    "energy_kwh": 31.456,
                    "max_power_kw": 148.9,
                }
                for i, conn in enumerate((cls.conn1, cls.conn2, cls.conn1))
            ]
        )
        cls.env["ev.grant.cost"].create(
            [
                {
                    "grant_id": cls.grant.id,
                    "name": "Charger",
                    "date": date(2025, 11, 3),
                    "category": "d",
                    "amount": 85000,
                    "site_id": cls.site.id,
                    "capital_field": "equipment",
                },
                {
                    "grant_id": cls.grant.id,
                    "name": "Electrician",
                    "date": date(2025, 12, 1),
                    "category": "g",
                    "amount": 12000,
                    "site_id": cls.site.id,
                    "capital_field": "equipment_install_labor",
                },
            ]
        )
        cls.export = cls.env["ev.evchart.export"].create(
            {"site_ids": [(6, 0, cls.site.ids)], "year": 2025, "quarter": "1"}
        )

    def files(self):
        return {f.name: base64.b64decode(f.data).decode() for f in self.export.file_ids}

    def test_refused_rows_are_listed_and_no_file_is_produced(self):
        long_id = "TX-" + "9" * 40
        self.sessions[1].transaction_id = long_id
        self.site.evchart_network_provider = False
        self.export.action_produce()
        self.assertEqual(self.export.state, "refused")
        self.assertFalse(self.export.file_ids)
        problems = self.export.problem_ids
        too_long = problems.filtered(lambda p: p.rule == "max_length")
        self.assertEqual(too_long.mapped("column"), ["session_id"])
        self.assertEqual((too_long.file_name, too_long.row), ("module2_IL-TEST-0001.csv", 2))
        self.assertEqual(too_long.source_ref, f"ev.session,{self.sessions[1].id}")
        self.assertEqual(too_long.message, "43 characters, at most 36 allowed")
        blank = problems.filtered(lambda p: p.rule == "blank")
        self.assertEqual(set(blank.mapped("column")), {"network_provider"})
        # every row of every file names the missing provider: 3 sessions, 2 ports, 2 outages, 1 station
        self.assertEqual(len(blank), 8)
        # fixed: the files are produced
        self.sessions[1].transaction_id = "TX-1"
        self.site.evchart_network_provider = "ev-suite"
        self.export.action_produce()
        self.assertEqual(self.export.state, "done")
        self.assertFalse(self.export.problem_ids)

    def test_files_follow_the_columns_document(self):
        outage = self.env["ev.grant.outage"]
        self.export.action_validate()  # detects the outages of the quarter
        maintenance = outage.search([("evse_id", "=", self.conn2.evse_id.id)])
        maintenance.write(
            {"reason_id": self.env.ref("ev_grants.outage_reason_maintenance").id, "notes": "Planned firmware upgrade"}
        )
        self.export.action_produce()
        self.assertEqual(self.export.state, "done", self.export.problem_ids.mapped("message"))
        files = self.files()
        self.assertEqual(
            sorted(files),
            [
                "evchart_module2_IL-TEST-0001_2025Q1.csv",
                "evchart_module3_IL-TEST-0001_2025Q1.csv",
                "evchart_module4_IL-TEST-0001_2025Q1.csv",
                "evchart_module4_excluded_IL-TEST-0001_2025Q1.csv",
                "evchart_module9_2025Q1.csv",
            ],
        )
        for name, text in files.items():
            module = int(name.split("_module")[1][0])
            self.assertEqual(ec.validate_csv_text(module, text, self.site.commissioning_date), [], name)
        m2 = files["evchart_module2_IL-TEST-0001_2025Q1.csv"].splitlines()
        self.assertEqual(len(m2), 4)
        self.assertEqual(
            m2[1],
            "IL-TEST-0001,ev-suite,GT-DC-1-1,GT-DC-1,GT-DC-1-1-1,TX-0,2025-02-10T15:00:00Z,2025-02-10T15:40:00Z,none,,"
            "31.46,148.90,rfid_card,",
        )
        m3 = files["evchart_module3_IL-TEST-0001_2025Q1.csv"].splitlines()
        # April 2024 - March 2025 in Chicago, but in service since 1 June 2024: from then, uptime left blank
        self.assertEqual(
            m3[1], "IL-TEST-0001,ev-suite,GT-DC-1-1,2024-06-01T05:00:00Z,2025-04-01T05:00:00Z,,195.00,0.00"
        )
        self.assertEqual(
            m3[2], "IL-TEST-0001,ev-suite,GT-DC-1-2,2024-06-01T05:00:00Z,2025-04-01T05:00:00Z,,600.00,600.00"
        )
        self.assertEqual(
            files["evchart_module4_IL-TEST-0001_2025Q1.csv"].splitlines()[1],
            "IL-TEST-0001,ev-suite,GT-DC-1-1,2025-01-10T12:00:00Z,195.00,FALSE",
        )
        self.assertEqual(
            files["evchart_module4_excluded_IL-TEST-0001_2025Q1.csv"].splitlines()[1],
            "IL-TEST-0001,ev-suite,GT-DC-1-2,2025-02-01T06:00:00Z,600.00,TRUE,3,Planned firmware upgrade",
        )
        header, rows = ec.read_csv_text(files["evchart_module9_2025Q1.csv"])
        self.assertEqual(rows[0]["equipment_cost_total"], "85000.00")
        self.assertEqual(rows[0]["equipment_cost_federal"], "68000.00")
        self.assertEqual(rows[0]["equipment_install_cost_labor"], "12000.00")
        self.assertEqual(rows[0]["equipment_install_cost_total"], "12000.00")
        self.assertEqual(rows[0]["equipment_install_cost_federal"], "9600.00")
        self.assertEqual(rows[0]["project_id"], "TEST-FAIN-0001")
        self.assertNotIn("equipment_acq_date", header)  # no posted equipment record yet

    def test_quarter_without_sessions(self):
        export = self.env["ev.evchart.export"].create(
            {"site_ids": [(6, 0, self.site.ids)], "year": 2024, "quarter": "3", "include_module9": False}
        )
        export.action_produce()
        self.assertEqual(export.state, "done")
        m2 = [f for f in export.file_ids if f.module == "2"][0]
        lines = base64.b64decode(m2.data).decode().splitlines()
        self.assertEqual(
            lines[1:], ["IL-TEST-0001,ev-suite,GT-DC-1-1,,,,,,,,,,,", "IL-TEST-0001,ev-suite,GT-DC-1-2,,,,,,,,,,,"]
        )
