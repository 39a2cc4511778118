"""The SPV's investor portal: who may read it (accesses, invitations) and the figures its pages show.

The portal pages browse the SPV as the portal user: the record rules decide whether it is readable. The ledger,
assets and sessions behind the statements, schedules and charts are not readable record by record by an
investor (only the SPV's own aggregates are shown), so ``_ev_portal_*`` first check that the current user can
read the SPV (``check_access``: the same record rules) and only then aggregate in sudo. They are private: not
callable over RPC.
"""

from collections import defaultdict
from datetime import date

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.ev_tax_equity.lib import ev_tax_macrs, ev_tax_xirr
from odoo.addons.ev_tax_equity.lib.ev_tax_money import to_decimal

from ..lib import ev_portal_analytics, ev_portal_statements


class EvSpv(models.Model):
    _inherit = "ev.spv"

    ev_portal_access_ids = fields.One2many("ev.portal.access", "spv_id", string="Portal accesses")
    ev_portal_invitation_ids = fields.Many2many(
        "ev.portal.invitation", compute="_compute_ev_portal_invitations", string="Portal invitations"
    )
    ev_portal_show_draft_k1 = fields.Boolean(
        "Show draft K-1s on the portal",
        tracking=True,
        help="Invited investors also see their draft K-1s, marked and watermarked 'draft — not final'. "
        "Released and filed K-1s are always shown.",
    )

    def _compute_ev_portal_invitations(self):
        invitations = self.env["ev.portal.invitation"].search([("spv_ids", "in", self.ids)])
        for spv in self:
            spv.ev_portal_invitation_ids = invitations.filtered(lambda i, spv=spv: spv in i.spv_ids)

    def action_ev_portal_invite(self):
        self.env["ev.portal.invitation"]._ev_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Invite an investor"),
            "res_model": "ev.portal.invitation",
            "view_mode": "form",
            "target": "current",
            "context": {"default_spv_ids": self.ids},
        }

    # ------------------------------------------------------------------------------------------
    # Access check and log
    # ------------------------------------------------------------------------------------------
    def _ev_portal_sudo(self):
        """The SPV in sudo, once the current user is known to read it (record rules)."""
        self.ensure_one()
        self.check_access("read")
        return self.sudo()

    def _ev_portal_log(self, body):
        """A portal event on the SPV's chatter (after the access check)."""
        self._ev_portal_sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _ev_portal_log_download(self, document):
        user = self.env.user
        self._ev_portal_log(
            Markup(_("Investor portal: %(doc)s downloaded by <b>%(user)s</b> (%(partner)s)."))
            % {"doc": document, "user": user.name, "partner": user.partner_id.commercial_partner_id.name}
        )

    # ------------------------------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------------------------------
    def _ev_portal_balances(self, domain):
        spv = self._ev_portal_sudo()
        rows = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [("company_id", "=", spv.company_id.id), ("parent_state", "=", "posted"), *domain],
                ["account_id"],
                ["balance:sum"],
            )
        )
        return [
            ev_portal_statements.AccountBalance(
                account.with_company(spv.company_id).code or "",
                account.with_company(spv.company_id).name,
                account.account_type,
                to_decimal(balance),
            )
            for account, balance in rows
        ]

    def _ev_portal_statements(self, date_from, date_to):
        """(balance sheet at ``date_to``, profit and loss of the period) from the posted entries."""
        try:
            ev_portal_statements.check_period(date_from, date_to)
            sheet = ev_portal_statements.balance_sheet(
                self._ev_portal_balances([("date", "<=", date_to)]), date_to, _("Earnings to date")
            )
            pl = ev_portal_statements.profit_and_loss(
                self._ev_portal_balances([("date", ">=", date_from), ("date", "<=", date_to)]), date_from, date_to
            )
        except ev_portal_statements.StatementError as exc:
            raise UserError(str(exc)) from exc
        return sheet, pl

    # ------------------------------------------------------------------------------------------
    # Depreciation schedules
    # ------------------------------------------------------------------------------------------
    def _ev_portal_depreciation(self):
        """{"book": [...], "tax": [...], "years": [...]} of the SPV's assets in service.

        Book: the OCA asset's depreciation board summed by calendar year (posted or planned). Tax: the MACRS
        schedule (bonus + table) of each asset by tax year, as the tax years use it."""
        spv = self._ev_portal_sudo()
        end_month = int(spv.tax_year_end_month)
        assets = (
            self.env["account.asset"]
            .sudo()
            .search([("company_id", "=", spv.company_id.id), ("state", "!=", "draft")], order="date_start, id")
        )
        book, tax = [], []
        book_years, tax_years = defaultdict(float), defaultdict(float)
        for asset in assets:
            by_year = defaultdict(lambda: [0.0, True])
            for line in asset.depreciation_line_ids.filtered(lambda ln: ln.type == "depreciate"):
                entry = by_year[line.line_date.year]
                entry[0] += line.amount
                entry[1] = entry[1] and line.move_check
            rows = [(year, amount, posted) for year, (amount, posted) in sorted(by_year.items())]
            for year, amount, _posted in rows:
                book_years[year] += amount
            book.append({"asset": asset, "rows": rows})
        tax_assets = spv._ev_tax_assets()
        conventions = ev_tax_macrs.conventions_by_year(tax_assets, end_month)
        by_id = {a.id: a for a in assets}
        for tax_asset in tax_assets:
            sched = ev_tax_macrs.asset_schedule(tax_asset, conventions, end_month)
            first = ev_tax_macrs.tax_year_of(tax_asset.placed_in_service, end_month)
            rows = [
                (first + row.year - 1, row.percent, row.bonus, row.macrs, row.total, row.remaining)
                for row in sched.years
            ]
            for year, _pct, _bonus, _macrs, total, _rem in rows:
                tax_years[year] += float(total)
            tax.append({"asset": by_id.get(tax_asset.key), "schedule": sched, "rows": rows})
        years = sorted(set(book_years) | set(tax_years))
        return {
            "book": book,
            "tax": tax,
            "years": [(y, book_years.get(y, 0.0), tax_years.get(y, 0.0)) for y in years],
        }

    # ------------------------------------------------------------------------------------------
    # Analytics
    # ------------------------------------------------------------------------------------------
    def _ev_portal_analytics(self, today=None):
        """Chart data (JSON-able) of the SPV's sites per month since its formation: energy, sessions, revenue
        (pre-tax cost of the priced sessions), uptime; the tax-equity investors' IRR to date vs the target."""
        spv = self._ev_portal_sudo()
        today = today or fields.Date.context_today(self)
        keys = ev_portal_analytics.months(max(spv.formation_date, fields.Date.subtract(today, years=3)), today)
        energy, sessions, revenue = defaultdict(float), defaultdict(int), defaultdict(float)
        Session = self.env["ev.session"].sudo()
        sites = self.env["ev.site"].sudo().search([("company_id", "=", spv.company_id.id)])
        for site in sites:
            rows = Session.with_context(tz=site.tz or "UTC")._read_group(
                [("site_id", "=", site.id), ("start_time", "!=", False)],
                ["start_time:month"],
                ["__count", "energy_kwh:sum", "cost_subtotal:sum"],
            )
            for month, count, kwh, subtotal in rows:
                key = (month.year, month.month)
                sessions[key] += count
                energy[key] += kwh or 0.0
                revenue[key] += subtotal or 0.0
        # the operational availability of ev_charging (monthly per charger, the current month live)
        by_month = self.env["ev.uptime.monthly"]._sites_availability(sites, [date(y, m, 1) for y, m in keys])
        uptime = [by_month[date(y, m, 1)] for y, m in keys]
        irr, flip_label = [None] * len(keys), ""
        investors = spv.partner_ids.filtered(lambda m: m.role == "investor")
        if investors:
            flows = spv._ev_investor_flows(investors, spv._ev_flip_date(), today)
            irr = ev_portal_analytics.irr_to_date(
                [(f.day, f.amount) for f in flows], keys, ev_tax_xirr.xirr, (ev_tax_xirr.NoIrrError,)
            )
        if spv.flip_date:
            flip_label = _("Flipped on %s", spv.flip_date)
        elif spv.expected_flip_year:
            flip_label = _("Before the flip (expected in %s)", spv.expected_flip_year)
        else:
            flip_label = _("Before the flip")
        return {
            "labels": [ev_portal_analytics.month_label(k) for k in keys],
            "energy_kwh": [round(v, 3) for v in ev_portal_analytics.fill(keys, energy)],
            "sessions": ev_portal_analytics.fill(keys, sessions),
            "revenue": [round(v, 2) for v in ev_portal_analytics.fill(keys, revenue)],
            "uptime": uptime,
            "has_uptime": any(v is not None for v in uptime),
            "irr": irr,
            "target_irr": spv.target_irr,
            "irr_to_date": spv.investor_irr,
            "flip_state": spv.flip_state,
            "flip_label": flip_label,
            "currency": spv.currency_id.name,
            "totals": {
                "energy_kwh": round(sum(energy.values()), 1),
                "sessions": sum(sessions.values()),
                "revenue": round(sum(revenue.values()), 2),
            },
        }
