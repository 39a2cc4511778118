"""An SPV: a tax-equity partnership that is an Odoo company with its own US books."""

import calendar

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import ein as us_ein

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import ev_tax_calendar, ev_tax_capital, ev_tax_flip, ev_tax_macrs, ev_tax_xirr
from ..lib.ev_tax_money import ZERO, allocate, cents, to_decimal

STRUCTURES = [
    ("partnership_flip", "Partnership flip"),
    ("sale_leaseback", "Sale-leaseback"),
    ("inverted_lease", "Inverted lease"),
]
PHASES = [
    ("sourcing", "Sourcing"),
    ("structuring", "Structuring"),
    ("construction", "Construction"),
    ("operations", "Operations"),
    ("exit", "Exit"),
]
FLIP_TYPES = [("yield", "Yield-based (target IRR)"), ("fixed", "Fixed date")]
MONTHS = [(str(m), calendar.month_name[m]) for m in range(1, 13)]
PL_TYPES = ("income", "income_other", "expense", "expense_depreciation", "expense_direct_cost")
#: generic_coa accounts whose default Form 1065 line is not the one of their account type
DEFAULT_LINE_BY_XMLID = {
    "expense_rent": "P13",
    "expense_salary": "P9",
    "income_currency_exchange": "P7",
    "cash_diff_income": "P7",
    "cash_discount_gain": "P7",
}
TAX_USER = "ev_tax_equity.group_ev_tax_user"
TAX_MANAGER = "ev_tax_equity.group_ev_tax_manager"


