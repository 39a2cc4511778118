"""Local authorisation list updates (OCPP 2.0.1 block D, 1.6 Local Auth List Management).

Each SendLocalList Odoo sends is one record: its version, Full or Differential, what it carried and
the list the station holds once it accepts it (``snapshot``). A station's acknowledged list is the
snapshot of its last accepted update; the next differential update is computed from it
(``lib/ev_local_list.py``). The tokens on a station's list are the id tokens flagged *In local
lists* of the station's company (or of no company), with the status Odoo would answer for them
online.

A differential update answered ``VersionMismatch`` or ``Failed`` is followed at once by a full
update (``resend_of_id``); a full update that fails is not repeated (the operator sees why).
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_local_list
from .ev_access import require_command_rights

STATES = [
    ("queued", "Sent"),
    ("accepted", "Accepted"),
    ("version_mismatch", "Version mismatch"),
    ("failed", "Failed"),
    ("not_supported", "Not supported"),
    ("not_delivered", "Not delivered"),
]
#: SendLocalList status -> state
ANSWERS = {
    "Accepted": "accepted",
    "VersionMismatch": "version_mismatch",
    "Failed": "failed",
    "NotSupported": "not_supported",
}
#: system parameter ev_charging.local_list_max_items: entries one SendLocalList may carry
MAX_ITEMS = 1000


class EvLocalListSend(models.Model):
    _name = "ev.local.list.send"
    _description = "Local authorization list update"
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "version_number"

    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    version_number = fields.Integer("List version", readonly=True)
    update_type = fields.Selection(
        [(ev_local_list.FULL, "Full"), (ev_local_list.DIFFERENTIAL, "Differential")], required=True, readonly=True
    )
    entry_count = fields.Integer("Entries sent", readonly=True)
    removed_count = fields.Integer("Entries removed", readonly=True)
    list_size = fields.Integer("Entries on the list", readonly=True, help="Entries the station holds once it accepts.")
    params = fields.Json("Request", readonly=True)
    snapshot = fields.Json(readonly=True, help="The list the station holds once it accepted this update.")
    skipped = fields.Text("Tokens left out", readonly=True)
    state = fields.Selection(STATES, required=True, default="queued", readonly=True, index=True)
    status_answer = fields.Char("Station's answer", readonly=True)
    note = fields.Char(readonly=True)
    command_id = fields.Many2one("ev.charger.command", readonly=True, check_company=True, index=True)
    resend_of_id = fields.Many2one(
        "ev.local.list.send",
        string="Full resend of",
        readonly=True,
        check_company=True,
        help="The differential update the station did not take, which this full update replaces.",
    )
    requested_by = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)

    # --- building the list -------------------------------------------------------------------
    @api.model
    def _entries(self, charger):
        """The entries of the list ``charger`` should hold, and the tokens left out with why."""
        tokens = (
            self.env["ev.id.token"]
            .sudo()
            .search(
                [("local_list", "=", True), ("company_id", "in", [charger.company_id.id, False])], order="value, id"
            )
        )
        entries = []
        for token in tokens:
            answer = token._bridge_auth_answer(charger)
            entries.append(
                ev_local_list.Entry(
                    token.value,
                    token.token_type,
                    answer["status"],
                    answer.get("expiry") or None,
                    token.group_token or None,
                )
            )
        return ev_local_list.build(entries, charger.ocpp_version)

    @api.model
    def _acknowledged(self, charger):
        """The last update ``charger`` accepted (its snapshot is the list it holds), if any."""
        return self.sudo().search([("charger_id", "=", charger.id), ("state", "=", "accepted")], limit=1)

    @api.model
    def _max_items(self):
        value = self.env["ir.config_parameter"].sudo().get_param("ev_charging.local_list_max_items", MAX_ITEMS)
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return MAX_ITEMS

    @api.model
    def _prepare(self, charger, update_type):
        """(vals of the update, params) for ``charger``; a differential update becomes full when the
        station's list is not known (never accepted one, or it reported another version). None when
        a differential update has nothing to send."""
        charger = charger.sudo()
        current, skipped = self._entries(charger)
        acknowledged = self._acknowledged(charger)
        if update_type == ev_local_list.DIFFERENTIAL and (not acknowledged or charger.local_list_unknown):
            update_type = ev_local_list.FULL
        if update_type == ev_local_list.FULL:
            changed, removed = [current[k] for k in current], []
        else:
            changed, removed = ev_local_list.diff(acknowledged.snapshot or {}, current)
            if not changed and not removed:
                return None, None
        if len(changed) + len(removed) > self._max_items():
            raise UserError(
                _(
                    "The update for %(charger)s holds %(n)s entries; a station takes at most %(max)s per message "
                    "(system parameter ev_charging.local_list_max_items). Take tokens off the local list, or raise "
                    "the limit if the station's SendLocalListMaxLength allows it.",
                    charger=charger.identity,
                    n=len(changed) + len(removed),
                    max=self._max_items(),
                )
            )
        sent = self.sudo().search([("charger_id", "=", charger.id)], limit=1, order="version_number desc")
        version = ev_local_list.next_version(
            sent.version_number, charger.local_list_version, charger.local_list_reported
        )
        params = ev_local_list.params(version, update_type, changed, removed)
        vals = {
            "charger_id": charger.id,
            "version_number": version,
            "update_type": update_type,
            "entry_count": len(changed),
            "removed_count": len(removed),
            "list_size": len(current),
            "params": params,
            "snapshot": current,
            "skipped": "\n".join(f"{value}: {why}" for value, why in skipped) or False,
        }
        return vals, params

    @api.model
    def _send(self, charger, update_type, resend_of=None, wait=True):
        """Build and queue one update for ``charger`` (rights checked by the caller: the command is
        created with the caller's rights). Returns the update, or an empty recordset when a
        differential update has nothing to send."""
        vals, params = self._prepare(charger, update_type)
        if vals is None:
            return self.browse()
        if resend_of:
            vals["resend_of_id"] = resend_of.id
        update = self.sudo().create(vals)

        def link(cmd):
            update.command_id = cmd.id

        self.env["ev.charger.command"]._ev_send_linked(charger, "SendLocalList", params, link, wait=wait)
        return update.with_env(self.env)

    @api.model
    def _send_from_button(self, charger, update_type):
        """An operator's button: EV Manager (role policy of SendLocalList), on a charger they may read."""
        require_command_rights(charger, _("send a station its local authorization list"))
        self.env["ev.charger.command"]._check_operator_allowed("SendLocalList", {})
        update = self._send(charger, update_type)
        if not update:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Local list of %s", charger.identity),
                    "message": _(
                        "The station's list (version %s) is up to date: nothing to send.",
                        charger.sudo().local_list_version,
                    ),
                    "type": "info",
                },
            }
        return update.sudo().command_id.with_env(self.env)._open_action()

    # --- what the station says ---------------------------------------------------------------
    @api.model
    def _on_send_answer(self, commands):
        for update in self.search([("command_id", "in", commands.ids)]):
            cmd = update.command_id
            if cmd.state in ("accepted", "rejected"):
                state = ANSWERS.get(cmd.result_status, "failed")
            else:
                state = "not_delivered"
            update.write({"state": state, "status_answer": cmd.result_status or False, "note": cmd.error or False})
            charger = update.charger_id
            if state == "accepted":
                if update.version_number >= (charger.local_list_version or 0):
                    charger.write(
                        {
                            "local_list_version": update.version_number,
                            "local_list_size": update.list_size,
                            "local_list_unknown": False,
                        }
                    )
            elif state in ("version_mismatch", "failed") and update.update_type == ev_local_list.DIFFERENTIAL:
                full = self._send(charger, ev_local_list.FULL, resend_of=update, wait=False)
                update.note = _(
                    "The station answered %(answer)s: the full list was sent again as version %(version)s.",
                    answer=cmd.result_status,
                    version=full.version_number,
                )
