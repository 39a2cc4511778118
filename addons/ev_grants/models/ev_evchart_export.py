import base64
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_evchart as ec
from ..lib import ev_grants_uptime as up
from .ev_grant_outage import local_to_utc

#: id token type -> EV-ChART payment_method (verify against the Joint Office's recommended values)
PAYMENT_METHODS = {
    "ISO14443": "rfid_card",
    "ISO15693": "rfid_card",
    "eMAID": "plug_and_charge",
    "Central": "mobile_app",
    "Local": "other",
    "KeyCode": "other",
    "MacAddress": "plug_and_charge",
    "NoAuthorization": "free",
}
#: session_error of a session that ended normally (the module 2 row rule needs a value)
NO_ERROR = "none"

M2_HEADER = [
    "station_id",
    "network_provider",
    "port_id",
    "charger_id",
    "connector_id",
    "session_id",
    "session_start",
    "session_end",
    "session_error",
    "error_other",
    "energy_kwh",
    "power_kw",
    "payment_method",
    "payment_other",
]
M3_HEADER = [
    "station_id",
    "network_provider",
    "port_id",
    "uptime_reporting_start",
    "uptime_reporting_end",
    "uptime",
    "total_outage",
    "total_outage_excl",
]
M4_HEADER = ["station_id", "network_provider", "port_id", "outage_id", "outage_duration", "excluded_outage"]
M4X_HEADER = M4_HEADER + ["excluded_outage_reason", "excluded_outage_notes"]
M9_MONEY = {
    "equipment": "equipment_cost",
    "der": "der_cost",
    "der_install": "der_install_cost",
    "dist_sys": "dist_sys_cost",
    "real_property": "real_property_cost",
    "service": "service_cost",
}
M9_INSTALL_PARTS = {
    "equipment_install_labor": "equipment_install_cost_labor",
    "equipment_install_elec": "equipment_install_cost_elec",
    "equipment_install_const": "equipment_install_cost_const",
    "equipment_install_other": "equipment_install_cost_other",
}


