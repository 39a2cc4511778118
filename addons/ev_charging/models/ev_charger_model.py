from odoo import fields, models


class EvChargerModel(models.Model):
    _name = "ev.charger.model"
    _description = "Charger hardware model"
    _order = "manufacturer_id, name"
    _rec_names_search = ["name", "manufacturer_id.name"]

    name = fields.Char(required=True)
    manufacturer_id = fields.Many2one("ev.manufacturer", required=True, ondelete="restrict")
    current_type = fields.Selection([("ac", "AC (Level 2)"), ("dc", "DC fast")], required=True, default="ac")
    max_kw = fields.Float("Max power (kW)", digits=(10, 1))
    connector_count = fields.Integer(default=1)
    ocpp_versions = fields.Char("OCPP versions", help="e.g. 1.6, 2.0.1")
    active = fields.Boolean(default=True)

    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.manufacturer_id.name} {rec.name}" if rec.manufacturer_id else rec.name

    _sql_constraints = [
        (
            "name_manufacturer_uniq",
            "unique(manufacturer_id, name)",
            "This manufacturer already has a model with this name.",
        )
    ]
