from odoo import fields, models


class EvSite(models.Model):
    _inherit = "ev.site"

    ev_nevi_funded = fields.Boolean(
        "NEVI-funded", help="Funded under the NEVI formula program: EV-ChART reports are due (compliance calendar)."
    )
