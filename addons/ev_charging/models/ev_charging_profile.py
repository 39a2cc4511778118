"""Charging-profile templates (OCPP smart charging, 2.0.1 block K, 1.6 Smart Charging profile): a
power or current limit over time an operator applies to chargers or to every charger of a site
(SetChargingProfile; ClearChargingProfile takes it off again, see ev.charger.profile).

A template is checked when saved and again, for the EVSE and the moment it is applied to, before it
is sent (``lib/ev_smart_charging.py``): a bad one gets a UserError/ValidationError naming each
problem. Its id is the OCPP ``chargingProfileId``: applying it again to a station replaces it there.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_smart_charging


class EvChargingProfile(models.Model):
    _name = "ev.charging.profile"
    _description = "Charging-profile template"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    purpose = fields.Selection(
        [
            ("ChargingStationMaxProfile", "Station maximum"),
            ("TxDefaultProfile", "Default for every transaction"),
        ],
        required=True,
        default="TxDefaultProfile",
        help="Station maximum: a cap on the whole station (EVSE 0). Default for every transaction: the limit "
        "each session gets unless it has a profile of its own (1.6 ChargePointMaxProfile / TxDefaultProfile).",
    )
    stack_level = fields.Integer(default=0, help="A profile of a higher stack level overrides a lower one.")
    kind = fields.Selection(
        [("Absolute", "Absolute"), ("Recurring", "Recurring"), ("Relative", "Relative to the transaction")],
        required=True,
        default="Absolute",
    )
    recurrency = fields.Selection([("Daily", "Daily"), ("Weekly", "Weekly")], help="Recurring profiles only.")
    rate_unit = fields.Selection([("A", "Current (A)"), ("W", "Power (W)")], required=True, default="A")
    start_schedule = fields.Datetime(
        "Schedule start", help="Absolute / recurring: when period 0 starts (for a daily profile: the time of day)."
    )
    duration = fields.Integer("Duration (s)", help="Empty: the last period lasts until the profile's validity ends.")
    valid_from = fields.Datetime()
    valid_to = fields.Datetime()
    min_charging_rate = fields.Float(help="Lowest rate the vehicle can charge at (optional).")
    period_ids = fields.One2many("ev.charging.profile.period", "profile_id", string="Periods", copy=True)
    assignment_ids = fields.One2many("ev.charger.profile", "profile_id", string="Applied to")
    assignment_count = fields.Integer(compute="_compute_assignment_count")

    def _compute_assignment_count(self):
        counts = dict(
            self.env["ev.charger.profile"]._read_group(
                [("profile_id", "in", self.ids), ("state", "in", ("requested", "active"))], ["profile_id"], ["__count"]
            )
        )
        for profile in self:
            profile.assignment_count = counts.get(profile, 0)

    @staticmethod
    def _iso(value):
        return value.isoformat(timespec="seconds") + "Z" if value else None

    def _template(self):
        """The plain dict ``lib/ev_smart_charging.py`` checks and turns into an OCPP profile."""
        self.ensure_one()
        return {
            "id": self.id,
            "purpose": self.purpose,
            "stack_level": self.stack_level,
            "kind": self.kind,
            "recurrency": self.recurrency or None,
            "unit": self.rate_unit,
            "start_schedule": self._iso(self.start_schedule),
            "duration": self.duration or None,
            "valid_from": self._iso(self.valid_from),
            "valid_to": self._iso(self.valid_to),
            "min_rate": self.min_charging_rate or None,
            "periods": [
                {"start": p.start_period, "limit": p.limit, "phases": p.number_phases or None}
                for p in self.period_ids.sorted(lambda p: (p.start_period, p.id))
            ],
        }

    def _problems(self, evse_id=None, now=None):
        self.ensure_one()
        return ev_smart_charging.problems(self._template(), evse_id, now)

    @api.constrains(
        "purpose",
        "stack_level",
        "kind",
        "recurrency",
        "rate_unit",
        "start_schedule",
        "duration",
        "valid_from",
        "valid_to",
        "min_charging_rate",
        "period_ids",
    )
    def _check_template(self):
        for profile in self:
            problems = profile._problems()
            if problems:
                raise ValidationError(
                    _(
                        "Charging profile %(name)s cannot be used: %(problems)s.",
                        name=profile.name,
                        problems="; ".join(problems),
                    )
                )

    def action_view_assignments(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_charger_profile_action")
        action["domain"] = [("profile_id", "=", self.id)]
        return action

    def action_apply(self):
        """Open the wizard applying this template to chargers or a site (EV Manager)."""
        self.ensure_one()
        self.check_access("read")
        self.env["ev.charger.command"]._check_operator_allowed("SetChargingProfile", {})
        return {
            "type": "ir.actions.act_window",
            "name": _("Apply %s", self.name),
            "res_model": "ev.charging.profile.apply.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_profile_id": self.id},
        }
