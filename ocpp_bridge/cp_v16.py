"""OCPP 1.6 charge point as seen by the central system: thin response shaping over ``core``."""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16 import ChargePoint as _LibChargePoint
from ocpp.v16.enums import Action

from .cp_base import BridgeChargePoint
from .logs import utc_now_iso


class ChargePoint16(BridgeChargePoint, _LibChargePoint):
    _known_actions = frozenset(a.value for a in Action)
    _empty_answer_actions = (
        Action.status_notification,
        Action.meter_values,
        Action.firmware_status_notification,
        Action.diagnostics_status_notification,
        Action.log_status_notification,
        Action.security_event_notification,
    )

    async def _authorize_tag(self, ctx, id_tag):
        info = await self.core.authorize(self.session, ctx, str(id_tag or ""), self.bridge.config.auth_v16_token_type)
        return self.core.id_tag_info_16(info)

    @on(Action.boot_notification)
    async def on_boot_notification(self, ctx):
        status, interval = await self.core.boot(self.session)
        return {"currentTime": utc_now_iso(), "interval": interval, "status": status}

    @on(Action.heartbeat)
    async def on_heartbeat(self, ctx):
        return {"currentTime": utc_now_iso()}

    @on(Action.authorize)
    async def on_authorize(self, ctx):
        return {"idTagInfo": await self._authorize_tag(ctx, ctx.payload.get("idTag"))}

    @on(Action.start_transaction)
    async def on_start_transaction(self, ctx):
        # the id is persisted before it is handed out: unique across restarts and nodes;
        # a replay of the same start (answer lost) gets the same id back
        transaction_id = await self.core.transaction_id_16(self.session, ctx)
        id_tag_info = await self._authorize_tag(ctx, ctx.payload.get("idTag"))
        return {"transactionId": transaction_id, "idTagInfo": id_tag_info}

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, ctx):
        # always acknowledged, even for a transaction nobody knows (Odoo records an orphan)
        id_tag = ctx.payload.get("idTag")
        if not id_tag:
            return {}
        return {"idTagInfo": await self._authorize_tag(ctx, id_tag)}

    @on(Action.data_transfer)
    async def on_data_transfer(self, ctx):
        vendor = ctx.payload.get("vendorId")
        self.session.log.info("DataTransfer from vendor %s (messageId %s)", vendor, ctx.payload.get("messageId"))
        return {"status": self.core.data_transfer_status(vendor)}
