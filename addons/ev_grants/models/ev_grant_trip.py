from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import ev_grants_per_diem as pd

#: expense kinds the per diem already pays for
PER_DIEM_KINDS = ("lodging", "meals")


class EvGrantTrip(models.Model):
    """A trip charged to a grant, under one method: actual expenses, or GSA per diem (lodging and
    M&IE by the rates table; transport and registration as actual expenses)."""

    _name = "ev.grant.trip"
    _description = "Grant trip"
    _inherit = ["mail.thread"]
    _order = "depart_date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Purpose", required=True)
    grant_id = fields.Many2one("ev.grant", required=True, index=True, check_company=True, ondelete="restrict")
    company_id = fields.Many2one(related="grant_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="grant_id.currency_id")
    employee_id = fields.Many2one("hr.employee", string="Traveler", required=True, check_company=True)
    dest_city = fields.Char("Destination city")
    dest_state_id = fields.Many2one("res.country.state", string="Destination state")
    dest_zip = fields.Char("Destination ZIP", size=5)
    depart_date = fields.Date(required=True)
    return_date = fields.Date(required=True)
    method = fields.Selection(
        [("per_diem", "GSA per diem"), ("actual", "Actual expenses")],
        required=True,
        default="per_diem",
        tracking=True,
        help="One method per trip: per diem pays lodging and M&IE by the GSA rates; actual pays the receipts.",
    )
    per_diem_lodging = fields.Monetary(readonly=True)
    per_diem_mie = fields.Monetary("Per diem M&IE", readonly=True)
    per_diem_total = fields.Monetary(readonly=True)
    per_diem_detail = fields.Text(readonly=True)
    expense_ids = fields.One2many("ev.grant.trip.expense", "trip_id", string="Expenses")
    expense_total = fields.Monetary(compute="_compute_totals")
    total = fields.Monetary(compute="_compute_totals")
    state = fields.Selection([("draft", "Draft"), ("posted", "Posted")], default="draft", required=True, tracking=True)
    cost_ids = fields.One2many("ev.grant.cost", "trip_id", readonly=True)

    _sql_constraints = [("dates_ok", "CHECK (return_date >= depart_date)", "The trip returns before it departs.")]

    @api.depends("expense_ids.amount", "per_diem_total", "method")
    def _compute_totals(self):
        for trip in self:
            trip.expense_total = sum(trip.expense_ids.mapped("amount"))
            trip.total = trip.expense_total + (trip.per_diem_total if trip.method == "per_diem" else 0.0)

    @api.constrains("depart_date", "return_date", "grant_id")
    def _check_period(self):
        for trip in self:
            trip.grant_id._check_period(trip.depart_date, _("Trip '%s'", trip.name))
            trip.grant_id._check_period(trip.return_date, _("Trip '%s'", trip.name))

    @api.constrains("method", "expense_ids", "per_diem_total")
    def _check_one_method(self):
        for trip in self:
            if trip.method == "per_diem":
                both = trip.expense_ids.filtered(lambda e: e.kind in PER_DIEM_KINDS)
                if both:
                    raise ValidationError(
                        _(
                            "Trip '%(trip)s' uses GSA per diem, which already pays lodging and meals: remove the "
                            "actual %(kinds)s expense(s) or switch the whole trip to actual expenses "
                            "(one method per trip).",
                            trip=trip.name,
                            kinds=", ".join(sorted(set(both.mapped("kind")))),
                        )
                    )
            elif trip.per_diem_total:
                raise ValidationError(
                    _(
                        "Trip '%s' uses actual expenses but carries a per diem amount: one method per trip. "
                        "Recompute it after switching the method.",
                        trip.name,
                    )
                )

    def write(self, vals):
        if vals.get("method") == "actual":
            vals = dict(vals, per_diem_lodging=0.0, per_diem_mie=0.0, per_diem_total=0.0, per_diem_detail=False)
        if (
            not self.env.context.get("ev_trip_internal")
            and self.filtered(lambda t: t.state == "posted")
            and set(vals) - {"state", "message_main_attachment_id"}
        ):
            raise UserError(_("Posted trips cannot change: reset the trip to draft first."))
        return super().write(vals)

    def _rate_lookup(self):
        """rate_for(day) of this trip's destination, one lookup per fiscal year."""
        self.ensure_one()
        Rate = self.env["ev.grant.per.diem.rate"]
        cache = {}
        trip = self

        def rate_for(day):
            fy = pd.fiscal_year(day)
            if fy not in cache:
                cache[fy] = Rate._rate(
                    day, trip.dest_zip or None, trip.dest_city or None, trip.dest_state_id.code or None
                )
                rate_for.destinations.add(cache[fy].destination)
            return cache[fy]

        rate_for.destinations = set()
        return rate_for

    def action_compute_per_diem(self):
        for trip in self:
            if trip.method != "per_diem":
                raise UserError(_("Trip '%s' uses actual expenses: it has no per diem.", trip.name))
            rate_for = trip._rate_lookup()
            result = pd.trip_per_diem(trip.depart_date, trip.return_date, rate_for)
            detail = "\n".join(
                f"{d.day}: lodging {d.lodging} (rate {d.lodging_rate}), M&IE {d.mie}"
                + (f" (75 % of {d.mie_rate})" if d.first_or_last else "")
                for d in result.days
            )
            trip.with_context(ev_trip_internal=True).write(
                {
                    "per_diem_lodging": float(result.lodging),
                    "per_diem_mie": float(result.mie),
                    "per_diem_total": float(result.total),
                    "per_diem_detail": f"{', '.join(sorted(rate_for.destinations))}\n{detail}",
                }
            )
        return True

    def action_post(self):
        Cost = self.env["ev.grant.cost"]
        for trip in self.filtered(lambda t: t.state == "draft"):
            if trip.method == "per_diem":
                trip.action_compute_per_diem()
            vals = []
            if trip.method == "per_diem" and trip.per_diem_total:
                vals.append(
                    {
                        "name": _("Per diem: %(trip)s (%(who)s)", trip=trip.name, who=trip.employee_id.name),
                        "date": trip.return_date,
                        "amount": trip.per_diem_total,
                    }
                )
            for expense in trip.expense_ids:
                vals.append(
                    {
                        "name": f"{dict(expense._fields['kind'].selection)[expense.kind]}: {trip.name}",
                        "date": expense.date or trip.depart_date,
                        "amount": expense.amount,
                    }
                )
            if not vals:
                raise UserError(_("Trip '%s' has no cost to post.", trip.name))
            Cost.create(
                [dict(v, grant_id=trip.grant_id.id, trip_id=trip.id, source="travel", category="c") for v in vals]
            )
            trip.write({"state": "posted"})
        return True

    def action_reset_draft(self):
        for trip in self:
            trip.cost_ids.unlink()
            trip.with_context(ev_trip_internal=True).write({"state": "draft"})
        return True
