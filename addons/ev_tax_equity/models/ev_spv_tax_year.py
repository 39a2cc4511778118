"""One tax year of an SPV: its book and tax figures, the partners' capital accounts, Form 4562 and HLBV."""

from collections import defaultdict
from datetime import date

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_tax_capital, ev_tax_hlbv, ev_tax_macrs
from ..lib.ev_tax_money import ZERO, cents, to_decimal
from .ev_spv import TAX_USER


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

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="spv_id.currency_id")
    year = fields.Integer(required=True, help="Calendar year in which the tax year ends.")
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True)
    state = fields.Selection([("open", "Open"), ("locked", "Locked")], default="open", required=True, tracking=True)
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
