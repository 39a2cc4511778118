"""Invitation of a partner's contact to the investor portal of one or more SPVs.

* A tax manager invites a contact (with an email) of a partner of each SPV. *Send* emails a single-use link
  ``/ev/invitation/<token>`` valid until ``valid_until`` (inclusive, UTC date). Only a SHA-256 hash of the
  token is stored; the token itself is only in the email.
* Opening the link: an unknown token (never issued, or replaced by a re-send), an expired, revoked or already
  used link each get a page saying so, never data (``_ev_link_status``). A valid link lets the invitee create
  its portal login (auth_signup's ``res.users.signup`` from the portal template user, linked to the invited
  contact) or, when the contact already has a login, log in and accept.
* Accepting grants one ``ev.portal.access`` per SPV, ending on ``access_end_date`` (optional), and uses the
  link up. *Revoke* kills the link and ends the accesses; *Re-send* issues a new link (the old one stops
  working) for an invitation that is not accepted, or was revoked.
* Every event (sent, re-sent, accepted, revoked, a refused link) is posted on each SPV's chatter.
"""

import hashlib
import secrets

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

TAX_MANAGER = "ev_tax_equity.group_ev_tax_manager"
MIN_PASSWORD = 8
STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("revoked", "Revoked"),
]


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class EvPortalInvitation(models.Model):
    _name = "ev.portal.invitation"
    _description = "Investor portal invitation"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Invitee",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        help="The contact who receives the link (a person of the partner, or the partner itself).",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True, string="Partner"
    )
    email = fields.Char(related="partner_id.email", readonly=False)
    spv_ids = fields.Many2many("ev.spv", string="SPVs", required=True, tracking=True)
    valid_until = fields.Date(
        "Link valid until",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.add(fields.Date.today(), days=14),
        help="Last day (UTC) the link can be used.",
    )
    access_end_date = fields.Date(
        "Access ends", tracking=True, help="Last day of the portal access granted; empty = until revoked."
    )
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, tracking=True, index=True)
    link_state = fields.Selection(
        [("none", "Not sent"), ("valid", "Valid"), ("expired", "Expired"), ("used", "Used"), ("revoked", "Revoked")],
        compute="_compute_link_state",
    )
    token_hash = fields.Char(readonly=True, copy=False, index=True, groups="base.group_system")
    sent_at = fields.Datetime(readonly=True, copy=False)
    sent_count = fields.Integer(readonly=True, copy=False)
    accepted_at = fields.Datetime(readonly=True, copy=False)
    user_id = fields.Many2one("res.users", string="Portal user", readonly=True, copy=False)
    access_ids = fields.One2many("ev.portal.access", "invitation_id", string="Accesses", readonly=True)

    @api.depends("partner_id.name")
    def _compute_name(self):
        for invitation in self:
            invitation.name = _("Invitation of %s", invitation.partner_id.name or "?")

    @api.depends("state", "valid_until")
    def _compute_link_state(self):
        today = fields.Date.today()
        for invitation in self:
            if invitation.state == "draft":
                invitation.link_state = "none"
            elif invitation.state == "accepted":
                invitation.link_state = "used"
            elif invitation.state == "revoked":
                invitation.link_state = "revoked"
            elif invitation.valid_until < today:
                invitation.link_state = "expired"
            else:
                invitation.link_state = "valid"

    @api.constrains("partner_id", "spv_ids")
    def _check_partner_of_spvs(self):
        for invitation in self:
            partner = invitation.partner_id.commercial_partner_id
            outside = invitation.spv_ids.sudo().filtered(lambda s, p=partner: p not in s.partner_ids.partner_id)
            if outside:
                raise ValidationError(
                    _(
                        "%(partner)s is not a partner of %(spvs)s: invite a contact of one of its partners, or add "
                        "the partner to the SPV first.",
                        partner=partner.display_name,
                        spvs=", ".join(outside.mapped("name")),
                    )
                )

    @api.constrains("valid_until", "access_end_date")
    def _check_dates(self):
        for invitation in self:
            if invitation.access_end_date and invitation.access_end_date < invitation.valid_until:
                raise ValidationError(
                    _(
                        "The access would end (%(end)s) before the link expires (%(until)s): choose a later access "
                        "end date or an earlier link expiry.",
                        end=invitation.access_end_date,
                        until=invitation.valid_until,
                    )
                )

    # ------------------------------------------------------------------------------------------
    # Rights and log
    # ------------------------------------------------------------------------------------------
    @api.model
    def _ev_check_manager(self):
        if not self.env.su and not self.env.user.has_group(TAX_MANAGER):
            raise AccessError(_("Only %s may manage investor portal invitations.", self.env.ref(TAX_MANAGER).name))

    def _ev_log(self, body):
        """Post ``body`` (Markup) on the chatter of each SPV of the invitation."""
        for invitation in self:
            for spv in invitation.sudo().spv_ids:
                spv.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _ev_who(self):
        self.ensure_one()
        return Markup("<b>%s</b> (%s, %s)") % (
            self.partner_id.name,
            self.commercial_partner_id.name,
            self.partner_id.email or _("no email"),
        )

    # ------------------------------------------------------------------------------------------
    # Send, re-send, revoke
    # ------------------------------------------------------------------------------------------
    def _ev_new_token(self):
        self.ensure_one()
        token = secrets.token_urlsafe(32)
        self.sudo().token_hash = _hash(token)
        return token

    def _ev_url(self, token):
        return f"{self.get_base_url()}/ev/invitation/{token}"

    def _ev_send(self):
        self.ensure_one()
        if not self.partner_id.email:
            raise UserError(_("%s has no email: enter the invitee's email first.", self.partner_id.display_name))
        if self.valid_until < fields.Date.today():
            raise UserError(
                _("The link would already be expired (valid until %s): choose a later date.", self.valid_until)
            )
        if self.access_end_date and self.access_end_date < fields.Date.today():
            raise UserError(_("The access end date %s is passed: choose a later date or none.", self.access_end_date))
        token = self._ev_new_token()
        url = self._ev_url(token)
        template = self.env.ref("ev_portal.mail_template_invitation")
        template.sudo().with_context(ev_invitation_url=url).send_mail(
            self.id, email_values={"recipient_ids": [Command.set(self.partner_id.ids)]}
        )
        first = not self.sent_count
        self.sudo().write(
            {"state": "sent", "sent_at": fields.Datetime.now(), "sent_count": self.sent_count + 1, "user_id": False}
        )
        self._ev_log(
            Markup(_("Investor portal: invitation %(action)s to %(who)s, link valid until %(until)s%(end)s."))
            % {
                "action": _("sent") if first else _("re-sent (the previous link no longer works)"),
                "who": self._ev_who(),
                "until": self.valid_until,
                "end": _(", access until %s", self.access_end_date) if self.access_end_date else "",
            }
        )
        return url

    def action_send(self):
        """Email the invitation link (a draft invitation)."""
        self._ev_check_manager()
        for invitation in self:
            if invitation.state != "draft":
                raise UserError(_("%s was already sent: use Re-send.", invitation.display_name))
            invitation._ev_send()
        return True

    def action_resend(self):
        """Email a new link (the previous one stops working): for an invitation not accepted, or revoked."""
        self._ev_check_manager()
        for invitation in self:
            if invitation.state == "accepted":
                raise UserError(
                    _(
                        "%(inv)s was accepted by %(user)s, who logs in at /my. To grant access again after a revoke, "
                        "revoke first; to change the SPVs, send a new invitation.",
                        inv=invitation.display_name,
                        user=invitation.user_id.login,
                    )
                )
            invitation._ev_send()
        return True

    def action_revoke(self):
        """Kill the link and end the accesses it granted."""
        self._ev_check_manager()
        for invitation in self:
            if invitation.state == "revoked":
                continue
            if invitation.state == "draft":
                raise UserError(_("%s was never sent: delete it instead.", invitation.display_name))
            invitation.sudo().write({"state": "revoked"})
            invitation.sudo().access_ids._ev_revoke(reason=_("invitation revoked"))
            invitation._ev_log(Markup(_("Investor portal: invitation of %s revoked.")) % invitation._ev_who())
        return True

    # ------------------------------------------------------------------------------------------
    # The link
    # ------------------------------------------------------------------------------------------
    @api.model
    def _ev_from_token(self, token):
        """(invitation, status) of a link token: status is unknown, expired, revoked, used or valid."""
        invitation = self.sudo().search([("token_hash", "=", _hash(token or ""))], limit=1) if token else None
        if not invitation:
            return self.browse(), "unknown"
        status = invitation.link_state
        return invitation, status if status in ("expired", "revoked", "used", "valid") else "unknown"

    def _ev_log_refused(self, status):
        """A link that cannot be used was opened: recorded on the SPVs' chatter."""
        labels = {"expired": _("an expired"), "revoked": _("a revoked"), "used": _("an already used")}
        self._ev_log(
            Markup(_("Investor portal: %(what)s invitation link of %(who)s was opened; no access given."))
            % {"what": labels.get(status, status), "who": self._ev_who()}
        )

    def _ev_check_valid(self):
        self.ensure_one()
        status = self.link_state
        if status != "valid":
            raise UserError(
                {
                    "expired": _("This invitation link expired on %s.", self.valid_until),
                    "revoked": _("This invitation was revoked."),
                    "used": _("This invitation link was already used."),
                }.get(status, _("This invitation link is not valid."))
            )

    def _ev_accept(self, user):
        """``user`` (the invited contact's login) accepts: one current access per SPV; the link is used up."""
        self.ensure_one()
        invitation = self.sudo()
        invitation._ev_check_valid()
        if user.partner_id != invitation.partner_id:
            raise AccessError(
                _(
                    "This invitation is for %(invitee)s; you are logged in as %(user)s. Log out and open the link "
                    "again.",
                    invitee=invitation.partner_id.name,
                    user=user.name,
                )
            )
        Access = self.env["ev.portal.access"].sudo()
        for spv in invitation.spv_ids:
            values = {
                "invitation_id": invitation.id,
                "date_start": fields.Datetime.now(),
                "date_end": invitation.access_end_date,
                "revoked_at": False,
                "revoked_by": False,
                "end_logged": False,
            }
            access = Access.search([("user_id", "=", user.id), ("spv_id", "=", spv.id)])
            if access:
                access.write(values)
            else:
                Access.create({"user_id": user.id, "spv_id": spv.id, **values})
        invitation.write({"state": "accepted", "accepted_at": fields.Datetime.now(), "user_id": user.id})
        invitation._ev_log(
            Markup(_("Investor portal: invitation accepted by %(who)s, login %(login)s%(end)s."))
            % {
                "who": invitation._ev_who(),
                "login": user.login,
                "end": _(", access until %s", invitation.access_end_date) if invitation.access_end_date else "",
            }
        )
        return True

    def _ev_signup(self, password, confirm):
        """Create the invited contact's portal login (auth_signup, portal template user; the login is the
        invitation's email), then accept. Returns the login."""
        self.ensure_one()
        invitation = self.sudo()
        invitation._ev_check_valid()
        contact = invitation.partner_id
        if contact.with_context(active_test=False).user_ids:
            raise UserError(_("%s already has a login: log in to accept the invitation.", contact.name))
        if not password or len(password) < MIN_PASSWORD:
            raise UserError(_("Choose a password of at least %s characters.", MIN_PASSWORD))
        if password != confirm:
            raise UserError(_("The two passwords differ: type the same password twice."))
        login = (contact.email or "").strip().lower()
        if not login:
            raise UserError(_("The invitation has no email: ask the sender to correct it."))
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        if Users.search_count([("login", "=", login)]):
            raise UserError(
                _("A login %s already exists for someone else: ask the sender to invite that login's contact.", login)
            )
        Users.with_context(no_reset_password=True).signup(
            {"login": login, "password": password, "partner_id": contact.id, "name": contact.name}
        )
        user = Users.search([("login", "=", login)])
        invitation._ev_accept(user)
        return login