class EvSpv(models.Model):
    _name = "ev.spv"
    _description = "SPV (tax-equity partnership)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    legal_name = fields.Char(required=True, tracking=True, help="Name as on the partnership return.")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        help="The SPV's own company: its chart of accounts, journals and USD books.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    ein = fields.Char("EIN", tracking=True, help="Employer identification number, NN-NNNNNNN.")
    formation_state_id = fields.Many2one(
        "res.country.state", string="State of formation", domain="[('country_id.code', '=', 'US')]", tracking=True
    )
    formation_date = fields.Date(required=True, tracking=True)
    tax_year_end_month = fields.Selection(MONTHS, string="Tax year ends in", required=True, default="12")
    structure = fields.Selection(STRUCTURES, required=True, default="partnership_flip", tracking=True)
    phase = fields.Selection(PHASES, string="Lifecycle phase", required=True, default="sourcing", tracking=True)
    target_irr = fields.Float(
        "Target IRR (%)", digits=(6, 3), default=8.0, tracking=True, help="Investor's after-tax target."
    )
    flip_type = fields.Selection(FLIP_TYPES, required=True, default="yield", tracking=True)
    fixed_flip_date = fields.Date(tracking=True, help="Flip date of a fixed-date flip.")
    allocations_confirmed = fields.Boolean(
        readonly=True,
        tracking=True,
        copy=False,
        help="The partners' allocation percentages are in force: each class sums to 100 % and changes go "
        "through the Change allocations wizard.",
    )
    partner_ids = fields.One2many("ev.spv.partner", "spv_id", string="Partners")
    partner_count = fields.Integer(compute="_compute_counts")
    site_ids = fields.Many2many("ev.site", compute="_compute_site_ids", string="Sites")
    site_count = fields.Integer(compute="_compute_site_ids")
    contribution_ids = fields.One2many("ev.spv.contribution", "spv_id")
    distribution_ids = fields.One2many("ev.spv.distribution", "spv_id")
    port_credit_ids = fields.One2many("ev.port.credit", "spv_id", string="§30C credits")
    tax_year_ids = fields.One2many("ev.spv.tax.year", "spv_id", string="Tax years")
    # books
    capital_account_id = fields.Many2one(
        "account.account", string="Partners' capital account", check_company=True, help="Credited by contributions."
    )
    distribution_account_id = fields.Many2one(
        "account.account", string="Partners' distributions account", check_company=True
    )
    journal_id = fields.Many2one(
        "account.journal", string="Miscellaneous journal", check_company=True, domain="[('type', '=', 'general')]"
    )
    bank_journal_id = fields.Many2one(
        "account.journal", string="Bank journal", check_company=True, domain="[('type', 'in', ('bank', 'cash'))]"
    )
    # flip status (computed from the posted data by action_compute_flip)
    flip_date = fields.Date(
        readonly=True,
        tracking=True,
        copy=False,
        help="Date the flip happened (yield: first date the target is reached).",
    )
    flip_state = fields.Selection(
        [("pre", "Before the flip"), ("post", "After the flip")], compute="_compute_flip_state", store=True
    )
    investor_irr = fields.Float(
        "Investor IRR to date (%)", digits=(8, 3), readonly=True, copy=False, help="After-tax XIRR of all flows so far."
    )
    irr_at_flip = fields.Float("Investor IRR at the flip (%)", digits=(8, 3), readonly=True, copy=False)
    flip_computed_at = fields.Datetime(readonly=True, copy=False)
    expected_flip_year = fields.Integer(readonly=True, copy=False, help="From the projection of the forecast.")
    projection_irr_at_flip = fields.Float("Projected IRR at the flip (%)", digits=(8, 3), readonly=True, copy=False)
    # forecast (projection)
    forecast_energy_kwh = fields.Float("Forecast energy (kWh/yr)", digits=(16, 0))
    forecast_price_kwh = fields.Float("Forecast price ($/kWh)", digits=(10, 4))
    forecast_om_kw_year = fields.Float("O&M ($/kW-yr)", digits=(10, 2))
    forecast_energy_cost_kwh = fields.Float(
        "Energy cost ($/kWh)", digits=(10, 4), help="Electricity bought per kWh delivered (a variable O&M cost)."
    )
    forecast_inflation = fields.Float("Inflation (%)", digits=(6, 3), default=2.5)
    forecast_years = fields.Integer("Analysis period (years)", default=25)
    capacity_kw = fields.Float("Capacity (kW)", compute="_compute_capacity", digits=(12, 1))
    notes = fields.Html()
    # lifecycle and compliance
    project_id = fields.Many2one(
        "project.project", string="Lifecycle project", readonly=True, copy=False, check_company=True
    )
    task_ids = fields.One2many("project.task", "ev_spv_id", string="Lifecycle steps")
    open_step_count = fields.Integer(compute="_compute_open_steps")
    obligation_ids = fields.One2many("ev.spv.obligation", "spv_id", string="Compliance calendar")
    overdue_count = fields.Integer(compute="_compute_overdue_count")

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "This company is already an SPV: an SPV is one company."),
    ]

    # ------------------------------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------------------------------
    def _compute_counts(self):
        for spv in self:
            spv.partner_count = len(spv.partner_ids)

    def _compute_open_steps(self):
        for spv in self:
            spv.open_step_count = len(
                spv.task_ids.filtered(lambda t, spv=spv: t.ev_spv_phase == spv.phase and not t.is_closed)
            )

    def _compute_overdue_count(self):
        for spv in self:
            spv.overdue_count = len(spv.obligation_ids.filtered("overdue"))

    def _compute_site_ids(self):
        sites = self.env["ev.site"].search([("company_id", "in", self.company_id.ids)])
        for spv in self:
            spv.site_ids = sites.filtered(lambda s, spv=spv: s.company_id == spv.company_id)
            spv.site_count = len(spv.site_ids)

    def _compute_capacity(self):
        for spv in self:
            evses = self.env["ev.evse"].sudo().search([("company_id", "=", spv.company_id.id)])
            spv.capacity_kw = sum(max([e.max_kw] + e.connector_ids.mapped("max_kw")) for e in evses)

    @api.depends("flip_date")
    def _compute_flip_state(self):
        for spv in self:
            spv.flip_state = "post" if spv.flip_date else "pre"

    @api.constrains("ein")
    def _check_ein(self):
        for spv in self.filtered("ein"):
            try:
                us_ein.validate(spv.ein)
                if us_ein.format(spv.ein) != spv.ein:
                    raise StdnumError("not written NN-NNNNNNN")
            except StdnumError as exc:
                raise ValidationError(
                    _(
                        "SPV %(spv)s: EIN %(ein)r is not valid (NN-NNNNNNN with a valid IRS prefix): %(why)s",
                        spv=spv.name,
                        ein=spv.ein,
                        why=exc,
                    )
                ) from exc

    @api.constrains("company_id")
    def _check_company_books(self):
        for spv in self:
            if spv.company_id.currency_id.name != "USD":
                raise ValidationError(
                    _(
                        "SPV %(spv)s: its company keeps its books in %(cur)s; an SPV files a US return in USD.",
                        spv=spv.name,
                        cur=spv.company_id.currency_id.name,
                    )
                )

    @api.constrains("flip_type", "fixed_flip_date", "target_irr")
    def _check_flip_terms(self):
        for spv in self:
            if spv.flip_type == "fixed" and not spv.fixed_flip_date:
                raise ValidationError(_("SPV %s: a fixed-date flip needs its flip date.", spv.name))
            if spv.flip_type == "yield" and not 0 < spv.target_irr < 100:
                raise ValidationError(_("SPV %s: the target IRR must be between 0 and 100 %%.", spv.name))

    @staticmethod
    def _ev_normalize_ein(vals):
        """Store a valid EIN written without its dash as NN-NNNNNNN (the constraint refuses the rest)."""
        ein = vals.get("ein")
        if ein:
            try:
                vals["ein"] = us_ein.format(us_ein.validate(ein))
            except StdnumError:
                vals["ein"] = ein.strip()
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._ev_normalize_ein(dict(vals)) for vals in vals_list])

    def write(self, vals):
        return super().write(self._ev_normalize_ein(dict(vals)))

    # ------------------------------------------------------------------------------------------
    # Rights
    # ------------------------------------------------------------------------------------------
    def _ev_check_group(self, xmlid):
        if not self.env.su and not self.env.user.has_group(xmlid):
            group = self.env.ref(xmlid)
            raise AccessError(_("Only %s may do this.", group.name))
        self.check_access("read")

    # ------------------------------------------------------------------------------------------
    # Books
    # ------------------------------------------------------------------------------------------
    def action_setup_books(self):
        """Give the SPV's company the US chart of accounts Odoo installs (generic_coa) if it has none,
        the partners' capital and distributions accounts, accumulated depreciation and depreciation
        expense accounts, and the asset profiles of chargers (5-year) and site work (15-year)."""
        self._ev_check_group(TAX_MANAGER)
        for spv in self.sudo():
            spv._ev_setup_books()
        return True

    def _ev_setup_books(self):
        self.ensure_one()
        company = self.company_id
        if not company.chart_template:
            self.env["account.chart.template"].with_company(company)._load("generic_coa", company, install_demo=False)
        Account = self.env["account.account"].with_company(company)

        def account(code, name, account_type):
            existing = Account.search([("company_ids", "in", company.ids), ("code", "=", code)], limit=1)
            return existing or Account.create(
                {"code": code, "name": name, "account_type": account_type, "company_ids": [Command.set(company.ids)]}
            )

        vals = {}
        if not self.capital_account_id:
            vals["capital_account_id"] = account("3100", "Partners' capital", "equity").id
        if not self.distribution_account_id:
            vals["distribution_account_id"] = account("3200", "Partners' distributions", "equity").id
        Journal = self.env["account.journal"].with_company(company)
        if not self.journal_id:
            vals["journal_id"] = Journal.search([("company_id", "=", company.id), ("type", "=", "general")], limit=1).id
        if not self.bank_journal_id:
            vals["bank_journal_id"] = Journal.search(
                [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
            ).id
        self.write(vals)
        accumulated = account("1590", "Accumulated depreciation", "asset_fixed")
        expense = account("6500", "Depreciation expense", "expense_depreciation")
        Profile = self.env["account.asset.profile"].with_company(company)
        for name, code, years in (("Chargers", "1520", 10), ("Site work", "1530", 15)):
            asset_account = account(code, f"{name} (fixed assets)", "asset_fixed")
            if not Profile.search(
                [("company_id", "=", company.id), ("account_asset_id", "=", asset_account.id)], limit=1
            ):
                Profile.create(
                    {
                        "name": f"{name} ({self.name})",
                        "company_id": company.id,
                        "account_asset_id": asset_account.id,
                        "account_depreciation_id": accumulated.id,
                        "account_expense_depreciation_id": expense.id,
                        "journal_id": self.journal_id.id,
                        "method": "linear",
                        "method_number": years,
                        "method_period": "quarter",
                        "prorata": True,
                    }
                )
        self._ev_apply_tax_mapping()

    def _ev_asset_profile(self, kind):
        """The asset profile for ``kind`` (charger / site_work) made by action_setup_books."""
        self.ensure_one()
        code = "1520" if kind == "charger" else "1530"
        # account codes are per company in Odoo 18: search in the SPV's company
        return (
            self.env["account.asset.profile"]
            .sudo()
            .with_company(self.company_id)
            .search([("company_id", "=", self.company_id.id), ("account_asset_id.code", "=", code)], limit=1)
        )

    # ------------------------------------------------------------------------------------------
    # Form 1065 line mapping of the accounts
    # ------------------------------------------------------------------------------------------
    def _ev_accounts(self):
        self.ensure_one()
        return (
            self.env["account.account"]
            .sudo()
            .with_company(self.company_id)
            .search([("company_ids", "in", self.company_id.ids)])
        )

    def action_apply_tax_mapping(self):
        """Map every account of the SPV's chart that has no Form 1065 line yet to its default line."""
        self._ev_check_group(TAX_MANAGER)
        for spv in self.sudo():
            spv._ev_apply_tax_mapping()
        return True

    def _ev_apply_tax_mapping(self):
        self.ensure_one()
        lines = self.env["ev.tax.line"].sudo().search([("tag_id", "!=", False)])
        by_type = {}
        for line in lines:
            for account_type in (line.default_account_types or "").split(","):
                if account_type.strip():
                    by_type[account_type.strip()] = line
        codes = {line.code: line for line in lines}
        template = self.env["account.chart.template"].with_company(self.company_id)
        overrides = {}
        for xmlid, code in DEFAULT_LINE_BY_XMLID.items():
            account = template.ref(xmlid, raise_if_not_found=False)
            if account:
                overrides[account] = codes[code]
        profiles = self.env["account.asset.profile"].sudo().search([("company_id", "=", self.company_id.id)])
        for account in profiles.account_depreciation_id:
            overrides[account] = codes["L9b"]
        tags = lines.tag_id
        for account in self._ev_accounts():
            if account.tag_ids & tags:
                continue
            line = overrides.get(account) or by_type.get(account.account_type)
            if line:
                account.tag_ids = [Command.link(line.tag_id.id)]

    def _ev_account_lines(self):
        """{account: ev.tax.line} of the SPV's accounts, and the accounts with more than one 1065 tag."""
        self.ensure_one()
        lines = self.env["ev.tax.line"].sudo().search([("tag_id", "!=", False)])
        by_tag = {line.tag_id: line for line in lines}
        mapping, ambiguous = {}, self.env["account.account"]
        for account in self._ev_accounts():
            found = [by_tag[tag] for tag in account.tag_ids if tag in by_tag]
            if len(found) > 1:
                ambiguous |= account
            elif found:
                mapping[account] = found[0]
        return mapping, ambiguous

    # ------------------------------------------------------------------------------------------
    # Allocations
    # ------------------------------------------------------------------------------------------
    def _ev_terms(self):
        self.ensure_one()
        return [member._ev_terms() for member in self.partner_ids.sorted("id")]

    def _ev_check_allocations(self):
        for spv in self:
            if not spv.partner_ids:
                raise ValidationError(_("SPV %s has no partners to allocate to.", spv.name))
            try:
                ev_tax_capital.check_terms(spv._ev_terms())
            except ev_tax_capital.CapitalError as exc:
                raise ValidationError(_("SPV %(spv)s: %(error)s", spv=spv.name, error=exc)) from exc

    def action_confirm_allocations(self):
        """Put the allocations in force (each class must sum to 100 %)."""
        self._ev_check_group(TAX_MANAGER)
        self._ev_check_allocations()
        self.sudo().write({"allocations_confirmed": True})
        return True

    def _ev_flip_date(self):
        """The flip date allocations follow: the fixed date of a fixed flip, else the computed one."""
        self.ensure_one()
        return self.fixed_flip_date if self.flip_type == "fixed" else self.flip_date or None

    def _ev_shares_on(self, day, cls):
        """{ev.spv.partner id: percent} of class ``cls`` (income / credit / cash) in force on ``day``."""
        self.ensure_one()
        return ev_tax_capital.shares_on(self._ev_terms(), day, self._ev_flip_date(), cls)

    # ------------------------------------------------------------------------------------------
    # Figures of a tax year, from the posted ledger and the assets
    # ------------------------------------------------------------------------------------------
    def _ev_year_bounds(self, year):
        self.ensure_one()
        return ev_tax_macrs.tax_year_bounds(year, int(self.tax_year_end_month))

    def _ev_tax_year_of(self, day):
        self.ensure_one()
        return ev_tax_macrs.tax_year_of(day, int(self.tax_year_end_month))

    def _ev_ledger_balance(self, domain):
        """Sum of the balance of posted lines of the SPV's company matching ``domain``."""
        self.ensure_one()
        rows = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [("company_id", "=", self.company_id.id), ("parent_state", "=", "posted")] + domain, [], ["balance:sum"]
            )
        )
        return cents(to_decimal(rows[0][0] or 0.0))

    def _ev_book_income(self, start, end):
        return -self._ev_ledger_balance(
            [("date", ">=", start), ("date", "<=", end), ("account_id.account_type", "in", PL_TYPES)]
        )

    def _ev_book_depreciation(self, start, end):
        return self._ev_ledger_balance(
            [("date", ">=", start), ("date", "<=", end), ("account_id.account_type", "=", "expense_depreciation")]
        )

    def _ev_net_assets(self, day):
        """Equity at book value on ``day``: assets - liabilities (= equity + all earnings to date)."""
        return -self._ev_ledger_balance(
            [("date", "<=", day), ("account_id.account_type", "in", ("equity", "equity_unaffected") + PL_TYPES)]
        )

    def _ev_tax_assets(self):
        self.ensure_one()
        assets = (
            self.env["account.asset"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "!=", "draft"),
                    ("ev_placed_in_service", "!=", False),
                ]
            )
        )
        end_month = int(self.tax_year_end_month)
        result = []
        for asset in assets:
            removed_same_year = bool(
                asset.date_remove
                and ev_tax_macrs.tax_year_of(asset.date_remove, end_month)
                == ev_tax_macrs.tax_year_of(asset.ev_placed_in_service, end_month)
            )
            result.append(asset._ev_tax_asset(removed_same_year))
        return result

    def _ev_tax_figures(self, year):
        """Book and tax figures of tax ``year`` (see the README for the conventions)."""
        self.ensure_one()
        start, end = self._ev_year_bounds(year)
        book_income = self._ev_book_income(start, end)
        book_dep = self._ev_book_depreciation(start, end)
        tax_assets = self._ev_tax_assets()
        deductions = ev_tax_macrs.deductions_for_year(tax_assets, year, int(self.tax_year_end_month))
        tax_dep = sum((bonus + macrs for bonus, macrs in deductions.values()), ZERO)
        credits = tuple(
            ev_tax_capital.Credit(c.placed_in_service, cents(c.credit), cents(c.basis_reduction))
            for c in self.port_credit_ids.sudo()
            if c.credit and c.placed_in_service and start <= c.placed_in_service <= end
        )
        return {
            "start": start,
            "end": end,
            "book_income": book_income,
            "book_depreciation": book_dep,
            "tax_depreciation": tax_dep,
            "tax_income": book_income + book_dep - tax_dep,
            "credits": credits,
            "assets": tax_assets,
        }

    # ------------------------------------------------------------------------------------------
    # Flip
    # ------------------------------------------------------------------------------------------
    def action_compute_flip(self):
        """Recompute the flip status from the posted data and the expected flip year from the forecast."""
        self._ev_check_group(TAX_USER)
        for spv in self.sudo():
            spv._ev_compute_flip()
        return True

    def _ev_investors(self):
        self.ensure_one()
        investors = self.partner_ids.filtered(lambda m: m.role == "investor")
        if not investors:
            raise UserError(_("SPV %s has no tax-equity investor partner: add one to follow its flip.", self.name))
        return investors

    def _ev_investor_flows(self, investors, flip_date, as_of):
        """The investors' dated after-tax flows up to ``as_of`` (contributions, distributions, and the tax
        benefits and credits of every tax year that ended by then, dated on its last day)."""
        self.ensure_one()
        contributions = [
            (c.date, c.amount)
            for c in self.contribution_ids.sudo()
            if c.state == "posted" and c.member_id in investors and c.date <= as_of
        ]
        distributions = [
            (line.date, line.amount)
            for line in self.env["ev.spv.distribution.line"]
            .sudo()
            .search(
                [("member_id", "in", investors.ids), ("distribution_id.state", "=", "posted"), ("date", "<=", as_of)]
            )
        ]
        taxable, credit_flows = [], []
        terms = self._ev_terms()
        first_year = self._ev_tax_year_of(self.formation_date)
        year = first_year
        while self._ev_year_bounds(year)[1] <= as_of:
            figures = self._ev_tax_figures(year)
            start, end = figures["start"], figures["end"]
            alloc = ev_tax_capital.allocate_item(figures["tax_income"], terms, "income", start, end, flip_date)
            for member in investors:
                # each investor at its own tax rate: a loss is a benefit, income a cost
                tax_due = alloc.shares[member.id] * to_decimal(member.tax_rate) / 100
                if tax_due:
                    taxable.append(ev_tax_flip.FlowItem(end, cents(-tax_due), "tax_benefit"))
            for credit in figures["credits"]:
                shares = allocate(credit.amount, ev_tax_capital.shares_on(terms, credit.day, flip_date, "credit"))
                credit_flows += [(end, shares.shares[member.id]) for member in investors]
            year += 1
        flows = ev_tax_flip.investor_flows(
            contributions=contributions, distributions=distributions, credits=credit_flows
        )
        return sorted(flows + taxable, key=lambda f: (f.day, f.kind))

    def _ev_compute_flip(self, as_of=None):
        self.ensure_one()
        as_of = as_of or fields.Date.context_today(self)
        investors = self._ev_investors()
        vals = {"flip_computed_at": fields.Datetime.now()}
        if self.flip_type == "fixed":
            flip_date = self.fixed_flip_date if self.fixed_flip_date <= as_of else False
            flows = self._ev_investor_flows(investors, self.fixed_flip_date, as_of)
            at = [(f.day, f.amount) for f in flows if flip_date and f.day <= flip_date]
            vals["irr_at_flip"] = self._ev_irr_percent(at) if flip_date else 0.0
        else:
            result = ev_tax_flip.actual_flip(
                self._ev_investor_flows(investors, None, as_of), to_decimal(self.target_irr)
            )
            flip_date = result.flip_date or False
            vals["irr_at_flip"] = float(result.irr_at_flip * 100) if result.reached else 0.0
            flows = self._ev_investor_flows(investors, flip_date or None, as_of)
        vals["flip_date"] = flip_date
        vals["investor_irr"] = self._ev_irr_percent([(f.day, f.amount) for f in flows])
        try:
            projection = self._ev_projection()
        except UserError:
            projection = None
        if projection and projection.flip_year:
            first_pis = min(a.placed_in_service for a in self._ev_tax_assets())
            vals["expected_flip_year"] = self._ev_tax_year_of(first_pis) + projection.flip_year - 1
            vals["projection_irr_at_flip"] = float(projection.irr_at_flip * 100)
        else:
            vals.update(expected_flip_year=0, projection_irr_at_flip=0.0)
        if (self.flip_date or False) != flip_date:
            self.message_post(
                body=_("Flip reached on %s.", flip_date) if flip_date else _("The flip has not been reached yet.")
            )
        self.write(vals)
        return vals

    @staticmethod
    def _ev_irr_percent(pairs):
        try:
            return float(ev_tax_xirr.xirr(pairs) * 100) if pairs else 0.0
        except ev_tax_xirr.NoIrrError:
            return 0.0

    def _ev_projection_inputs(self):
        """Projection inputs from the SPV's assets, credits, partners and forecast."""
        self.ensure_one()
        assets = (
            self.env["account.asset"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "!=", "draft"),
                    ("ev_placed_in_service", "!=", False),
                ]
            )
        )
        if not assets:
            raise UserError(_("SPV %s has no assets in service to project.", self.name))
        if not (self.forecast_energy_kwh and self.forecast_price_kwh):
            raise UserError(_("SPV %s: enter the forecast energy and price to project its flip.", self.name))
        investors = self._ev_investors()
        cost = cents(sum(to_decimal(a.purchase_value) for a in assets))
        credits = cents(sum((to_decimal(c.credit) for c in self.port_credit_ids), ZERO))
        classes = {}
        for asset in assets:
            basis = to_decimal(asset.ev_tax_basis)
            entry = classes.setdefault(int(asset.ev_recovery_years), [ZERO, ZERO])
            entry[0] += basis
            entry[1] += basis * to_decimal(asset.ev_bonus_rate)
        total_basis = sum((v[0] for v in classes.values()), ZERO)
        depreciation = []
        if total_basis:
            shares = {years: v[0] * 100 / total_basis for years, v in classes.items()}
            # the shares must add up to exactly 100: the largest class takes the rounding
            rounded = {years: share.quantize(to_decimal("0.000001")) for years, share in shares.items()}
            largest = max(rounded, key=rounded.get)
            rounded[largest] += 100 - sum(rounded.values())
            depreciation = [
                ev_tax_flip.DepreciationClass(rounded[years], years, v[1] / v[0] if v[0] else ZERO)
                for years, v in sorted(classes.items())
            ]
        commitments = sum(to_decimal(m.commitment) for m in self.partner_ids)
        inv_commitment = sum(to_decimal(m.commitment) for m in investors)
        first = investors[0]
        return ev_tax_flip.ProjectionInputs(
            installed_cost=cost,
            annual_energy_kwh=to_decimal(self.forecast_energy_kwh),
            price_per_kwh=to_decimal(self.forecast_price_kwh),
            tax_rate=to_decimal(first.tax_rate),
            target_irr=to_decimal(self.target_irr),
            investor_equity_share=inv_commitment * 100 / commitments if commitments else to_decimal(100),
            investor_pre_cash=sum(to_decimal(m.pre_cash_pct) for m in investors),
            investor_post_cash=sum(to_decimal(m.post_cash_pct) for m in investors),
            investor_pre_tax=sum(to_decimal(m.pre_income_pct) for m in investors),
            investor_post_tax=sum(to_decimal(m.post_income_pct) for m in investors),
            years=self.forecast_years or 25,
            capacity_kw=to_decimal(self.capacity_kw),
            om_per_kw_year=to_decimal(self.forecast_om_kw_year),
            om_per_kwh=to_decimal(self.forecast_energy_cost_kwh),
            inflation=to_decimal(self.forecast_inflation),
            depreciation=tuple(depreciation),
            credits=(ev_tax_flip.Credit("§30C", amount=credits, basis_reduction=to_decimal(100)),) if credits else (),
            flip_type=self.flip_type,
            fixed_flip_year=(
                self._ev_tax_year_of(self.fixed_flip_date)
                - self._ev_tax_year_of(min(assets.mapped("ev_placed_in_service")))
                + 1
            )
            if self.flip_type == "fixed"
            else None,
        )

    def _ev_projection(self):
        self.ensure_one()
        try:
            return ev_tax_flip.project(self._ev_projection_inputs())
        except ev_tax_flip.FlipError as exc:
            raise UserError(_("SPV %(spv)s: %(error)s", spv=self.name, error=exc)) from exc

    # ------------------------------------------------------------------------------------------
    # Tax years
    # ------------------------------------------------------------------------------------------
    def _ev_tax_year(self, year, create=True):
        """The ev.spv.tax.year record of ``year`` (created when missing and ``create``)."""
        self.ensure_one()
        record = self.env["ev.spv.tax.year"].sudo().search([("spv_id", "=", self.id), ("year", "=", year)], limit=1)
        if not record and create:
            record = self.env["ev.spv.tax.year"].sudo().create({"spv_id": self.id, "year": year})
        return record

    # ------------------------------------------------------------------------------------------
    # Lifecycle phases
    # ------------------------------------------------------------------------------------------
    def action_create_steps(self):
        """Give the SPV its lifecycle project with one task per template step of every phase."""
        self._ev_check_group(TAX_MANAGER)
        for spv in self.sudo():
            spv._ev_ensure_steps()
        return True

    def _ev_ensure_steps(self):
        self.ensure_one()
        if not self.project_id:
            self.project_id = self.env["project.project"].create(
                {
                    "name": _("Lifecycle: %s", self.name),
                    "company_id": self.company_id.id,
                    "allow_task_dependencies": False,
                }
            )
        existing = self.task_ids.ev_step_id
        steps = self.env["ev.spv.phase.step"].search([("active", "=", True)]) - existing
        self.env["project.task"].create(
            [
                {
                    "name": step.name,
                    "project_id": self.project_id.id,
                    "company_id": self.company_id.id,
                    "ev_spv_id": self.id,
                    "ev_spv_phase": step.phase,
                    "ev_step_id": step.id,
                    "description": step.description,
                    "sequence": step.sequence,
                }
                for step in steps
            ]
        )

    def _ev_step_check(self, check):
        """Whether the SPV's data shows an automatic step done."""
        self.ensure_one()
        if check == "books":
            return bool(self.capital_account_id and self.distribution_account_id)
        if check == "allocations":
            return self.allocations_confirmed
        if check == "contributions":
            return bool(self.contribution_ids.filtered(lambda c: c.state == "posted"))
        if check == "assets":
            return bool(
                self.env["account.asset"]
                .sudo()
                .search_count(
                    [
                        ("company_id", "=", self.company_id.id),
                        ("ev_placed_in_service", "!=", False),
                        ("state", "!=", "draft"),
                    ]
                )
            )
        if check == "flip":
            return bool(self.flip_date)
        if check == "return_locked":
            return bool(self.tax_year_ids.filtered(lambda y: y.state == "locked"))
        return False

    def _ev_close_checked_steps(self, phase):
        self.ensure_one()
        for task in self.task_ids.filtered(
            lambda t: t.ev_spv_phase == phase and not t.is_closed and t.ev_step_id.check
        ):
            if self._ev_step_check(task.ev_step_id.check):
                task.state = "1_done"

    def _ev_move_phase(self, target, reason=None):
        """Move to ``target``: the steps of the current phase must be done (automatic steps close by
        themselves when the data shows them), or a reason is given and kept in the chatter."""
        self.ensure_one()
        if target == self.phase:
            raise UserError(_("SPV %(spv)s is already in phase %(phase)s.", spv=self.name, phase=dict(PHASES)[target]))
        self._ev_ensure_steps()
        self._ev_close_checked_steps(self.phase)
        open_steps = self.task_ids.filtered(lambda t: t.ev_spv_phase == self.phase and not t.is_closed)
        if open_steps and not reason:
            raise UserError(
                _(
                    "SPV %(spv)s cannot leave phase %(phase)s: these steps are not done: %(steps)s. Finish them, "
                    "or move with a reason.",
                    spv=self.name,
                    phase=dict(PHASES)[self.phase],
                    steps=", ".join(open_steps.mapped("name")),
                )
            )
        old = self.phase
        self.phase = target
        body = _("Phase %(old)s → %(new)s.", old=dict(PHASES)[old], new=dict(PHASES)[target])
        if open_steps:
            body += " " + _(
                "Steps not done: %(steps)s. Reason: %(reason)s",
                steps=", ".join(open_steps.mapped("name")),
                reason=reason,
            )
        self.message_post(body=body)
        return True

    def action_next_phase(self):
        self._ev_check_group(TAX_MANAGER)
        self.ensure_one()
        order = [key for key, _label in PHASES]
        if self.phase == order[-1]:
            raise UserError(_("Exit is the last phase."))
        return self.sudo()._ev_move_phase(order[order.index(self.phase) + 1])

    # ------------------------------------------------------------------------------------------
    # Compliance calendar
    # ------------------------------------------------------------------------------------------
    def action_generate_calendar(self):
        """Add the SPV's dated obligations (return and K-1 due dates of the current and previous tax year,
        §30C recapture periods, EV-ChART reports of NEVI-funded sites) as activities; never twice."""
        self._ev_check_group(TAX_MANAGER)
        for spv in self.sudo():
            spv._ev_generate_calendar()
        return True

    def _ev_generate_calendar(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        current = self._ev_tax_year_of(today)
        first = self._ev_tax_year_of(self.formation_date)
        existing = set(self.obligation_ids.mapped("key"))
        vals = []

        def add(key, name, kind, due, **extra):
            if key not in existing:
                existing.add(key)
                vals.append({"spv_id": self.id, "key": key, "name": name, "kind": kind, "due_date": due, **extra})

        for year in range(max(first, current - 1), current + 1):
            end = self._ev_year_bounds(year)[1]
            add(f"1065:{year}", _("Form 1065 %s", year), "form_1065", ev_tax_calendar.return_due(end), tax_year=year)
            add(
                f"1065x:{year}",
                _("Form 1065 %s (extended)", year),
                "form_1065_extended",
                ev_tax_calendar.return_due(end, extended=True),
                tax_year=year,
            )
            add(
                f"k1:{year}",
                _("K-1s %s to partners", year),
                "k1_delivery",
                ev_tax_calendar.return_due(end),
                tax_year=year,
            )
            add(
                f"k1x:{year}",
                _("K-1s %s to partners (extended)", year),
                "k1_delivery_extended",
                ev_tax_calendar.return_due(end, extended=True),
                tax_year=year,
            )
            for site in self.site_ids.filtered("ev_nevi_funded"):
                add(
                    f"evchart:{year}:{site.id}",
                    _("EV-ChART annual report %(year)s: %(site)s", year=year, site=site.name),
                    "evchart_annual",
                    ev_tax_calendar.evchart_annual_due(year),
                    tax_year=year,
                    site_id=site.id,
                )
                for quarter in (1, 2, 3, 4):
                    add(
                        f"evchartq:{year}:{quarter}:{site.id}",
                        _("EV-ChART Q%(q)s %(year)s: %(site)s", q=quarter, year=year, site=site.name),
                        "evchart_quarterly",
                        ev_tax_calendar.evchart_quarterly_due(year, quarter),
                        tax_year=year,
                        site_id=site.id,
                    )
        for placed in sorted(set(self.port_credit_ids.filtered("credit").mapped("placed_in_service"))):
            add(
                f"recapture:{placed}",
                _("§30C recapture period of the ports placed in service on %s ends", placed),
                "recapture_end",
                ev_tax_calendar.recapture_end(placed),
            )
        return self.env["ev.spv.obligation"].create(vals)

    # ------------------------------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------------------------------
    def action_view_sites(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_site_action")
        action["domain"] = [("company_id", "=", self.company_id.id)]
        action["context"] = {"default_company_id": self.company_id.id}
        return action

    def action_distribute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.spv.distribution.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_spv_id": self.id},
        }
