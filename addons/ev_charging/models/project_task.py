from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    ev_charger_id = fields.Many2one("ev.charger", string="Charger", index=True)
    ev_connector_id = fields.Many2one("ev.connector", string="Connector")
    ev_site_id = fields.Many2one(related="ev_charger_id.site_id", store=True, string="Charging site")
    ev_site_address = fields.Char(related="ev_site_id.address_display", string="Site address")
    ev_site_directions_url = fields.Char(related="ev_site_id.directions_url", string="Directions")
    ev_site_access = fields.Text(related="ev_site_id.access_instructions", string="Access")
    ev_connector_status = fields.Selection(related="ev_connector_id.status", string="Connector status")
    ev_charger_connection = fields.Selection(related="ev_charger_id.connection_state", string="Station link")
