"""Pay by QR: a public token and QR code per connector."""

import base64
import io
import uuid

from odoo import _, api, fields, models

from odoo.addons.ev_charging.models.ev_access import MANAGER, require_records

PAY_ROUTE = "/ev/pay/"


class EvConnector(models.Model):
    _inherit = "ev.connector"

    ev_pay_token = fields.Char(
        "Pay-by-QR token",
        copy=False,
        readonly=True,
        index=True,
        groups="ev_charging.group_ev_user",
        help="Public token in the connector's QR code (URL /ev/pay/<token>).",
    )
    ev_pay_url = fields.Char("Pay-by-QR URL", compute="_compute_ev_pay_qr", groups="ev_charging.group_ev_user")
    ev_pay_qr = fields.Binary("Pay-by-QR code", compute="_compute_ev_pay_qr", groups="ev_charging.group_ev_user")

    _sql_constraints = [("ev_pay_token_unique", "unique(ev_pay_token)", "The pay-by-QR token must be unique.")]

    def init(self):
        res = super().init()
        # Existing connectors get one distinct token each (a column default would give them all the same).
        self.env.cr.execute("UPDATE ev_connector SET ev_pay_token = gen_random_uuid()::text WHERE ev_pay_token IS NULL")
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("ev_pay_token", str(uuid.uuid4()))
        return super().create(vals_list)

    @api.depends("ev_pay_token")
    def _compute_ev_pay_qr(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for connector in self:
            url = f"{base_url.rstrip('/')}{PAY_ROUTE}{connector.ev_pay_token}" if connector.ev_pay_token else False
            connector.ev_pay_url = url
            connector.ev_pay_qr = _qr_png_base64(url) if url else False

    def action_ev_regenerate_pay_token(self):
        """Invalidate printed labels (e.g. a label was tampered with) by issuing a new token.
        EV Managers only: it voids the QR labels stuck on the connectors."""
        require_records(self, "write", MANAGER, _("issue a new pay-by-QR token"))
        for connector in self.sudo():
            connector.ev_pay_token = str(uuid.uuid4())
        return True


def _qr_png_base64(data):
    import qrcode  # an Odoo requirement

    image = qrcode.make(data, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())
