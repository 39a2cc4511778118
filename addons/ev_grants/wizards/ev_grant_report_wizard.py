import base64
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_finance as fin
from ..lib.ev_grants_xlsx import build_xlsx

REPORTS = [
    ("budget", "Budget vs actual (SF-424A categories)"),
    ("rollup", "Program cost rollup"),
    ("ceo", "CEO compliance report"),
    ("sf425", "SF-425 figures"),
]


class EvGrantReportWizard(models.TransientModel):
    """The grant reports, as PDF (QWeb) or xlsx, from the same tables."""

    _name = "ev.grant.report.wizard"
    _description = "Grant reports"

    report = fields.Selection(REPORTS, required=True, default="budget")
    grant_ids = fields.Many2many("ev.grant", string="Grants", help="Empty: every grant you can see.")
    program_ids = fields.Many2many("ev.grant.program", string="Programs", help="Empty: every program.")
    date_from = fields.Date(default=lambda self: fields.Date.context_today(self).replace(month=1, day=1))
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from and wizard.date_from > wizard.date_to:
                raise UserError(_("The report period ends before it starts."))

    def _grants(self):
        self.ensure_one()
        domain = []
        if self.grant_ids:
            domain.append(("id", "in", self.grant_ids.ids))
        if self.program_ids:
            domain.append(("program_id", "in", self.program_ids.ids))
        return self.env["ev.grant"].search(domain, order="program_id, fain")

    def _tables(self):
        """{title, subtitle, tables: [{title, header, rows}]}; amounts are Decimal."""
        self.ensure_one()
        grants = self._grants()
        period = _("%(start)s to %(end)s", start=self.date_from or _("award start"), end=self.date_to)
        method = getattr(self, f"_tables_{self.report}")
        title, tables = method(grants)
        return {
            "title": title,
            "subtitle": f"{self.env.company.name} - {period}",
            "tables": tables,
        }

    def _tables_budget(self, grants):
        tables = []
        for grant in grants:
            rows = [
                [r.label, r.budget, r.actual, r.remaining, r.percent_spent, r.unallowable]
                for r in grant._budget_rows(self.date_from, self.date_to)
            ]
            tables.append(
                {
                    "title": f"{grant.fain} - {grant.name} ({grant.program_id.code})",
                    "header": [_("Category"), _("Budget"), _("Actual"), _("Remaining"), _("% spent"), _("Unallowable")],
                    "rows": rows,
                }
            )
        return _("Budget vs actual"), tables

    def _rollup_rows(self, grants):
        return fin.rollup([g._compliance_row(self.date_to) for g in grants])

    def _tables_rollup(self, grants):
        rows = [
            [p["program"], p["grants"], p["awarded"], p["spent"], p["remaining"], p["percent_spent"], p["unallowable"]]
            for p in self._rollup_rows(grants)
        ]
        header = [
            _("Program"),
            _("Grants"),
            _("Awarded"),
            _("Spent (federal)"),
            _("Remaining"),
            _("% spent"),
            _("Unallowable"),
        ]
        return _("Program cost rollup"), [{"title": _("Programs"), "header": header, "rows": rows}]

    def _tables_ceo(self, grants):
        programs = [
            [
                p["program"],
                p["awarded"],
                p["spent"],
                p["remaining"],
                p["unallowable"],
                p["certifications_missing"],
                p["overdue_reports"],
                p["ports_below_97"],
                _("yes") if p["attention"] else _("no"),
            ]
            for p in self._rollup_rows(grants)
        ]
        detail, missing, overdue = [], [], []
        for g in grants:
            row = g._compliance_row(self.date_to)
            detail.append(
                [
                    g.fain,
                    g.program_id.code,
                    row["awarded"],
                    row["spent"],
                    Decimal(str(g.remaining_federal)),
                    row["unallowable"],
                    row["certifications_missing"],
                    row["overdue_reports"],
                    row["ports_below_97"],
                ]
            )
            missing += [[g.fain, e.name, str(m)] for e, m in g._certifications_missing(self.date_to)]
            overdue += [[g.fain, d.name, str(d.date_due)] for d in g._overdue_deadlines(self.date_to)]
        return _("CEO compliance report"), [
            {
                "title": _("Per program"),
                "header": [
                    _("Program"),
                    _("Awarded"),
                    _("Spent"),
                    _("Remaining"),
                    _("Unallowable"),
                    _("Certifications missing"),
                    _("Overdue reports"),
                    _("Ports at or below 97 %"),
                    _("Needs attention"),
                ],
                "rows": programs,
            },
            {
                "title": _("Per grant"),
                "header": [
                    _("FAIN"),
                    _("Program"),
                    _("Awarded"),
                    _("Spent"),
                    _("Remaining"),
                    _("Unallowable"),
                    _("Certifications missing"),
                    _("Overdue reports"),
                    _("Ports at or below 97 %"),
                ],
                "rows": detail,
            },
            {
                "title": _("Effort certifications missing"),
                "header": [_("FAIN"), _("Employee"), _("Month")],
                "rows": missing,
            },
            {"title": _("Overdue reports"), "header": [_("FAIN"), _("Report"), _("Due")], "rows": overdue},
        ]

    def _tables_sf425(self, grants):
        tables = []
        for grant in grants:
            values = grant._sf425(self.date_from or grant.date_start, self.date_to)
            rows = [[fin.SF425_LABELS[k], v] for k, v in values.items()]
            tables.append({"title": f"{grant.fain} - {grant.name}", "header": [_("Line"), _("Amount")], "rows": rows})
        return _("SF-425 Federal Financial Report figures"), tables

    def action_pdf(self):
        self.ensure_one()
        return self.env.ref("ev_grants.action_report_grant").report_action(self)

    def _xlsx(self):
        data = self._tables()
        sheets = [(t["title"][:31] or str(i), t["header"], t["rows"]) for i, t in enumerate(data["tables"], 1)]
        names = set()
        unique = []
        for i, (name, header, rows) in enumerate(sheets, 1):
            name = "".join(c for c in name if c not in "[]:*?/\\")[:28]
            if name in names:
                name = f"{name[:25]} {i}"
            names.add(name)
            unique.append((name, header, rows))
        return build_xlsx(f"{data['title']} - {data['subtitle']}", unique)

    def action_xlsx(self):
        self.ensure_one()
        name = f"ev-grants-{self.report}-{self.date_to}.xlsx"
        self.write({"file_data": base64.b64encode(self._xlsx()), "file_name": name})
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{name}?download=true",
            "target": "self",
        }