class EvEvchartExport(models.Model):
    """EV-ChART files (modules 2, 3, 4 and 9) of a set of stations (sites) for one quarter. The
    rows are validated with the rules of evchart-columns.md first; every row that would be
    refused is listed and no file is produced until none is left."""

    _name = "ev.evchart.export"
    _description = "EV-ChART quarterly export"
    _inherit = ["mail.thread"]
    _order = "year desc, quarter desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    site_ids = fields.Many2many("ev.site", string="Stations", required=True, check_company=True)
    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year)
    quarter = fields.Selection(
        [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
        required=True,
        default=lambda self: str((fields.Date.context_today(self).month - 1) // 3 + 1),
    )
    include_module9 = fields.Boolean("Module 9 (capital and installation costs)", default=True)
    state = fields.Selection(
        [("draft", "Draft"), ("refused", "Rows refused"), ("done", "Files produced")],
        default="draft",
        required=True,
        tracking=True,
    )
    problem_ids = fields.One2many("ev.evchart.problem", "export_id", string="Refused rows", readonly=True)
    problem_count = fields.Integer(compute="_compute_counts")
    file_ids = fields.One2many("ev.evchart.file", "export_id", string="Files", readonly=True)
    file_count = fields.Integer(compute="_compute_counts")

    @api.depends("year", "quarter")
    def _compute_name(self):
        for export in self:
            export.name = f"EV-ChART {export.year} Q{export.quarter}"

    def _compute_counts(self):
        for export in self:
            export.problem_count = len(export.problem_ids)
            export.file_count = len(export.file_ids)

    def _bounds(self, site):
        start, end = up.quarter_bounds(self.year, int(self.quarter))
        return local_to_utc(start, site.tz), local_to_utc(end, site.tz)

    @staticmethod
    def _station(site):
        return {"station_id": site.evchart_station_id or "", "network_provider": site.evchart_network_provider or ""}

    # --- rows ------------------------------------------------------------------------------
    def _rows_m2(self, site):
        start, end = self._bounds(site)
        sessions = self.env["ev.session"].search(
            [
                ("site_id", "=", site.id),
                ("start_time", ">=", start),
                ("start_time", "<", end),
                ("state", "in", ("completed", "failed")),
            ],
            order="start_time, id",
        )
        rows = []
        for s in sessions:
            method = PAYMENT_METHODS.get(s.id_token_id.token_type, "other") if s.id_token_id else "other"
            row = dict(self._station(site))
            row.update(
                {
                    "port_id": s.evse_id.evchart_port_id or "",
                    "charger_id": s.charger_id.identity,
                    "connector_id": f"{s.evse_id.evchart_port_id}-{s.connector_id.connector_number}"
                    if s.connector_id
                    else "",
                    "session_id": s.transaction_id,
                    "session_start": ec.fmt_datetime(s.start_time) if s.start_time else "",
                    "session_end": ec.fmt_datetime(s.stop_time) if s.stop_time else "",
                    "session_error": (s.stop_reason or "failed") if s.state == "failed" else NO_ERROR,
                    "error_other": "",
                    "energy_kwh": ec.fmt_decimal(s.energy_kwh),
                    "power_kw": ec.fmt_decimal(s.max_power_kw),
                    "payment_method": method,
                    "payment_other": (s.id_token_id.token_type or _("no id token")) if method == "other" else "",
                    "_ref": f"ev.session,{s.id}",
                }
            )
            rows.append(row)
        if not rows:  # "no sessions this period": one row per port, session fields blank
            for evse in self.env["ev.evse"].search([("site_id", "=", site.id)]):
                rows.append(dict(self._station(site), port_id=evse.evchart_port_id or "", _ref=f"ev.evse,{evse.id}"))
        return rows

    def _rows_m3(self, site):
        end_month = int(self.quarter) * 3
        uptimes = self.env["ev.grant.uptime"]._compute_for(site, self.year, end_month)
        rows = []
        for u in uptimes.sorted(lambda r: r.evse_id.evchart_port_id or ""):
            row = dict(self._station(site))
            row.update(
                {
                    "port_id": u.evse_id.evchart_port_id or "",
                    "uptime_reporting_start": ec.fmt_datetime(u.window_start),
                    "uptime_reporting_end": ec.fmt_datetime(u.window_end),
                    "uptime": "" if u.partial else ec.fmt_decimal(u.uptime_percent),
                    "total_outage": ec.fmt_decimal(u.outage_minutes),
                    "total_outage_excl": ec.fmt_decimal(u.excluded_minutes),
                    "_ref": f"ev.grant.uptime,{u.id}",
                }
            )
            rows.append(row)
        return rows

    def _rows_m4(self, site):
        """Outages that ended in the quarter (an outage still going on is reported in the quarter
        it ends), split into the not-excluded and the excluded file."""
        start, end = self._bounds(site)
        self.env["ev.grant.outage"]._detect(self.env["ev.evse"].search([("site_id", "=", site.id)]), start, end)
        outages = self.env["ev.grant.outage"].search(
            [("site_id", "=", site.id), ("date_end", ">=", start), ("date_end", "<", end)], order="date_start"
        )
        plain, excluded = [], []
        for o in outages:
            row = dict(self._station(site))
            row.update(
                {
                    "port_id": o.evse_id.evchart_port_id or "",
                    "outage_id": ec.fmt_datetime(o.date_start),
                    "outage_duration": ec.fmt_decimal(o.duration_minutes),
                    "excluded_outage": ec.fmt_bool(o.excluded),
                    "_ref": f"ev.grant.outage,{o.id}",
                }
            )
            if o.excluded:
                row["excluded_outage_reason"] = str(o.reason_id.evchart_code)
                row["excluded_outage_notes"] = o.notes or ""
                excluded.append(row)
            else:
                plain.append(row)
        return plain, excluded

    def _rows_m9(self, sites):
        costs = self.env["ev.grant.cost"].search(
            [("site_id", "in", sites.ids), ("capital_field", "!=", False), ("allowable", "=", True)]
        )
        by_site = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
        for c in costs:
            by_site[c.site_id.id][c.capital_field][0] += c.amount
            by_site[c.site_id.id][c.capital_field][1] += c.federal_amount
        rows = []
        for site in sites:
            sums = by_site[site.id]
            row = dict(self._station(site))
            for key, prefix in M9_MONEY.items():
                row[f"{prefix}_total"] = ec.fmt_decimal(sums[key][0])
                row[f"{prefix}_federal"] = ec.fmt_decimal(sums[key][1])
            install_total = install_federal = 0.0
            for key, column in M9_INSTALL_PARTS.items():
                row[column] = ec.fmt_decimal(sums[key][0])
                install_total += sums[key][0]
                install_federal += sums[key][1]
            row["equipment_install_cost_total"] = ec.fmt_decimal(install_total)
            row["equipment_install_cost_federal"] = ec.fmt_decimal(install_federal)
            equipment = self.env["ev.grant.equipment"].search(
                [("site_id", "=", site.id), ("state", "=", "posted"), ("is_charging_equipment", "=", True)],
                order="acquisition_date",
                limit=1,
            )
            if equipment:
                row["equipment_acq_date"] = f"{equipment.acquisition_date.isoformat()}T00:00:00Z"
            if site.commissioning_date:
                row["equipment_install_date"] = f"{site.commissioning_date.isoformat()}T00:00:00Z"
            grants = self.env["ev.grant"].search([("site_ids", "in", site.ids)], limit=1)
            if grants:
                row["project_id"] = grants.fain
            row["_ref"] = f"ev.site,{site.id}"
            rows.append(row)
        header = ["station_id", "network_provider"] + [
            c.name for c in ec.MODULES[9] if c.kind == "decimal" and any(c.name in r for r in rows)
        ]
        # optional columns that allow no blank cell: only when every station has a value
        for optional in ("equipment_acq_date", "equipment_install_date", "project_id"):
            if rows and all(optional in r for r in rows):
                header.append(optional)
        return header, rows

    def _files(self):
        """[(file label, module, header, rows, operational date)] of the export."""
        self.ensure_one()
        files = []
        for site in self.site_ids:
            code = site.evchart_station_id or site.code or str(site.id)
            files.append((f"module2_{code}", 2, M2_HEADER, self._rows_m2(site), None))
            files.append((f"module3_{code}", 3, M3_HEADER, self._rows_m3(site), site.commissioning_date))
            plain, excluded = self._rows_m4(site)
            if plain:
                files.append((f"module4_{code}", 4, M4_HEADER, plain, None))
            if excluded:
                files.append((f"module4_excluded_{code}", 4, M4X_HEADER, excluded, None))
        if self.include_module9:
            header, rows = self._rows_m9(self.site_ids)
            files.append(("module9", 9, header, rows, None))
        return files

    # --- validation and files ---------------------------------------------------------------
    def _check_rights(self):
        if not self.env.user.has_group("ev_grants.group_grant_user"):
            raise UserError(_("Only grant users may validate or produce EV-ChART files."))

    def action_validate(self):
        """List every row that would be refused; returns the number of problems."""
        self._check_rights()
        total = 0
        for export in self:
            export.problem_ids.unlink()
            vals = []
            for label, module, header, rows, operational in export._files():
                for problem in ec.validate(module, header, rows, operational):
                    row = rows[problem.row - 1] if problem.row else {}
                    vals.append(
                        {
                            "export_id": export.id,
                            "file_name": f"{label}.csv",
                            "module": str(module),
                            "row": problem.row,
                            "column": problem.column,
                            "rule": problem.rule,
                            "message": problem.message,
                            "station_id": row.get("station_id") or "",
                            "port_id": row.get("port_id") or "",
                            "source_ref": row.get("_ref") or False,
                        }
                    )
            self.env["ev.evchart.problem"].create(vals)
            total += len(vals)
            export.state = "refused" if vals else "draft"
        return total

    def action_produce(self):
        """Validate, then write the CSV files when no row would be refused."""
        self._check_rights()
        for export in self:
            if export.action_validate():
                continue
            export.file_ids.unlink()
            tag = f"{export.year}Q{export.quarter}"
            vals = []
            for label, module, header, rows, operational in export._files():
                clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
                text = ec.write_csv(module, header, clean, operational)
                vals.append(
                    {
                        "export_id": export.id,
                        "module": str(module),
                        "name": f"evchart_{label}_{tag}.csv",
                        "data": base64.b64encode(text.encode()),
                        "row_count": len(clean),
                    }
                )
            self.env["ev.evchart.file"].create(vals)
            export.state = "done"
        return True
