from odoo import _, fields, models

from .ev_access import require_command_rights


class EvConnector(models.Model):
    _inherit = "ev.connector"

    reservation_id = fields.Many2one(
        "ev.reservation",
        compute="_compute_reservation",
        string="Reserved by",
        help="The reservation the station holds for this connector (or for any connector of the station).",
    )
    reserved_until = fields.Datetime(compute="_compute_reservation")

    def _compute_reservation(self):
        reservations = self.env["ev.reservation"].search(
            [
                ("charger_id", "in", self.charger_id.ids),
                ("state", "=", "reserved"),
                ("expiry", ">", fields.Datetime.now()),
            ]
        )
        for conn in self:
            mine = reservations.filtered(
                lambda r, conn=conn: r.charger_id == conn.charger_id and (not r.connector_id or r.connector_id == conn)
            )[:1]
            conn.reservation_id = mine
            conn.reserved_until = mine.expiry if mine else False

    def action_reserve(self):
        """Open a reservation of this connector (EV User and up; sent with Reserve)."""
        self.ensure_one()
        require_command_rights(self, _("reserve a connector"))
        self.env["ev.charger.command"]._check_operator_allowed("ReserveNow", {})
        return {
            "type": "ir.actions.act_window",
            "name": _("Reserve %s", self.display_name),
            "res_model": "ev.reservation",
            "views": [[self.env.ref("ev_charging.ev_reservation_view_form_dialog").id, "form"]],
            "target": "new",
            "context": {"default_charger_id": self.charger_id.id, "default_connector_id": self.id},
        }
