from odoo import models


class ResCompany(models.Model):
    """A company is the bus channel of its charging network's live updates (``ev.live``): a user
    receives the updates of the companies they may access (``ir.websocket._build_bus_channel_list``)."""

    _name = "res.company"
    _inherit = ["res.company", "bus.listener.mixin"]
