"""A Form 1065 line an account maps to, through an account tag (data: data/ev_tax_line_data.xml)."""

from odoo import fields, models

SCHEDULES = [("page1", "Page 1"), ("k", "Schedule K"), ("l", "Schedule L")]
KINDS = [
    ("income", "Income (credit balance)"),
    ("deduction", "Deduction (debit balance)"),
    ("asset", "Asset (debit balance)"),
    ("contra", "Contra-asset (credit balance, subtracted)"),
    ("liability", "Liability or capital (credit balance)"),
]


class EvTaxLine(models.Model):
    _name = "ev.tax.line"
    _description = "Form 1065 line"
    _order = "sequence, id"

    code = fields.Char(required=True, help="P1a = page 1 line 1a, K5 = Schedule K line 5, L9b = Schedule L line 9b.")
    name = fields.Char("Label", required=True)
    schedule = fields.Selection(SCHEDULES, required=True)
    line = fields.Char(required=True)
    kind = fields.Selection(KINDS, required=True, help="How the accounts' balances are read into the line.")
    sequence = fields.Integer(default=10)
    tag_id = fields.Many2one(
        "account.account.tag",
        string="Account tag",
        required=True,
        ondelete="restrict",
        domain=[("applicability", "=", "accounts")],
        help="Accounts carrying this tag are reported on this line.",
    )
    default_account_types = fields.Char(
        help="Comma-separated account types mapped to this line by default (the chart Odoo installs for a US company)."
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A Form 1065 line exists once."),
        ("tag_uniq", "unique(tag_id)", "An account tag maps to one Form 1065 line."),
    ]

    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.code} {line.name}"

    def _ev_amount(self, balance):
        """The line's amount for an account balance (debit positive)."""
        self.ensure_one()
        return -balance if self.kind in ("income", "contra", "liability") else balance
