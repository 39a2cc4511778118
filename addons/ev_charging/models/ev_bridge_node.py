from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .ev_bulk import lock_free_rows

#: last_seen moves by at least this much: a node's ingest batches run in parallel (one per outbox
#: lane), and each Connection event of a batch would otherwise update this one row concurrently
LAST_SEEN_STEP = timedelta(seconds=60)


class EvBridgeNode(models.Model):
    _name = "ev.bridge.node"
    _description = "OCPP bridge node"
    _order = "name"

    name = fields.Char(required=True, help="Node name as configured in the bridge (EV_BRIDGE_NODE).")
    # No secret is stored for the node (contract G): Odoo only wakes it up (POST <url>/commands/wake,
    # ids only); the node pulls the commands through its own authenticated XML-RPC channel.
    url = fields.Char(
        "Control URL",
        help="Base URL of the node's control listener, e.g. http://bridge-1:9001; Odoo wakes the node up there "
        "after committing an operator's command.",
    )
    last_seen = fields.Datetime(readonly=True, help="Last connection event the node reported (to the minute).")
    charger_ids = fields.One2many("ev.charger", "node_id", string="Chargers held")
    charger_count = fields.Integer(compute="_compute_charger_count")
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "unique(name)", "A bridge node with this name already exists.")]

    def write(self, vals):
        if set(vals) == {"last_seen"} and vals["last_seen"]:
            when = fields.Datetime.to_datetime(vals["last_seen"])
            due = self.filtered(lambda n: not n.last_seen or when - n.last_seen >= LAST_SEEN_STEP)
            return super(EvBridgeNode, due).write(vals) if due else True
        return super().write(vals)

    def _seen(self, when):
        """Move the nodes' ``last_seen`` to ``when`` (naive UTC, at most once a minute), never waiting
        for nor conflicting with another batch of the same node: its outbox lanes ingest in parallel,
        and two transactions updating this row would make one wait for the other, then fail to
        serialize (the whole batch retried, an ERROR logged). A row another transaction holds or has
        just moved is left to it."""
        due = self.sudo().filtered(lambda n: not n.last_seen or when - n.last_seen >= LAST_SEEN_STEP)
        if not due:
            return
        locked = lock_free_rows(self.env.cr, self._table, due.ids)
        if locked:
            due.browse(locked).write({"last_seen": when})

    def _compute_charger_count(self):
        for node in self:
            node.charger_count = len(node.charger_ids)

    def _get_or_create(self, name):
        node = self.sudo().with_context(active_test=False).search([("name", "=", name)], limit=1)
        return node or self.sudo().create({"name": name})

    @api.model
    def provision_bridge(self, node_name, control_url, login="ocpp-bridge"):
        """Set up a bridge node: its service user (group EV Bridge), a fresh API key for it, and the
        node record with its control URL. Administrators only; used by the run command and
        deployment scripts. Returns ``{"login", "api_key", "node"}``; the API key is shown once.
        """
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only an administrator can provision a bridge node."))
        Users = self.env["res.users"].sudo().with_context(no_reset_password=True)
        user = Users.search([("login", "=", login)], limit=1)
        group = self.env.ref("ev_charging.group_ev_bridge")
        if not user:
            user = Users.create(
                {
                    "name": _("OCPP bridge"),
                    "login": login,
                    "groups_id": [fields.Command.set([self.env.ref("base.group_user").id, group.id])],
                }
            )
        elif group not in user.groups_id:
            user.groups_id = [fields.Command.link(group.id)]
        api_key = self.env["res.users.apikeys"].with_user(user).sudo()._generate(None, f"bridge {node_name}", False)
        node = self._get_or_create(node_name)
        node.write({"url": control_url, "active": True})
        return {"login": login, "api_key": api_key, "node": node.name}
