"""A charging-profile template applied to one charger (one SetChargingProfile and, later, its
ClearChargingProfile). Applying the template to a site makes one of these per charger."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_smart_charging
from .ev_access import require_command_rights

STATES = [
    ("requested", "Requested"),
    ("active", "Active"),
    ("rejected", "Refused by the station"),
    ("failed", "Not delivered"),
    ("clearing", "Clearing"),
    ("cleared", "Cleared"),
    ("replaced", "Replaced"),
]


class EvChargerProfile(models.Model):
    _name = "ev.charger.profile"
    _description = "Charging profile applied to a charger"
    _order = "id desc"
    _check_company_auto = True

    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    site_id = fields.Many2one(related="charger_id.site_id", store=True, index=True)
    profile_id = fields.Many2one(
        "ev.charging.profile", string="Template", required=True, index=True, ondelete="restrict", check_company=True
    )
    purpose = fields.Selection(related="profile_id.purpose")
    evse_number = fields.Integer("EVSE", readonly=True, help="0: the whole station.")
    state = fields.Selection(STATES, required=True, default="requested", readonly=True, index=True)
    status_answer = fields.Char("Station's answer", readonly=True)
    note = fields.Char(readonly=True)
    payload = fields.Json("Profile sent", readonly=True)
    set_command_id = fields.Many2one("ev.charger.command", readonly=True, check_company=True, index=True)
    clear_command_id = fields.Many2one("ev.charger.command", readonly=True, check_company=True, index=True)
    applied_at = fields.Datetime(readonly=True)
    cleared_at = fields.Datetime(readonly=True)
    requested_by = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)

    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.profile_id.name} → {rec.charger_id.identity} (EVSE {rec.evse_number})"

    @api.model
    def _apply(self, profile, chargers, evse_number):
        """SetChargingProfile of ``profile`` on each charger (rights and checks done by the caller);
        returns the new assignments."""
        created = self.browse()
        for charger in chargers:
            payload = {"evseId": evse_number, "chargingProfile": self._profile_payload(profile)}
            assignment = self.sudo().create(
                {
                    "charger_id": charger.id,
                    "profile_id": profile.id,
                    "evse_number": evse_number,
                    "payload": payload,
                }
            )

            def link(cmd, assignment=assignment):
                assignment.set_command_id = cmd.id

            self.env["ev.charger.command"]._ev_send_linked(charger, "SetChargingProfile", payload, link)
            created |= assignment
        return created.with_env(self.env)

    @api.model
    def _profile_payload(self, profile):
        return ev_smart_charging.payload(profile.sudo()._template())

    def action_clear(self):
        """Take the profile off the station (ClearChargingProfile by its id). EV Manager."""
        self.ensure_one()
        require_command_rights(self.charger_id, _("clear a charging profile"))
        self.env["ev.charger.command"]._check_operator_allowed("ClearChargingProfile", {})
        if self.state not in ("requested", "active", "rejected", "failed"):
            raise UserError(_("This profile is %s: nothing to clear.", dict(STATES)[self.state]))

        def link(cmd):
            self.sudo().write({"clear_command_id": cmd.id, "state": "clearing"})

        cmd = self.env["ev.charger.command"]._ev_send_linked(
            self.charger_id, "ClearChargingProfile", {"chargingProfileId": self.profile_id.id}, link
        )
        return cmd._open_action()

    # --- what the station says ---------------------------------------------------------------
    @api.model
    def _on_set_answer(self, commands):
        now = fields.Datetime.now()
        for rec in self.search([("set_command_id", "in", commands.ids)]):
            cmd = rec.set_command_id
            if rec.state != "requested":
                continue
            if cmd.state == "accepted":
                older = self.search(
                    [
                        ("charger_id", "=", rec.charger_id.id),
                        ("profile_id", "=", rec.profile_id.id),
                        ("state", "=", "active"),
                        ("id", "!=", rec.id),
                    ]
                )
                older.write({"state": "replaced", "cleared_at": now})  # the station keeps one profile per id
                rec.write({"state": "active", "status_answer": cmd.result_status, "applied_at": now})
            elif cmd.state == "rejected":
                rec.write({"state": "rejected", "status_answer": cmd.result_status})
            else:
                rec.write({"state": "failed", "note": cmd.error or cmd.state})

    @api.model
    def _on_clear_answer(self, commands):
        for rec in self.search([("clear_command_id", "in", commands.ids)]):
            cmd = rec.clear_command_id
            if cmd.state == "accepted":
                rec.write({"state": "cleared", "status_answer": cmd.result_status, "cleared_at": fields.Datetime.now()})
            elif cmd.state == "rejected":
                # Unknown: the station holds no profile with this id (any more)
                rec.write(
                    {
                        "state": "cleared",
                        "status_answer": cmd.result_status,
                        "note": _("The station holds no such profile (%s).", cmd.result_status),
                        "cleared_at": fields.Datetime.now(),
                    }
                )
            else:
                before = {"accepted": "active", "rejected": "rejected"}.get(rec.set_command_id.state, "failed")
                rec.write({"state": before, "note": _("Clear not delivered: %s", cmd.error or cmd.state)})
