from odoo import api, fields, models


class EvEvse(models.Model):
    _inherit = "ev.evse"

    evchart_port_id = fields.Char(
        "EV-ChART port ID",
        compute="_compute_evchart_port_id",
        store=True,
        readonly=False,
        help="port_id in EV-ChART (at most 36 characters). Defaults to <charge point ID>-<EVSE id>.",
    )

    @api.depends("charger_id.identity", "evse_number")
    def _compute_evchart_port_id(self):
        for evse in self:
            if not evse.evchart_port_id and evse.charger_id:
                evse.evchart_port_id = f"{evse.charger_id.identity}-{evse.evse_number}"
