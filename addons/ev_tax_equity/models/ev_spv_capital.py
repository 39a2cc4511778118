"""A partner's capital accounts (§704(b) book and tax basis) for one tax year."""

from odoo import fields, models


class EvSpvCapital(models.Model):
    _name = "ev.spv.capital"
    _description = "SPV partner capital account (tax year)"
    _order = "tax_year_id, member_id"

    tax_year_id = fields.Many2one("ev.spv.tax.year", required=True, ondelete="cascade", index=True)
    year = fields.Integer(related="tax_year_id.year", store=True)
    spv_id = fields.Many2one(related="tax_year_id.spv_id", store=True, index=True)
    company_id = fields.Many2one(related="tax_year_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="tax_year_id.currency_id")
    member_id = fields.Many2one("ev.spv.partner", string="Partner", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True, string="Contact")
    book_begin = fields.Monetary("§704(b) beginning", currency_field="currency_id")
    contributions = fields.Monetary(currency_field="currency_id")
    book_income = fields.Monetary("Book income (loss)", currency_field="currency_id")
    distributions = fields.Monetary(currency_field="currency_id")
    book_end = fields.Monetary("§704(b) ending", currency_field="currency_id")
    tax_begin = fields.Monetary("Tax beginning", currency_field="currency_id")
    tax_contributions = fields.Monetary(currency_field="currency_id")
    tax_income = fields.Monetary("Taxable income (loss)", currency_field="currency_id")
    credit_basis = fields.Monetary("Credit basis reduction", currency_field="currency_id")
    tax_end = fields.Monetary("Tax ending", currency_field="currency_id")
    credits = fields.Monetary("Credits allocated", currency_field="currency_id")
    deficit = fields.Monetary(
        "To reallocate",
        currency_field="currency_id",
        help="Negative §704(b) capital of a partner without deficit restoration obligation.",
    )
