"""Template steps of the SPV lifecycle phases (data: data/ev_spv_phase_step_data.xml); each SPV gets them as
project tasks."""

from odoo import fields, models

from .ev_spv import PHASES

CHECKS = [
    ("books", "Books set up"),
    ("allocations", "Allocations confirmed"),
    ("assets", "Assets placed in service"),
    ("contributions", "Contributions received"),
    ("flip", "Flip reached"),
    ("return_locked", "A return locked"),
]


class EvSpvPhaseStep(models.Model):
    _name = "ev.spv.phase.step"
    _description = "SPV lifecycle step (template)"
    _order = "phase, sequence, id"

    name = fields.Char(required=True)
    phase = fields.Selection(PHASES, required=True)
    sequence = fields.Integer(default=10)
    description = fields.Html()
    check = fields.Selection(CHECKS, help="Done by itself when the SPV's data shows it (checked when the phase moves).")
    active = fields.Boolean(default=True)
