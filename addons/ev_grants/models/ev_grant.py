from collections import defaultdict
from datetime import date, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import ev_grants_evchart as ec
from ..lib import ev_grants_finance as fin
from ..lib import ev_grants_uptime as up

INDIRECT_TYPES = [
    ("none", "No indirect costs"),
    ("negotiated", "Negotiated rate (NICRA)"),
    ("de_minimis", "De minimis rate (2 CFR 200.414(f))"),
]


class EvGrant(models.Model):
    _name = "ev.grant"
    _description = "Grant award"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char("Title", required=True, tracking=True)
    fain = fields.Char("Award number (FAIN)", required=True, tracking=True, help="Federal Award Identification Number.")
    program_id = fields.Many2one("ev.grant.program", required=True, check_company=True, tracking=True)
    agency_id = fields.Many2one(related="program_id.agency_id")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")], default="draft", required=True, tracking=True
    )
    date_start = fields.Date("Period of performance from", required=True, tracking=True)
    date_end = fields.Date("Period of performance to", required=True, tracking=True)
    federal_amount = fields.Monetary("Federal award", required=True, tracking=True)
    cost_share_required = fields.Monetary("Required cost share", tracking=True, help="Recipient (non-federal) share.")
    federal_share_percent = fields.Float(
        compute="_compute_federal_share", digits=(6, 4), help="Federal share of every cost: award / (award + share)."
    )
    indirect_type = fields.Selection(INDIRECT_TYPES, default="none", required=True, tracking=True)
    indirect_rate = fields.Float("Indirect rate (%)", digits=(6, 2), tracking=True)
    capitalization_level = fields.Monetary(
        help="Recipient's capitalization level; equipment is the lesser of it and $10,000 per unit (0 = $10,000)."
    )
    site_ids = fields.Many2many("ev.site", string="Funded sites", check_company=True)
    spv_company_ids = fields.Many2many(
        "res.company", "ev_grant_spv_rel", "grant_id", "company_id", string="Funded SPVs"
    )
    budget_line_ids = fields.One2many("ev.grant.budget.line", "grant_id", string="Budget (SF-424A)")
    cost_ids = fields.One2many("ev.grant.cost", "grant_id", string="Costs")
    trip_ids = fields.One2many("ev.grant.trip", "grant_id", string="Trips")
    equipment_ids = fields.One2many("ev.grant.equipment", "grant_id", string="Equipment and supplies")
    labor_period_ids = fields.One2many("ev.grant.labor.period", "grant_id", string="Effort certifications")
    deadline_ids = fields.One2many("ev.grant.deadline", "grant_id", string="Reports due")
    cash_ids = fields.One2many("ev.grant.cash", "grant_id", string="Cash and program income")
    analytic_plan_id = fields.Many2one("account.analytic.plan", readonly=True, copy=False)
    analytic_account_id = fields.Many2one("account.analytic.account", readonly=True, copy=False, check_company=True)
    project_id = fields.Many2one(
        "project.project",
        string="Timesheet project",
        readonly=True,
        copy=False,
        help="Timesheets on it are labor.",
        check_company=True,
    )
    spent_total = fields.Monetary(compute="_compute_totals", help="Allowable costs, federal and recipient share.")
    spent_federal = fields.Monetary(compute="_compute_totals", help="Federal share of the allowable costs.")
    unallowable_total = fields.Monetary(compute="_compute_totals")
    remaining_federal = fields.Monetary(compute="_compute_totals")
    notes = fields.Html()

    _sql_constraints = [
        ("fain_uniq", "unique(company_id, fain)", "Another award of this company has this FAIN."),
        ("period_ok", "CHECK (date_end >= date_start)", "The period of performance ends before it starts."),
        ("federal_positive", "CHECK (federal_amount >= 0)", "The federal award cannot be negative."),
    ]

    @api.depends("federal_amount", "cost_share_required")
    def _compute_federal_share(self):
        for grant in self:
            total = grant.federal_amount + grant.cost_share_required
            grant.federal_share_percent = grant.federal_amount / total * 100 if total else 100.0

    def _compute_totals(self):
        groups = self.env["ev.grant.cost"]._read_group(
            [("grant_id", "in", self.ids)], ["grant_id", "allowable"], ["amount:sum", "federal_amount:sum"]
        )
        sums = defaultdict(lambda: [0.0, 0.0, 0.0])
        for grant, allowable, amount, federal in groups:
            if allowable:
                sums[grant.id][0] += amount
                sums[grant.id][1] += federal
            else:
                sums[grant.id][2] += amount
        for grant in self:
            total, federal, unallowable = sums[grant.id]
            grant.spent_total = total
            grant.spent_federal = federal
            grant.unallowable_total = unallowable
            grant.remaining_federal = grant.federal_amount - federal

    @api.constrains("indirect_type", "indirect_rate")
    def _check_indirect(self):
        for grant in self:
            if grant.indirect_type == "de_minimis" and not 0 < grant.indirect_rate <= float(fin.DE_MINIMIS_RATE):
                raise ValidationError(
                    _(
                        "Grant %(fain)s uses the de minimis indirect rate: set a rate above 0 and at most %(max)s %%.",
                        fain=grant.fain,
                        max=fin.DE_MINIMIS_RATE,
                    )
                )
            if grant.indirect_type == "none" and grant.indirect_rate:
                raise ValidationError(
                    _("Grant %s has no indirect costs: clear the indirect rate or choose a rate type.", grant.fain)
                )

    @api.onchange("indirect_type")
    def _onchange_indirect_type(self):
        if self.indirect_type == "de_minimis":
            self.indirect_rate = float(fin.DE_MINIMIS_RATE)
        elif self.indirect_type == "none":
            self.indirect_rate = 0.0

    @api.constrains("date_start", "date_end")
    def _check_costs_in_period(self):
        for grant in self:
            outside = grant.cost_ids.filtered(lambda c, g=grant: not g.date_start <= c.date <= g.date_end)
            if outside:
                raise ValidationError(
                    _(
                        "Grant %(fain)s: %(n)s cost(s) would fall outside the new period of performance "
                        "(first: %(cost)s on %(date)s).",
                        fain=grant.fain,
                        n=len(outside),
                        cost=outside[0].name,
                        date=outside[0].date,
                    )
                )

    # --- analytic plan, account and timesheet project ------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        grants = super().create(vals_list)
        for grant in grants:
            grant._create_analytic()
        return grants

    def write(self, vals):
        res = super().write(vals)
        if {"fain", "name"} & set(vals):
            for grant in self.filtered("analytic_account_id"):
                grant.analytic_plan_id.sudo().name = _("Grant %s", grant.fain)
                grant.analytic_account_id.sudo().write({"name": grant.name, "code": grant.fain})
        return res

    def _analytic_column(self):
        self.ensure_one()
        return self.analytic_plan_id._column_name()

    def _create_analytic(self):
        """Own analytic plan (under the 'Grants' plan, so one ledger column for all grants), the
        grant's analytic account in it, and a timesheet project tagged with that account."""
        self.ensure_one()
        root = self.env.ref("ev_grants.analytic_plan_grants")
        plan = self.env["account.analytic.plan"].sudo().create({"name": _("Grant %s", self.fain), "parent_id": root.id})
        account = (
            self.env["account.analytic.account"]
            .sudo()
            .create({"name": self.name, "code": self.fain, "plan_id": plan.id, "company_id": self.company_id.id})
        )
        project = (
            self.env["project.project"]
            .sudo()
            .create(
                {
                    "name": _("Grant %(fain)s: %(name)s", fain=self.fain, name=self.name),
                    "company_id": self.company_id.id,
                    "allow_timesheets": True,
                    plan._column_name(): account.id,
                }
            )
        )
        self.write({"analytic_plan_id": plan.id, "analytic_account_id": account.id, "project_id": project.id})

    # --- figures ---------------------------------------------------------------------------
    def _check_period(self, day, what):
        """Refuse ``day`` outside the period of performance (2 CFR 200.403(h), 200.309)."""
        self.ensure_one()
        if day and not self.date_start <= day <= self.date_end:
            raise ValidationError(
                _(
                    "%(what)s is dated %(day)s, outside the period of performance of grant %(fain)s "
                    "(%(start)s to %(end)s). Costs may only be charged within it.",
                    what=what,
                    day=day,
                    fain=self.fain,
                    start=self.date_start,
                    end=self.date_end,
                )
            )

    def _budget(self):
        self.ensure_one()
        budget = defaultdict(float)
        for line in self.budget_line_ids:
            budget[line.category] += line.amount_federal + line.amount_non_federal
        return budget

    def _budget_rows(self, date_from=None, date_to=None):
        self.ensure_one()
        domain = [("grant_id", "=", self.id)]
        if date_from:
            domain.append(("date", ">=", date_from))
        if date_to:
            domain.append(("date", "<=", date_to))
        costs = self.env["ev.grant.cost"].search(domain)
        return fin.budget_vs_actual(
            self._budget(),
            [(c.category, c.amount, c.allowable) for c in costs],
            self.indirect_rate,
            [c.amount for c in costs if c.category == "f" and c.allowable],
        )

    def _certifications_missing(self, today=None):
        """(employee, month start) of months already ended with timesheet hours on the grant that
        have no effort certification signed by both the employee and the supervisor."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if not self.project_id:
            return []
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search_read(
                [("project_id", "=", self.project_id.id), ("date", "<", today.replace(day=1))], ["employee_id", "date"]
            )
        )
        months = {(line["employee_id"][0], line["date"].replace(day=1)) for line in lines if line["employee_id"]}
        certified = self.labor_period_ids.filtered(lambda p: p.state == "certified")
        missing = []
        for employee_id, month in sorted(months):
            covered = certified.filtered(
                lambda p, e=employee_id, m=month: p.employee_id.id == e and p.date_from <= m <= p.date_to
            )
            if not covered:
                missing.append((self.env["hr.employee"].browse(employee_id), month))
        return missing

    def _overdue_deadlines(self, today=None):
        today = today or fields.Date.context_today(self)
        return self.deadline_ids.filtered(lambda d: not d.date_submitted and d.date_due < today)

    def _ports_below_requirement(self):
        """Ports of the funded sites whose latest monthly NEVI uptime is not above 97 %."""
        self.ensure_one()
        uptimes = self.env["ev.grant.uptime"].search([("site_id", "in", self.site_ids.ids)], order="month desc")
        latest = {}
        for u in uptimes:
            latest.setdefault(u.evse_id.id, u)
        return [u for u in latest.values() if not u.meets_requirement]

    def _compliance_row(self, today=None):
        self.ensure_one()
        return {
            "program": self.program_id.code,
            "awarded": self.federal_amount,
            "spent": self.spent_federal,
            "unallowable": self.unallowable_total,
            "certifications_missing": len(self._certifications_missing(today)),
            "overdue_reports": len(self._overdue_deadlines(today)),
            "ports_below_97": len(self._ports_below_requirement()),
        }

    def _sf425(self, date_from, date_to):
        """SF-425 figures of the reporting period ``date_from``..``date_to`` (cumulative amounts
        from the start of the award to ``date_to``, as the form asks)."""
        self.ensure_one()
        costs = self.env["ev.grant.cost"].search(
            [("grant_id", "=", self.id), ("date", "<=", date_to), ("allowable", "=", True)]
        )
        paid = costs.filtered(lambda c: c.state == "paid")
        obligated = costs.filtered(lambda c: c.state == "obligated")
        cash = self.cash_ids.filtered(lambda c: c.date <= date_to)
        direct = defaultdict(float)
        for c in costs:
            direct[c.category] += c.amount
        base = fin.mtdc_base(direct, [c.amount for c in costs if c.category == "f"])
        return fin.sf425(
            cash_receipts=sum(cash.filtered(lambda c: c.kind == "drawdown").mapped("amount")),
            cash_disbursements=sum(paid.mapped("federal_amount")),
            authorized=self.federal_amount,
            federal_expenditures=sum(paid.mapped("federal_amount")),
            federal_unliquidated=sum(obligated.mapped("federal_amount")),
            recipient_share_required=self.cost_share_required,
            recipient_expenditures=sum(paid.mapped("amount")) - sum(paid.mapped("federal_amount")),
            program_income_earned=sum(cash.filtered(lambda c: c.kind == "program_income").mapped("amount")),
            program_income_addition=sum(cash.filtered(lambda c: c.kind == "program_income_used").mapped("amount")),
            indirect_rate=self.indirect_rate,
            indirect_base=base,
        )

    # --- buttons -----------------------------------------------------------------------------
    def action_activate(self):
        for grant in self:
            if not grant.budget_line_ids:
                raise UserError(_("Grant %s has no budget: enter its SF-424A budget before activating it.", grant.fain))
        self.write({"state": "active"})

    def action_close(self):
        self.write({"state": "closed"})

    def action_plan_deadlines(self):
        """EV-ChART quarterly deadlines (last day of the month after each quarter) and annual ones
        (1 March) of the period of performance, plus quarterly SF-425 (30 days after the quarter)."""
        Deadline = self.env["ev.grant.deadline"]
        for grant in self:
            existing = {(d.kind, d.date_due) for d in grant.deadline_ids}
            vals = []
            for year, quarter, due in ec.quarterly_due_dates(grant.date_start, grant.date_end):
                key = ("evchart_quarterly", due)
                if key not in existing:
                    vals.append(
                        {
                            "grant_id": grant.id,
                            "kind": "evchart_quarterly",
                            "date_due": due,
                            "name": _("EV-ChART Q%(q)s %(y)s", q=quarter, y=year),
                        }
                    )
                sf_due = up.quarter_bounds(year, quarter)[1] + timedelta(days=29)
                if ("sf425", sf_due) not in existing:
                    vals.append(
                        {
                            "grant_id": grant.id,
                            "kind": "sf425",
                            "date_due": sf_due,
                            "name": _("SF-425 Q%(q)s %(y)s", q=quarter, y=year),
                        }
                    )
            for year in range(grant.date_start.year + 1, grant.date_end.year + 2):
                due = date(year, 3, 1)
                if ("evchart_annual", due) not in existing:
                    vals.append(
                        {
                            "grant_id": grant.id,
                            "kind": "evchart_annual",
                            "date_due": due,
                            "name": _("EV-ChART annual data %s", year - 1),
                        }
                    )
            Deadline.create(vals)
        return True

    def action_compute_uptime(self):
        """NEVI uptime of the funded sites' ports for the month just ended."""
        last = up.add_months(fields.Date.context_today(self), -1)
        self.env["ev.grant.uptime"]._compute_for(self.site_ids, last.year, last.month)
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_grants.ev_grant_uptime_action")
        action["domain"] = [("site_id", "in", self.site_ids.ids)]
        return action

    def action_view_costs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_grants.ev_grant_cost_action")
        action["domain"] = [("grant_id", "=", self.id)]
        action["context"] = {"default_grant_id": self.id}
        return action

    def action_view_timesheets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("hr_timesheet.act_hr_timesheet_line")
        action["domain"] = [("project_id", "=", self.project_id.id)]
        action["context"] = {"default_project_id": self.project_id.id}
        return action
