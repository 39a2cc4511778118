from datetime import UTC, datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.ev_access import require_command_rights


class EvChargingProfileApplyWizard(models.TransientModel):
    """Apply a charging-profile template to chargers or to every charger of a site (EV Manager):
    one SetChargingProfile per charger, each followed on an ev.charger.profile record."""

    _name = "ev.charging.profile.apply.wizard"
    _description = "Apply a charging profile"

    profile_id = fields.Many2one("ev.charging.profile", string="Template", required=True)
    target = fields.Selection(
        [("chargers", "Chargers"), ("site", "Every charger of a site")], required=True, default="chargers"
    )
    charger_ids = fields.Many2many("ev.charger", string="Chargers")
    site_id = fields.Many2one("ev.site")
    evse_number = fields.Integer("EVSE", default=0, help="0: the whole station.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        charger_id = self.env.context.get("default_charger_id")
        if charger_id and "charger_ids" in fields_list:
            values["charger_ids"] = [(6, 0, [charger_id])]
        return values

    def _chargers(self):
        if self.target == "site":
            if not self.site_id:
                raise UserError(_("Choose the site whose chargers get the profile."))
            self.site_id.check_access("read")
            chargers = self.env["ev.charger"].search([("site_id", "=", self.site_id.id)])
        else:
            chargers = self.charger_ids
        if not chargers:
            raise UserError(_("Choose at least one charger."))
        return chargers

    def action_apply(self):
        self.ensure_one()
        chargers = self._chargers()
        require_command_rights(chargers, _("apply a charging profile"))
        self.env["ev.charger.command"]._check_operator_allowed("SetChargingProfile", {})
        profile = self.profile_id
        profile.check_access("read")
        problems = profile._problems(self.evse_number, datetime.now(UTC))
        if self.evse_number:
            missing = chargers.filtered(lambda c: self.evse_number not in c.evse_ids.mapped("evse_number"))
            if missing:
                problems.append(
                    _(
                        "EVSE %(evse)s is unknown on %(chargers)s",
                        evse=self.evse_number,
                        chargers=", ".join(missing.mapped("identity")),
                    )
                )
        if problems:
            raise UserError(_("Cannot apply %(name)s: %(problems)s.", name=profile.name, problems="; ".join(problems)))
        companies = chargers.company_id
        if profile.company_id and companies - profile.company_id:
            raise UserError(
                _(
                    "Template %(name)s belongs to %(company)s; it cannot be applied to another company's chargers.",
                    name=profile.name,
                    company=profile.company_id.name,
                )
            )
        assignments = self.env["ev.charger.profile"]._apply(profile, chargers, self.evse_number)
        if len(assignments) == 1:
            return assignments.sudo().set_command_id.with_env(self.env)._open_action()
        return {
            "type": "ir.actions.act_window",
            "name": _("%s applied", profile.name),
            "res_model": "ev.charger.profile",
            "views": [[False, "list"], [False, "form"]],
            "domain": [("id", "in", assignments.ids)],
            "target": "current",
        }
