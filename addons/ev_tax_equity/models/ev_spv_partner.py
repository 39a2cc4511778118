"""A partner (member) of an SPV: its role, tax identity, commitment and allocation percentages."""

from stdnum.us import ein as us_ein
from stdnum.us import itin as us_itin
from stdnum.us import ssn as us_ssn

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import ev_tax_capital
from ..lib.ev_tax_money import to_decimal

ROLES = [
    ("managing_member", "Managing member / GP"),
    ("investor", "Tax-equity investor"),
    ("sponsor", "Sponsor"),
    ("other_lp", "Other LP / member"),
]
#: Schedule K-1 item I1
ENTITY_TYPES = [
    ("individual", "Individual"),
    ("corporation", "Corporation"),
    ("s_corporation", "S corporation"),
    ("partnership", "Partnership"),
    ("llc", "Limited liability company"),
    ("trust", "Trust"),
    ("estate", "Estate"),
    ("exempt", "Exempt organization"),
    ("ira", "IRA / SEP / Keogh"),
    ("government", "Government"),
    ("nominee", "Nominee"),
    ("other", "Other"),
]
ALLOCATION_FIELDS = (
    "pre_income_pct",
    "pre_credit_pct",
    "pre_cash_pct",
    "post_income_pct",
    "post_credit_pct",
    "post_cash_pct",
)
#: a Python object in the context: RPC callers (JSON contexts) cannot forge it
_ALLOCATION_WIZARD = object()


class EvSpvPartner(models.Model):
    _name = "ev.spv.partner"
    _description = "SPV partner"
    _order = "spv_id, sequence, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="spv_id.currency_id")
    sequence = fields.Integer(default=10)
    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, help="The partner's contact (the legal entity).", check_company=True
    )
    role = fields.Selection(ROLES, required=True, default="investor")
    is_general_partner = fields.Boolean(
        compute="_compute_is_general_partner", store=True, help="K-1 item G: general partner or LLC member-manager."
    )
    entity_type = fields.Selection(ENTITY_TYPES, required=True, default="corporation")
    is_foreign = fields.Boolean("Foreign partner", help="K-1 item H1: unchecked = domestic.")
    tin = fields.Char(
        "TIN",
        groups="ev_tax_equity.group_ev_tax_manager",
        help="SSN, ITIN or EIN (US partners). Visible to EV Tax Managers only.",
    )
    tin_masked = fields.Char("TIN (masked)", compute="_compute_tin_masked", compute_sudo=True)
    commitment = fields.Monetary("Capital commitment", currency_field="currency_id")
    contributed = fields.Monetary(compute="_compute_contributed", currency_field="currency_id")
    contribution_ids = fields.One2many("ev.spv.contribution", "member_id")
    distribution_line_ids = fields.One2many("ev.spv.distribution.line", "member_id", string="Distributions")
    tax_rate = fields.Float(
        "Tax rate (%)", digits=(6, 3), default=21.0, help="The partner's marginal rate: values its tax benefits (flip)."
    )
    pre_income_pct = fields.Float("Income/loss before flip (%)", digits=(7, 4))
    pre_credit_pct = fields.Float("Credits before flip (%)", digits=(7, 4))
    pre_cash_pct = fields.Float("Cash before flip (%)", digits=(7, 4))
    post_income_pct = fields.Float("Income/loss after flip (%)", digits=(7, 4))
    post_credit_pct = fields.Float("Credits after flip (%)", digits=(7, 4))
    post_cash_pct = fields.Float("Cash after flip (%)", digits=(7, 4))
    dro = fields.Boolean("Deficit restoration obligation")

    _sql_constraints = [
        ("partner_uniq", "unique(spv_id, partner_id)", "This contact is already a partner of the SPV."),
        ("commitment_positive", "CHECK (commitment >= 0)", "A capital commitment cannot be negative."),
    ]

    @api.depends("role")
    def _compute_is_general_partner(self):
        for member in self:
            member.is_general_partner = member.role == "managing_member"

    def _compute_tin_masked(self):
        for member in self:
            digits = "".join(ch for ch in (member.tin or "") if ch.isdigit())
            member.tin_masked = f"***-**-{digits[-4:]}" if digits else False

    def _compute_contributed(self):
        for member in self:
            member.contributed = sum(member.contribution_ids.filtered(lambda c: c.state == "posted").mapped("amount"))

    @api.constrains("tin", "is_foreign")
    def _check_tin(self):
        for member in self.sudo():
            if not member.tin or member.is_foreign:
                continue
            if not any(module.is_valid(member.tin) for module in (us_ssn, us_itin, us_ein)):
                raise ValidationError(
                    _(
                        "Partner %(partner)s: TIN %(tin)s is not a valid US SSN, ITIN or EIN.",
                        partner=member.partner_id.display_name,
                        tin=member.tin_masked or member.tin,
                    )
                )

    @api.constrains(*ALLOCATION_FIELDS)
    def _check_allocations(self):
        for member in self:
            for name in ALLOCATION_FIELDS:
                if not 0 <= member[name] <= 100:
                    raise ValidationError(
                        _(
                            "Partner %(partner)s: %(field)s must be between 0 and 100 %%.",
                            partner=member.partner_id.display_name,
                            field=self._fields[name].string,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        members.spv_id.filtered("allocations_confirmed")._ev_check_allocations()
        return members

    def write(self, vals):
        if (
            set(vals) & set(ALLOCATION_FIELDS)
            and self.spv_id.filtered("allocations_confirmed")
            and self.env.context.get("ev_allocation_wizard") is not _ALLOCATION_WIZARD
        ):
            raise UserError(
                _(
                    "The allocations of %s are in force: change them all at once with the Change allocations "
                    "button of the SPV, so that each class keeps summing to 100 %%.",
                    ", ".join(self.spv_id.filtered("allocations_confirmed").mapped("name")),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_allocations_in_force(self):
        if self.spv_id.filtered("allocations_confirmed"):
            raise UserError(_("The allocations are in force: a partner leaves through a change of allocations."))

    def _ev_terms(self):
        self.ensure_one()
        return ev_tax_capital.PartnerTerms(
            self.id,
            {
                "income": to_decimal(self.pre_income_pct),
                "credit": to_decimal(self.pre_credit_pct),
                "cash": to_decimal(self.pre_cash_pct),
            },
            {
                "income": to_decimal(self.post_income_pct),
                "credit": to_decimal(self.post_credit_pct),
                "cash": to_decimal(self.post_cash_pct),
            },
            dro=self.dro,
            name=self.partner_id.display_name,
        )

    @api.model
    def _ev_write_allocations(self, values_by_member):
        """Write the allocations of several partners at once (the Change allocations wizard), then
        check the totals of their SPVs."""
        members = self.browse()
        for member, vals in values_by_member.items():
            member.with_context(ev_allocation_wizard=_ALLOCATION_WIZARD).write(vals)
            members |= member
        members.spv_id._ev_check_allocations()
        return True
