"""Move an SPV to another lifecycle phase, with a reason when steps of its phase are not done."""

from odoo import api, fields, models

from ..models.ev_spv import PHASES, TAX_MANAGER


class EvSpvPhaseWizard(models.TransientModel):
    _name = "ev.spv.phase.wizard"
    _description = "Change SPV phase"

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True)
    phase = fields.Selection(PHASES, string="New phase", required=True)
    open_steps = fields.Text(compute="_compute_open_steps")
    reason = fields.Text(help="Required when steps of the current phase are not done; kept in the SPV's chatter.")

    @api.depends("spv_id")
    def _compute_open_steps(self):
        for wizard in self:
            spv = wizard.spv_id
            steps = spv.task_ids.filtered(lambda t, spv=spv: t.ev_spv_phase == spv.phase and not t.is_closed)
            wizard.open_steps = "\n".join(steps.mapped("name"))

    def action_apply(self):
        self.ensure_one()
        self.spv_id._ev_check_group(TAX_MANAGER)
        self.spv_id.sudo()._ev_move_phase(self.phase, (self.reason or "").strip() or None)
        return {"type": "ir.actions.act_window_close"}
