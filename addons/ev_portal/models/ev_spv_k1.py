"""K-1s on the investor portal: the portal copy (PDF, draft watermarked, amended marked) and its download.

A download by the partner's contact counts as electronic furnishing (an ``ev.spv.k1.furnishing`` of channel
*portal*, with the version and the consent in force) only for a released or filed K-1 and only while the
partner has an active electronic consent (Rev. Proc. 2012-17); a draft is never furnished, and without consent
the K-1 stays on paper. Every download is posted on the SPV's chatter.
"""

from markupsafe import Markup

from odoo import _, fields, models

PORTAL_REPORT = "ev_portal.action_report_k1_portal"


class EvSpvK1(models.Model):
    _inherit = "ev.spv.k1"

    ev_portal_label = fields.Char("Portal status", compute="_compute_ev_portal_label")

    def _compute_ev_portal_label(self):
        for k1 in self:
            if k1.state == "draft":
                label = _("Draft — not final")
            elif k1.state == "superseded":
                label = _("Superseded by an amended K-1")
            else:
                label = _("Final (filed)") if k1.state == "filed" else _("Final")
            if k1.version > 1:
                label = _("%(label)s · amended (version %(version)s)", label=label, version=k1.version)
            k1.ev_portal_label = label

    def _ev_portal_filename(self):
        self.ensure_one()
        name = (self.partner_id.name or "partner").replace(" ", "_")
        draft = "_DRAFT" if self.state == "draft" else ""
        return f"K-1_{self.year}_{self.spv_id.name.replace(' ', '_')}_{name}_v{self.version}{draft}.pdf"

    def _ev_portal_download(self):
        """(pdf bytes, filename, furnishing or None) of the portal copy, for the current user, who must read
        this K-1 (record rules); the download is logged on the SPV's chatter and, with consent, furnished."""
        self.ensure_one()
        self.check_access("read")
        k1 = self.sudo()
        pdf, _kind = self.env["ir.actions.report"].sudo()._render_qweb_pdf(PORTAL_REPORT, k1.ids)
        furnishing = None
        consent = None
        if k1.state in ("released", "filed"):
            consent = self.env["ev.spv.consent"]._ev_active_for(k1.partner_id).get(k1.partner_id.commercial_partner_id)
        if consent:
            furnishing = (
                self.env["ev.spv.k1.furnishing"]
                .sudo()
                .create(
                    {
                        "k1_id": k1.id,
                        "version": k1.version,
                        "channel": "portal",
                        "consent_id": consent.id,
                        "user_id": self.env.uid,
                        "furnished_at": fields.Datetime.now(),
                        "note": _("Downloaded on the portal by %s", self.env.user.name),
                    }
                )
            )
        how = (
            _("furnished electronically (consent of %s)", consent.consent_date.date())
            if furnishing
            else (_("draft, not furnished") if k1.state == "draft" else _("not furnished: no electronic consent"))
        )
        k1.spv_id._ev_portal_log_download(
            Markup("%s <i>%s</i>") % (_("K-1 %(year)s version %(v)s", year=k1.year, v=k1.version), how)
        )
        return pdf, k1._ev_portal_filename(), furnishing
