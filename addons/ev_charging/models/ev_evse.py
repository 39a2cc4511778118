from odoo import fields, models


class EvEvse(models.Model):
    _name = "ev.evse"
    _description = "EVSE (one charging port)"
    _order = "charger_id, evse_number"

    charger_id = fields.Many2one("ev.charger", required=True, ondelete="cascade", index=True)
    evse_number = fields.Integer(
        "EVSE id",
        required=True,
        help="OCPP 2.0.1 evseId (1..n). In OCPP 1.6 each connectorId is mapped to the EVSE with the same id.",
    )
    site_id = fields.Many2one(related="charger_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    connector_ids = fields.One2many("ev.connector", "evse_id", string="Connectors")
    max_kw = fields.Float("Max power (kW)", digits=(10, 1))

    _sql_constraints = [
        ("evse_uniq", "unique(charger_id, evse_number)", "This charger already has an EVSE with this id."),
        ("evse_positive", "CHECK (evse_number >= 1)", "EVSE ids start at 1."),
    ]

    def _compute_display_name(self):
        for evse in self:
            evse.display_name = f"{evse.charger_id.identity} / EVSE {evse.evse_number}"
