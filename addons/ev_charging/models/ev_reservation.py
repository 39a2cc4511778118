"""Reservations (OCPP 2.0.1 block H, 1.6 Reservation profile): a connector (or any connector of the
station) held for one id token until an expiry time.

Life of a reservation::

    draft --action_send--> requested --station Accepted--> reserved --+--> used      (a transaction with its id)
                              |  \\--station refused--> rejected        +--> cancelled (CancelReservation accepted)
                              \\--not delivered--> failed               +--> expired   (2.0.1 ReservationStatusUpdate
                                                                       |               Expired, or the expiry passed)
                                                                       +--> removed   (2.0.1 ReservationStatusUpdate
                                                                                       Removed)

The reservation's id is its OCPP ``reservationId``. The station reports the connector Reserved
(StatusNotification) while it holds it. 1.6 has no message for an expired reservation: a cron closes
reservations whose expiry passed.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import ev_local_list
from .ev_access import require_command_rights

STATES = [
    ("draft", "Draft"),
    ("requested", "Requested"),
    ("reserved", "Reserved"),
    ("used", "Used"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
    ("removed", "Removed by the station"),
    ("rejected", "Refused by the station"),
    ("failed", "Not delivered"),
]
#: a reservation the station holds (or is being asked to hold)
ACTIVE = ("requested", "reserved")
#: what only the station's answers (and Odoo itself) change
PROTECTED = frozenset(
    {"state", "status_answer", "note", "session_id", "reserve_command_id", "cancel_command_id", "ended_at"}
)
#: the reservation itself, editable while it is a draft
EDITABLE_IN_DRAFT = frozenset({"charger_id", "connector_id", "id_token_id", "expiry"})
DEFAULT_MINUTES = 30
#: the request must reach the station before the reservation ends
MIN_SECONDS = 10
#: system parameter ev_charging.reservation_max_hours
MAX_HOURS = 24


class EvReservation(models.Model):
    _name = "ev.reservation"
    _description = "Connector reservation"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    ocpp_version = fields.Selection(related="charger_id.ocpp_version")
    connector_id = fields.Many2one(
        "ev.connector",
        check_company=True,
        domain="[('charger_id', '=', charger_id)]",
        help="The connector (its EVSE) to hold. Empty: any connector of the station (1.6 connector 0).",
    )
    id_token_id = fields.Many2one(
        "ev.id.token", string="Id token", required=True, index=True, ondelete="restrict", check_company=True
    )
    partner_id = fields.Many2one(related="id_token_id.partner_id", string="Driver")
    expiry = fields.Datetime(
        required=True,
        default=lambda self: fields.Datetime.now() + timedelta(minutes=DEFAULT_MINUTES),
        help="Until when the station holds the connector (stored UTC, shown in your timezone).",
    )
    state = fields.Selection(STATES, required=True, default="draft", readonly=True, index=True)
    status_answer = fields.Char("Station's answer", readonly=True)
    note = fields.Char(readonly=True)
    session_id = fields.Many2one("ev.session", readonly=True, check_company=True, index=True)
    reserve_command_id = fields.Many2one("ev.charger.command", readonly=True, check_company=True, index=True)
    cancel_command_id = fields.Many2one("ev.charger.command", readonly=True, check_company=True, index=True)
    requested_by = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    ended_at = fields.Datetime(readonly=True)

    @api.depends("charger_id.identity")
    def _compute_name(self):
        for res in self:
            res.name = _("Reservation %(id)s on %(charger)s", id=res.id or "-", charger=res.charger_id.identity or "")

    @api.constrains("connector_id", "charger_id")
    def _check_connector(self):
        for res in self:
            if res.connector_id and res.connector_id.charger_id != res.charger_id:
                raise ValidationError(
                    _(
                        "Connector %(connector)s is not a connector of %(charger)s.",
                        connector=res.connector_id.display_name,
                        charger=res.charger_id.identity,
                    )
                )

    # --- the station's answers are not the user's to write ------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                for name in PROTECTED | {"requested_by"}:
                    vals.pop(name, None)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if PROTECTED.intersection(vals) or "requested_by" in vals:
                raise AccessError(_("A reservation's state is set by the station's answers; use Reserve or Cancel."))
            if EDITABLE_IN_DRAFT.intersection(vals) and any(res.state != "draft" for res in self):
                raise UserError(_("Only a draft reservation can be changed: cancel it and reserve again."))
        return super().write(vals)

    # --- sending ---------------------------------------------------------------------------
    @api.model
    def _max_hours(self):
        value = self.env["ir.config_parameter"].sudo().get_param("ev_charging.reservation_max_hours", MAX_HOURS)
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return MAX_HOURS

    def _check_can_send(self):
        """UserError saying what to fix when this reservation cannot be sent."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.state != "draft":
            raise UserError(_("%(name)s was already sent (%(state)s).", name=self.name, state=self.state))
        if self.expiry <= now + timedelta(seconds=MIN_SECONDS):
            raise UserError(_("The expiry time must be at least %s seconds from now.", MIN_SECONDS))
        if self.expiry > now + timedelta(hours=self._max_hours()):
            raise UserError(
                _("A reservation lasts at most %s hours: choose an earlier expiry time.", self._max_hours())
            )
        token = self.id_token_id.sudo()
        # what the station would be told for this token (ev_billing adds its wallet policy)
        status = token._bridge_auth_answer(self.charger_id.sudo())["status"] if token.active else _("archived")
        if status != "Accepted":
            raise UserError(
                _(
                    "Id token %(token)s is not accepted at this station (%(status)s): only a token the station "
                    "would accept can hold a reservation.",
                    token=token.value,
                    status=status,
                )
            )
        if self.ocpp_version == "1.6" and len(token.value) > ev_local_list.MAX_TAG_16:
            raise UserError(_("Id token %s is longer than the 20 characters an OCPP 1.6 station accepts.", token.value))
        self._check_no_overlap()

    def _check_no_overlap(self):
        active = self.sudo().search([("state", "in", ACTIVE), ("expiry", ">", fields.Datetime.now())])
        same_token = active.filtered(lambda r: r.id_token_id == self.id_token_id)
        if same_token:
            raise UserError(
                _(
                    "Id token %(token)s already holds %(other)s until %(until)s: cancel it first.",
                    token=self.id_token_id.value,
                    other=same_token[0].name,
                    until=same_token[0].expiry,
                )
            )
        same_place = active.filtered(
            lambda r: (
                r.charger_id == self.charger_id
                and (not r.connector_id or not self.connector_id or r.connector_id == self.connector_id)
            )
        )
        if same_place:
            raise UserError(
                _(
                    "%(place)s is already reserved (%(other)s, until %(until)s).",
                    place=self.connector_id.display_name or self.charger_id.identity,
                    other=same_place[0].name,
                    until=same_place[0].expiry,
                )
            )

    def _reserve_params(self):
        token = self.id_token_id.sudo()
        params = {
            "id": self.id,
            "expiryDateTime": self.expiry.isoformat(timespec="seconds") + "Z",
            "idToken": {"idToken": token.value, "type": token.token_type},
        }
        if self.connector_id:
            params["evseId"] = self.connector_id.evse_number
        if token.group_token:
            params["groupIdToken"] = {"idToken": token.group_token, "type": "Central"}
        return params

    def action_send(self):
        """Ask the station to hold the connector (ReserveNow). EV User and up, on a charger they may
        read; returns the action showing the station's answer."""
        self.ensure_one()
        require_command_rights(self.charger_id, _("reserve a connector"))
        self.check_access("write")
        self._check_can_send()

        def link(cmd):
            self.sudo().write({"state": "requested", "reserve_command_id": cmd.id})

        cmd = self.env["ev.charger.command"]._ev_send_linked(
            self.charger_id, "ReserveNow", self._reserve_params(), link, self.connector_id or None
        )
        return cmd._open_action()

    def action_cancel(self):
        """Cancel: a draft at once, a reservation the station holds with CancelReservation."""
        self.ensure_one()
        require_command_rights(self.charger_id, _("cancel a reservation"))
        self.check_access("write")
        if self.state == "draft":
            self.sudo().write({"state": "cancelled", "ended_at": fields.Datetime.now()})
            return True
        if self.state not in ACTIVE:
            raise UserError(_("%(name)s is %(state)s: nothing to cancel.", name=self.name, state=self.state))

        def link(cmd):
            self.sudo().cancel_command_id = cmd.id

        cmd = self.env["ev.charger.command"]._ev_send_linked(
            self.charger_id, "CancelReservation", {"reservationId": self.id}, link
        )
        return cmd._open_action()

    # --- what the station says ---------------------------------------------------------------
    @api.model
    def _on_reserve_answer(self, commands):
        for res in self.search([("reserve_command_id", "in", commands.ids)]):
            cmd = res.reserve_command_id
            if res.state != "requested":
                continue  # already used, expired... before the answer came back
            if cmd.state == "accepted":
                res.write({"state": "reserved", "status_answer": cmd.result_status, "note": False})
            elif cmd.state == "rejected":
                res.write(
                    {
                        "state": "rejected",
                        "status_answer": cmd.result_status,
                        "note": _("The station answered %s.", cmd.result_status or "?"),
                        "ended_at": fields.Datetime.now(),
                    }
                )
            else:
                res.write({"state": "failed", "note": cmd.error or cmd.state, "ended_at": fields.Datetime.now()})

    @api.model
    def _on_cancel_answer(self, commands):
        for res in self.search([("cancel_command_id", "in", commands.ids)]):
            cmd = res.cancel_command_id
            if cmd.state == "accepted":
                if res.state in ACTIVE:
                    res.write({"state": "cancelled", "ended_at": fields.Datetime.now(), "note": False})
            elif cmd.state == "rejected":
                res.note = _("The station holds no reservation %s (it may have expired or been used).", res.id)
            else:
                res.note = _("Cancel not delivered: %s", cmd.error or cmd.state)

    def _station_update(self, status, when):
        """2.0.1 ReservationStatusUpdate: Expired or Removed."""
        state = {"Expired": "expired", "Removed": "removed"}.get(status)
        if not state:
            raise ValueError(f"reservationUpdateStatus {status!r} is not Expired or Removed")
        for res in self.filtered(lambda r: r.state in ACTIVE):
            res.write({"state": state, "ended_at": when, "status_answer": status})

    def _consume(self, session, when):
        """A transaction started with this reservation's id."""
        for res in self.filtered(lambda r: r.state in (*ACTIVE, "expired")):
            res.write({"state": "used", "session_id": session.id, "ended_at": when})

    @api.model
    def _cron_expire(self):
        """Reservations whose expiry passed (1.6 stations never tell)."""
        now = fields.Datetime.now()
        stale = self.sudo().search([("state", "in", ACTIVE), ("expiry", "<=", now)], limit=5000)
        stale.write({"state": "expired", "ended_at": now, "note": _("The expiry time passed.")})
        return True
