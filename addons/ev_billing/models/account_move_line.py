from odoo import fields, models

from .ev_session_cost_line import COST_KINDS


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    ev_session_id = fields.Many2one(
        "ev.session", string="Charging session", index="btree_not_null", copy=False, check_company=True
    )
    ev_cost_kind = fields.Selection(COST_KINDS, string="Charging component", copy=False)
    ev_energy_kwh = fields.Float("Energy (kWh)", digits=(16, 3), copy=False)
