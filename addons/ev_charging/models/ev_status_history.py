from odoo import api, fields, models

from ..lib import ev_ocpp

STATUSES = [(s, s) for s in ev_ocpp.STATUSES_201]


class EvStatusHistory(models.Model):
    _name = "ev.status.history"
    _description = "Connector status period"
    _order = "date_start desc, id desc"

    connector_id = fields.Many2one("ev.connector", required=True, ondelete="cascade", index=True)
    charger_id = fields.Many2one(related="connector_id.charger_id", store=True, index=True)
    site_id = fields.Many2one(related="connector_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="connector_id.company_id", store=True, index=True)
    status = fields.Selection(STATUSES, required=True, index=True)
    ocpp_status = fields.Char(
        "Reported status",
        help="Status as the station sent it (1.6 sub-states such as Charging or SuspendedEV are kept here).",
    )
    is_fault = fields.Boolean(compute="_compute_is_fault", store=True, index=True)
    date_start = fields.Datetime("Start", required=True, index=True)
    date_end = fields.Datetime("End", index=True, help="Empty while the period is current.")
    duration_seconds = fields.Integer(
        compute="_compute_duration",
        store=True,
        help="Length of a closed period in seconds (0 while the period is open; see Duration for the running value).",
    )
    duration_display = fields.Char("Duration", compute="_compute_duration_display")
    duration_hours = fields.Float(compute="_compute_duration", store=True, digits=(12, 3), aggregator="sum")
    error_code = fields.Char(index=True)
    vendor_error_code = fields.Char()
    vendor_id = fields.Char()
    info = fields.Char()

    @api.depends("status")
    def _compute_is_fault(self):
        for line in self:
            line.is_fault = line.status == "Faulted"

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for line in self:
            seconds = ev_ocpp.duration_seconds(line.date_start, line.date_end, line.date_start) if line.date_end else 0
            line.duration_seconds = seconds
            line.duration_hours = seconds / 3600.0

    def _compute_duration_display(self):
        now = fields.Datetime.now()
        for line in self:
            line.duration_display = (
                ev_ocpp.fmt_duration(ev_ocpp.duration_seconds(line.date_start, line.date_end, now))
                if line.date_start
                else ""
            )

    @api.model
    def _fault_seconds(self, domain, date_from, date_to):
        """Seconds of Faulted status inside [date_from, date_to) for the lines matching ``domain``,
        counting open periods up to now. Returns {connector_id: seconds}. Reads under the caller's rights."""
        self.check_access("read")
        now = fields.Datetime.now()
        lines = self.search(
            domain
            + [
                ("is_fault", "=", True),
                ("date_start", "<", date_to),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", date_from),
            ]
        )
        result = {}
        for line in lines:
            result[line.connector_id.id] = result.get(line.connector_id.id, 0) + ev_ocpp.overlap_seconds(
                line.date_start, line.date_end, date_from, date_to, now
            )
        return result
