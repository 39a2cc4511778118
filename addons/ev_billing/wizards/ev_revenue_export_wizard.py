import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.ev_revenue_xlsx import build_revenue_xlsx


class EvRevenueExportWizard(models.TransientModel):
    _name = "ev.revenue.export.wizard"
    _description = "Export revenue by site and month (xlsx)"

    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self).replace(day=1, month=1))
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    site_ids = fields.Many2many("ev.site", string="Sites", help="Empty: all sites.")
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(
                    _(
                        "The start date %(start)s is after the end date %(end)s.",
                        start=wizard.date_from,
                        end=wizard.date_to,
                    )
                )

    def _domain(self):
        domain = [("date", ">=", self.date_from), ("date", "<=", self.date_to)]
        if self.site_ids:
            domain.append(("site_id", "in", self.site_ids.ids))
        return domain

    def _xlsx(self):
        self.ensure_one()
        rows = self.env["ev.billing.report"]._ev_revenue_rows(self._domain())
        title = _(
            "Revenue by site and month, %(start)s to %(end)s (site local dates)", start=self.date_from, end=self.date_to
        )
        return build_revenue_xlsx(rows, title)

    def action_export(self):
        self.ensure_one()
        self.write(
            {
                "file_data": base64.b64encode(self._xlsx()),
                "file_name": f"ev-revenue-{self.date_from}-{self.date_to}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
