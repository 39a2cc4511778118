from datetime import date

from odoo import api, fields, models

from ..lib import ev_grants_uptime as up
from .ev_grant_outage import local_to_utc


class EvGrantUptime(models.Model):
    """NEVI uptime of one charging port for one month: the trailing 12 months ending with that
    month (in the site's timezone), 23 CFR 680.116(b)."""

    _name = "ev.grant.uptime"
    _description = "NEVI port uptime (monthly)"
    _order = "month desc, site_id, evse_id"

    evse_id = fields.Many2one("ev.evse", string="Port", required=True, index=True, ondelete="cascade")
    port_code = fields.Char(related="evse_id.evchart_port_id", string="Port ID")
    charger_id = fields.Many2one(related="evse_id.charger_id", store=True)
    site_id = fields.Many2one(related="evse_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="evse_id.company_id", store=True, index=True)
    month = fields.Date(required=True, index=True, help="First day of the month the 12-month window ends with.")
    window_start = fields.Datetime(required=True)
    window_end = fields.Datetime(required=True)
    outage_minutes = fields.Float(digits=(12, 2))
    excluded_minutes = fields.Float(digits=(12, 2))
    excluded_detail = fields.Char("Excluded by reason")
    uptime_percent = fields.Float("Uptime (%)", digits=(6, 2), aggregator="avg")
    meets_requirement = fields.Boolean("Above 97 %")
    partial = fields.Boolean(help="The port entered service inside the window: uptime over its time in service.")

    _sql_constraints = [("month_uniq", "unique(evse_id, month)", "This port already has an uptime for this month.")]

    @api.model
    def _compute_for(self, sites, year, month):
        """Detect the outages of the trailing 12 months and store each port's uptime."""
        Outage = self.env["ev.grant.outage"]
        reasons = {r.id: r.code for r in self.env["ev.grant.outage.reason"].with_context(active_test=False).search([])}
        records = self.browse()
        for site in sites:
            start_day, end_day = up.trailing_window(year, month)
            start, end = local_to_utc(start_day, site.tz), local_to_utc(end_day, site.tz)
            # a window not over yet is computed up to now (and flagged partial)
            now = fields.Datetime.now()
            running = end > now
            end = min(end, now)
            in_service = local_to_utc(site.commissioning_date, site.tz) if site.commissioning_date else None
            if in_service and in_service >= end:
                continue
            evses = self.env["ev.evse"].sudo().search([("site_id", "=", site.id)])
            Outage._detect(evses, start, end)
            outages = Outage.sudo().search_read(
                [
                    ("evse_id", "in", evses.ids),
                    ("date_start", "<", end),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">", start),
                ],
                ["evse_id", "date_start", "date_end", "reason_id"],
            )
            for evse in evses:
                mine = [
                    (o["date_start"], o["date_end"] or end, reasons.get(o["reason_id"][0]) if o["reason_id"] else None)
                    for o in outages
                    if o["evse_id"][0] == evse.id
                ]
                result = up.port_uptime(mine, start, end, in_service_from=in_service)
                vals = {
                    "evse_id": evse.id,
                    "month": date(year, month, 1),
                    "window_start": result.window_start,
                    "window_end": result.window_end,
                    "outage_minutes": float(result.outage_minutes),
                    "excluded_minutes": float(result.excluded_minutes),
                    "excluded_detail": ", ".join(f"{k}: {v}" for k, v in result.excluded_by_reason.items()) or False,
                    "uptime_percent": float(result.uptime_percent),
                    "meets_requirement": result.meets_requirement,
                    "partial": result.partial or running,
                }
                record = self.sudo().search([("evse_id", "=", evse.id), ("month", "=", vals["month"])])
                if record:
                    record.write(vals)
                else:
                    record = self.sudo().create(vals)
                records |= record
        return records

    @api.model
    def _cron_monthly(self):
        """On the 1st: the uptime of the month just ended for every site an active grant funds."""
        today = fields.Date.context_today(self)
        last = up.add_months(today, -1)
        sites = self.env["ev.grant"].sudo().search([("state", "=", "active")]).site_ids
        self._compute_for(sites, last.year, last.month)
