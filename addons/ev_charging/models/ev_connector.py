from odoo import _, api, fields, models

from ..lib import ev_ocpp
from .ev_access import require_command_rights
from .ev_live import live_values

CONNECTOR_TYPES = [
    ("type1", "Type 1 (J1772)"),
    ("type2", "Type 2 (Mennekes)"),
    ("ccs1", "CCS1"),
    ("ccs2", "CCS2"),
    ("chademo", "CHAdeMO"),
    ("nacs", "NACS (SAE J3400)"),
    ("gbt_ac", "GB/T AC"),
    ("gbt_dc", "GB/T DC"),
]
STATUSES = [(s, s) for s in ev_ocpp.STATUSES_201]


class EvConnector(models.Model):
    _name = "ev.connector"
    _description = "Connector"
    _order = "charger_id, evse_number, connector_number"

    evse_id = fields.Many2one("ev.evse", string="EVSE", required=True, ondelete="cascade", index=True)
    evse_number = fields.Integer(related="evse_id.evse_number", store=True)
    connector_number = fields.Integer(
        "Connector id",
        required=True,
        default=1,
        help="OCPP 2.0.1 connectorId within its EVSE (restarts at 1 per EVSE).",
    )
    charger_id = fields.Many2one(related="evse_id.charger_id", store=True, index=True)
    site_id = fields.Many2one(related="evse_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="evse_id.company_id", store=True, index=True)
    connector_type = fields.Selection(CONNECTOR_TYPES, string="Type")
    max_kw = fields.Float("Max power (kW)", digits=(10, 1))
    status = fields.Selection(STATUSES, readonly=True, index=True)
    status_since = fields.Datetime(readonly=True)
    error_code = fields.Char(readonly=True)
    history_ids = fields.One2many("ev.status.history", "connector_id", string="Status history")
    active_session_id = fields.Many2one("ev.session", compute="_compute_active_session")

    _sql_constraints = [
        ("connector_uniq", "unique(evse_id, connector_number)", "This EVSE already has a connector with this id."),
        ("connector_positive", "CHECK (connector_number >= 1)", "Connector ids start at 1."),
    ]

    def _compute_display_name(self):
        for conn in self:
            conn.display_name = f"{conn.charger_id.identity} / {conn.evse_number}-{conn.connector_number}" + (
                f" {dict(CONNECTOR_TYPES)[conn.connector_type]}" if conn.connector_type else ""
            )

    def _compute_active_session(self):
        sessions = self.env["ev.session"].search([("connector_id", "in", self.ids), ("state", "=", "active")])
        for conn in self:
            conn.active_session_id = sessions.filtered(lambda s, conn=conn: s.connector_id == conn)[:1]

    @api.model
    def _apply_status(
        self,
        connector,
        status,
        when,
        error_code=None,
        vendor_error_code=None,
        vendor_id=None,
        info=None,
        raw_status=None,
    ):
        """Record ``status`` from ``when`` on in the connector's history.

        A new period starts when the status, the reported status (``raw_status``: the 1.6 sub-states
        Preparing, Charging, SuspendedEV, SuspendedEVSE and Finishing are all Occupied) or the error
        code changes. Works for late (out-of-order) events too: the period that contains ``when`` is
        split, the later part takes the new status and keeps the old end. Returns the history line, or
        an empty recordset when nothing changed.
        """
        History = self.env["ev.status.history"].sudo()
        period = History.search(
            [
                ("connector_id", "=", connector.id),
                ("date_start", "<=", when),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", when),
            ],
            order="date_start desc",
            limit=1,
        )
        reported = raw_status or status
        if (
            period
            and period.status == status
            and (period.ocpp_status or period.status) == reported
            and (period.error_code or False) == (error_code or False)
        ):
            return History
        vals = {
            "connector_id": connector.id,
            "status": status,
            "ocpp_status": reported,
            "date_start": when,
            "date_end": self._status_split(connector, period, when),
            "error_code": error_code or False,
            "vendor_error_code": vendor_error_code or False,
            "vendor_id": vendor_id or False,
            "info": info or False,
        }
        line = History.create(vals)
        if not line.date_end:
            connector._status_now(line)
        return line

    @api.model
    def _status_split(self, connector, period, when):
        """Make room at ``when`` for a new period; returns where the new period ends (False: it is current)."""
        if period:
            end = period.date_end
            if period.date_start == when:
                period.unlink()
            else:
                period.date_end = when
            return end
        # earlier than any known period: runs until the next known period starts
        nxt = (
            self.env["ev.status.history"]
            .sudo()
            .search([("connector_id", "=", connector.id), ("date_start", ">", when)], order="date_start", limit=1)
        )
        return nxt.date_start if nxt else False

    def _status_now(self, line):
        """The current period ``line`` is the connector's status (and opens a fault episode)."""
        self.ensure_one()
        vals = {"status": line.status, "error_code": line.error_code or False}
        if self.status != line.status or not self.status_since:
            vals["status_since"] = line.date_start  # a 1.6 sub-state (Preparing -> Charging) stays Occupied since
        previous = self.status
        self.sudo().write(vals)
        self.env["ev.live"]._queue(self)
        self.env["ev.live"]._queue(self.charger_id)
        if line.status == "Faulted":
            self._on_fault(line)
        elif previous == "Faulted":
            self.env["ev.notification.event"]._notify(
                self.charger_id, "recovery", line.date_start, connector=self, detail=line.status
            )

    def _ev_live_fields(self):
        """Fields the live updates carry (ev.live)."""
        return ["charger_id", "status", "status_since", "error_code"]

    def _ev_live_values(self):
        return live_values(self, self._ev_live_fields())

    def _on_fault(self, history_line):
        """A connector went Faulted: tell the site's followers and open a field task once per episode."""
        charger = self.charger_id
        title = _(
            "Fault on %(connector)s: %(code)s",
            connector=self.display_name,
            code=history_line.error_code or history_line.vendor_error_code or _("no error code"),
        )
        self.env["ev.notification.event"]._notify(
            charger,
            "fault",
            history_line.date_start,
            connector=self,
            detail=history_line.error_code or history_line.vendor_error_code or history_line.info or "",
        )
        if self.env["ir.config_parameter"].sudo().get_param("ev_charging.fault_creates_task"):
            open_task = (
                self.env["project.task"]
                .sudo()
                .search(
                    [("ev_charger_id", "=", charger.id), ("ev_connector_id", "=", self.id), ("is_closed", "=", False)],
                    limit=1,
                )
            )
            if not open_task:
                vals = charger._field_task_vals(title, history_line.info or "")
                vals["ev_connector_id"] = self.id
                # the site's responsible technician (nobody rather than whoever's action caused the fault)
                vals["user_ids"] = [(6, 0, charger.site_id.technician_id.ids)]
                self.env["project.task"].sudo().create(vals)

    def _command(self, action, params):
        return self.env["ev.charger.command"].create_and_send(self.charger_id, action, params, self)

    def action_unlock(self):
        self.ensure_one()
        require_command_rights(self, _("unlock a connector"))
        return self._command("UnlockConnector", {"evseId": self.evse_number, "connectorId": self.connector_number})

    def action_make_unavailable(self):
        self.ensure_one()
        require_command_rights(self, _("change a connector's availability"))
        return self._command(
            "ChangeAvailability",
            {
                "operationalStatus": "Inoperative",
                "evse": {"id": self.evse_number, "connectorId": self.connector_number},
            },
        )

    def action_make_available(self):
        self.ensure_one()
        require_command_rights(self, _("change a connector's availability"))
        return self._command(
            "ChangeAvailability",
            {"operationalStatus": "Operative", "evse": {"id": self.evse_number, "connectorId": self.connector_number}},
        )

    def action_remote_start(self):
        self.ensure_one()
        require_command_rights(self, _("start a session remotely"))
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.remote.start.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_connector_id": self.id},
        }
