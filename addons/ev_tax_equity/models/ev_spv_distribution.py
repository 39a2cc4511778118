"""A cash distribution of an SPV to its partners (made by the distribution wizard)."""

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..lib.ev_tax_money import allocate, cents, to_decimal
from .ev_spv import TAX_MANAGER


class EvSpvDistribution(models.Model):
    _name = "ev.spv.distribution"
    _description = "SPV cash distribution"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    spv_id = fields.Many2one(
        "ev.spv", string="SPV", required=True, index=True, ondelete="restrict", readonly=True, check_company=True
    )
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="spv_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    journal_id = fields.Many2one("account.journal", readonly=True, check_company=True)
    move_id = fields.Many2one("account.move", string="Journal entry", readonly=True, copy=False, check_company=True)
    flip_phase = fields.Selection(
        [("pre", "Pre-flip shares"), ("post", "Post-flip shares")], readonly=True, help="Cash shares applied."
    )
    line_ids = fields.One2many("ev.spv.distribution.line", "distribution_id", string="Lines", readonly=True)
    state = fields.Selection([("posted", "Posted"), ("cancelled", "Cancelled")], default="posted", readonly=True)
    rounding_note = fields.Char(readonly=True)

    _sql_constraints = [("amount_positive", "CHECK (amount > 0)", "A distribution must be a positive amount.")]

    def _compute_display_name(self):
        for dist in self:
            dist.display_name = _("Distribution of %(date)s (%(spv)s)", date=dist.date, spv=dist.spv_id.name)

    @api.model
    def _ev_distribute(self, spv, day, amount, journal):
        """Split ``amount`` by the cash shares in force on ``day``, post Dr partners' distributions (per
        partner) / Cr bank, and keep the lines. Rounding differences go to the largest share."""
        spv.ensure_one()
        spv._ev_check_group(TAX_MANAGER)
        amount = cents(to_decimal(amount))
        if amount <= 0:
            raise UserError(_("Enter the cash to distribute (a positive amount)."))
        if journal.company_id != spv.company_id or journal.type not in ("bank", "cash"):
            raise UserError(_("Pay the distribution from a bank or cash journal of %s.", spv.company_id.name))
        if not spv.allocations_confirmed:
            raise UserError(_("Confirm the allocations of %s before distributing cash.", spv.name))
        if not spv.distribution_account_id:
            raise UserError(_("SPV %s has no partners' distributions account: set up its books first.", spv.name))
        shares = spv._ev_shares_on(day, "cash")
        split = allocate(amount, shares)
        flip_date = spv._ev_flip_date()
        phase = "post" if flip_date and day > flip_date else "pre"
        label = _("Distribution of %(date)s", date=day)
        lines = [
            Command.create(
                {
                    "account_id": spv.distribution_account_id.id,
                    "debit": value,
                    "partner_id": self.env["ev.spv.partner"].browse(member_id).partner_id.id,
                    "name": label,
                }
            )
            for member_id, value in split.shares.items()
            if value
        ]
        lines.append(Command.create({"account_id": journal.default_account_id.id, "credit": amount, "name": label}))
        move = (
            self.env["account.move"]
            .with_company(spv.company_id)
            .create({"move_type": "entry", "journal_id": journal.id, "date": day, "ref": label, "line_ids": lines})
        )
        move.action_post()
        note = False
        if split.residual:
            note = _(
                "Rounding difference of %(amount)s given to %(partner)s (largest share).",
                amount=split.residual,
                partner=self.env["ev.spv.partner"].browse(split.residual_to).partner_id.name,
            )
        return self.create(
            {
                "spv_id": spv.id,
                "date": day,
                "amount": amount,
                "journal_id": journal.id,
                "move_id": move.id,
                "flip_phase": phase,
                "rounding_note": note,
                "line_ids": [
                    Command.create({"member_id": member_id, "percent": float(shares[member_id]), "amount": value})
                    for member_id, value in split.shares.items()
                ],
            }
        )
