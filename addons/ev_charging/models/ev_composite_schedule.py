"""Composite schedules (GetCompositeSchedule): what a station says it will allow on an EVSE (or the
whole station) over the next seconds, once all its charging profiles and limits are combined.
The request is a record (a draft an operator fills in, then *Request*); the station's answer is
stored on it and shown as a table in the site's timezone."""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import ev_smart_charging
from .ev_access import require_command_rights

STATES = [
    ("draft", "Draft"),
    ("requested", "Requested"),
    ("received", "Received"),
    ("rejected", "Refused by the station"),
    ("failed", "Not delivered"),
]
PROTECTED = frozenset(
    {
        "state",
        "status_answer",
        "note",
        "command_id",
        "schedule_start",
        "answered_unit",
        "answered_duration",
        "answered_evse",
        "min_rate",
        "periods",
        "requested_by",
    }
)


class EvCompositeSchedule(models.Model):
    _name = "ev.composite.schedule"
    _description = "Composite schedule of a station"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    evse_number = fields.Integer("EVSE", default=0, help="0: the whole station.")
    duration = fields.Integer("Duration (s)", default=3600, required=True)
    rate_unit = fields.Selection([("A", "Current (A)"), ("W", "Power (W)")], help="Empty: the station's choice.")
    state = fields.Selection(STATES, required=True, default="draft", readonly=True, index=True)
    status_answer = fields.Char("Station's answer", readonly=True)
    note = fields.Char(readonly=True)
    command_id = fields.Many2one("ev.charger.command", readonly=True, check_company=True, index=True)
    schedule_start = fields.Datetime(readonly=True)
    answered_unit = fields.Char("Unit", readonly=True)
    answered_duration = fields.Integer("Schedule duration (s)", readonly=True)
    answered_evse = fields.Integer("Answered for EVSE", readonly=True)
    min_rate = fields.Float("Minimum rate", readonly=True)
    periods = fields.Json(readonly=True)
    period_count = fields.Integer(compute="_compute_table")
    period_table = fields.Html("Schedule", compute="_compute_table", sanitize=False)
    requested_by = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)

    @api.depends("charger_id", "evse_number")
    def _compute_name(self):
        for rec in self:
            rec.name = _(
                "Composite schedule of %(charger)s, EVSE %(evse)s",
                charger=rec.charger_id.identity or "",
                evse=rec.evse_number,
            )

    @api.depends("periods", "schedule_start", "answered_duration", "answered_unit")
    def _compute_table(self):
        for rec in self:
            periods = rec.periods or []
            rec.period_count = len(periods)
            rec.period_table = rec._period_html(periods) if periods else False

    def _period_html(self, periods):
        """The periods with their local start and end times (the site's timezone)."""
        start = fields.Datetime.to_datetime(self.schedule_start)
        rows = ev_smart_charging.schedule_rows(start, self.answered_duration or None, periods)
        tz_self = self.with_context(tz=self.charger_id.tz or self.env.user.tz or "UTC")

        def local(value):
            return fields.Datetime.context_timestamp(tz_self, value).strftime("%Y-%m-%d %H:%M:%S") if value else "–"

        head = Markup("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>").format(
            _("From"), _("To"), _("Limit (%s)", self.answered_unit or "?"), _("Phases")
        )
        body = Markup("").join(
            Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
                local(row["from"]), local(row["to"]), f"{row['limit']:g}", row["phases"] or "–"
            )
            for row in rows
        )
        return Markup('<table class="table table-sm o_ev_composite"><thead>{}</thead><tbody>{}</tbody></table>').format(
            head, body
        )

    # --- the station's answer is not the user's to write ------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                for name in PROTECTED:
                    vals.pop(name, None)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if PROTECTED.intersection(vals):
                raise AccessError(_("A composite schedule is filled in by the station's answer."))
            if any(rec.state != "draft" for rec in self):
                raise UserError(_("Only a draft request can be changed; make a new one."))
        return super().write(vals)

    def action_request(self):
        """Ask the station (GetCompositeSchedule). EV User and up, on a charger they may read."""
        self.ensure_one()
        require_command_rights(self.charger_id, _("ask a station for its composite schedule"))
        self.check_access("write")
        if self.state != "draft":
            raise UserError(_("This schedule was already requested; make a new one."))
        problems = ev_smart_charging.composite_problems(self.evse_number, self.duration, self.rate_unit or None)
        if self.evse_number and self.evse_number not in self.charger_id.evse_ids.mapped("evse_number"):
            problems.append(
                _("%(charger)s has no EVSE %(evse)s", charger=self.charger_id.identity, evse=self.evse_number)
            )
        if problems:
            raise UserError(_("Cannot ask for this composite schedule: %s.", "; ".join(problems)))
        params = {"evseId": self.evse_number, "duration": self.duration}
        if self.rate_unit:
            params["chargingRateUnit"] = self.rate_unit

        def link(cmd):
            self.sudo().write({"state": "requested", "command_id": cmd.id})

        cmd = self.env["ev.charger.command"]._ev_send_linked(self.charger_id, "GetCompositeSchedule", params, link)
        return cmd._open_action()

    @api.model
    def _on_schedule_answer(self, commands):
        for rec in self.search([("command_id", "in", commands.ids)]):
            cmd = rec.command_id
            if cmd.state not in ("accepted", "rejected"):
                rec.write({"state": "failed", "note": cmd.error or cmd.state})
                continue
            try:
                schedule = ev_smart_charging.composite_schedule(cmd.result, rec.charger_id.ocpp_version)
            except ValueError as exc:
                rec.write({"state": "failed", "note": _("Unreadable answer: %s", exc)})
                continue
            vals = {"status_answer": schedule["status"]}
            if schedule["status"] != "Accepted":
                vals["state"] = "rejected"
            else:
                vals.update(
                    {
                        "state": "received",
                        "schedule_start": fields.Datetime.to_string(schedule["start"].replace(tzinfo=None))
                        if schedule["start"]
                        else False,
                        "answered_unit": schedule["unit"] or False,
                        "answered_duration": schedule["duration"] or 0,
                        "answered_evse": schedule["evse_id"] if schedule["evse_id"] is not None else rec.evse_number,
                        "min_rate": schedule["min_rate"] or 0.0,
                        # without None values: XML-RPC clients could not read them
                        "periods": [{k: v for k, v in p.items() if v is not None} for p in schedule["periods"]],
                    }
                )
            rec.write(vals)
