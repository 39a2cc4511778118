"""Investor portal pages (/my/ev/...), on Odoo's CustomerPortal conventions.

Every record is read as the portal user: the record rules of ev_tax_equity and ev_portal decide what an
investor sees (its invited SPVs, its own partner's K-1s, capital accounts and distributions). A record the user
cannot read gets a page that says why (access ended or revoked, or not shared), never data. Figures aggregated
from the SPV's ledger, assets and sessions come from ``ev.spv._ev_portal_*``, which check the same access first.
Downloads are logged on the SPV's chatter (sudo, after the access check).
"""

import json
import re
from datetime import date

from markupsafe import Markup

from odoo import _, fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import content_disposition, request
from odoo.tools import consteq
from odoo.tools.misc import hmac as odoo_hmac
from odoo.tools.translate import LazyTranslate

from odoo.addons.ev_tax_equity.models.ev_spv_consent import DISCLOSURE_VERSION
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..lib import ev_portal_statements

_lt = LazyTranslate(__name__)

SPV_TABS = [
    ("overview", _lt("Overview")),
    ("k1s", _lt("K-1s")),
    ("statements", _lt("Balance sheet & P&L")),
    ("depreciation", _lt("Depreciation")),
    ("distributions", _lt("Distributions")),
    ("capital", _lt("Capital accounts")),
    ("analytics", _lt("Analytics")),
]
PERIODS = {
    "year": _lt("This tax year"),
    "last_year": _lt("Last tax year"),
    "quarter": _lt("This quarter"),
    "last_quarter": _lt("Last quarter"),
    "month": _lt("This month"),
    "last_month": _lt("Last month"),
    "custom": _lt("Custom"),
}


def consent_code(env, user, version=DISCLOSURE_VERSION):
    """The code printed in the user's sample PDF: typing it back shows the PDF could be opened."""
    return odoo_hmac(env(su=True), "ev_portal-consent", f"{user.id}:{version}")[:6].upper()


