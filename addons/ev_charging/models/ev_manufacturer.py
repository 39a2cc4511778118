from odoo import fields, models


class EvManufacturer(models.Model):
    _name = "ev.manufacturer"
    _description = "Charger manufacturer or network"
    _order = "name"

    name = fields.Char(required=True)
    website = fields.Char()
    is_network = fields.Boolean(help="Also operates a charging network (e.g. ChargePoint, EVgo).")
    model_ids = fields.One2many("ev.charger.model", "manufacturer_id", string="Models")
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "unique(name)", "A manufacturer with this name already exists.")]
