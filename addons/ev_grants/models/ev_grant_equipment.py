from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_finance as fin

CONDITIONS = [("new", "New"), ("good", "Good"), ("fair", "Fair"), ("poor", "Poor"), ("unusable", "Unusable")]


class EvGrantEquipment(models.Model):
    """A purchase charged to a grant: equipment when the per-unit cost reaches the threshold
    (the lesser of the capitalization level and $10,000) and it lasts more than a year, else
    supplies. Equipment keeps the record 2 CFR 200.313(d)(1) asks for."""

    _name = "ev.grant.equipment"
    _description = "Grant equipment or supplies"
    _inherit = ["mail.thread"]
    _order = "acquisition_date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Description", required=True)
    grant_id = fields.Many2one("ev.grant", required=True, index=True, check_company=True, ondelete="restrict")
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="grant_id.currency_id")
    fain = fields.Char(related="grant_id.fain", string="Award (FAIN)")
    funding_source = fields.Char(compute="_compute_funding_source", store=True, readonly=False)
    serial_number = fields.Char("Serial / ID number", tracking=True)
    quantity = fields.Integer(default=1, required=True)
    unit_cost = fields.Monetary("Cost per unit", required=True, tracking=True)
    total_cost = fields.Monetary(compute="_compute_costs", store=True)
    useful_life_years = fields.Float("Useful life (years)", default=10.0)
    category = fields.Selection(
        [("d", "d. Equipment"), ("e", "e. Supplies")],
        compute="_compute_category",
        store=True,
        string="SF-424A category",
    )
    federal_share_percent = fields.Float(
        "Federal share (%)", compute="_compute_federal_share", store=True, readonly=False, digits=(6, 4)
    )
    federal_share = fields.Monetary(compute="_compute_costs", store=True)
    title_holder_id = fields.Many2one("res.partner", string="Title holder", check_company=True)
    acquisition_date = fields.Date(required=True, default=fields.Date.context_today)
    site_id = fields.Many2one("ev.site", string="Location (site)", check_company=True)
    location_note = fields.Char("Location detail")
    condition = fields.Selection(CONDITIONS, default="new", tracking=True)
    last_inventory_date = fields.Date(help="Physical inventory at least once every two years (2 CFR 200.313(d)(2)).")
    disposal_date = fields.Date(tracking=True)
    disposal_method = fields.Char()
    disposal_proceeds = fields.Monetary()
    is_charging_equipment = fields.Boolean(
        default=True, help="Counts as charging equipment acquisition in EV-ChART module 9."
    )
    receipt_ids = fields.One2many("ev.grant.receipt", "equipment_id", string="Receipts")
    state = fields.Selection([("draft", "Draft"), ("posted", "Posted")], default="draft", required=True, tracking=True)
    cost_id = fields.Many2one("ev.grant.cost", readonly=True, copy=False, check_company=True)

    _sql_constraints = [
        ("quantity_positive", "CHECK (quantity > 0)", "The quantity must be at least 1."),
        ("cost_positive", "CHECK (unit_cost >= 0)", "The cost cannot be negative."),
    ]

    @api.depends("grant_id.program_id")
    def _compute_funding_source(self):
        for item in self:
            item.funding_source = item.grant_id.program_id.name or False

    @api.depends("grant_id.federal_share_percent")
    def _compute_federal_share(self):
        for item in self:
            item.federal_share_percent = item.grant_id.federal_share_percent

    @api.depends("unit_cost", "quantity", "federal_share_percent")
    def _compute_costs(self):
        for item in self:
            total = fin.money(item.unit_cost) * item.quantity
            item.total_cost = float(total)
            item.federal_share = float(fin.money(total * fin.money(item.federal_share_percent) / 100))

    @api.depends("unit_cost", "useful_life_years", "grant_id.capitalization_level")
    def _compute_category(self):
        for item in self:
            item.category = fin.classify_purchase(
                item.unit_cost, item.useful_life_years, item.grant_id.capitalization_level or None
            )

    @api.constrains("acquisition_date", "grant_id")
    def _check_period(self):
        for item in self:
            item.grant_id._check_period(item.acquisition_date, _("Purchase '%s'", item.name))

    def action_post(self):
        for item in self.filtered(lambda i: i.state == "draft"):
            if item.category == "d":
                missing = [
                    label
                    for label, value in (
                        (_("serial number"), item.serial_number),
                        (_("title holder"), item.title_holder_id),
                        (_("location"), item.site_id or item.location_note),
                    )
                    if not value
                ]
                if missing:
                    raise UserError(
                        _(
                            "'%(name)s' is equipment (%(cost)s per unit, threshold %(threshold)s): its record needs "
                            "the %(missing)s before it is posted.",
                            name=item.name,
                            cost=item.unit_cost,
                            threshold=fin.equipment_threshold(item.grant_id.capitalization_level or None),
                            missing=", ".join(missing),
                        )
                    )
            if not item.receipt_ids:
                raise UserError(_("Attach the receipt of '%s' before posting it.", item.name))
            cost = self.env["ev.grant.cost"].create(
                {
                    "grant_id": item.grant_id.id,
                    "equipment_id": item.id,
                    "source": "equipment",
                    "category": item.category,
                    "name": f"{item.name} ({item.quantity} x {item.unit_cost})",
                    "date": item.acquisition_date,
                    "amount": item.total_cost,
                    "federal_amount": item.federal_share,
                    "site_id": item.site_id.id,
                    "capital_field": "equipment" if item.is_charging_equipment and item.site_id else False,
                }
            )
            item.write({"state": "posted", "cost_id": cost.id})
        return True

    def action_reset_draft(self):
        for item in self:
            item.cost_id.unlink()
            item.state = "draft"
        return True