class EvInvestorPortal(CustomerPortal):
    # ------------------------------------------------------------------------------------------
    # /my counters
    # ------------------------------------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        env = request.env
        if "ev_spv_count" in counters:
            values["ev_spv_count"] = env["ev.spv"].search_count([]) if env["ev.spv"].has_access("read") else 0
        if "ev_k1_count" in counters:
            values["ev_k1_count"] = (
                env["ev.spv.k1"].search_count(self._ev_k1_domain()) if env["ev.spv.k1"].has_access("read") else 0
            )
        return values

    @staticmethod
    def _ev_k1_domain():
        """Own partner's K-1s (record rules restrict portal users anyway; this keeps /my personal for
        internal users too)."""
        return [("partner_id", "=", request.env.user.partner_id.commercial_partner_id.id)]

    # ------------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------------
    def _ev_denied(self, spv_id=None, status=403):
        """The page of a record the user cannot read: why, if it is an ended or revoked access; never data."""
        access = request.env["ev.portal.access"]
        if spv_id:
            access = access.search([("user_id", "=", request.env.uid), ("spv_id", "=", spv_id)], limit=1)
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "ev_denied", "access": access, "today": fields.Date.today()})
        return request.render("ev_portal.portal_ev_denied", values, status=status)

    def _ev_spv(self, spv_id):
        """The SPV read as the user, or None when the user cannot read it."""
        spv = request.env["ev.spv"].browse(spv_id)
        if not spv.exists():
            return None
        try:
            spv.check_access("read")
        except (AccessError, MissingError):
            return None
        return spv

    def _ev_spv_values(self, spv, tab, **extra):
        values = self._prepare_portal_layout_values()
        member = request.env["ev.spv.partner"].search([("spv_id", "=", spv.id)], limit=1)
        access = request.env["ev.portal.access"].search(
            [("user_id", "=", request.env.uid), ("spv_id", "=", spv.id)], limit=1
        )
        values.update(
            {
                "page_name": "ev_spv",
                "spv": spv,
                "member": member,
                "access": access,
                "tab": tab,
                "tabs": [(key, label) for key, label in SPV_TABS],
                **extra,
            }
        )
        return values

    @staticmethod
    def _ev_date(value, default):
        if not value:
            return default
        try:
            return fields.Date.to_date(value)
        except ValueError:
            return None

    # ------------------------------------------------------------------------------------------
    # Investments
    # ------------------------------------------------------------------------------------------
    @http.route(
        ["/my/ev/investments", "/my/ev/investments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        sitemap=False,
    )
    def portal_ev_investments(self, page=1, sortby=None, **kwargs):
        Spv = request.env["ev.spv"]
        if not Spv.has_access("read"):
            return request.redirect("/my")
        sortings = {
            "name": {"label": _("Name"), "order": "name"},
            "formation": {"label": _("Formation date"), "order": "formation_date desc, name"},
        }
        sortby = sortby if sortby in sortings else "name"
        total = Spv.search_count([])
        pager = portal_pager(
            url="/my/ev/investments", total=total, page=page, step=self._items_per_page, url_args={"sortby": sortby}
        )
        spvs = Spv.search([], order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_investments",
                "spvs": spvs,
                "pager": pager,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "default_url": "/my/ev/investments",
            }
        )
        return request.render("ev_portal.portal_ev_investments", values)

    @http.route("/my/ev/spv/<int:spv_id>", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_spv(self, spv_id, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        k1s = request.env["ev.spv.k1"].search([("spv_id", "=", spv.id), *self._ev_k1_domain()], limit=5)
        capital = request.env["ev.spv.capital"].search([("spv_id", "=", spv.id)], order="year desc", limit=1)
        return request.render(
            "ev_portal.portal_ev_spv_overview",
            self._ev_spv_values(spv, "overview", recent_k1s=k1s, capital=capital),
        )

    # ------------------------------------------------------------------------------------------
    # K-1s
    # ------------------------------------------------------------------------------------------
    def _ev_k1_page(self, url, domain, page, sortby, year, spv=None):
        K1 = request.env["ev.spv.k1"]
        sortings = {
            "year": {"label": _("Tax year (newest)"), "order": "year desc, spv_id, version desc"},
            "year_asc": {"label": _("Tax year (oldest)"), "order": "year, spv_id, version desc"},
            "status": {"label": _("Status"), "order": "state, year desc"},
        }
        sortby = sortby if sortby in sortings else "year"
        years = sorted({y for (y,) in K1._read_group(domain, ["year"])}, reverse=True)
        filters = {"all": {"label": _("All years"), "domain": []}}
        for y in years:
            filters[str(y)] = {"label": str(y), "domain": [("year", "=", y)]}
        filterby = year if year in filters else "all"
        full = domain + filters[filterby]["domain"]
        pager = portal_pager(
            url=url,
            total=K1.search_count(full),
            page=page,
            step=self._items_per_page,
            url_args={"sortby": sortby, "year": filterby},
        )
        k1s = K1.search(full, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"])
        by_year = {}
        for k1 in k1s:
            by_year.setdefault(k1.year, []).append(k1)
        return {
            "k1s": k1s,
            "k1_years": list(by_year.items()),
            "pager": pager,
            "searchbar_sortings": sortings,
            "sortby": sortby,
            "searchbar_filters": filters,
            "filterby": filterby,
            "default_url": url,
            "consent": request.env["ev.spv.consent"].search([("state", "=", "active")], limit=1),
        }

    @http.route(["/my/ev/k1s", "/my/ev/k1s/page/<int:page>"], type="http", auth="user", website=True, sitemap=False)
    def portal_ev_k1s(self, page=1, sortby=None, year=None, **kwargs):
        if not request.env["ev.spv.k1"].has_access("read"):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "ev_k1s"})
        values.update(self._ev_k1_page("/my/ev/k1s", self._ev_k1_domain(), page, sortby, year))
        return request.render("ev_portal.portal_ev_k1s", values)

    @http.route(
        ["/my/ev/spv/<int:spv_id>/k1s", "/my/ev/spv/<int:spv_id>/k1s/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        sitemap=False,
    )
    def portal_ev_spv_k1s(self, spv_id, page=1, sortby=None, year=None, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        url = f"/my/ev/spv/{spv.id}/k1s"
        values = self._ev_spv_values(spv, "k1s")
        values.update(
            self._ev_k1_page(url, [("spv_id", "=", spv.id), *self._ev_k1_domain()], page, sortby, year, spv=spv)
        )
        return request.render("ev_portal.portal_ev_spv_k1s", values)

    @http.route("/my/ev/k1/<int:k1_id>/pdf", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_k1_pdf(self, k1_id, **kwargs):
        k1 = request.env["ev.spv.k1"].browse(k1_id)
        try:
            pdf, filename, _furnishing = k1._ev_portal_download()
        except (AccessError, MissingError):
            spv_id = request.env["ev.spv.k1"].sudo().browse(k1_id).exists().spv_id.id
            return self._ev_denied(spv_id)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    # ------------------------------------------------------------------------------------------
    # Statements, depreciation, distributions, capital, analytics
    # ------------------------------------------------------------------------------------------
    @http.route("/my/ev/spv/<int:spv_id>/statements", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_spv_statements(self, spv_id, period="year", date_from=None, date_to=None, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        today = fields.Date.context_today(spv)
        error = None
        period = period if period in PERIODS else "year"
        if period == "custom":
            start = self._ev_date(date_from, date(today.year, 1, 1))
            end = self._ev_date(date_to, today)
            if not start or not end:
                error = _("Enter the dates as YYYY-MM-DD.")
        else:
            start, end = ev_portal_statements.preset_period(period, today, int(spv.tax_year_end_month))
        sheet = pl = None
        if not error:
            try:
                sheet, pl = spv._ev_portal_statements(start, end)
            except UserError as exc:
                error = exc.args[0]
        values = self._ev_spv_values(
            spv,
            "statements",
            periods=PERIODS,
            period=period,
            date_from=start,
            date_to=end,
            sheet=sheet,
            pl=pl,
            error=error,
            currency=spv.currency_id,
        )
        return request.render("ev_portal.portal_ev_spv_statements", values)

    @http.route("/my/ev/spv/<int:spv_id>/depreciation", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_spv_depreciation(self, spv_id, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        values = self._ev_spv_values(
            spv, "depreciation", schedules=spv._ev_portal_depreciation(), currency=spv.currency_id
        )
        return request.render("ev_portal.portal_ev_spv_depreciation", values)

    @http.route(
        ["/my/ev/spv/<int:spv_id>/distributions", "/my/ev/spv/<int:spv_id>/distributions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        sitemap=False,
    )
    def portal_ev_spv_distributions(self, spv_id, page=1, sortby=None, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        Line = request.env["ev.spv.distribution.line"]
        domain = [("spv_id", "=", spv.id), ("partner_id", "=", request.env.user.partner_id.commercial_partner_id.id)]
        sortings = {
            "date": {"label": _("Newest"), "order": "date desc, id desc"},
            "date_asc": {"label": _("Oldest"), "order": "date, id"},
            "amount": {"label": _("Amount"), "order": "amount desc, date desc"},
        }
        sortby = sortby if sortby in sortings else "date"
        url = f"/my/ev/spv/{spv.id}/distributions"
        pager = portal_pager(
            url=url, total=Line.search_count(domain), page=page, step=self._items_per_page, url_args={"sortby": sortby}
        )
        lines = Line.search(domain, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"])
        total = sum(Line.search(domain).mapped("amount"))
        values = self._ev_spv_values(
            spv,
            "distributions",
            lines=lines,
            pager=pager,
            total=total,
            searchbar_sortings=sortings,
            sortby=sortby,
            default_url=url,
            currency=spv.currency_id,
        )
        return request.render("ev_portal.portal_ev_spv_distributions", values)

    @http.route("/my/ev/spv/<int:spv_id>/capital", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_spv_capital(self, spv_id, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        domain = [("spv_id", "=", spv.id), ("partner_id", "=", request.env.user.partner_id.commercial_partner_id.id)]
        capitals = request.env["ev.spv.capital"].search(domain, order="year desc")
        values = self._ev_spv_values(spv, "capital", capitals=capitals, currency=spv.currency_id)
        return request.render("ev_portal.portal_ev_spv_capital", values)

    @http.route("/my/ev/capital/<int:capital_id>/pdf", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_capital_pdf(self, capital_id, **kwargs):
        capital = request.env["ev.spv.capital"].browse(capital_id)
        try:
            capital.check_access("read")
            spv = capital.spv_id
            spv.check_access("read")
        except (AccessError, MissingError):
            return self._ev_denied(request.env["ev.spv.capital"].sudo().browse(capital_id).exists().spv_id.id)
        pdf, _kind = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("ev_portal.action_report_capital_statement", capital.ids)
        )
        spv._ev_portal_log_download(_("Capital account statement %s", capital.year))
        name = re.sub(r"\W+", "_", f"Capital_statement_{capital.year}_{spv.name}")
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(f"{name}.pdf")),
            ],
        )

    @http.route("/my/ev/spv/<int:spv_id>/analytics", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_spv_analytics(self, spv_id, **kwargs):
        spv = self._ev_spv(spv_id)
        if not spv:
            return self._ev_denied(spv_id)
        data = spv._ev_portal_analytics()
        values = self._ev_spv_values(spv, "analytics", analytics=data, analytics_json=json.dumps(data))
        return request.render("ev_portal.portal_ev_spv_analytics", values)

    # ------------------------------------------------------------------------------------------
    # Electronic consent (Rev. Proc. 2012-17)
    # ------------------------------------------------------------------------------------------
    def _ev_consent_values(self, **extra):
        env = request.env
        values = self._prepare_portal_layout_values()
        partner = env.user.partner_id.commercial_partner_id
        values.update(
            {
                "page_name": "ev_consent",
                "partner": partner,
                "is_partner": bool(env["ev.spv.partner"].search_count([])),
                # read as the user (own partner's consents); shown in sudo for the names of who gave them
                "consent": env["ev.spv.consent"].search([("state", "=", "active")], limit=1).sudo(),
                "history": env["ev.spv.consent"].search([]).sudo(),
                "disclosure_version": DISCLOSURE_VERSION,
                **extra,
            }
        )
        return values

    @http.route("/my/ev/consent", type="http", auth="user", website=True, sitemap=False, methods=["GET"])
    def portal_ev_consent(self, **kwargs):
        return request.render("ev_portal.portal_ev_consent", self._ev_consent_values())

    @http.route("/my/ev/consent/sample.pdf", type="http", auth="user", website=True, sitemap=False)
    def portal_ev_consent_sample(self, **kwargs):
        user = request.env.user
        pdf, _kind = (
            request.env["ir.actions.report"]
            .sudo()
            .with_context(ev_consent_code=consent_code(request.env, user))
            ._render_qweb_pdf("ev_portal.action_report_consent_sample", user.ids)
        )
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition("K-1_electronic_delivery_test.pdf")),
            ],
        )

    @http.route("/my/ev/consent", type="http", auth="user", website=True, sitemap=False, methods=["POST"])
    def portal_ev_consent_post(self, action=None, code=None, read_disclosures=None, **kwargs):
        env = request.env
        error = message = None
        try:
            if action == "give":
                if not read_disclosures:
                    raise UserError(_("Tick the box to confirm you read the disclosures."))
                if not code or not consteq(code.strip().upper(), consent_code(env, env.user)):
                    raise UserError(
                        _(
                            "The code does not match the one in the test PDF: open the test PDF and type the code "
                            "it shows (this shows you can open the K-1 format)."
                        )
                    )
                consent_id = env["ev.spv.consent"].give_consent(DISCLOSURE_VERSION)
                consent = env["ev.spv.consent"].browse(consent_id)
                message = _("Thank you: from now on your K-1s are furnished electronically.")
                self._ev_log_consent(
                    Markup(
                        _(
                            "Investor portal: electronic K-1 consent given by <b>%(user)s</b> "
                            "(%(partner)s), disclosures %(version)s."
                        )
                    ),
                    consent,
                )
            elif action == "withdraw":
                consent = env["ev.spv.consent"].search([("state", "=", "active")], limit=1)
                env["ev.spv.consent"].withdraw_consent()
                message = _("Your consent is withdrawn: K-1s released from now on are mailed on paper.")
                self._ev_log_consent(
                    Markup(_("Investor portal: electronic K-1 consent withdrawn by <b>%(user)s</b> (%(partner)s).")),
                    consent,
                )
            else:
                raise UserError(_("Unknown action."))
        except (UserError, AccessError) as exc:
            error = exc.args[0]
        return request.render("ev_portal.portal_ev_consent", self._ev_consent_values(error=error, message=message))

    def _ev_log_consent(self, template, consent):
        user = request.env.user
        body = template % {
            "user": user.name,
            "partner": user.partner_id.commercial_partner_id.name,
            "version": consent.disclosure_version or DISCLOSURE_VERSION,
        }
        for spv in request.env["ev.spv"].search([]):
            spv._ev_portal_log(body)
