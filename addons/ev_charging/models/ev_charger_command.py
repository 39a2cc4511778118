"""Remote commands: Odoo's record of an OCPP call to a station (INGESTION.md §4, contracts C-E).

No network I/O happens inside a database transaction:

* an operator's command is queued; after the transaction commits, a ``cr.postcommit`` callback
  wakes the node holding the station up (``POST <node url>/commands/wake``, no secret, ids only)
  and waits for the node to report the station's answer; the button returns an action that opens
  the command, so the operator still sees the answer at once;
* commands created by ingestion or a cron (CostUpdated) are only queued: the node picks them up
  with its next ingest batch (``ev.ocpp.event.ingest_and_pull``) or its poll;
* the node pulls queued commands through its own authenticated channel (``bridge_pull``) and
  reports each answer with ``bridge_result``.
"""

import logging
import time
from datetime import timedelta

import requests

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import ev_ocpp
from .ev_bulk import lock_free_rows

_logger = logging.getLogger(__name__)


def _is_id(value):
    """A record id as XML-RPC carries it (an int; a boolean is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


#: generic (OCPP 2.0.1) action names; the bridge translates to 1.6 where needed
COMMAND_ACTIONS = [
    ("RequestStartTransaction", "Start charging (RemoteStart)"),
    ("RequestStopTransaction", "Stop charging (RemoteStop)"),
    ("UnlockConnector", "Unlock connector"),
    ("Reset", "Reset"),
    ("ChangeAvailability", "Change availability"),
    ("GetVariables", "Get variables (GetConfiguration)"),
    ("SetVariables", "Set variables (ChangeConfiguration)"),
    ("TriggerMessage", "Trigger message"),
    ("UpdateFirmware", "Update firmware"),
    ("GetLog", "Get log (GetDiagnostics)"),
    ("ClearCache", "Clear authorization cache"),
    ("SetChargingProfile", "Set charging profile"),
    ("ClearChargingProfile", "Clear charging profile"),
    ("CostUpdated", "Running cost to the station (2.0.1)"),
    # remote operations (ev_charger_command_remote.py)
    ("ReserveNow", "Reserve a connector"),
    ("CancelReservation", "Cancel a reservation"),
    ("SendLocalList", "Send the local authorization list"),
    ("GetLocalListVersion", "Get the local list version"),
    ("GetCompositeSchedule", "Get the composite schedule"),
]
COMMAND_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("failed", "Failed"),
    ("timeout", "Timed out"),
]
FINAL_STATES = ("accepted", "rejected", "failed", "timeout")
#: CALLERROR codes by which a station says it does not do an action at all
UNSUPPORTED_CODES = ("NotImplemented", "NotSupported")
#: what each role may ask a station to do (an EV Manager may send anything). Reset is split by
#: type: a soft reset waits for the running session, a hard one stops it.
USER_ACTIONS = frozenset(
    {
        "RequestStartTransaction",
        "RequestStopTransaction",
        "UnlockConnector",
        "TriggerMessage",
        "ChangeAvailability",
        "GetVariables",
        "Reset:OnIdle",
        # remote operations (ev_charger_command_remote.py): reserve for a driver, read-only queries
        "ReserveNow",
        "CancelReservation",
        "GetLocalListVersion",
        "GetCompositeSchedule",
    }
)
TECHNICIAN_ACTIONS = USER_ACTIONS | {"Reset:Immediate", "ClearCache", "GetLog"}
#: a command the node reports no answer for within this delay is closed as timed out
SENT_EXPIRY = timedelta(minutes=10)
MAX_PULL = 5000


class EvChargerCommand(models.Model):
    _name = "ev.charger.command"
    _description = "Remote command to a charging station"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    connector_id = fields.Many2one("ev.connector", check_company=True)
    session_id = fields.Many2one("ev.session", check_company=True)
    action = fields.Selection(COMMAND_ACTIONS, required=True)
    params = fields.Json("Parameters", help="OCPP 2.0.1 request payload.")
    state = fields.Selection(COMMAND_STATES, required=True, default="queued", index=True)
    result = fields.Json(help="The station's answer (or the bridge's error).")
    params_text = fields.Text("Parameters (JSON)", compute="_compute_texts")
    result_text = fields.Text("Answer (JSON)", compute="_compute_texts")
    result_status = fields.Char("Answer", help="status field of the station's answer, e.g. Accepted.")
    error = fields.Char()
    unsupported = fields.Boolean(
        "Not implemented by the station",
        readonly=True,
        index=True,
        help="The station answered NotImplemented or NotSupported: this action is not sent to it again "
        "while it runs the same firmware (Send again forces it).",
    )
    charger_firmware = fields.Char(
        "Station firmware", readonly=True, help="Firmware version when the command was created."
    )
    node_id = fields.Many2one("ev.bridge.node", string="Sent through")
    sent_at = fields.Datetime()
    answered_at = fields.Datetime()
    sent_epoch = fields.Float(digits=(16, 6), readonly=True, help="Send time with sub-second precision (epoch s).")
    latency_ms = fields.Integer(
        "Round trip (ms)", readonly=True, help="From the node's pull until the station's answer was recorded."
    )
    requested_by = fields.Many2one("res.users", default=lambda self: self.env.user)

    def _compute_texts(self):
        for cmd in self:
            cmd.params_text = ev_ocpp.json_text(cmd.params)
            cmd.result_text = ev_ocpp.json_text(cmd.result)

    @api.depends("action", "charger_id")
    def _compute_name(self):
        labels = dict(COMMAND_ACTIONS)
        for cmd in self:
            cmd.name = f"{labels.get(cmd.action, cmd.action)} → {cmd.charger_id.identity or ''}"

    # ------------------------------------------------------------------------------------------
    # Who may send what
    # ------------------------------------------------------------------------------------------
    @api.model
    def _policy_key(self, action, params):
        if action == "Reset":
            kind = (params or {}).get("type") if isinstance(params, dict) else None
            return "Reset:OnIdle" if kind in ("OnIdle", "Soft") else "Reset:Immediate"
        return action

    @api.model
    def _check_operator_allowed(self, action, params):
        """AccessError unless the current user's role may send ``action`` (superuser and sudo
        callers are the system: billing, payments, the bridge)."""
        if self.env.su:
            return
        user = self.env.user
        if user.has_group("ev_charging.group_ev_manager"):
            return
        key = self._policy_key(action, params)
        if user.has_group("ev_charging.group_ev_technician"):
            allowed, role = TECHNICIAN_ACTIONS, _("Field Technician")
        elif user.has_group("ev_charging.group_ev_user"):
            allowed, role = USER_ACTIONS, _("EV User")
        else:
            raise AccessError(_("Only EV Charging staff may send commands to charging stations."))
        if key not in allowed:
            label = dict(COMMAND_ACTIONS).get(action, action)
            if key == "Reset:Immediate":
                label = _("Hard reset")
            raise AccessError(
                _(
                    "An %(role)s may not send '%(action)s' to a station; ask an EV Manager.",
                    role=role,
                    action=label,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # what the station answered is the bridge's to say: a user creates a queued command
            protected = ("state", "result", "result_status", "error", "unsupported", "node_id", "sent_at")
            protected += ("answered_at", "sent_epoch", "latency_ms", "requested_by", "charger_firmware")
            for vals in vals_list:
                self._check_operator_allowed(vals.get("action"), vals.get("params"))
                for name in protected:
                    vals.pop(name, None)
        chargers = self.env["ev.charger"].sudo().browse({v["charger_id"] for v in vals_list if v.get("charger_id")})
        firmware = {c.id: c.firmware_version or False for c in chargers}
        for vals in vals_list:
            vals.setdefault("charger_firmware", firmware.get(vals.get("charger_id"), False))
        return super().create(vals_list)

    # ------------------------------------------------------------------------------------------
    # Creating and sending
    # ------------------------------------------------------------------------------------------
    @api.model
    def create_and_send(self, charger, action, params, connector=None, session=None):
        """An operator's button: queue the command (with the caller's rights), wake the node up
        after commit and wait there for the station's answer; returns an action that opens the
        command (read once the request is done, i.e. with the answer on it)."""
        cmd = self._create_command(charger, action, params, connector, session)
        cmd._wake_after_commit(wait=self._operator_wait())
        return cmd._open_action()

    @api.model
    def create_and_push(self, charger, action, params, connector=None, session=None):
        """Automated flows (e.g. a paid remote start): queue, wake the node up after commit
        without waiting; the answer arrives through ``bridge_result`` (``_on_finished``)."""
        cmd = self._create_command(charger, action, params, connector, session)
        cmd._wake_after_commit(wait=0)
        return cmd

    @api.model
    def _queue_for_station(self, charger, action, params, connector=None, session=None):
        """Ingestion and crons (CostUpdated): queue only, nothing is sent from here; the node
        holding the station takes it with its next ingest batch (``ingest_and_pull``). Returns
        an empty recordset, creating nothing, when the station is not connected or said it
        does not implement ``action``."""
        return self._queue_for_stations([(charger, action, params, connector, session)])[0]

    @api.model
    def _queue_for_stations(self, items):
        """``_queue_for_station`` for many commands at once (one look-up of the refused actions, one
        check per model, one create): ``items`` are (charger, action, params, connector, session);
        returns one command, or an empty recordset, per item."""
        records = {}
        for pos, model in enumerate(("ev.charger", None, None, "ev.connector", "ev.session")):
            if model:
                wanted = [item[pos] for item in items if item[pos]]
                records[model] = {r.id: r for r in self._as_records(model, wanted)}
        refused = self._refused_actions(self.env["ev.charger"].union(*records["ev.charger"].values()))
        queued, vals_list = [], []
        for charger, action, params, connector, session in items:
            station = records["ev.charger"][self._record_id(charger)].sudo()
            if station.connection_state != "connected" or not station.node_id or action in refused.get(station.id, ()):
                queued.append(None)
                continue
            queued.append(len(vals_list))
            vals_list.append(
                {
                    "charger_id": station.id,
                    "action": action,
                    "params": params or {},
                    "connector_id": self._record_id(connector) if connector else False,
                    "session_id": self._record_id(session) if session else False,
                    "node_id": station.node_id.id,
                }
            )
        commands = self.create(vals_list) if vals_list else self.browse()
        return [commands[pos] if pos is not None else self.browse() for pos in queued]

    @api.model
    def _record_id(self, value):
        return value.id if isinstance(value, models.BaseModel) else int(value)

    @api.model
    def _as_records(self, model, values):
        """``_as_record`` for several records or ids at once (each must exist; read-checked together)."""
        ids = list(dict.fromkeys(self._record_id(value) for value in values))
        records = self.env[model].browse(ids).exists()
        if len(records) != len(ids):
            missing = sorted(set(ids) - set(records.ids))
            raise ValidationError(_("Unknown %(model)s %(value)r.", model=model, value=missing[0]))
        records.check_access("read")
        return records

    @api.model
    def _as_record(self, model, value):
        """A record of ``model`` from a record or an id (RPC callers pass ids), read-checked."""
        record = value if isinstance(value, models.BaseModel) else self.env[model].browse(int(value))
        record = record.with_env(self.env).exists()
        if len(record) != 1:
            raise ValidationError(_("Unknown %(model)s %(value)r.", model=model, value=value))
        record.check_access("read")
        return record

    @api.model
    def _command_vals(self, charger, action, params, connector, session):
        return {
            "charger_id": charger.id,
            "action": action,
            "params": params or {},
            "connector_id": self._as_record("ev.connector", connector).id if connector else False,
            "session_id": self._as_record("ev.session", session).id if session else False,
        }

    @api.model
    def _create_command(self, charger, action, params, connector=None, session=None):
        charger = self._as_record("ev.charger", charger)
        cmd = self.create(self._command_vals(charger, action, params, connector, session))
        cmd._route()
        return cmd

    def _route(self):
        """Settle at once what needs no station: not connected (failed), refused before by the
        station (failed), no node URL (queued, the node will pull it). No I/O."""
        refused = self._refused_actions(self.charger_id)
        for cmd in self:
            charger = cmd.charger_id.sudo()
            if cmd._failed_unreachable():
                continue
            if cmd.action in refused.get(charger.id, ()):
                cmd._finish(
                    "failed",
                    {"error": "not implemented by the station"},
                    _(
                        "%(identity)s answered NotImplemented/NotSupported to %(action)s (firmware %(fw)s); not sent. "
                        "Use Send again to try anyway.",
                        identity=charger.identity,
                        action=cmd.action,
                        fw=charger.firmware_version or "?",
                    ),
                )
            else:
                node = charger.node_id
                vals = {"node_id": node.id}
                if not node.url:
                    vals["error"] = _("Bridge node %s has no control URL; it will pull the command.", node.name)
                cmd.sudo().write(vals)

    def _failed_unreachable(self):
        """Settle the command as failed when its station is connected to no bridge node (True)."""
        self.ensure_one()
        charger = self.charger_id.sudo()
        if charger.connection_state == "connected" and charger.node_id:
            return False
        self._finish(
            "failed",
            {"error": "not connected"},
            _("%s is not connected to any bridge node; the command was not sent.", charger.identity),
        )
        return True

    @api.model
    def _operator_wait(self):
        value = self.env["ir.config_parameter"].sudo().get_param("ev_charging.command_timeout", 35)
        try:
            return max(0, min(120, int(value)))
        except (TypeError, ValueError):
            return 35

    def _wake_after_commit(self, wait):
        """Register the node wake-up for after the commit (once per transaction, all commands
        of a node in one request)."""
        wake = self.env.cr.postcommit.data.setdefault("ev_charger_command.wake", {})
        if not wake:
            self.env.cr.postcommit.add(self._make_waker(self.env.registry, wake))
        for cmd in self.sudo():
            if cmd.state != "queued" or not cmd.node_id.url:
                continue
            entry = wake.setdefault(
                cmd.node_id.id, {"url": cmd.node_id.url, "name": cmd.node_id.name, "ids": [], "chargers": [], "wait": 0}
            )
            entry["ids"].append(cmd.id)
            if cmd.charger_id.identity not in entry["chargers"]:
                entry["chargers"].append(cmd.charger_id.identity)
            entry["wait"] = max(entry["wait"], wait)

    @staticmethod
    def _make_waker(registry, wake):
        def waker():
            EvChargerCommand._send_wakeups(registry, dict(wake))

        return waker

    @staticmethod
    def _send_wakeups(registry, wake):
        """Runs after the commit, with no transaction open: one POST per node. A node that does
        not answer leaves its commands queued (it pulls them with its next batch or poll); the
        reason is noted on them in a short transaction of its own. Never raises."""
        for entry in wake.values():
            body = {"ids": entry["ids"], "chargers": entry["chargers"], "wait": entry["wait"]}
            url = entry["url"].rstrip("/") + "/commands/wake"
            try:
                response = requests.post(url, json=body, timeout=entry["wait"] + 5)
                if response.status_code in (200, 202):
                    continue
                reason = f"HTTP {response.status_code} {response.text[:200]}"
            except requests.RequestException as exc:
                reason = str(exc)[:300]
            _logger.warning(
                "bridge node %s did not take the wake-up for commands %s: %s", entry["name"], body["ids"], reason
            )
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["ev.charger.command"].browse(entry["ids"]).exists().filtered(
                        lambda c: c.state == "queued"
                    ).write(
                        {
                            "error": _(
                                "Bridge node %(node)s did not answer the wake-up (%(reason)s); it will pull the "
                                "command with its next poll.",
                                node=entry["name"],
                                reason=reason,
                            )
                        }
                    )
            except Exception:  # noqa: BLE001 - a note that cannot be written must not fail the request
                _logger.exception("could not note the failed wake-up on commands %s", entry["ids"])

    def _open_action(self):
        """What an operator's button shows: for a command settled at once (e.g. the station is
        not connected) a notification with the reason; else the command's form in a dialog, which
        the client reads after the request, i.e. after the postcommit wake-up reported the
        station's answer. Several commands: their list."""
        if len(self) != 1:
            return {
                "type": "ir.actions.act_window",
                "name": _("Remote commands"),
                "res_model": self._name,
                "views": [[False, "list"], [False, "form"]],
                "domain": [("id", "in", self.ids)],
                "target": "current",
            }
        if self.state in FINAL_STATES:
            kind = {"accepted": "success", "rejected": "warning"}.get(self.state, "danger")
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.name,
                    "message": self.error or _("Station answered: %s", self.result_status or self.state),
                    "type": kind,
                    "sticky": kind == "danger",
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": self._name,
            "res_id": self.id,
            "views": [[False, "form"]],
            "target": "new",
        }

    def _payload(self):
        self.ensure_one()
        return {
            "id": self.id,
            "charger": self.charger_id.identity,
            "action": self.action,
            "version": self.charger_id.ocpp_version,
            "params": self.params or {},
        }

    def _finish(self, state, result, error=False):
        self._write_answer(state, result, error)
        self._on_finished()

    def _write_answer(self, state, result, error=False):
        """Store the station's answer (or its absence) on each command of ``self``."""
        status = (result or {}).get("status") if isinstance(result, dict) else False
        code = (result or {}).get("errorCode") if isinstance(result, dict) else False
        now = time.time()
        for cmd in self.sudo():
            cmd.write(
                {
                    "state": state,
                    "result": result,
                    "error": error,
                    "answered_at": fields.Datetime.now(),
                    "result_status": status if isinstance(status, str) else False,
                    "latency_ms": int((now - cmd.sent_epoch) * 1000) if cmd.sent_epoch else 0,
                    "unsupported": state == "failed" and code in UNSUPPORTED_CODES,
                }
            )

    def _on_finished(self):
        """Hook: the command reached a final state (other addons react, e.g. a refused remote start).
        A command the station refused, or that failed or timed out, is a notification
        (ev.notification.event, kind command_failed); the bridge's own CostUpdated is not."""
        Notify = self.env["ev.notification.event"]
        for cmd in self.sudo().filtered(lambda c: c.state in ("rejected", "failed", "timeout")):
            if cmd.action == "CostUpdated":
                continue
            detail = f"{cmd.action}: {cmd.error or cmd.result_status or cmd.state}"
            Notify._notify(
                cmd.charger_id,
                "command_failed",
                cmd.answered_at,
                connector=cmd.connector_id,
                detail=detail,
                command=cmd,
            )
        # the bridge's own running-cost messages change no figure on screen: throttled like a
        # session's progress (a busy network answers hundreds a minute)
        costs = self.sudo().filtered(lambda c: c.action == "CostUpdated")
        self.env["ev.live"]._queue((self.sudo() - costs).charger_id)
        self.env["ev.live"]._queue(costs.charger_id, throttle=True)

    @api.model
    def _refused_actions(self, chargers):
        """{charger id: {actions}} the stations answered NotImplemented/NotSupported to, with the
        firmware they run now (a firmware update makes them worth trying again)."""
        if not chargers:
            return {}
        groups = self.sudo()._read_group(
            [("charger_id", "in", chargers.ids), ("unsupported", "=", True)],
            ["charger_id", "action", "charger_firmware"],
        )
        refused = {}
        for charger, action, firmware in groups:
            if (firmware or False) == (charger.sudo().firmware_version or False):
                refused.setdefault(charger.id, set()).add(action)
        return refused

    def action_resend(self):
        """Queue the command again and wake its node up (an operator's explicit wish: also for a
        station that said it does not implement the action). Returns the command's action."""
        for cmd in self:
            if cmd.state in ("sent", "accepted"):
                raise UserError(_("Command %s was already delivered.", cmd.name))
            self._check_operator_allowed(cmd.action, cmd.params)
        self.sudo().write(
            {
                "state": "queued",
                "error": False,
                "result": False,
                "result_status": False,
                "unsupported": False,
                "answered_at": False,
                "latency_ms": 0,
            }
        )
        for cmd in self:
            if not cmd._failed_unreachable():
                cmd.sudo().node_id = cmd.charger_id.sudo().node_id
        self._wake_after_commit(wait=self._operator_wait() if len(self) == 1 else 0)
        return self._open_action()

    # --- Bridge API -------------------------------------------------------------------------
    @api.model
    def bridge_pull(self, node, identities, ids=None):
        """Queued commands for the stations ``identities`` (``ids``: only those commands); they
        become 'sent' through ``node``. Commands sent more than 10 minutes ago without an answer
        are closed as timed out."""
        self.env["ev.charger"]._check_bridge_access()
        if not isinstance(identities, (list, tuple)) or len(identities) > MAX_PULL:
            raise ValidationError(_("bridge_pull() takes a list of at most %s identities.", MAX_PULL))
        if ids is not None and (
            not isinstance(ids, (list, tuple))
            or len(ids) > MAX_PULL
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        ):
            raise ValidationError(_("bridge_pull(): ids must be a list of at most %s command ids.", MAX_PULL))
        self._expire_unanswered()
        identities = [i for i in identities if isinstance(i, str)]
        if not identities or ids == []:
            return []
        node_rec = self.env["ev.bridge.node"]._get_or_create(node)
        domain = [("state", "=", "queued"), ("charger_id.identity", "in", identities)]
        if ids is not None:
            domain.append(("id", "in", list(ids)))
        cmds = self.sudo().search(domain, order="id")
        # a pull running beside this one (another outbox lane's batch, a wake-up) may hand over the same
        # command: each is handed over once, by whichever locks it, and neither waits nor fails
        locked = set(lock_free_rows(self.env.cr, self._table, cmds.ids))
        cmds = cmds.filtered(lambda c: c.id in locked)
        cmds.write(
            {"state": "sent", "sent_at": fields.Datetime.now(), "sent_epoch": time.time(), "node_id": node_rec.id}
        )
        return [c._payload() for c in cmds]

    @api.model
    def _expire_unanswered(self):
        stale = self.sudo().search(
            [("state", "=", "sent"), ("sent_at", "<", fields.Datetime.now() - SENT_EXPIRY)], limit=1000
        )
        stale = stale.browse(lock_free_rows(self.env.cr, self._table, stale.ids))  # pulls run side by side
        if stale:
            stale._finish("timeout", {"error": "no answer"}, _("The bridge node reported no answer within 10 minutes."))

    @api.model
    def bridge_result(self, command_id, state, result):
        """The bridge reports the station's answer to a command: one item of ``bridge_results``, whose
        refusal is raised (the contract before I)."""
        if isinstance(command_id, str) and command_id.strip().isdigit():
            command_id = int(command_id)
        (answer,) = self.bridge_results([{"id": command_id, "state": state, "result": result}])
        if answer["status"] != "ok":
            raise ValidationError(answer["error"])
        return True

    @api.model
    def bridge_results(self, results):
        """Contract I: the answers of several commands in one call (the bridge reports together the
        answers that came while its previous report was in flight). ``results`` is a list of
        ``{"id", "state", "result"}``; returns one ``{"id", "status"}`` per item in order: ``ok``,
        or ``error`` with ``error`` saying why the item cannot be recorded (an unknown command, a
        state that is not final) - the others are recorded all the same. Bridge user only."""
        self.env["ev.charger"]._check_bridge_access()
        if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
            raise ValidationError(_("bridge_results expects a list of {id, state, result} structs"))
        commands = (
            self.sudo().browse([item["id"] for item in results if _is_id(item.get("id"))]).exists()
        )  # one look-up, and one read of them all (shared prefetch)
        known = {cmd.id: cmd for cmd in commands}
        answers, done = [], self.sudo().browse()
        for item in results:
            cmd, error = self._answered(item.get("id"), item.get("state"), known)
            if error:
                answers.append({"id": item.get("id") or 0, "status": "error", "error": error})
                continue
            cmd._write_answer(
                item["state"], item.get("result") or {}, self._answer_error(item["state"], item.get("result"))
            )
            answers.append({"id": cmd.id, "status": "ok"})
            done |= cmd
        done._on_finished()  # once for all: notifications, hooks, one live update per charger
        return answers

    @api.model
    def _answered(self, command_id, state, known):
        """(the command, False) or (empty, the reason an answer to it cannot be recorded); ``known``:
        {id: command} of the call, looked up together."""
        if state not in FINAL_STATES:
            return self.browse(), _(
                "Command state must be one of %(states)s, got %(state)r", states=", ".join(FINAL_STATES), state=state
            )
        cmd = (known.get(command_id) if _is_id(command_id) else None) or self.browse()
        return cmd, (False if cmd else _("Unknown command id %s", command_id))

    @api.model
    def _answer_error(self, state, result):
        """The error text of an answer: the station's (or the bridge's) ``error``, unless accepted."""
        return ((result or {}).get("error") or False) if isinstance(result, dict) and state != "accepted" else False
