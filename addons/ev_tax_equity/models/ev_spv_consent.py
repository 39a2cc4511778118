"""A partner's consent to receive its Schedules K-1 electronically (Rev. Proc. 2012-17).

Paper is the default. A consent is given by a contact of the partner on the portal (after the
disclosures: scope and duration, paper copy on request, how to withdraw and from when, when electronic
delivery ends, how to update contact details, the hardware and software needed to open the PDF) and kept
as a record with who gave it and when; a withdrawal keeps the record and dates its end. A K-1 released
while the partner has an active consent is furnished by email and on the portal; otherwise it is marked
for paper delivery.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

#: version of the disclosure text shown when consenting (a change of format needs a new consent)
DISCLOSURE_VERSION = "2026-1"


class EvSpvConsent(models.Model):
    _name = "ev.spv.consent"
    _description = "Electronic K-1 consent"
    _order = "consent_date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, readonly=True, ondelete="cascade", help="The partner (legal entity)."
    )
    user_id = fields.Many2one("res.users", string="Given by", readonly=True)
    consent_date = fields.Datetime(readonly=True, required=True, default=fields.Datetime.now)
    disclosure_version = fields.Char(readonly=True, default=DISCLOSURE_VERSION)
    method = fields.Selection([("portal", "Portal"), ("paper", "Signed paper form")], default="portal", readonly=True)
    state = fields.Selection([("active", "Active"), ("withdrawn", "Withdrawn")], default="active", readonly=True)
    withdrawn_date = fields.Datetime(readonly=True)
    withdrawn_by = fields.Many2one("res.users", readonly=True)

    @api.model
    def _ev_active_for(self, partners):
        """{commercial partner: consent} of the active consents of ``partners``."""
        commercial = partners.commercial_partner_id
        consents = self.sudo().search([("partner_id", "in", commercial.ids), ("state", "=", "active")])
        return {c.partner_id: c for c in consents}

    @api.model
    def give_consent(self, disclosure_version=DISCLOSURE_VERSION):
        """The current user consents, for its partner, to electronic K-1s (portal or internal contact of a
        partner of an SPV)."""
        partner = self.env.user.partner_id.commercial_partner_id
        members = self.env["ev.spv.partner"].sudo().search([("partner_id", "=", partner.id)], limit=1)
        if not members:
            raise AccessError(_("Only the contacts of an SPV's partner can consent to electronic K-1s."))
        if disclosure_version != DISCLOSURE_VERSION:
            raise UserError(
                _("The disclosures changed: read them again and consent to version %s.", DISCLOSURE_VERSION)
            )
        existing = self._ev_active_for(partner).get(partner)
        if existing:
            return existing.id
        return self.sudo().create({"partner_id": partner.id, "user_id": self.env.uid, "method": "portal"}).id

    @api.model
    def withdraw_consent(self):
        """The current user withdraws its partner's consent: later K-1s go on paper."""
        partner = self.env.user.partner_id.commercial_partner_id
        consents = self.sudo().search([("partner_id", "=", partner.id), ("state", "=", "active")])
        if not consents:
            raise UserError(_("%s has no electronic consent to withdraw.", partner.name))
        consents.write({"state": "withdrawn", "withdrawn_date": fields.Datetime.now(), "withdrawn_by": self.env.uid})
        return True
