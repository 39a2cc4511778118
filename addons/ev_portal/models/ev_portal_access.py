"""A portal user's access to one SPV, granted by accepting an invitation.

The record rules of ev_portal read these records: a portal user reads an SPV (and its own partner's K-1s,
capital accounts, distributions) only while it has a *current* access to it: not revoked, and its end date
(if any) not passed. ``is_current`` is searched at query time (today's date), so an access ends at midnight
(UTC) after its end date without any job; the daily cron only records the end on the SPV's chatter.
"""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.osv import expression


class EvPortalAccess(models.Model):
    _name = "ev.portal.access"
    _description = "Investor portal access to an SPV"
    _order = "spv_id, user_id"

    user_id = fields.Many2one("res.users", string="Portal user", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner",
        compute="_compute_partner",
        store=True,
        index=True,
        help="The partner (legal entity) whose documents the user reads.",
    )
    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    invitation_id = fields.Many2one("ev.portal.invitation", index=True, ondelete="set null")
    date_start = fields.Datetime("Granted on", default=fields.Datetime.now, required=True)
    date_end = fields.Date("Access ends", help="Last day of access (inclusive, UTC); empty = no end.")
    revoked_at = fields.Datetime(readonly=True)
    revoked_by = fields.Many2one("res.users", readonly=True)
    end_logged = fields.Boolean(readonly=True, help="The end of this access is recorded on the SPV's chatter.")
    is_current = fields.Boolean(compute="_compute_is_current", search="_search_is_current")
    state = fields.Selection(
        [("current", "Current"), ("ended", "Ended"), ("revoked", "Revoked")], compute="_compute_is_current"
    )

    _sql_constraints = [("user_spv_uniq", "unique(user_id, spv_id)", "This user already has an access to this SPV.")]

    @api.depends("user_id.partner_id.commercial_partner_id")
    def _compute_partner(self):
        for access in self:
            access.partner_id = access.user_id.partner_id.commercial_partner_id

    @api.depends("date_end", "revoked_at")
    def _compute_is_current(self):
        today = fields.Date.today()
        for access in self:
            if access.revoked_at:
                access.state = "revoked"
            elif access.date_end and access.date_end < today:
                access.state = "ended"
            else:
                access.state = "current"
            access.is_current = access.state == "current"

    @api.model
    def _current_domain(self):
        return ["&", ("revoked_at", "=", False), "|", ("date_end", "=", False), ("date_end", ">=", fields.Date.today())]

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Search 'current' with = or != and True or False."))
        domain = self._current_domain()
        return domain if (operator == "=") == value else ["!", *expression.normalize_domain(domain)]

    def _ev_log(self, body):
        for access in self:
            access.spv_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _ev_revoke(self, reason=None):
        """End these accesses now (a revoked invitation, or a manager's decision)."""
        todo = self.filtered(lambda a: not a.revoked_at)
        todo.write({"revoked_at": fields.Datetime.now(), "revoked_by": self.env.uid})
        for access in todo:
            access._ev_log(
                Markup(_("Investor portal: access of <b>%(user)s</b> revoked%(reason)s."))
                % {"user": access.user_id.name, "reason": f": {reason}" if reason else ""}
            )
        return todo

    def action_revoke(self):
        self.env["ev.portal.invitation"]._ev_check_manager()
        self.sudo()._ev_revoke()
        return True

    @api.model
    def _cron_log_ended(self):
        """Record on each SPV's chatter the accesses that reached their end date (once)."""
        ended = self.sudo().search(
            [("end_logged", "=", False), ("revoked_at", "=", False), ("date_end", "<", fields.Date.today())]
        )
        for access in ended:
            access._ev_log(
                Markup(_("Investor portal: access of <b>%(user)s</b> ended on %(date)s."))
                % {"user": access.user_id.name, "date": access.date_end}
            )
        ended.write({"end_logged": True})
        return len(ended)
