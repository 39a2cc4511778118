import secrets

from odoo import fields, models


class EvBridgeNode(models.Model):
    _name = "ev.bridge.node"
    _description = "OCPP bridge node"
    _order = "name"

    name = fields.Char(required=True, help="Node name as configured in the bridge (EV_BRIDGE_NODE).")
    url = fields.Char("Control URL", help="Base URL of the node's control API, e.g. http://bridge-1:9001")
    token = fields.Char("Control token", groups="ev_charging.group_ev_manager,ev_charging.group_ev_bridge",
                        default=lambda self: secrets.token_urlsafe(32), copy=False)
    last_seen = fields.Datetime(readonly=True)
    charger_ids = fields.One2many("ev.charger", "node_id", string="Chargers held")
    charger_count = fields.Integer(compute="_compute_charger_count")
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "unique(name)", "A bridge node with this name already exists.")]

    def _compute_charger_count(self):
        for node in self:
            node.charger_count = len(node.charger_ids)

    def _get_or_create(self, name):
        node = self.sudo().with_context(active_test=False).search([("name", "=", name)], limit=1)
        return node or self.sudo().create({"name": name})
