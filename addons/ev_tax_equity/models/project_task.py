"""SPV lifecycle steps are project tasks."""

from odoo import fields, models

from .ev_spv import PHASES


class ProjectTask(models.Model):
    _inherit = "project.task"

    ev_spv_id = fields.Many2one("ev.spv", string="SPV", index=True, ondelete="cascade")
    ev_spv_phase = fields.Selection(PHASES, string="SPV phase")
    ev_step_id = fields.Many2one("ev.spv.phase.step", string="Step template")
