"""Distribute available cash to an SPV's partners by the cash shares in force."""

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.ev_tax_money import allocate, to_decimal
from ..models.ev_spv import TAX_MANAGER


class EvSpvDistributionWizard(models.TransientModel):
    _name = "ev.spv.distribution.wizard"
    _description = "Distribute SPV cash"

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True)
    company_id = fields.Many2one(related="spv_id.company_id")
    currency_id = fields.Many2one(related="spv_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        domain="[('company_id', '=', company_id), ('type', 'in', ('bank', 'cash'))]",
        compute="_compute_journal",
        store=True,
        readonly=False,
        precompute=True,
    )
    available_cash = fields.Monetary(compute="_compute_available", currency_field="currency_id")
    amount = fields.Monetary("Cash to distribute", currency_field="currency_id", required=True)
    preview = fields.Html(compute="_compute_preview")

    @api.depends("spv_id")
    def _compute_journal(self):
        for wizard in self:
            wizard.journal_id = wizard.spv_id.bank_journal_id

    @api.depends("journal_id", "date")
    def _compute_available(self):
        for wizard in self:
            account = wizard.journal_id.default_account_id
            if not account or not wizard.date:
                wizard.available_cash = 0.0
                continue
            wizard.available_cash = float(
                wizard.spv_id.sudo()._ev_ledger_balance([("account_id", "=", account.id), ("date", "<=", wizard.date)])
            )

    @api.depends("spv_id", "date", "amount")
    def _compute_preview(self):
        for wizard in self:
            spv = wizard.spv_id
            if not (spv and wizard.date and wizard.amount > 0 and spv.allocations_confirmed):
                wizard.preview = False
                continue
            shares = spv.sudo()._ev_shares_on(wizard.date, "cash")
            split = allocate(to_decimal(wizard.amount), shares)
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td class='text-end'>%s %%</td><td class='text-end'>%s</td></tr>")
                % (escape(self.env["ev.spv.partner"].browse(k).partner_id.name), shares[k], f"{v:,.2f}")
                for k, v in split.shares.items()
            )
            wizard.preview = Markup("<table class='table table-sm'><tbody>%s</tbody></table>") % rows

    def action_distribute(self):
        self.ensure_one()
        self.spv_id._ev_check_group(TAX_MANAGER)
        spv = self.spv_id.sudo()
        if spv.flip_type == "yield":
            spv._ev_compute_flip(as_of=self.date)
        if self.amount > self.available_cash + 0.005:
            raise UserError(
                _(
                    "Only %(available)s is in %(journal)s on %(date)s: distribute at most that.",
                    available=self.available_cash,
                    journal=self.journal_id.display_name,
                    date=self.date,
                )
            )
        distribution = (
            self.env["ev.spv.distribution"].sudo()._ev_distribute(spv, self.date, self.amount, self.journal_id)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.spv.distribution",
            "res_id": distribution.id,
            "view_mode": "form",
        }
