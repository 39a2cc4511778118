"""One tax year of an SPV: its book and tax figures, the partners' capital accounts, Form 4562 and HLBV."""

from collections import defaultdict
from datetime import date

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import ev_tax_1065, ev_tax_capital, ev_tax_hlbv, ev_tax_macrs
from ..lib.ev_tax_money import ZERO, cents, to_decimal
from ..report import ev_tax_report_values
from .ev_spv import PL_TYPES, TAX_MANAGER, TAX_USER


def _month_end(year, month):
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _money(value):
    return f"{to_decimal(value):,.2f}"


def _json(value):
    """Decimals (and nested lists/dicts of them) as strings for a Json field."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return str(value) if hasattr(value, "as_tuple") else value


class EvSpvTaxYear(models.Model):
    _name = "ev.spv.tax.year"
    _description = "SPV tax year"
    _inherit = ["mail.thread"]
    _order = "spv_id, year desc"
    _rec_name = "display_name"
    _check_company_auto = True

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="spv_id.currency_id")
    year = fields.Integer(required=True, help="Calendar year in which the tax year ends.")
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True)
    state = fields.Selection(
        [("open", "Open"), ("locked", "Locked")],
        default="open",
        required=True,
        tracking=True,
        readonly=True,
        help="Locked: the return is final, the SPV's books refuse entries dated in the year (lock date), K-1s "
        "can be released.",
    )
    locked_by = fields.Many2one("res.users", readonly=True)
    locked_at = fields.Datetime(readonly=True)
    return_data = fields.Json("Form 1065", readonly=True, copy=False)
    return_computed_at = fields.Datetime(readonly=True, copy=False)
    checks_passed = fields.Boolean(readonly=True, copy=False)
    return_html = fields.Html("Return", compute="_compute_return_html", sanitize=False)
    k1_ids = fields.One2many("ev.spv.k1", "tax_year_id", string="K-1s")
    k1_count = fields.Integer(compute="_compute_k1_count")
    k1_rounding_note = fields.Text("K-1 rounding", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    book_income = fields.Monetary("Book income (loss)", readonly=True, currency_field="currency_id")
    book_depreciation = fields.Monetary(readonly=True, currency_field="currency_id")
    tax_depreciation = fields.Monetary("Tax depreciation (MACRS + bonus)", readonly=True, currency_field="currency_id")
    tax_income = fields.Monetary("Taxable income (loss)", readonly=True, currency_field="currency_id")
    credits_total = fields.Monetary("§30C credits", readonly=True, currency_field="currency_id")
    credit_basis_reduction = fields.Monetary(readonly=True, currency_field="currency_id")
    convention = fields.Selection(
        [("HY", "Half-year"), ("MQ", "Mid-quarter")], readonly=True, help="Result of the 40 % test for this year."
    )
    last_quarter_share = fields.Float("Basis placed in service in the last quarter (%)", readonly=True, digits=(6, 2))
    flip_date = fields.Date("Flip date used", readonly=True)
    ledger_equity = fields.Monetary("Equity per ledger (year end)", readonly=True, currency_field="currency_id")
    tie_difference = fields.Monetary(
        "Capital vs ledger difference",
        readonly=True,
        currency_field="currency_id",
        help="Ledger equity minus the partners' book capital: 0 when the capital accounts tie to the ledger.",
    )
    rounding_note = fields.Text(readonly=True)
    form_4562 = fields.Json(readonly=True)
    form_4562_html = fields.Html("Form 4562 summary", compute="_compute_form_4562_html", sanitize=False)
    capital_ids = fields.One2many("ev.spv.capital", "tax_year_id", string="Capital accounts")
    hlbv_ids = fields.One2many("ev.spv.hlbv", "tax_year_id", string="HLBV")
    deficit_count = fields.Integer(compute="_compute_deficit_count")

    _sql_constraints = [("year_uniq", "unique(spv_id, year)", "This SPV already has this tax year.")]

    @api.depends("spv_id.tax_year_end_month", "year")
    def _compute_dates(self):
        for record in self:
            if record.spv_id and record.year:
                record.date_from, record.date_to = record.spv_id._ev_year_bounds(record.year)
            else:
                record.date_from = record.date_to = False

    def _compute_display_name(self):
        for record in self:
            record.display_name = f"{record.spv_id.name} {record.year}"

    def _compute_form_4562_html(self):
        for record in self:
            data = record.form_4562
            if not data:
                record.form_4562_html = False
                continue
            rows = Markup("").join(
                Markup(
                    "<tr><td>%s</td><td>%s-year</td><td>%s</td><td>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
                )
                % (
                    r["line"],
                    r["recovery_years"],
                    r["convention"],
                    r["method"],
                    _money(r["basis"]),
                    _money(r["deduction"]),
                )
                for r in data["line_19"]
            )
            record.form_4562_html = Markup(
                "<table class='table table-sm'><tbody>"
                "<tr><td colspan='5'>%s</td><td class='text-end'>%s</td></tr>"
                "<tr><td colspan='5'>%s</td><td class='text-end'>%s</td></tr>"
                "<tr class='fw-bold'><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td></tr>%s"
                "<tr class='fw-bold'><td colspan='5'>%s</td><td class='text-end'>%s</td></tr></tbody></table>"
            ) % (
                _("Line 14 - special depreciation allowance (bonus)"),
                _money(data["line_14"]),
                _("Line 17 - MACRS of property placed in service in earlier years"),
                _money(data["line_17"]),
                _("Line 19"),
                _("Recovery period"),
                _("Convention"),
                _("Method"),
                _("Basis"),
                _("Deduction"),
                rows,
                _("Line 22 - total"),
                _money(data["line_22"]),
            )

    def _compute_k1_count(self):
        for record in self:
            record.k1_count = len(record.k1_ids.filtered(lambda k: k.state != "superseded"))

    def _compute_return_html(self):
        for record in self:
            record.return_html = (
                self.env["ir.qweb"]._render(
                    "ev_tax_equity.form_1065_body",
                    {"o": record, "data": record.return_data, **ev_tax_report_values.values()},
                )
                if record.return_data
                else False
            )

    def _compute_deficit_count(self):
        for record in self:
            record.deficit_count = len(record.capital_ids.filtered("deficit"))

    # ------------------------------------------------------------------------------------------
    def action_compute(self):
        """Compute the year's figures, capital accounts, Form 4562 summary and HLBV from the ledger."""
        self.spv_id._ev_check_group(TAX_USER)
        for record in self.sudo().sorted("year"):
            record._ev_compute()
        return True

    def _ev_partner_flows(self, start, end):
        """{member id: (contributions, distributions)} from the SPV's capital and distribution accounts."""
        spv = self.spv_id
        members = {m.partner_id.id: m.id for m in spv.partner_ids}
        flows = defaultdict(lambda: [ZERO, ZERO])
        Line = self.env["account.move.line"].sudo()
        for index, account in enumerate((spv.capital_account_id, spv.distribution_account_id)):
            if not account:
                continue
            rows = Line._read_group(
                [
                    ("company_id", "=", spv.company_id.id),
                    ("parent_state", "=", "posted"),
                    ("account_id", "=", account.id),
                    ("date", ">=", start),
                    ("date", "<=", end),
                ],
                ["partner_id"],
                ["balance:sum"],
            )
            for partner, balance in rows:
                if partner.id not in members:
                    raise UserError(
                        _(
                            "Entries on %(account)s of %(spv)s name %(partner)s, who is not a partner of the SPV: "
                            "correct the entries' partner.",
                            account=account.display_name,
                            spv=spv.name,
                            partner=partner.display_name or _("no partner"),
                        )
                    )
                value = cents(to_decimal(balance))
                # capital: credits are contributions; distributions: debits
                flows[members[partner.id]][index] += -value if index == 0 else value
        return flows

    def _ev_previous(self):
        spv = self.spv_id
        if self.year <= spv._ev_tax_year_of(spv.formation_date):
            return self.browse()
        previous = spv._ev_tax_year(self.year - 1)
        if not previous.computed_at:
            previous._ev_compute()
        return previous

    def _ev_capital(self, start, end, figures, flip_date, begin):
        spv = self.spv_id
        flows = self._ev_partner_flows(start, end)
        partners = [
            ev_tax_capital.PartnerPeriod(
                member.id,
                book_begin=begin.get(member.id, (ZERO, ZERO))[0],
                tax_begin=begin.get(member.id, (ZERO, ZERO))[1],
                contributions=flows[member.id][0],
                distributions=flows[member.id][1],
            )
            for member in spv.partner_ids
        ]
        period = ev_tax_capital.SpvPeriod(
            start,
            end,
            figures["book_income"],
            figures["tax_income"],
            tuple(c for c in figures["credits"] if c.day <= end),
            flip_date,
        )
        try:
            return ev_tax_capital.capital_accounts(period, spv._ev_terms(), partners)
        except ev_tax_capital.CapitalError as exc:
            raise UserError(_("%(year)s: %(error)s", year=self.display_name, error=exc)) from exc

    def _ev_compute(self):
        self.ensure_one()
        spv = self.spv_id
        if self.state == "locked":
            raise UserError(_("Tax year %s is locked: its figures are final.", self.display_name))
        spv._ev_check_allocations()
        previous = self._ev_previous()
        begin = {
            line.member_id.id: (cents(to_decimal(line.book_end)), cents(to_decimal(line.tax_end)))
            for line in previous.capital_ids
        }
        start, end = self.date_from, self.date_to
        figures = spv._ev_tax_figures(self.year)
        flip_date = spv._ev_flip_date()
        result = self._ev_capital(start, end, figures, flip_date, begin)
        ledger_equity = spv._ev_net_assets(end)
        summary = ev_tax_macrs.form_4562(figures["assets"], self.year, int(spv.tax_year_end_month))
        notes = [
            _(
                "Rounding difference of %(amount)s given to %(partner)s (largest share).",
                amount=amount,
                partner=self.env["ev.spv.partner"].browse(key).partner_id.name,
            )
            for amount, key in result.residuals
        ]
        self.capital_ids.unlink()
        self.env["ev.spv.capital"].create(
            [
                {
                    "tax_year_id": self.id,
                    "member_id": row.key,
                    "book_begin": float(row.book_begin),
                    "contributions": float(row.contributions),
                    "book_income": float(row.book_income),
                    "distributions": float(row.distributions),
                    "book_end": float(row.book_end),
                    "tax_begin": float(row.tax_begin),
                    "tax_contributions": float(row.tax_contributions),
                    "tax_income": float(row.tax_income),
                    "credit_basis": float(row.credit_basis),
                    "tax_end": float(row.tax_end),
                    "credits": float(row.credits),
                    "deficit": float(row.deficit),
                }
                for row in result.rows
            ]
        )
        self.write(
            {
                "computed_at": fields.Datetime.now(),
                "book_income": float(figures["book_income"]),
                "book_depreciation": float(figures["book_depreciation"]),
                "tax_depreciation": float(figures["tax_depreciation"]),
                "tax_income": float(figures["tax_income"]),
                "credits_total": float(sum((c.amount for c in figures["credits"]), ZERO)),
                "credit_basis_reduction": float(sum((c.basis_reduction for c in figures["credits"]), ZERO)),
                "convention": summary["convention"],
                "last_quarter_share": float(summary["last_quarter_share"]),
                "flip_date": flip_date or False,
                "ledger_equity": float(ledger_equity),
                "tie_difference": float(result.ties_to(ledger_equity)),
                "rounding_note": "\n".join(notes) or False,
                "form_4562": _json(summary),
            }
        )
        self._ev_compute_hlbv(figures, flip_date, begin, previous)
        if result.deficits:
            self.message_post(
                body=_(
                    "Negative §704(b) capital without a deficit restoration obligation: %s. Reallocate these "
                    "amounts to the other partners (qualified income offset).",
                    ", ".join(
                        f"{self.env['ev.spv.partner'].browse(k).partner_id.name} {v}"
                        for k, v in result.deficits.items()
                    ),
                )
            )
        return result

    def _ev_quarter_ends(self):
        start = self.date_from
        ends = []
        for k in range(1, 5):
            month = (start.month - 1 + 3 * k - 1) % 12 + 1
            year = start.year + (start.month - 1 + 3 * k - 1) // 12
            ends.append(_month_end(year, month))
        return ends

    def _ev_compute_hlbv(self, figures, flip_date, begin, previous):
        """HLBV per quarter: claims on a liquidation at book value at each quarter end of the year (up to
        today), earnings = change of claim - contributions + distributions."""
        spv = self.spv_id
        self.hlbv_ids.unlink()
        today = fields.Date.context_today(self)
        terms = spv._ev_terms()
        dro = {t.key: t.dro for t in terms}
        prev_claims = {}
        if previous and previous.hlbv_ids:
            last_q = max(previous.hlbv_ids.mapped("quarter"))
            prev_claims = {
                h.member_id.id: cents(to_decimal(h.claim_end)) for h in previous.hlbv_ids if h.quarter == last_q
            }
        else:
            prev_claims = {key: value[0] for key, value in begin.items()}
        period_start = self.date_from
        vals = []
        for quarter, q_end in enumerate(self._ev_quarter_ends(), 1):
            if q_end > today:
                break
            q_figures = dict(figures, book_income=spv._ev_book_income(self.date_from, q_end), tax_income=ZERO)
            capital = self._ev_capital(self.date_from, q_end, q_figures, flip_date, begin)
            net_assets = spv._ev_net_assets(q_end)
            gain_shares = ev_tax_capital.shares_on(terms, q_end, flip_date, "income")
            try:
                liquidation = ev_tax_hlbv.liquidation_claims(
                    net_assets, {row.key: row.book_end for row in capital.rows}, gain_shares, dro
                )
            except ev_tax_hlbv.HlbvError as exc:
                raise UserError(
                    _("%(year)s, quarter %(q)s: %(error)s", year=self.display_name, q=quarter, error=exc)
                ) from exc
            flows = self._ev_partner_flows(period_start, q_end)
            earnings = ev_tax_hlbv.hlbv_earnings(
                prev_claims,
                liquidation.claims,
                {key: flows[key][0] for key in liquidation.claims},
                {key: flows[key][1] for key in liquidation.claims},
            )
            for key, claim in liquidation.claims.items():
                vals.append(
                    {
                        "tax_year_id": self.id,
                        "member_id": key,
                        "quarter": quarter,
                        "period_start": period_start,
                        "period_end": q_end,
                        "net_assets": float(net_assets),
                        "capital": float(next(r.book_end for r in capital.rows if r.key == key)),
                        "claim_begin": float(prev_claims.get(key, ZERO)),
                        "claim_end": float(claim),
                        "contributions": float(flows[key][0]),
                        "distributions": float(flows[key][1]),
                        "earnings": float(earnings[key]),
                    }
                )
            prev_claims = liquidation.claims
            period_start = date.fromordinal(q_end.toordinal() + 1)
        self.env["ev.spv.hlbv"].create(vals)

    # ------------------------------------------------------------------------------------------
    # Form 1065
    # ------------------------------------------------------------------------------------------
    def _ev_ledger_balances(self, domain):
        spv = self.spv_id
        rows = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [("company_id", "=", spv.company_id.id), ("parent_state", "=", "posted")] + domain,
                ["account_id"],
                ["balance:sum"],
            )
        )
        return {account: cents(to_decimal(balance)) for account, balance in rows if balance}

    def _ev_check_mapping(self, mapping, ambiguous, balances):
        company = self.spv_id.company_id
        balances = {a.with_company(company): b for a, b in balances.items()}
        mapping = {a.with_company(company): line for a, line in mapping.items()}
        ambiguous = ambiguous.with_company(company)
        problems = [
            _("%(account)s (balance %(balance)s): no Form 1065 line", account=a.display_name, balance=b)
            for a, b in balances.items()
            if a not in mapping and a not in ambiguous
        ]
        problems += [
            _(
                "%(account)s: more than one Form 1065 line (%(tags)s)",
                account=a.display_name,
                tags=", ".join(a.tag_ids.mapped("name")),
            )
            for a in ambiguous
            if a in balances
        ]
        if problems:
            raise UserError(
                _(
                    "The return of %(year)s cannot be computed: map these accounts to one Form 1065 line each "
                    "(account tags, or SPV > Apply default 1065 mapping):\n%(list)s",
                    year=self.display_name,
                    list="\n".join(sorted(problems)),
                )
            )

    def _ev_ledger_year(self, figures):
        """The SPV's ledger of the year, read through the accounts' Form 1065 lines."""
        spv = self.spv_id
        start, end = self.date_from, self.date_to
        mapping, ambiguous = spv._ev_account_lines()
        year = self._ev_ledger_balances([("date", ">=", start), ("date", "<=", end)])
        at_end = self._ev_ledger_balances([("date", "<=", end)])
        at_begin = self._ev_ledger_balances([("date", "<", start)])
        self._ev_check_mapping(mapping, ambiguous, {**at_begin, **at_end, **year})
        page1, k_items = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
        for account, balance in year.items():
            line = mapping[account]
            if line.schedule == "page1":
                page1[line.line] += line._ev_amount(balance)
            elif line.schedule == "k":
                k_items[line.line] += line._ev_amount(balance)

        def balance_sheet(balances):
            lines = defaultdict(lambda: ZERO)
            for account, balance in balances.items():
                line = mapping[account]
                if account.account_type in PL_TYPES:
                    lines["21"] += -balance  # earnings to date are partners' capital
                elif line.schedule == "l":
                    lines[line.line] += line._ev_amount(balance)
            return dict(lines)

        book_income = -sum((b for a, b in year.items() if a.account_type in PL_TYPES), ZERO)
        book_dep = sum((b for a, b in year.items() if mapping[a].code == "P16a"), ZERO)
        return ev_tax_1065.LedgerYear(
            start=start,
            end=end,
            page1=dict(page1),
            k_items=dict(k_items),
            balance_begin=balance_sheet(at_begin),
            balance_end=balance_sheet(at_end),
            book_income=book_income,
            book_depreciation=book_dep,
            tax_depreciation=figures["tax_depreciation"],
            credits=figures["credits"],
            contributions_cash=-year.get(spv.capital_account_id, ZERO),
            distributions_cash=year.get(spv.distribution_account_id, ZERO),
        )

    def _ev_schedule_b(self, tax_return):
        """Schedule B answers the data knows, and Schedule B-1 (partners owning 50 % or more)."""
        spv = self.spv_id
        end_shares = spv._ev_shares_on(self.date_to, "income")
        capital = {row.member_id.id: row.book_end for row in self.capital_ids}
        total_capital = sum(max(v, 0.0) for v in capital.values())
        b1 = []
        for member in spv.partner_ids:
            profit = float(end_shares.get(member.id, 0))
            cap_pct = max(capital.get(member.id, 0.0), 0.0) * 100 / total_capital if total_capital else 0.0
            if max(profit, cap_pct) >= 50:
                b1.append(
                    {
                        "name": member.partner_id.name,
                        "entity": dict(member._fields["entity_type"].selection).get(member.entity_type),
                        "foreign": member.is_foreign,
                        "percent": f"{max(profit, cap_pct):.2f}",
                        "individual": member.entity_type == "individual",
                    }
                )
        receipts = tax_return.page1["1a"] + tax_return.page1["4"] + tax_return.page1["5"] + tax_return.page1["6"]
        receipts += max(tax_return.page1["7"], ZERO) + sum(
            (max(tax_return.k.get(x, ZERO), ZERO) for x in ("5", "6a", "7", "11")), ZERO
        )
        small = receipts < 250000 and tax_return.l_end["14"] < 1000000
        return {
            "entity_type": _("Domestic limited liability company"),
            "partners": len(spv.partner_ids),
            "b1": b1,
            "question_2": bool(b1),
            "question_4": small,
            "foreign_partners": any(spv.partner_ids.mapped("is_foreign")),
            "k2_k3_domestic_exception": not any(spv.partner_ids.mapped("is_foreign")),
        }

    def action_compute_return(self):
        """Compute Form 1065 of the year from the posted entries (capital accounts first)."""
        self.spv_id._ev_check_group(TAX_USER)
        for record in self.sudo():
            record._ev_compute_return()
        return True

    def _ev_compute_return(self):
        self.ensure_one()
        if self.state == "locked":
            raise UserError(_("The return of %s is locked.", self.display_name))
        self._ev_compute()
        figures = self.spv_id._ev_tax_figures(self.year)
        try:
            tax_return = ev_tax_1065.build_return(self._ev_ledger_year(figures))
        except ev_tax_1065.ReturnError as exc:
            raise UserError(_("%(year)s: %(error)s", year=self.display_name, error=exc)) from exc
        data = {
            "page1": _json(tax_return.page1),
            "k": _json(tax_return.k),
            "analysis_line1": _json(tax_return.analysis_line1),
            "l_begin": _json(tax_return.l_begin),
            "l_end": _json(tax_return.l_end),
            "m1": _json(tax_return.m1),
            "m2": _json(tax_return.m2),
            "checks": [
                {"name": c.name, "left": str(c.left), "right": str(c.right), "passed": c.passed}
                for c in tax_return.checks
            ],
            "schedule_b": _json(self._ev_schedule_b(tax_return)),
            "form_4562": self.form_4562,
        }
        self.write(
            {"return_data": data, "return_computed_at": fields.Datetime.now(), "checks_passed": tax_return.passed}
        )
        return tax_return

    def _ev_stored_return(self):
        """The stored return as an ev_tax_1065.Return (Decimals), its checks run again."""
        self.ensure_one()
        data = self.return_data
        if not data:
            raise UserError(_("Compute the return of %s first.", self.display_name))

        def dec(values):
            return {k: to_decimal(v) for k, v in values.items()}

        parts = [dec(data["page1"]), dec(data["k"]), to_decimal(data["analysis_line1"]), dec(data["l_begin"])]
        parts += [dec(data["l_end"]), dec(data["m1"]), dec(data["m2"])]
        checks = ev_tax_1065.run_checks(*parts)
        return ev_tax_1065.Return(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], checks)

    def action_lock(self):
        """Lock the return: recompute it, require every check to pass, and lock the year in the SPV's books."""
        self.spv_id._ev_check_group(TAX_MANAGER)
        for record in self.sudo().sorted("year"):
            record._ev_lock()
        return True

    def _ev_lock(self):
        self.ensure_one()
        tax_return = self._ev_compute_return()
        failed = self._ev_stored_return().failed or tax_return.failed
        if failed:
            raise UserError(
                _(
                    "The return of %(year)s does not pass its checks, it cannot be locked:\n%(list)s",
                    year=self.display_name,
                    list="\n".join(f"{c.name}: {c.left} <> {c.right}" for c in failed),
                )
            )
        company = self.spv_id.company_id
        if not company.fiscalyear_lock_date or company.fiscalyear_lock_date < self.date_to:
            try:
                with self.env.cr.savepoint():
                    company.write({"fiscalyear_lock_date": self.date_to})
            except ValidationError as exc:
                raise UserError(
                    _(
                        "The books of %(spv)s cannot be locked at %(date)s: %(error)s",
                        spv=self.spv_id.name,
                        date=self.date_to,
                        error=exc.args[0],
                    )
                ) from exc
        self.write({"state": "locked", "locked_by": self.env.uid, "locked_at": fields.Datetime.now()})
        self.message_post(body=_("Return locked; the books refuse entries dated up to %s.", self.date_to))

    def action_unlock(self, reason=None):
        """Reopen a locked year (to correct it and amend its K-1s): the lock date goes back a year."""
        self.spv_id._ev_check_group(TAX_MANAGER)
        if not reason:
            raise UserError(_("Give the reason for reopening the return (it is kept in the chatter)."))
        for record in self.sudo():
            later = record.spv_id.tax_year_ids.filtered(lambda y, r=record: y.year > r.year and y.state == "locked")
            if later:
                raise UserError(_("Reopen %s first: later years are locked.", ", ".join(later.mapped("display_name"))))
            previous = record.spv_id.tax_year_ids.filtered(lambda y, r=record: y.year < r.year and y.state == "locked")
            record.spv_id.company_id.write({"fiscalyear_lock_date": max(previous.mapped("date_to"), default=False)})
            record.write({"state": "open"})
            record.message_post(body=_("Return reopened: %s", reason))
        return True

    # ------------------------------------------------------------------------------------------
    # Schedules K-1
    # ------------------------------------------------------------------------------------------
    def _ev_k1_set(self):
        """ev_tax_1065.K1Set of the locked return: Schedule K split between the partners."""
        self.ensure_one()
        if self.state != "locked":
            raise UserError(_("K-1s are generated from the locked return: lock %s first.", self.display_name))
        tax_return = self._ev_stored_return()
        spv = self.spv_id
        figures = spv._ev_tax_figures(self.year)
        rows = {
            line.member_id.id: ev_tax_capital.CapitalRow(
                line.member_id.id,
                *(
                    cents(to_decimal(line[name]))
                    for name in (
                        "book_begin",
                        "contributions",
                        "book_income",
                        "distributions",
                        "book_end",
                        "tax_begin",
                        "tax_contributions",
                        "tax_income",
                        "credit_basis",
                        "tax_end",
                        "credits",
                        "deficit",
                    )
                ),
            )
            for line in self.capital_ids
        }
        own = {key: {"19a": row.distributions} for key, row in rows.items()}
        try:
            return ev_tax_1065.k1s(
                tax_return,
                spv._ev_terms(),
                self.date_from,
                self.date_to,
                self.flip_date or None,
                figures["credits"],
                own,
                rows,
            )
        except ev_tax_1065.ReturnError as exc:
            raise UserError(_("%(year)s: %(error)s", year=self.display_name, error=exc)) from exc

    def _ev_members_without_k1(self):
        self.ensure_one()
        done = self.k1_ids.filtered(lambda k: k.state != "superseded").member_id
        return self.spv_id.partner_ids.sorted("id") - done

    def _ev_generate_k1s(self, members=None):
        """Create the draft K-1s of ``members`` (default: every partner without one) and refresh the
        drafts; released K-1s are changed only by amendment. Returns the K-1s written."""
        self.ensure_one()
        k1set = self._ev_k1_set()
        by_key = {p.key: p for p in k1set.partners}
        K1 = self.env["ev.spv.k1"].sudo()
        members = self._ev_members_without_k1() if members is None else members
        drafts = self.k1_ids.filtered(lambda k: k.state == "draft")
        for draft in drafts:
            draft.write(K1._ev_vals(self, draft.member_id, by_key[draft.member_id.id]))
        created = K1.create(
            [
                {"tax_year_id": self.id, "member_id": member.id, **K1._ev_vals(self, member, by_key[member.id])}
                for member in members
                if member not in drafts.member_id
            ]
        )
        notes = [
            _(
                "Schedule K line %(line)s: rounding difference of %(amount)s given to %(partner)s (largest share).",
                line=line,
                amount=amount,
                partner=self.env["ev.spv.partner"].browse(key).partner_id.name,
            )
            for line, amount, key in k1set.residuals
        ]
        self.k1_rounding_note = "\n".join(notes) or False
        return drafts | created

    def action_generate_k1s(self):
        """Generate the K-1s of the locked year as a batched job (progress on the run)."""
        self.ensure_one()
        run = self.env["ev.spv.k1.run"]._ev_start(self)
        return {"type": "ir.actions.act_window", "res_model": "ev.spv.k1.run", "res_id": run.id, "view_mode": "form"}

    def action_view_k1s(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("K-1s %s", self.display_name),
            "res_model": "ev.spv.k1",
            "view_mode": "list,form",
            "domain": [("tax_year_id", "=", self.id)],
        }
