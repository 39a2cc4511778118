"""OCPP 2.0.1 charge point as seen by the CSMS: thin response shaping over ``core``."""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v201 import ChargePoint as _LibChargePoint
from ocpp.v201.enums import Action

from .cp_base import BridgeChargePoint
from .logs import utc_now_iso


class ChargePoint201(BridgeChargePoint, _LibChargePoint):
    _known_actions = frozenset(a.value for a in Action)
    _empty_answer_actions = (
        Action.status_notification,
        Action.notify_event,
        Action.meter_values,
        Action.firmware_status_notification,
        Action.log_status_notification,
        Action.security_event_notification,
        Action.reservation_status_update,
        Action.notify_charging_limit,
        Action.cleared_charging_limit,
    )

    @on(Action.boot_notification)
    async def on_boot_notification(self, ctx):
        status, interval = await self.core.boot(self.session)
        return {"currentTime": utc_now_iso(), "interval": interval, "status": status}

    @on(Action.heartbeat)
    async def on_heartbeat(self, ctx):
        return {"currentTime": utc_now_iso()}

    async def _id_token_info(self, ctx, token):
        if isinstance(token, dict):
            value, kind = token.get("idToken"), token.get("type")
        else:  # only possible in relaxed mode
            value, kind = token, None
        info = await self.core.authorize(self.session, ctx, str(value or ""), kind or "")
        return self.core.id_token_info_201(info)

    @on(Action.authorize)
    async def on_authorize(self, ctx):
        return {"idTokenInfo": await self._id_token_info(ctx, ctx.payload.get("idToken"))}

    @on(Action.transaction_event)
    async def on_transaction_event(self, ctx):
        # never rejected; idTokenInfo only when the event carries an idToken
        token = ctx.payload.get("idToken")
        if not token:
            return {}
        return {"idTokenInfo": await self._id_token_info(ctx, token)}

    @on(Action.data_transfer)
    async def on_data_transfer(self, ctx):
        vendor = ctx.payload.get("vendorId")
        self.session.log.info("DataTransfer from vendor %s (messageId %s)", vendor, ctx.payload.get("messageId"))
        return {"status": self.core.data_transfer_status(vendor)}
