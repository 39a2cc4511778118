import re

from passlib.context import CryptContext

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import ev_ocpp
from .ev_access import MANAGER, TECHNICIAN, require_command_rights, require_records
from .ev_bulk import set_fillfactor
from .ev_live import live_values

#: OCPP 2.0.1 identity: an identifierString (printable ASCII without the URL-reserved characters
#: that would break the /ocpp/{id} path), at most 48 characters. Case-sensitive.
IDENTITY_RE = re.compile(r"^[A-Za-z0-9*\-_=+|@.]{1,48}$")

BASIC_AUTH_CTX = CryptContext(schemes=["pbkdf2_sha256"])

CONNECTION_STATES = [("connected", "Connected"), ("disconnected", "Disconnected"), ("never", "Never connected")]
REGISTRATION_STATES = [("accepted", "Accepted"), ("pending", "Pending"), ("rejected", "Rejected")]
CHARGER_STATUSES = [(s, s) for s in ev_ocpp.STATUSES_201]


class EvCharger(models.Model):
    _name = "ev.charger"
    _description = "Charging station"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "site_id, identity"
    _rec_name = "identity"
    _rec_names_search = ["identity", "name", "serial_number"]
    _check_company_auto = True

    identity = fields.Char(
        "Charge point ID",
        required=True,
        tracking=True,
        index=True,
        help="The OCPP identity the station connects with (/ocpp/<identity>). Case-sensitive.",
    )
    name = fields.Char("Label", help="Name shown to staff and drivers, e.g. 'North bay 2'.")
    active = fields.Boolean(default=True)
    site_id = fields.Many2one(
        "ev.site", required=True, index=True, tracking=True, check_company=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="site_id.company_id", store=True, index=True)
    tz = fields.Selection(related="site_id.tz")
    model_id = fields.Many2one("ev.charger.model", tracking=True)
    manufacturer_id = fields.Many2one(related="model_id.manufacturer_id", store=True)
    vendor_reported = fields.Char("Vendor (reported)", readonly=True, help="chargePointVendor / vendorName at boot.")
    model_reported = fields.Char("Model (reported)", readonly=True)
    serial_number = fields.Char(tracking=True)
    firmware_version = fields.Char(tracking=True)
    ocpp_version = fields.Selection(
        [("1.6", "OCPP 1.6"), ("2.0.1", "OCPP 2.0.1")],
        string="OCPP version",
        required=True,
        default="2.0.1",
        tracking=True,
    )
    security_profile = fields.Selection(
        [
            ("0", "0 - none"),
            ("1", "1 - Basic auth, ws"),
            ("2", "2 - Basic auth, TLS"),
            ("3", "3 - TLS client certificate"),
        ],
        required=True,
        default="2",
        tracking=True,
    )
    password_hash = fields.Char(
        groups="ev_charging.group_ev_manager,ev_charging.group_ev_bridge", copy=False, readonly=True
    )
    has_password = fields.Boolean(compute="_compute_has_password")
    registration_status = fields.Selection(
        REGISTRATION_STATES,
        required=True,
        default="accepted",
        tracking=True,
        help="Answer to the station's BootNotification.",
    )
    heartbeat_interval = fields.Integer(default=300, help="Seconds, sent to the station at boot.")
    relaxed_validation = fields.Boolean(
        help="Let schema-invalid messages from this station through (recorded "
        "in the message log). For stations whose firmware breaks the schema."
    )
    connection_state = fields.Selection(CONNECTION_STATES, default="never", required=True, readonly=True, tracking=True)
    last_seen = fields.Datetime(readonly=True, help="Last message received from the station (UTC).")
    last_boot = fields.Datetime(readonly=True)
    node_id = fields.Many2one(
        "ev.bridge.node",
        string="Bridge node",
        readonly=True,
        help="Bridge node currently holding the station's connection.",
    )
    last_meter_wh = fields.Float(
        "Last register (Wh)",
        readonly=True,
        digits=(16, 3),
        help="Last Energy.Active.Import.Register value seen; guards against meter starts of 0 on cumulative registers.",
    )
    register_kind = fields.Selection(
        [("auto", "Detect"), ("cumulative", "Cumulative (lifetime)"), ("per_transaction", "Per transaction")],
        string="Energy register",
        default="auto",
        required=True,
        help="How the station's Energy.Active.Import.Register counts. Detect: cumulative once a session "
        "reported a meter start above 0.",
    )
    register_learnt = fields.Boolean(
        readonly=True,
        help="A session of this station reported a meter start above 0: its register counts a lifetime (cumulative).",
    )
    station_status = fields.Char(
        readonly=True,
        help="Status of the station as a whole, as it reported it (1.6 connector 0, 2.0.1 EVSE 0).",
    )
    firmware_status = fields.Char(readonly=True)
    diagnostics_status = fields.Char("Log upload status", readonly=True)
    connected_since = fields.Datetime(readonly=True)
    disconnected_at = fields.Datetime("Disconnected since", readonly=True)
    offline_alerted = fields.Boolean(
        readonly=True, help="An offline notification was sent for the current disconnection (back online is told)."
    )
    connection_history_ids = fields.One2many("ev.connection.history", "charger_id", string="Connection history")
    uptime_ids = fields.One2many("ev.uptime.monthly", "charger_id", string="Monthly uptime")
    availability_month = fields.Float(
        "Availability this month (%)",
        compute="_compute_availability_month",
        digits=(6, 2),
        help="Online share of this month so far (site time), live: connected with no connector faulted or unavailable.",
    )
    availability_month_excl_faults = fields.Float(
        "Availability without faults (%)", compute="_compute_availability_month", digits=(6, 2)
    )
    evse_ids = fields.One2many("ev.evse", "charger_id", string="EVSEs")
    connector_ids = fields.One2many("ev.connector", "charger_id", string="Connectors")
    status = fields.Selection(
        CHARGER_STATUSES,
        compute="_compute_status",
        store=True,
        help="Worst status of its connectors (Faulted > Unavailable > Occupied > Reserved > Available).",
    )
    session_ids = fields.One2many("ev.session", "charger_id")
    session_count = fields.Integer(compute="_compute_session_count")
    command_ids = fields.One2many("ev.charger.command", "charger_id")
    task_ids = fields.One2many("project.task", "ev_charger_id", string="Field tasks")

    _sql_constraints = [
        ("identity_uniq", "unique(identity)", "Another charger already uses this charge point ID."),
        ("heartbeat_positive", "CHECK (heartbeat_interval > 0)", "The heartbeat interval must be positive."),
    ]

    def init(self):
        # updated by every ingestion batch (its readings, times, registers): room for HOT updates
        set_fillfactor(self.env.cr, "ev_charger", 80)

    @api.model_create_multi
    def create(self, vals_list):
        chargers = super().create(vals_list)
        self.env["ev.notification.subscription"]._sync_for_new_chargers(chargers)
        return chargers

    @api.constrains("identity")
    def _check_identity(self):
        for charger in self:
            if not IDENTITY_RE.match(charger.identity or ""):
                raise ValidationError(
                    _(
                        "Charge point ID %r is not valid: use 1 to 48 characters among letters, digits and "
                        "* - _ = + | @ . (no spaces, no slashes).",
                        charger.identity,
                    )
                )

    @api.depends("password_hash")
    def _compute_has_password(self):
        for charger in self.sudo():
            charger.has_password = bool(charger.password_hash)

    @api.depends("connector_ids.status")
    def _compute_status(self):
        rank = {"Faulted": 5, "Unavailable": 4, "Occupied": 3, "Reserved": 2, "Available": 1}
        for charger in self:
            statuses = charger.connector_ids.mapped("status")
            charger.status = max(statuses, key=lambda s: rank.get(s, 0)) if statuses else False

    def _compute_availability_month(self):
        live = self.env["ev.uptime.monthly"]._live_for_chargers(self)
        for charger in self:
            result = live.get(charger.id)
            charger.availability_month = float(result.availability_percent or 0) if result else 0.0
            charger.availability_month_excl_faults = (
                float(result.availability_excl_faults_percent or 0) if result else 0.0
            )

    def _ev_live_fields(self):
        """Fields the live updates carry (ev.live)."""
        return ["site_id", "connection_state", "status", "station_status", "last_seen", "connected_since"]

    def _ev_live_values(self):
        return live_values(self, self._ev_live_fields())

    def _compute_session_count(self):
        counts = dict(self.env["ev.session"]._read_group([("charger_id", "in", self.ids)], ["charger_id"], ["__count"]))
        for charger in self:
            charger.session_count = counts.get(charger, 0)

    def _compute_display_name(self):
        for charger in self:
            charger.display_name = f"{charger.identity} ({charger.name})" if charger.name else charger.identity

    # --- Basic auth password (stored only as a hash) ---------------------------------------
    def set_basic_auth_password(self, password):
        """Hash and store the station's Basic-auth password (OCPP: 16 to 40 characters).

        EV Managers only (the password wizard is the UI path), on chargers they may write: whoever
        sets the password can impersonate the station."""
        require_records(self, "write", MANAGER, _("set a station's password"))
        if not isinstance(password, str) or not 16 <= len(password) <= 40:
            raise ValidationError(
                _("The station password must be 16 to 40 characters long (OCPP security profile 1/2).")
            )
        self.sudo().write({"password_hash": BASIC_AUTH_CTX.hash(password)})
        return True

    def _check_basic_auth_password(self, password):
        """Whether ``password`` is the station's password. Private: over RPC it would be a password
        oracle (the bridge verifies the hash it gets from bridge_station itself)."""
        self.ensure_one()
        hashed = self.sudo().password_hash
        return bool(hashed and password and BASIC_AUTH_CTX.verify(password, hashed))

    def _register_kind_known(self):
        """'cumulative' or 'per_transaction' when configured or learnt (a session reported a meter
        start above 0: the register counts a lifetime), else None (let the energy rules judge)."""
        self.ensure_one()
        if self.register_kind != "auto":
            return self.register_kind
        return "cumulative" if self.register_learnt else None

    def _learn_meter_start(self, value):
        """A reported meter start above 0 shows the register is cumulative."""
        if value and value > 0 and not self.register_learnt:
            self.sudo().register_learnt = True

    # --- Connectors -----------------------------------------------------------------------
    def _get_connector(self, evse_id, connector_id, create=True):
        """Return the ev.connector for (EVSE id, connector id), creating both on first sight."""
        self.ensure_one()
        evse_id, connector_id = int(evse_id), int(1 if connector_id is None else connector_id)
        if evse_id < 1 or connector_id < 1:
            raise ValidationError(
                _(
                    "EVSE and connector ids start at 1 (got EVSE %(evse)s, connector %(connector)s).",
                    evse=evse_id,
                    connector=connector_id,
                )
            )
        connector = self.connector_ids.filtered(
            lambda c: c.evse_id.evse_number == evse_id and c.connector_number == connector_id
        )
        if connector or not create:
            return connector[:1]
        evse = self.evse_ids.filtered(lambda e: e.evse_number == evse_id)[:1]
        if not evse:
            evse = self.env["ev.evse"].sudo().create({"charger_id": self.id, "evse_number": evse_id})
        return self.env["ev.connector"].sudo().create({"evse_id": evse.id, "connector_number": connector_id})

    # --- Bridge API -----------------------------------------------------------------------
    @api.model
    def bridge_station(self, identity):
        """Station facts the bridge needs at the handshake (see INGESTION.md §2)."""
        self._check_bridge_access()
        charger = self.sudo().search([("identity", "=", identity)], limit=1)
        return charger._bridge_station_facts() if charger else False

    @api.model
    def bridge_stations(self, identities):
        """Many stations in one call: {identity: facts} for the known ones (unknown ones are absent).
        Lets the bridge coalesce the lookups of many simultaneous handshakes."""
        self._check_bridge_access()
        if not isinstance(identities, (list, tuple)) or len(identities) > 5000:
            raise ValidationError(_("bridge_stations() takes a list of at most 5000 identities."))
        chargers = self.sudo().search([("identity", "in", [i for i in identities if isinstance(i, str)])])
        return {c.identity: c._bridge_station_facts() for c in chargers}

    @api.model
    def bridge_max_transaction_id(self, node_number):
        """Contract F: the highest OCPP 1.6 transaction id issued under ``node_number`` (ids are
        ``node_number << 27 | counter``) among the sessions of 1.6 stations, 0 if none. The bridge
        seeds its counter above it at start, so ids are never reissued, even after its outbox
        file was lost."""
        self._check_bridge_access()
        if isinstance(node_number, bool) or not isinstance(node_number, int) or not 0 <= node_number <= 15:
            raise ValidationError(_("bridge_max_transaction_id() takes a node number between 0 and 15."))
        self.env["ev.session"].flush_model(["transaction_id", "charger_id"])
        self.env.cr.execute(
            """
            SELECT max(t.tx)
              FROM (
                    SELECT CASE WHEN s.transaction_id ~ '^[0-9]{1,10}$' THEN s.transaction_id::bigint END AS tx
                      FROM ev_session s
                      JOIN ev_charger c ON c.id = s.charger_id
                     WHERE c.ocpp_version = '1.6'
                   ) t
             WHERE t.tx >> 27 = %s
            """,
            [node_number],
        )
        return int(self.env.cr.fetchone()[0] or 0)

    def _bridge_station_facts(self):
        charger = self.sudo()
        return {
            "identity": charger.identity,
            "registration_status": charger.registration_status,
            "security_profile": int(charger.security_profile),
            "password_hash": charger.password_hash or False,
            "heartbeat_interval": charger.heartbeat_interval,
            "relaxed_validation": charger.relaxed_validation,
            "ocpp_version": charger.ocpp_version,
        }

    def _check_bridge_access(self):
        if not (
            self.env.is_superuser()
            or self.env.user.has_group("ev_charging.group_ev_bridge")
            or self.env.user.has_group("ev_charging.group_ev_manager")
        ):
            raise ValidationError(_("Only the OCPP bridge user may call this method."))

    # --- Buttons ---------------------------------------------------------------------------
    def action_view_sessions(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_session_action")
        action["domain"] = [("charger_id", "=", self.id)]
        return action

    def action_view_commands(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_charger_command_action")
        action["domain"] = [("charger_id", "=", self.id)]
        return action

    def action_view_messages(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_ocpp_message_action")
        action["domain"] = [("charger_id", "=", self.id)]
        return action

    def action_view_connections(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_connection_history_action")
        action["domain"] = [("charger_id", "=", self.id)]
        return action

    def action_view_uptime(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_uptime_monthly_action")
        action["domain"] = [("charger_id", "=", self.id)]
        return action

    def action_view_tasks(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("project.action_view_all_task")
        action["domain"] = [("ev_charger_id", "=", self.id)]
        action["context"] = {"default_ev_charger_id": self.id}
        return action

    def _command(self, action, params=None, connector=None, session=None):
        return self.env["ev.charger.command"].create_and_send(self, action, params or {}, connector, session)

    def action_reset_soft(self):
        require_command_rights(self, _("reset a station"))
        return self._command("Reset", {"type": "OnIdle"})

    def action_reset_hard(self):
        require_command_rights(self, _("reset a station"))
        return self._command("Reset", {"type": "Immediate"})

    def action_trigger_status(self):
        require_command_rights(self, _("ask a station for its status"))
        return self._command("TriggerMessage", {"requestedMessage": "StatusNotification"})

    def action_clear_cache(self):
        require_command_rights(self, _("clear a station's authorization cache"))
        return self._command("ClearCache", {})

    def action_set_password(self):
        self.ensure_one()
        require_records(self, "write", MANAGER, _("set a station's password"))
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.charger.password.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_charger_id": self.id},
        }

    def action_create_task(self):
        self.ensure_one()
        require_records(self, "read", TECHNICIAN, _("open a field task"))
        task = self.env["project.task"].create(self._field_task_vals(_("Inspect %s", self.display_name)))
        return {
            "type": "ir.actions.act_window",
            "res_model": "project.task",
            "res_id": task.id,
            "view_mode": "form",
            "target": "current",
        }

    def _field_task_vals(self, title, description=""):
        project = self.env.ref("ev_charging.project_field_service", raise_if_not_found=False)
        return {
            "name": title,
            "description": description,
            "project_id": project.id
            if project and project.company_id in (self.company_id, self.env["res.company"])
            else False,
            "ev_charger_id": self.id,
            "company_id": self.company_id.id,
        }
