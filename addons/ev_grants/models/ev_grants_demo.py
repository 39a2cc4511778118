import base64
from datetime import date, timedelta

import pytz

from odoo import api, fields, models

#: a one-page PDF standing in for a scanned receipt
DEMO_RECEIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
    b"endobj\n4 0 obj<</Length 60>>stream\nBT /F1 12 Tf 20 100 Td (Invoice 2025-1187: DC charger) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class EvGrantsDemo(models.AbstractModel):
    _name = "ev.grants.demo"
    _description = "EV Grants demo data generator"

    def _xmlid(self, record, name):
        self.env["ir.model.data"].create(
            {"module": "ev_grants", "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
        )

    @api.model
    def _generate(self):
        """A NEVI grant funding the Chicago demo site: budget, timesheets with certified effort, a
        per diem trip, equipment with its receipt, installation costs, the demo fault episode as an
        outage excluded for a utility interruption, and the EV-ChART files of its quarter.
        Finance data have fixed dates (FY2026); the outage and EV-ChART data follow the charging
        demo, which is generated relative to today."""
        env = self.env(context=dict(self.env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
        company = env.company
        site = env.ref("ev_charging.site_chi")
        site.write({"evchart_station_id": "IL-CHI-0001", "evchart_network_provider": "ev-suite"})
        agency = env["res.partner"].create({"name": "Federal Highway Administration (demo)", "is_company": True})
        program = env["ev.grant.program"].create(
            {
                "name": "National Electric Vehicle Infrastructure Formula Program",
                "code": "NEVI",
                "agency_id": agency.id,
                "assistance_listing": "20.205",
                "rule_ids": [
                    (
                        0,
                        0,
                        {"category": "e", "cap_per_line": 5000, "reason": "supplies above 5,000 need prior approval"},
                    ),
                ],
            }
        )
        self._xmlid(program, "demo_program_nevi")
        grant = env["ev.grant"].create(
            {
                "name": "NEVI corridor charging: West Loop Garage",
                "fain": "NEVI-IL-2026-001",
                "program_id": program.id,
                "date_start": date(2025, 10, 1),
                "date_end": date(2028, 9, 30),
                "federal_amount": 800000,
                "cost_share_required": 200000,
                "indirect_type": "de_minimis",
                "indirect_rate": 15,
                "site_ids": [(6, 0, site.ids)],
                "budget_line_ids": [
                    (0, 0, {"category": k, "amount_federal": fed, "amount_non_federal": non})
                    for k, fed, non in (
                        ("a", 60000, 15000),
                        ("b", 18000, 4500),
                        ("c", 4000, 1000),
                        ("d", 340000, 85000),
                        ("e", 4000, 1000),
                        ("g", 320000, 80000),
                        ("h", 2000, 500),
                        ("j", 12000, 3000),
                    )
                ],
            }
        )
        self._xmlid(grant, "demo_grant_nevi")
        grant.action_activate()
        grant.action_plan_deadlines()
        # reports due before September 2026 were filed on time, except the EV-ChART Q2 2026 data
        for deadline in grant.deadline_ids.filtered(lambda d: d.date_due < date(2026, 9, 1)):
            if deadline.name != "EV-ChART Q2 2026":
                deadline.date_submitted = deadline.date_due

        # labor: a field engineer and the grant manager, timesheets of March 2026, certified
        supervisor_user = env.ref("base.user_admin")
        engineer_user = env.ref("base.user_demo", raise_if_not_found=False)
        manager = supervisor_user.employee_ids.filtered(lambda e: e.company_id == company)[:1] or env[
            "hr.employee"
        ].create({"name": "Jordan Lee (grant manager)", "user_id": supervisor_user.id, "company_id": company.id})
        engineer = engineer_user.employee_ids.filtered(lambda e: e.company_id == company)[:1] if engineer_user else None
        if engineer:
            engineer.parent_id = manager
        else:
            engineer = env["hr.employee"].create(
                {"name": "Riley Chen (field engineer)", "parent_id": manager.id, "company_id": company.id}
            )
        self._xmlid(engineer, "demo_employee_engineer")
        Rate = env["ev.grant.labor.rate"]
        Rate.create({"employee_id": engineer.id, "date_from": date(2025, 10, 1), "hourly_rate": 48, "fringe_rate": 32})
        Rate.create(
            {
                "employee_id": manager.id,
                "date_from": date(2025, 10, 1),
                "date_to": date(2026, 3, 4),
                "hourly_rate": 62,
                "fringe_rate": 30,
            }
        )
        Rate.create({"employee_id": manager.id, "date_from": date(2026, 3, 5), "hourly_rate": 65, "fringe_rate": 30})
        lines = []
        for day in range(2, 7):
            lines.append((engineer, date(2026, 3, day), 6.0, "Make-ready inspection and commissioning tests"))
            lines.append((manager, date(2026, 3, day), 1.5, "Grant administration and vendor follow-up"))
        env["account.analytic.line"].create(
            [
                {
                    "name": name,
                    "project_id": grant.project_id.id,
                    "employee_id": employee.id,
                    "date": day,
                    "unit_amount": hours,
                }
                for employee, day, hours, name in lines
            ]
        )
        now = fields.Datetime.now()
        for employee in (engineer, manager):
            period = env["ev.grant.labor.period"].create(
                {
                    "grant_id": grant.id,
                    "employee_id": employee.id,
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 3, 31),
                }
            )
            period.action_compute()
            # certified after the fact by the employee and the supervisor (done in the demo
            # directly: the demo users do not log in here)
            period.write(
                {
                    "employee_certified_by": (employee.user_id or supervisor_user).id,
                    "employee_certified_on": now,
                    "supervisor_certified_by": supervisor_user.id,
                    "supervisor_certified_on": now,
                }
            )

        # travel: per diem trip at the FY2026 standard rate, airfare with its receipt
        trip = env["ev.grant.trip"].create(
            {
                "name": "Commissioning visit, West Loop Garage",
                "grant_id": grant.id,
                "employee_id": engineer.id,
                "dest_city": "Chicago",
                "dest_state_id": env["res.country.state"]
                .search([("code", "=", "IL"), ("country_id.code", "=", "US")])
                .id,
                "depart_date": date(2026, 3, 10),
                "return_date": date(2026, 3, 12),
                "method": "per_diem",
                "expense_ids": [
                    (
                        0,
                        0,
                        {"kind": "airfare", "date": date(2026, 3, 10), "amount": 412.60, "name": "Round trip SFO-ORD"},
                    )
                ],
            }
        )
        env["ev.grant.receipt"].create(
            {
                "name": "airfare-SFO-ORD.pdf",
                "mimetype": "application/pdf",
                "trip_expense_id": trip.expense_ids.id,
                "datas": base64.b64encode(DEMO_RECEIPT),
            }
        )
        trip.action_post()
        self._xmlid(trip, "demo_trip")

        # equipment with its receipt (over the $10,000 per-unit threshold), and supplies below it
        charger = env["ev.grant.equipment"].create(
            {
                "name": "150 kW DC fast charger (CHI-DC-01)",
                "grant_id": grant.id,
                "serial_number": "SN-CHI-DC-01",
                "unit_cost": 85000,
                "acquisition_date": date(2025, 11, 3),
                "title_holder_id": company.partner_id.id,
                "site_id": site.id,
                "location_note": "Bay 1-2, level P1",
            }
        )
        env["ev.grant.receipt"].create(
            {
                "name": "invoice-2025-1187.pdf",
                "mimetype": "application/pdf",
                "equipment_id": charger.id,
                "datas": base64.b64encode(DEMO_RECEIPT),
            }
        )
        charger.action_post()
        self._xmlid(charger, "demo_equipment_charger")
        supplies = env["ev.grant.equipment"].create(
            {
                "name": "Cable management kits",
                "grant_id": grant.id,
                "quantity": 4,
                "unit_cost": 350,
                "acquisition_date": date(2025, 11, 20),
                "site_id": site.id,
                "is_charging_equipment": False,
            }
        )
        env["ev.grant.receipt"].create(
            {
                "name": "cable-kits.pdf",
                "mimetype": "application/pdf",
                "equipment_id": supplies.id,
                "datas": base64.b64encode(DEMO_RECEIPT),
            }
        )
        supplies.action_post()
        Cost = env["ev.grant.cost"]
        Cost.create(
            [
                {
                    "grant_id": grant.id,
                    "date": date(2025, 12, 15),
                    "category": "g",
                    "amount": 48000,
                    "site_id": site.id,
                    "capital_field": "equipment_install_labor",
                    "name": "Electrical installation labor",
                },
                {
                    "grant_id": grant.id,
                    "date": date(2025, 12, 15),
                    "category": "g",
                    "amount": 21500,
                    "site_id": site.id,
                    "capital_field": "equipment_install_elec",
                    "name": "Conduit, cabling and switchboard",
                },
                {
                    "grant_id": grant.id,
                    "date": date(2026, 1, 20),
                    "category": "g",
                    "amount": 65000,
                    "site_id": site.id,
                    "capital_field": "dist_sys",
                    "name": "Utility transformer and service upgrade",
                    "state": "obligated",
                },
                {
                    "grant_id": grant.id,
                    "date": date(2026, 2, 2),
                    "category": "h",
                    "amount": 640,
                    "name": "Ribbon-cutting reception catering",
                    "allowable": False,
                    "unallowable_reason": "Entertainment costs are unallowable (2 CFR 200.438)",
                },
            ]
        )
        env["ev.grant.cash"].create(
            {"grant_id": grant.id, "date": date(2026, 4, 15), "amount": 150000, "name": "ASAP drawdown 1"}
        )

        # NEVI: the demo fault on CHI-DC-01 (connector 2) was a utility interruption
        tz = pytz.timezone(site.tz)
        recent = fields.Datetime.now() - timedelta(days=25)
        Outage = env["ev.grant.outage"]
        Outage._detect(env["ev.evse"].search([("site_id", "=", site.id)]), recent, fields.Datetime.now())
        fault = Outage.search(
            [("site_id", "=", site.id), ("charger_id.identity", "=", "CHI-DC-01")], order="date_start desc", limit=1
        )
        if fault:
            fault.write(
                {
                    "reason_id": env.ref("ev_grants.outage_reason_grid").id,
                    "notes": "ComEd feeder interruption, utility ticket 58231",
                }
            )
            self._xmlid(fault, "demo_outage_grid")
            local = pytz.utc.localize(fault.date_start).astimezone(tz)
        else:
            local = pytz.utc.localize(fields.Datetime.now()).astimezone(tz)
        export = env["ev.evchart.export"].create(
            {"site_ids": [(6, 0, site.ids)], "year": local.year, "quarter": str((local.month - 1) // 3 + 1)}
        )
        export.action_produce()
        self._xmlid(export, "demo_evchart_export")
        return True
