from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_finance as fin
from .ev_grant_cost_rule import COST_CATEGORIES

#: EV-ChART module 9 cost fields a cost of a site can count in (total and federal share).
CAPITAL_FIELDS = [
    ("equipment", "Charging equipment acquisition"),
    ("equipment_install_labor", "Equipment installation: labor"),
    ("equipment_install_elec", "Equipment installation: electric material"),
    ("equipment_install_const", "Equipment installation: construction material"),
    ("equipment_install_other", "Equipment installation: other"),
    ("der", "Distributed energy resource acquisition"),
    ("der_install", "Distributed energy resource installation"),
    ("dist_sys", "Distribution and system"),
    ("real_property", "Real property acquisition"),
    ("service", "Service costs"),
]
SOURCES = [
    ("manual", "Entered"),
    ("labor", "Labor (timesheets)"),
    ("travel", "Trip"),
    ("equipment", "Equipment or supplies"),
]


class EvGrantCost(models.Model):
    _name = "ev.grant.cost"
    _description = "Grant cost line"
    _order = "date desc, id desc"
    _check_company_auto = True

    grant_id = fields.Many2one("ev.grant", required=True, index=True, check_company=True, ondelete="restrict")
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="grant_id.currency_id")
    program_id = fields.Many2one(related="grant_id.program_id", store=True)
    name = fields.Char("Description", required=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    category = fields.Selection(COST_CATEGORIES, required=True, string="SF-424A category")
    amount = fields.Monetary(required=True, help="Total cost (federal and recipient share).")
    federal_amount = fields.Monetary(
        "Federal share",
        compute="_compute_federal_amount",
        store=True,
        readonly=False,
        help="Defaults to the grant's federal share of the amount.",
    )
    state = fields.Selection(
        [("obligated", "Obligated (unliquidated)"), ("paid", "Paid")],
        default="paid",
        required=True,
        help="Obligated: ordered but not paid yet (SF-425 unliquidated obligations).",
    )
    allowable = fields.Boolean(compute="_compute_allowable", store=True, readonly=False, index=True)
    unallowable_reason = fields.Char(compute="_compute_allowable", store=True, readonly=False)
    source = fields.Selection(SOURCES, default="manual", required=True, readonly=True)
    labor_period_id = fields.Many2one(
        "ev.grant.labor.period", ondelete="cascade", readonly=True, index=True, check_company=True
    )
    trip_id = fields.Many2one("ev.grant.trip", ondelete="cascade", readonly=True, index=True, check_company=True)
    equipment_id = fields.Many2one(
        "ev.grant.equipment", ondelete="cascade", readonly=True, index=True, check_company=True
    )
    site_id = fields.Many2one("ev.site", check_company=True, help="Site the cost is for (EV-ChART module 9).")
    capital_field = fields.Selection(CAPITAL_FIELDS, string="EV-ChART capital cost")
    partner_id = fields.Many2one("res.partner", string="Vendor", check_company=True)
    receipt_ids = fields.One2many("ev.grant.receipt", "cost_id", string="Receipts")
    receipt_count = fields.Integer(compute="_compute_receipt_count")
    analytic_line_id = fields.Many2one("account.analytic.line", readonly=True, copy=False, check_company=True)

    _sql_constraints = [("amount_positive", "CHECK (amount >= 0)", "A cost amount cannot be negative.")]

    @api.depends("amount", "grant_id.federal_amount", "grant_id.cost_share_required")
    def _compute_federal_amount(self):
        for cost in self:
            cost.federal_amount = float(fin.money(cost.amount * cost.grant_id.federal_share_percent / 100))

    @api.depends("category", "amount", "grant_id.program_id.rule_ids")
    def _compute_allowable(self):
        for cost in self:
            rules = [r._as_rule() for r in cost.grant_id.program_id.rule_ids]
            allowable, reason = fin.judge(cost.category, cost.amount, rules)
            cost.allowable = allowable
            cost.unallowable_reason = reason or False

    def _compute_receipt_count(self):
        for cost in self:
            cost.receipt_count = len(cost.receipt_ids)

    @api.constrains("date", "grant_id")
    def _check_period(self):
        for cost in self:
            cost.grant_id._check_period(cost.date, _("Cost '%s'", cost.name))

    @api.constrains("allowable", "unallowable_reason")
    def _check_reason(self):
        for cost in self:
            if not cost.allowable and not cost.unallowable_reason:
                raise UserError(_("Cost '%s' is marked unallowable: give the reason.", cost.name))

    # --- the ledger: one analytic line per cost in the grant's analytic account ---------------
    @api.model_create_multi
    def create(self, vals_list):
        costs = super().create(vals_list)
        costs._sync_analytic()
        return costs

    def write(self, vals):
        res = super().write(vals)
        if {"name", "date", "amount", "grant_id", "category"} & set(vals):
            self._sync_analytic()
        return res

    def unlink(self):
        lines = self.sudo().analytic_line_id
        res = super().unlink()
        lines.unlink()
        return res

    def _sync_analytic(self):
        AnalyticLine = self.env["account.analytic.line"].sudo()
        for cost in self:
            grant = cost.grant_id
            if not grant.analytic_account_id:
                continue
            vals = {
                "name": f"[{cost.category}] {cost.name}",
                "date": cost.date,
                "amount": -cost.amount,
                "company_id": cost.company_id.id,
                "ref": grant.fain,
                grant._analytic_column(): grant.analytic_account_id.id,
            }
            if cost.analytic_line_id:
                cost.analytic_line_id.sudo().write(vals)
            else:
                cost.sudo().analytic_line_id = AnalyticLine.create(vals)

    def action_view_receipts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Receipts"),
            "res_model": "ev.grant.receipt",
            "view_mode": "list,form",
            "domain": [("cost_id", "=", self.id)],
            "context": {"default_cost_id": self.id},
        }
