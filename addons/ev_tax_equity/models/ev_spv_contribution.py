"""A partner's dated capital contribution, posted as a journal entry in the SPV's books."""

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ev_spv import TAX_MANAGER

#: a Python object in the context: RPC callers (JSON contexts) cannot forge it
_POSTING = object()


class EvSpvContribution(models.Model):
    _name = "ev.spv.contribution"
    _description = "SPV capital contribution"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, index=True, ondelete="restrict", check_company=True)
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="spv_id.currency_id")
    member_id = fields.Many2one(
        "ev.spv.partner",
        string="Partner",
        required=True,
        index=True,
        domain="[('spv_id', '=', spv_id)]",
        check_company=True,
    )
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True, string="Contact")
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    amount = fields.Monetary(required=True, currency_field="currency_id", tracking=True)
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        help="Bank or cash journal of the SPV's company that received the money.",
        check_company=True,
    )
    move_id = fields.Many2one("account.move", string="Journal entry", readonly=True, copy=False, check_company=True)
    state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    note = fields.Char()

    _sql_constraints = [("amount_positive", "CHECK (amount > 0)", "A contribution must be a positive amount.")]

    def _compute_display_name(self):
        for contribution in self:
            contribution.display_name = _(
                "%(partner)s %(amount)s on %(date)s",
                partner=contribution.member_id.partner_id.name or "",
                amount=contribution.amount,
                date=contribution.date,
            )

    @api.constrains("journal_id", "spv_id", "member_id")
    def _check_books(self):
        for contribution in self:
            spv = contribution.spv_id
            if contribution.journal_id.company_id != spv.company_id:
                raise ValidationError(
                    _(
                        "The contribution of %(partner)s goes to journal %(journal)s of %(other)s, not to the "
                        "books of %(spv)s: choose a bank or cash journal of %(company)s.",
                        partner=contribution.member_id.partner_id.display_name,
                        journal=contribution.journal_id.display_name,
                        other=contribution.journal_id.company_id.name,
                        spv=spv.name,
                        company=spv.company_id.name,
                    )
                )
            if contribution.journal_id.type not in ("bank", "cash"):
                raise ValidationError(
                    _(
                        "Journal %s is not a bank or cash journal: a contribution is money received.",
                        contribution.journal_id.display_name,
                    )
                )
            if contribution.member_id.spv_id != spv:
                raise ValidationError(
                    _("%s is not a partner of this SPV.", contribution.member_id.partner_id.display_name)
                )
            if spv.formation_date and contribution.date and contribution.date < spv.formation_date:
                raise ValidationError(
                    _(
                        "SPV %(spv)s was formed on %(date)s: a contribution cannot be earlier.",
                        spv=spv.name,
                        date=spv.formation_date,
                    )
                )

    def write(self, vals):
        internal = self.env.context.get("ev_contribution_post") is _POSTING
        if not internal and set(vals) & {"state", "move_id"}:
            raise UserError(_("A contribution is posted or cancelled with its Post and Cancel buttons."))
        if not internal and self.filtered(lambda c: c.state != "draft") and set(vals) - {"note"}:
            raise UserError(
                _("A posted contribution cannot be changed: cancel it (its entry is reversed) and record it again.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        if self.filtered(lambda c: c.state == "posted"):
            raise UserError(_("A posted contribution cannot be deleted: cancel it."))

    def action_post(self):
        """Post Dr bank / Cr partners' capital (with the partner) in the SPV's books."""
        self.spv_id._ev_check_group(TAX_MANAGER)
        for contribution in self.sudo():
            if contribution.state != "draft":
                raise UserError(_("Contribution %s is not a draft.", contribution.display_name))
            spv = contribution.spv_id
            if not spv.capital_account_id:
                raise UserError(_("SPV %s has no partners' capital account: set up its books first.", spv.name))
            bank_account = contribution.journal_id.default_account_id
            label = _("Capital contribution of %s", contribution.member_id.partner_id.name)
            move = (
                contribution.env["account.move"]
                .with_company(spv.company_id)
                .create(
                    {
                        "move_type": "entry",
                        "journal_id": contribution.journal_id.id,
                        "date": contribution.date,
                        "ref": label,
                        "line_ids": [
                            Command.create(
                                {
                                    "account_id": bank_account.id,
                                    "debit": contribution.amount,
                                    "name": label,
                                    "partner_id": contribution.partner_id.id,
                                }
                            ),
                            Command.create(
                                {
                                    "account_id": spv.capital_account_id.id,
                                    "credit": contribution.amount,
                                    "name": label,
                                    "partner_id": contribution.partner_id.id,
                                }
                            ),
                        ],
                    }
                )
            )
            move.action_post()
            contribution.with_context(ev_contribution_post=_POSTING).write({"move_id": move.id, "state": "posted"})
        return True

    def action_cancel(self):
        """Reverse the entry of a posted contribution."""
        self.spv_id._ev_check_group(TAX_MANAGER)
        for contribution in self.sudo():
            if contribution.state == "posted" and contribution.move_id:
                contribution.move_id._reverse_moves(
                    [{"date": fields.Date.context_today(self), "ref": _("Reversal of %s", contribution.move_id.name)}],
                    cancel=True,
                )
            contribution.with_context(ev_contribution_post=_POSTING).write({"state": "cancelled"})
        return True
