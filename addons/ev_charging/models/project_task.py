from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    ev_charger_id = fields.Many2one("ev.charger", string="Charger", index=True)
    ev_connector_id = fields.Many2one("ev.connector", string="Connector")
    ev_site_id = fields.Many2one(related="ev_charger_id.site_id", store=True, string="Charging site")
