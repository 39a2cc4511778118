"""Driver portal: /my/ev/sessions (list) and /my/ev/sessions/<id> (itemised bill), on Odoo's portal."""

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..lib.ev_site_margin import format_local


class EvCustomerPortal(CustomerPortal):
    def _ev_session_domain(self):
        """The portal user's own sessions (those of their customer's id tokens). Record rules restrict
        portal users anyway; the explicit domain keeps /my personal for internal users too."""
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "child_of", [partner.id])]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ev_session_count" in counters:
            Session = request.env["ev.session"]
            values["ev_session_count"] = (
                Session.search_count(self._ev_session_domain()) if Session.has_access("read") else 0
            )
        return values

    @staticmethod
    def _ev_local(session, field="start_time"):
        return format_local(session[field], session.site_id.tz)

    @http.route(
        ["/my/ev/sessions", "/my/ev/sessions/page/<int:page>"], type="http", auth="user", website=True, sitemap=False
    )
    def portal_my_ev_sessions(self, page=1, **kwargs):
        Session = request.env["ev.session"]
        if not Session.has_access("read"):
            return request.redirect("/my")
        domain = self._ev_session_domain()
        pager = portal_pager(
            url="/my/ev/sessions", total=Session.search_count(domain), page=page, step=self._items_per_page
        )
        sessions = Session.search(
            domain, order="start_time desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        wallet = request.env["ev.wallet"].search(
            [("partner_id", "=", request.env.user.partner_id.commercial_partner_id.id)], limit=1
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_sessions",
                "pager": pager,
                # read with the user's rights above; rendered in sudo (charger and site names)
                "sessions": sessions.sudo(),
                "wallet": wallet.sudo(),
                "ev_local": self._ev_local,
                "default_url": "/my/ev/sessions",
            }
        )
        return request.render("ev_billing.portal_my_ev_sessions", values)

    @http.route("/my/ev/sessions/<int:session_id>", type="http", auth="user", website=True, sitemap=False)
    def portal_my_ev_session(self, session_id, **kwargs):
        try:
            session_sudo = self._document_check_access("ev.session", session_id)
        except MissingError as exc:
            raise NotFound() from exc
        except AccessError as exc:
            raise Forbidden() from exc
        invoice_url = False
        invoice = session_sudo.invoice_id
        if invoice and invoice.state == "posted":
            try:
                self._document_check_access("account.move", invoice.id)
                invoice_url = invoice.get_portal_url()
            except (AccessError, MissingError):
                invoice_url = False
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_session",
                "session": session_sudo,
                "cost_lines": session_sudo.cost_line_ids.filtered(lambda ln: ln.kind != "tax"),
                "tax_lines": session_sudo.cost_line_ids.filtered(lambda ln: ln.kind == "tax"),
                "invoice_url": invoice_url,
                "ev_local": self._ev_local,
            }
        )
        return request.render("ev_billing.portal_my_ev_session", values)
