"""The invitation link: /ev/invitation/<token>.

Each state of the link has its own page and none shows data: unknown (never issued, or replaced by a re-send),
expired, revoked, already used, and, for a valid link, a sign-up form (the invitee has no login yet), a log-in
prompt (it has one and is not logged in), a refusal (someone else is logged in) or an *Accept* button (the
invitee is logged in). Signing up or accepting grants the accesses and leads to /my/ev/investments.
"""

from urllib.parse import urlencode

from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class EvInvitationController(CustomerPortal):
    def _ev_invitation_page(self, token, status=200, **values):
        invitation, link = request.env["ev.portal.invitation"]._ev_from_token(token)
        if link != "valid" and invitation and request.httprequest.method == "GET" and not values.get("quiet"):
            invitation._ev_log_refused(link)
        user = request.env.user
        logged_in = not user._is_public()
        contact = invitation.partner_id
        has_login = bool(contact and contact.sudo().with_context(active_test=False).user_ids)
        values.update(
            {
                "token": token,
                "link": link,
                "invitation": invitation,
                "contact": contact,
                "has_login": has_login,
                "logged_in": logged_in,
                "is_invitee": logged_in and user.partner_id == contact,
                "login_url": "/web/login?" + urlencode({"redirect": f"/ev/invitation/{token}"}),
                "spv_names": ", ".join(invitation.spv_ids.mapped("name")) if link == "valid" else "",
            }
        )
        return request.render("ev_portal.ev_invitation_page", values, status=status if link == "valid" else 410)

    @http.route("/ev/invitation/<string:token>", type="http", auth="public", website=True, sitemap=False)
    def ev_invitation(self, token, **kwargs):
        return self._ev_invitation_page(token)

    @http.route(
        "/ev/invitation/<string:token>/signup",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def ev_invitation_signup(self, token, password=None, confirm_password=None, **kwargs):
        invitation, link = request.env["ev.portal.invitation"]._ev_from_token(token)
        if link != "valid":
            if invitation:
                invitation._ev_log_refused(link)
            return self._ev_invitation_page(token, quiet=True)
        try:
            login = invitation._ev_signup(password, confirm_password)
        except (UserError, AccessError) as exc:
            return self._ev_invitation_page(token, error=exc.args[0], quiet=True)
        request.env.cr.commit()  # authenticate() uses its own cursor: the new login must be committed
        request.session.authenticate(request.db, {"login": login, "password": password, "type": "password"})
        return request.redirect("/my/ev/investments?welcome=1")

    @http.route(
        "/ev/invitation/<string:token>/accept",
        type="http",
        auth="user",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def ev_invitation_accept(self, token, **kwargs):
        invitation, link = request.env["ev.portal.invitation"]._ev_from_token(token)
        if link != "valid":
            if invitation:
                invitation._ev_log_refused(link)
            return self._ev_invitation_page(token, quiet=True)
        try:
            invitation._ev_accept(request.env.user)
        except (UserError, AccessError) as exc:
            return self._ev_invitation_page(token, error=exc.args[0], quiet=True)
        return request.redirect("/my/ev/investments?welcome=1")

    @http.route("/ev/invitation", type="http", auth="public", website=True, sitemap=False)
    def ev_invitation_missing(self, **kwargs):
        return self._ev_invitation_page("", error=_("The link is incomplete: open the full link of your email."))
