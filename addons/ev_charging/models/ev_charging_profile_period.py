from odoo import api, fields, models


class EvChargingProfilePeriod(models.Model):
    _name = "ev.charging.profile.period"
    _description = "Period of a charging-profile template"
    _order = "profile_id, start_period, id"

    profile_id = fields.Many2one("ev.charging.profile", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="profile_id.company_id", store=True)
    start_period = fields.Integer(
        "Starts at (s)",
        required=True,
        default=0,
        help="Seconds after the schedule start; the first period starts at 0.",
    )
    limit = fields.Float(required=True, digits=(12, 1), help="Limit in the profile's unit (A or W).")
    number_phases = fields.Integer("Phases", help="1 to 3; empty: the station's default (3).")

    @api.constrains("start_period", "limit", "number_phases")
    def _check_template(self):
        """A period changed on its own is checked with its whole template."""
        self.profile_id._check_template()
