"""Change the allocations in force of an SPV, all partners at once (each class keeps summing to 100 %)."""

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.ev_spv import TAX_MANAGER
from ..models.ev_spv_partner import ALLOCATION_FIELDS


class EvSpvAllocationWizard(models.TransientModel):
    _name = "ev.spv.allocation.wizard"
    _description = "Change SPV allocations"

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True)
    line_ids = fields.One2many("ev.spv.allocation.wizard.line", "wizard_id", string="Partners")
    reason = fields.Char(required=True, help="Amendment of the partnership agreement, admission of a partner ...")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        spv = self.env["ev.spv"].browse(values.get("spv_id") or self.env.context.get("active_id"))
        if spv and "line_ids" in fields_list:
            values["spv_id"] = spv.id
            values["line_ids"] = [
                Command.create({"member_id": member.id, **{name: member[name] for name in ALLOCATION_FIELDS}})
                for member in spv.partner_ids
            ]
        return values

    def action_apply(self):
        self.ensure_one()
        self.spv_id._ev_check_group(TAX_MANAGER)
        if self.line_ids.member_id.spv_id != self.spv_id:
            raise UserError(_("Every line must be a partner of %s.", self.spv_id.name))
        values = {line.member_id.sudo(): {name: line[name] for name in ALLOCATION_FIELDS} for line in self.line_ids}
        self.env["ev.spv.partner"].sudo()._ev_write_allocations(values)
        self.spv_id.message_post(body=_("Allocations changed: %s", self.reason))
        return True
