import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .ev_access import MANAGER, require_records

#: what a Field Technician may change on a site they can access; every other field (timezone,
#: company, lifecycle, and the tariff and analytic account ev_billing adds) is the EV Manager's
TECHNICIAN_FIELDS = frozenset({"latitude", "longitude", "notes", "access_instructions", "technician_id"})

SITE_STATES = [
    ("prospect", "Prospect"),
    ("construction", "Construction"),
    ("commissioned", "Commissioned"),
    ("operating", "Operating"),
    ("decommissioned", "Decommissioned"),
]


def _tz_selection(self):
    return [(tz, tz) for tz in pytz.all_timezones]


class EvSite(models.Model):
    _name = "ev.site"
    _description = "Charging site"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(help="Short reference used in reports and exports.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Address",
        tracking=True,
        check_company=True,
        help="Contact holding the street address of the site.",
    )
    street = fields.Char(related="partner_id.street")
    city = fields.Char(related="partner_id.city")
    state_id = fields.Many2one(related="partner_id.state_id")
    country_id = fields.Many2one(related="partner_id.country_id")
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    tz = fields.Selection(
        _tz_selection,
        string="Timezone",
        required=True,
        tracking=True,
        help="All local-time reporting of this site (sessions per day, uptime, tariffs) uses it.",
    )
    state = fields.Selection(
        SITE_STATES, string="Lifecycle", required=True, default="prospect", tracking=True, index=True
    )
    commissioning_date = fields.Date(tracking=True)
    network_provider_id = fields.Many2one(
        "ev.manufacturer", string="Network provider", domain=[("is_network", "=", True)]
    )
    charger_ids = fields.One2many("ev.charger", "site_id", string="Chargers")
    charger_count = fields.Integer(compute="_compute_counts")
    session_count = fields.Integer(compute="_compute_counts")
    fault_count = fields.Integer(compute="_compute_counts", string="Faulted connectors")
    map_url = fields.Char(compute="_compute_map_url")
    notes = fields.Html()
    access_instructions = fields.Text(
        help="Gate codes, parking, where the meter and the breakers are: for field staff."
    )
    technician_id = fields.Many2one(
        "res.users",
        string="Responsible technician",
        tracking=True,
        domain=lambda self: [("groups_id", "in", self.env.ref("ev_charging.group_ev_technician").id)],
        help="Fault tasks of this site's chargers are assigned to them.",
    )
    directions_url = fields.Char(compute="_compute_map_url", string="Directions")
    can_configure = fields.Boolean(
        compute="_compute_can_configure", help="The user may change more than TECHNICIAN_FIELDS."
    )
    address_display = fields.Char("Address (one line)", compute="_compute_address_display")
    uptime_ids = fields.One2many(
        "ev.uptime.monthly", "site_id", string="Monthly uptime", domain=[("scope", "=", "site")]
    )

    _sql_constraints = [
        ("latitude_range", "CHECK (latitude >= -90 AND latitude <= 90)", "Latitude must be between -90 and 90."),
        (
            "longitude_range",
            "CHECK (longitude >= -180 AND longitude <= 180)",
            "Longitude must be between -180 and 180.",
        ),
    ]

    @api.depends("charger_ids")
    def _compute_counts(self):
        sessions = dict(self.env["ev.session"]._read_group([("site_id", "in", self.ids)], ["site_id"], ["__count"]))
        faults = dict(
            self.env["ev.connector"]._read_group(
                [("site_id", "in", self.ids), ("status", "=", "Faulted")], ["site_id"], ["__count"]
            )
        )
        for site in self:
            site.charger_count = len(site.charger_ids)
            site.session_count = sessions.get(site, 0)
            site.fault_count = faults.get(site, 0)

    @api.depends("latitude", "longitude")
    def _compute_map_url(self):
        for site in self:
            if site.latitude or site.longitude:
                site.map_url = (
                    f"https://www.openstreetmap.org/?mlat={site.latitude:.6f}&mlon={site.longitude:.6f}"
                    f"#map=17/{site.latitude:.6f}/{site.longitude:.6f}"
                )
                # OpenStreetMap's router from wherever the phone is to the site
                site.directions_url = (
                    f"https://www.openstreetmap.org/directions?route=%3B{site.latitude:.6f}%2C{site.longitude:.6f}"
                )
            else:
                site.map_url = False
                site.directions_url = False

    @api.depends_context("uid")
    def _compute_can_configure(self):
        allowed = self.env.su or self.env.user.has_group(MANAGER)
        for site in self:
            site.can_configure = allowed

    @api.depends("partner_id")
    def _compute_address_display(self):
        for site in self:
            partner = site.partner_id
            parts = [partner.street, partner.street2, partner.zip, partner.city, partner.state_id.code]
            site.address_display = ", ".join(p for p in parts if p) if partner else ""

    def write(self, vals):
        """A Field Technician may change only TECHNICIAN_FIELDS (and the chatter's own fields):
        enforced here for every caller (forms, RPC), not only hidden in the views."""
        if not self.env.su and not self.env.user.has_group(MANAGER):
            forbidden = sorted(
                name
                for name in vals
                if name not in TECHNICIAN_FIELDS and not name.startswith(("message_", "activity_"))
            )
            if forbidden:
                labels = ", ".join(self._fields[n].string if n in self._fields else n for n in forbidden)
                raise AccessError(
                    _(
                        "Only an EV Manager may change %(fields)s of a site (you are %(user)s).",
                        fields=labels,
                        user=self.env.user.name,
                    )
                )
        return super().write(vals)

    @api.constrains("state", "commissioning_date")
    def _check_commissioning(self):
        for site in self:
            if site.state in ("commissioned", "operating") and not site.commissioning_date:
                raise ValidationError(
                    _(
                        "Site %(site)s: set the commissioning date before moving it to %(state)s.",
                        site=site.name,
                        state=dict(SITE_STATES)[site.state],
                    )
                )

    def _local_tz(self):
        self.ensure_one()
        return pytz.timezone(self.tz or "UTC")

    # lifecycle buttons
    def _set_state(self, state):
        require_records(self, "write", MANAGER, _("change a site's lifecycle"))
        order = [s for s, _label in SITE_STATES]
        for site in self:
            if order.index(state) < order.index(site.state):
                raise ValidationError(
                    _(
                        "Site %(site)s is already %(state)s; it cannot go back to %(target)s.",
                        site=site.name,
                        state=dict(SITE_STATES)[site.state],
                        target=dict(SITE_STATES)[state],
                    )
                )
        vals = {"state": state}
        if state == "commissioned":
            for site in self.filtered(lambda s: not s.commissioning_date):
                site.commissioning_date = fields.Date.context_today(site)
        self.write(vals)

    def action_construction(self):
        self._set_state("construction")
        return True

    def action_commission(self):
        self._set_state("commissioned")
        return True

    def action_operate(self):
        self._set_state("operating")
        return True

    def action_decommission(self):
        self._set_state("decommissioned")
        return True

    def action_open_map(self):
        self.ensure_one()
        self.check_access("read")
        if not self.map_url:
            raise ValidationError(_("Set the latitude and longitude of %s to open its map.", self.name))
        return {"type": "ir.actions.act_url", "url": self.map_url, "target": "new"}

    def action_view_chargers(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_charger_action")
        action["domain"] = [("site_id", "=", self.id)]
        action["context"] = {"default_site_id": self.id}
        return action

    def action_view_sessions(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_session_action")
        action["domain"] = [("site_id", "=", self.id)]
        return action
