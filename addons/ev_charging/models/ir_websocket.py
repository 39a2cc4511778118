from odoo import models

from .ev_live import LIVE_SUBCHANNEL


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """EV staff listen to the live updates of every company they may access (record rules
        keep the same companies' records from them)."""
        return super()._build_bus_channel_list(channels) + self._ev_live_channels()

    def _ev_live_channels(self):
        user = self.env.user
        if user and not user._is_public() and user.has_group("ev_charging.group_ev_user"):
            return [(company, LIVE_SUBCHANNEL) for company in user.company_ids]
        return []
