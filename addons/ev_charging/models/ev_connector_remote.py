from odoo import fields, models


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
