from odoo import models

from .ev_live import LIVE_SUBCHANNEL


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """EV staff listen to the live updates of every company they may access (record rules
        keep the same companies' records from them)."""
        channels = super()._build_bus_channel_list(channels)
        user = self.env.user
        if user and not user._is_public() and user.has_group("ev_charging.group_ev_user"):
            channels.extend((company, LIVE_SUBCHANNEL) for company in user.company_ids)
        return channels
