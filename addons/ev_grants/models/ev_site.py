from odoo import api, fields, models


class EvSite(models.Model):
    _inherit = "ev.site"

    evchart_station_id = fields.Char(
        "EV-ChART station ID",
        compute="_compute_evchart",
        store=True,
        readonly=False,
        help="station_id as registered in EV-ChART (module 1). Defaults to the site code.",
    )
    evchart_network_provider = fields.Char(
        "EV-ChART network provider",
        compute="_compute_evchart",
        store=True,
        readonly=False,
        help="network_provider value as registered in EV-ChART.",
    )

    @api.depends("code", "network_provider_id")
    def _compute_evchart(self):
        for site in self:
            if not site.evchart_station_id:
                site.evchart_station_id = site.code or False
            if not site.evchart_network_provider:
                site.evchart_network_provider = site.network_provider_id.name or False
