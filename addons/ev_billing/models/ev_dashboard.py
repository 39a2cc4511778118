from odoo import api, models


class EvDashboard(models.AbstractModel):
    """The network dashboard's revenue: the priced sessions' cost excluding tax (as the revenue
    report), read under the caller's rights."""

    _inherit = "ev.dashboard"

    @api.model
    def _revenue(self, domain):
        return self.env["ev.session"]._read_group(domain, [], ["cost_subtotal:sum"])[0][0] or 0.0

    @api.model
    def _revenue_by(self, domain, groupby):
        rows = self.env["ev.session"]._read_group(domain, groupby, ["cost_subtotal:sum"])
        return {(record.id, month): subtotal or 0.0 for record, month, subtotal in rows}
