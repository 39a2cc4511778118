from odoo import _, api, fields, models
from odoo.exceptions import UserError

EXPENSE_KINDS = [
    ("airfare", "Airfare"),
    ("ground", "Ground transport"),
    ("mileage", "Mileage"),
    ("registration", "Registration"),
    ("lodging", "Lodging"),
    ("meals", "Meals"),
    ("other", "Other"),
]


class EvGrantTripExpense(models.Model):
    _name = "ev.grant.trip.expense"
    _description = "Trip expense"
    _order = "date, id"

    trip_id = fields.Many2one("ev.grant.trip", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="trip_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="trip_id.currency_id")
    kind = fields.Selection(EXPENSE_KINDS, required=True)
    date = fields.Date()
    name = fields.Char("Description")
    amount = fields.Monetary(required=True)
    receipt_ids = fields.One2many("ev.grant.receipt", "trip_expense_id", string="Receipts")

    _sql_constraints = [("amount_positive", "CHECK (amount >= 0)", "An expense cannot be negative.")]

    @api.constrains("date", "trip_id")
    def _check_period(self):
        for expense in self.filtered("date"):
            expense.trip_id.grant_id._check_period(expense.date, _("Expense '%s'", expense.name or expense.kind))

    @api.model_create_multi
    def create(self, vals_list):
        expenses = super().create(vals_list)
        expenses._check_trip_draft()
        expenses.trip_id._check_one_method()
        return expenses

    def write(self, vals):
        self._check_trip_draft()
        res = super().write(vals)
        self.trip_id._check_one_method()
        return res

    def unlink(self):
        self._check_trip_draft()
        return super().unlink()

    def _check_trip_draft(self):
        if self.trip_id.filtered(lambda t: t.state == "posted"):
            raise UserError(_("The trip is posted: reset it to draft to change its expenses."))
