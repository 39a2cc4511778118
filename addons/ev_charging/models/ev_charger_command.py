"""Remote commands: Odoo's record of an OCPP call to a station, pushed to the bridge node holding it."""

import logging
import time

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import ev_ocpp

_logger = logging.getLogger(__name__)

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


class EvChargerCommand(models.Model):
    _name = "ev.charger.command"
    _description = "Remote command to a charging station"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    connector_id = fields.Many2one("ev.connector")
    session_id = fields.Many2one("ev.session")
    action = fields.Selection(COMMAND_ACTIONS, required=True)
    params = fields.Json("Parameters", help="OCPP 2.0.1 request payload.")
    state = fields.Selection(COMMAND_STATES, required=True, default="queued", index=True)
    result = fields.Json(help="The station's answer (or the bridge's error).")
    params_text = fields.Text("Parameters (JSON)", compute="_compute_texts")
    result_text = fields.Text("Answer (JSON)", compute="_compute_texts")
    result_status = fields.Char("Answer", help="status field of the station's answer, e.g. Accepted.")
    error = fields.Char()
    node_id = fields.Many2one("ev.bridge.node", string="Sent through")
    sent_at = fields.Datetime()
    answered_at = fields.Datetime()
    sent_epoch = fields.Float(digits=(16, 6), readonly=True, help="Send time with sub-second precision (epoch s).")
    latency_ms = fields.Integer(
        "Round trip (ms)", readonly=True, help="From sending to the bridge until the station's answer was recorded."
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
    @api.model
    def create_and_send(self, charger, action, params, connector=None, session=None):
        """Create the command, push it to the bridge node holding ``charger`` and return an action
        that shows the operator the station's answer."""
        return self.create_and_push(charger, action, params, connector, session)._notify_action()

    @api.model
    def create_and_push(self, charger, action, params, connector=None, session=None):
        """Create the command and push it; returns the command with the station's answer on it."""
        charger.ensure_one()
        cmd = self.create(
            {
                "charger_id": charger.id,
                "action": action,
                "params": params,
                "connector_id": connector.id if connector else False,
                "session_id": session.id if session else False,
            }
        )
        cmd._push()
        return cmd

    def _payload(self):
        self.ensure_one()
        return {
            "id": self.id,
            "charger": self.charger_id.identity,
            "action": self.action,
            "version": self.charger_id.ocpp_version,
            "params": self.params or {},
        }

    def _push(self):
        """Send the command to the node holding the station and record its answer."""
        self.ensure_one()
        charger = self.charger_id
        if charger.connection_state != "connected" or not charger.node_id:
            self._finish(
                "failed",
                {"error": "not connected"},
                _("%s is not connected to any bridge node; the command was not sent.", charger.identity),
            )
            return
        node = charger.node_id.sudo()
        if not node.url:
            self.write(
                {
                    "error": _("Bridge node %s has no control URL; it will pull the command.", node.name),
                    "node_id": node.id,
                }
            )
            return
        timeout = int(self.env["ir.config_parameter"].sudo().get_param("ev_charging.command_timeout", 35))
        self.write({"state": "sent", "sent_at": fields.Datetime.now(), "sent_epoch": time.time(), "node_id": node.id})
        try:
            resp = requests.post(
                node.url.rstrip("/") + "/commands",
                json=self._payload(),
                timeout=timeout,
                headers={"Authorization": f"Bearer {node.token}"},
            )
        except requests.Timeout:
            self._finish(
                "timeout",
                {"error": "timeout"},
                _("No answer from bridge node %(node)s within %(timeout)s s.", node=node.name, timeout=timeout),
            )
            return
        except requests.RequestException as exc:
            self.write(
                {
                    "state": "queued",
                    "error": _(
                        "Bridge node %(node)s unreachable (%(exc)s); it will pull the command when it is back.",
                        node=node.name,
                        exc=exc,
                    ),
                }
            )
            return
        if resp.status_code != 200:
            self._finish(
                "failed",
                {"error": resp.text[:500]},
                _(
                    "Bridge node %(node)s refused the command: HTTP %(code)s %(text)s",
                    node=node.name,
                    code=resp.status_code,
                    text=resp.text[:200],
                ),
            )
            return
        answer = resp.json()
        self.bridge_result(self.id, answer.get("state"), answer.get("result"))

    def _finish(self, state, result, error=False):
        status = (result or {}).get("status") if isinstance(result, dict) else False
        now = time.time()
        for cmd in self:
            cmd.write(
                {
                    "state": state,
                    "result": result,
                    "error": error,
                    "answered_at": fields.Datetime.now(),
                    "result_status": status if isinstance(status, str) else False,
                    "latency_ms": int((now - cmd.sent_epoch) * 1000) if cmd.sent_epoch else 0,
                }
            )
        self._on_finished()

    def _on_finished(self):
        """Hook: the command reached a final state (other addons react, e.g. a refused remote start)."""

    def _notify_action(self):
        self.ensure_one()
        kind = {"accepted": "success", "rejected": "warning", "queued": "info", "sent": "info"}.get(
            self.state, "danger"
        )
        message = self.error or _("Station answered: %s", self.result_status or self.state)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.name,
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_resend(self):
        for cmd in self:
            if cmd.state in ("sent", "accepted"):
                raise UserError(_("Command %s was already delivered.", cmd.name))
            cmd.write({"state": "queued", "error": False, "result": False})
            cmd._push()

    # --- Bridge API -------------------------------------------------------------------------
    @api.model
    def bridge_pull(self, node, identities):
        """Queued commands for stations held by ``node``; they become 'sent'."""
        self.env["ev.charger"]._check_bridge_access()
        node_rec = self.env["ev.bridge.node"]._get_or_create(node)
        cmds = self.sudo().search(
            [("state", "=", "queued"), ("charger_id.identity", "in", list(identities))], order="id"
        )
        cmds.write(
            {"state": "sent", "sent_at": fields.Datetime.now(), "sent_epoch": time.time(), "node_id": node_rec.id}
        )
        return [c._payload() for c in cmds]

    @api.model
    def bridge_result(self, command_id, state, result):
        """The bridge reports the station's answer to a command."""
        self.env["ev.charger"]._check_bridge_access()
        if state not in FINAL_STATES:
            raise ValidationError(
                _("Command state must be one of %(states)s, got %(state)r", states=", ".join(FINAL_STATES), state=state)
            )
        cmd = self.sudo().browse(int(command_id)).exists()
        if not cmd:
            raise ValidationError(_("Unknown command id %s", command_id))
        error = (result or {}).get("error") if isinstance(result, dict) and state != "accepted" else False
        cmd._finish(state, result, error or False)
        return True
