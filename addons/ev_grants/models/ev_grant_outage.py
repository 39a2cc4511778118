from collections import defaultdict
from datetime import datetime, time

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_grants_uptime as up


def local_to_utc(day, tz):
    """Naive UTC datetime of local midnight starting ``day`` in ``tz``."""
    return (
        pytz.timezone(tz or "UTC").localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
    )


class EvGrantOutage(models.Model):
    """An outage of one charging port (EVSE): detected from the connectors' status history
    (the port is down while all its connectors are Faulted or Unavailable) or entered by staff.
    Staff set the excluded-outage reason (and a note) when the outage was outside the operator's
    control; those minutes do not count against NEVI uptime."""

    _name = "ev.grant.outage"
    _description = "Charging port outage"
    _order = "date_start desc, id desc"

    evse_id = fields.Many2one("ev.evse", string="Port", required=True, index=True, ondelete="cascade")
    port_code = fields.Char(related="evse_id.evchart_port_id", string="Port ID")
    charger_id = fields.Many2one(related="evse_id.charger_id", store=True, index=True)
    site_id = fields.Many2one(related="evse_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="evse_id.company_id", store=True, index=True)
    date_start = fields.Datetime("Start", required=True, index=True)
    date_end = fields.Datetime("End", index=True, help="Empty while the port is still down.")
    duration_minutes = fields.Float(compute="_compute_duration", store=True, digits=(12, 2))
    reason_id = fields.Many2one("ev.grant.outage.reason", string="Excluded reason")
    excluded = fields.Boolean(compute="_compute_excluded", store=True)
    notes = fields.Char(size=255, help="Why the outage is excluded (EV-ChART excluded_outage_notes, 255 characters).")
    source = fields.Selection([("detected", "Status history"), ("manual", "Entered")], default="manual", required=True)

    _sql_constraints = [
        ("dates_ok", "CHECK (date_end IS NULL OR date_end > date_start)", "An outage must end after it starts.")
    ]

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for outage in self:
            if outage.date_start and outage.date_end:
                outage.duration_minutes = (outage.date_end - outage.date_start).total_seconds() / 60.0
            else:
                outage.duration_minutes = 0.0

    @api.depends("reason_id")
    def _compute_excluded(self):
        for outage in self:
            outage.excluded = bool(outage.reason_id)

    @api.constrains("reason_id", "notes")
    def _check_notes(self):
        for outage in self:
            if outage.reason_id and not (outage.notes or "").strip():
                raise ValidationError(
                    _(
                        "Outage of %(port)s from %(start)s is excluded (%(reason)s): say why in the notes.",
                        port=outage.evse_id.display_name,
                        start=outage.date_start,
                        reason=outage.reason_id.name,
                    )
                )

    @api.model
    def _detect(self, evses, date_from, date_to):
        """Create or update the detected outages of ``evses`` over [date_from, date_to) (naive UTC)
        from the status history; outages staff gave a reason to are kept."""
        date_to = min(date_to, fields.Datetime.now())
        if not evses or date_from >= date_to:
            return self.browse()
        connectors = self.env["ev.connector"].sudo().search([("evse_id", "in", evses.ids)])
        rows = (
            self.env["ev.status.history"]
            .sudo()
            .search_read(
                [
                    ("connector_id", "in", connectors.ids),
                    ("date_start", "<", date_to),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">", date_from),
                ],
                ["connector_id", "date_start", "date_end", "status"],
                order="date_start",
            )
        )
        periods = defaultdict(list)
        for row in rows:
            periods[row["connector_id"][0]].append((row["date_start"], row["date_end"] or None, row["status"]))
        by_evse = defaultdict(list)
        for connector in connectors:
            by_evse[connector.evse_id.id].append(periods.get(connector.id, []))
        existing = self.sudo().search(
            [
                ("evse_id", "in", evses.ids),
                ("source", "=", "detected"),
                ("date_start", "<", date_to),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", date_from),
            ]
        )
        # a port is up only while its station is online: the connection history (ev_charging)
        connected = self.env["ev.connection.history"]._periods(evses.charger_id, date_from, date_to)
        History = self.env["ev.connection.history"].sudo()
        for charger in History._read_group(
            [("charger_id", "in", evses.charger_id.ids), ("date_start", "<", date_to)], ["charger_id"]
        ):
            # known to the bridge, but never connected during the window: offline all along
            connected.setdefault(charger[0].id, [(date_from, date_from)])
        kept = self.browse()
        for evse in evses:
            intervals = up.port_outage_intervals(
                by_evse.get(evse.id, []), date_from, date_to, connected=connected.get(evse.charger_id.id)
            )
            mine = existing.filtered(lambda o, evse=evse: o.evse_id == evse)
            for start, end in intervals:
                match = mine.filtered(lambda o, s=start, e=end: o.date_start <= e and (o.date_end or e) >= s)[:1]
                if match:
                    vals = {"date_start": min(match.date_start, start), "date_end": max(match.date_end or end, end)}
                    if (vals["date_start"], vals["date_end"]) != (match.date_start, match.date_end):
                        match.sudo().write(vals)
                    kept |= match
                else:
                    kept |= self.sudo().create(
                        {"evse_id": evse.id, "date_start": start, "date_end": end, "source": "detected"}
                    )
        stale = (existing - kept).filtered(
            lambda o: not o.reason_id and o.date_start >= date_from and o.date_end and o.date_end <= date_to
        )
        stale.unlink()
        return kept
