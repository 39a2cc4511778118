from odoo import fields, models


class EvIdToken(models.Model):
    _inherit = "ev.id.token"

    local_list = fields.Boolean(
        "In local lists",
        help="Send this token to the local authorization list of the stations of its company (of every "
        "company when it has none), so that they can authorize it without asking Odoo (e.g. offline).",
    )
