from odoo import _, api, fields, models

from ..lib import ev_pricing
from ..lib.ev_billing_policy import format_hours, hours_to_time, to_decimal
from .ev_tariff import RATE_DIGITS

DAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class EvTariffWindow(models.Model):
    _name = "ev.tariff.window"
    _description = "Time-of-use window of a tariff"
    _order = "tariff_id, priority desc, sequence, id"

    tariff_id = fields.Many2one("ev.tariff", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="tariff_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="tariff_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help="Shown on the bill, e.g. 'Peak'.")
    mon = fields.Boolean(default=True)
    tue = fields.Boolean(default=True)
    wed = fields.Boolean(default=True)
    thu = fields.Boolean(default=True)
    fri = fields.Boolean(default=True)
    sat = fields.Boolean(default=True)
    sun = fields.Boolean(default=True)
    start_hour = fields.Float(
        "From", default=0.0, help="Local time of the site. The days are the days the window STARTS on."
    )
    end_hour = fields.Float(
        "To",
        default=0.0,
        help="Local time of the site. An end at or before the start wraps past midnight "
        "(22:00-06:00); equal start and end = 24 hours.",
    )
    has_energy_rate = fields.Boolean("Energy rate applies", default=True)
    energy_rate = fields.Float("Energy rate (per kWh)", digits=RATE_DIGITS)
    has_time_rate = fields.Boolean("Time rate applies")
    time_rate_per_hour = fields.Float("Time rate (per hour)", digits=RATE_DIGITS)
    priority = fields.Integer(
        default=10,
        help="Where windows overlap, the higher priority wins. Two windows of equal priority may not overlap.",
    )
    days_label = fields.Char("Days", compute="_compute_days_label")
    hours_label = fields.Char("Hours", compute="_compute_days_label")

    @api.depends(*DAY_FIELDS, "start_hour", "end_hour")
    def _compute_days_label(self):
        names = dict(zip(DAY_FIELDS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=False))
        for window in self:
            days = [names[d] for d in DAY_FIELDS if window[d]]
            if len(days) == 7:
                window.days_label = _("Every day")
            elif days == ["Mon", "Tue", "Wed", "Thu", "Fri"]:
                window.days_label = _("Mon-Fri")
            elif days == ["Sat", "Sun"]:
                window.days_label = _("Weekend")
            else:
                window.days_label = ", ".join(days)
            window.hours_label = f"{format_hours(window.start_hour)}-{format_hours(window.end_hour)}"

    def _ev_engine_window(self):
        self.ensure_one()
        label = _("Window %s", self.name or "?")
        try:
            start = hours_to_time(self.start_hour)
            end = hours_to_time(self.end_hour)
        except ValueError as exc:
            raise ev_pricing.TariffValidationError(f"{label}: {exc}") from None
        if self.start_hour >= 24:
            raise ev_pricing.TariffValidationError(_("%s: the start must be before 24:00.", label))
        digits = RATE_DIGITS[1]
        return ev_pricing.TouWindow(
            name=self.name or "",
            days=frozenset(i for i, day in enumerate(DAY_FIELDS) if self[day]),
            start=start,
            end=end,
            energy_rate=to_decimal(self.energy_rate, digits) if self.has_energy_rate else None,
            time_rate_per_hour=to_decimal(self.time_rate_per_hour, digits) if self.has_time_rate else None,
            priority=self.priority,
        )

    @api.constrains(
        "name",
        *DAY_FIELDS,
        "start_hour",
        "end_hour",
        "has_energy_rate",
        "energy_rate",
        "has_time_rate",
        "time_rate_per_hour",
        "priority",
        "tariff_id",
    )
    def _check_window(self):
        if self.env.context.get("ev_tariff_skip_window_check"):
            return  # written through the tariff: its own constraint validates the whole tariff once
        self.tariff_id._ev_check_tariff()

    def unlink(self):
        tariffs = self.tariff_id
        result = super().unlink()
        if not self.env.context.get("ev_tariff_skip_window_check"):
            tariffs.exists()._ev_check_tariff()
        return result
