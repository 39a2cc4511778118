from odoo import api, fields, models

from ..lib import ev_ocpp


class EvConnectionHistory(models.Model):
    """A period during which a station was connected to a bridge node, from the bridge's
    ``Connection`` events (connected at ``date_start``, disconnected at ``date_end``; empty while
    connected). The operational uptime (offline = outside these periods) and ev_grants' NEVI uptime
    read it."""

    _name = "ev.connection.history"
    _description = "Charging station connection period"
    _order = "date_start desc, id desc"

    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", readonly=True)
    site_id = fields.Many2one(related="charger_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    node_id = fields.Many2one("ev.bridge.node", string="Bridge node", readonly=True, ondelete="set null")
    date_start = fields.Datetime("Connected", required=True, index=True, readonly=True)
    date_end = fields.Datetime("Disconnected", index=True, readonly=True, help="Empty while connected.")
    duration_display = fields.Char("Duration", compute="_compute_duration_display")

    _sql_constraints = [
        ("dates_ok", "CHECK (date_end IS NULL OR date_end >= date_start)", "A connection ends after it starts.")
    ]

    def _compute_duration_display(self):
        now = fields.Datetime.now()
        for period in self:
            period.duration_display = ev_ocpp.fmt_duration(
                ev_ocpp.duration_seconds(period.date_start, period.date_end, now)
            )

    @api.model
    def _record(self, charger, state, when, node=None):
        """The station ``charger`` connected (``state`` 'connected') or disconnected at ``when`` (naive
        UTC). A connection opens a period (closing one a lost disconnect left open); a disconnection
        closes the open period."""
        History = self.sudo()
        open_periods = History.search([("charger_id", "=", charger.id), ("date_end", "=", False)])
        for period in open_periods:
            period.date_end = max(when, period.date_start)
        if state == "connected":
            return History.create({"charger_id": charger.id, "date_start": when, "node_id": node.id if node else False})
        return open_periods

    @api.model
    def _periods(self, chargers, date_from, date_to):
        """{charger id: [(start, end or None)]} of the connection periods overlapping [date_from, date_to)."""
        rows = self.sudo().search_read(
            [
                ("charger_id", "in", chargers.ids),
                ("date_start", "<", date_to),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", date_from),
            ],
            ["charger_id", "date_start", "date_end"],
            order="date_start",
        )
        result = {}
        for row in rows:
            result.setdefault(row["charger_id"][0], []).append((row["date_start"], row["date_end"] or None))
        return result
