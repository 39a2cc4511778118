"""Entries of an SPV's books dated in a tax year whose return is locked are refused."""

from odoo import _, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        self._ev_check_locked_returns()
        return super()._post(soft)

    def _ev_check_locked_returns(self):
        """Odoo's (soft) lock date would move such an entry to the next open date; an SPV whose return is
        locked refuses it instead, with the reason: the return and its K-1s are final until reopened."""
        if not self:
            return
        years = (
            self.env["ev.spv.tax.year"]
            .sudo()
            .search([("company_id", "in", self.company_id.ids), ("state", "=", "locked")], order="date_to desc")
        )
        if not years:
            return
        for move in self:
            locked = years.filtered(
                lambda y, m=move: y.company_id == m.company_id and y.date_from <= m.date <= y.date_to
            )
            if locked:
                raise UserError(
                    _(
                        "The %(year)s return of %(spv)s is locked: its books take no entry dated %(date)s (%(move)s). "
                        "Date the entry after %(end)s, or reopen the return (its K-1s will then be amended).",
                        year=locked[0].year,
                        spv=locked[0].spv_id.name,
                        date=move.date,
                        move=move.display_name,
                        end=locked[0].date_to,
                    )
                )
