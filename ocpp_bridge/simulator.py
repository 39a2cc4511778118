"""Simulated chargers for load and demo: ``python -m ocpp_bridge.simulator``.

Built on the ``ocpp`` library's own client classes. Each simulated charger boots, reports its
status, authorizes a token, runs sessions with meter values (cumulative
Energy.Active.Import.Register in Wh plus Power.Active.Import in W) every few seconds, stops,
faults now and then, heartbeats, and answers remote commands (RequestStart/Stop or
RemoteStart/Stop, Reset, UnlockConnector, ChangeAvailability, TriggerMessage,
Get/SetVariables or Get/ChangeConfiguration, and 2.0.1 CostUpdated: the running cost is kept and
logged).

Remote operations (both versions): ReserveNow / CancelReservation (the connector reports Reserved,
the reserving driver's next session carries the reservationId, an unused reservation expires:
2.0.1 ReservationStatusUpdate Expired), SendLocalList / GetLocalListVersion (a differential update
whose version is not above the list's is answered VersionMismatch; a token on the list is
authorised locally), SetChargingProfile / ClearChargingProfile / GetCompositeSchedule (the
composite is the lowest of the station maximum and the transaction default profile at each
moment, capped at 32 A / 22 kW), UpdateFirmware (FirmwareStatusNotification Downloading ->
Downloaded -> Installing -> Installed, then a boot with the new version; a location containing
"fail" ends in DownloadFailed) and GetLog / 1.6 GetDiagnostics (Log/DiagnosticsStatusNotification
Uploading -> Uploaded, or a failure for a location containing "fail").

    python -m ocpp_bridge.simulator --url ws://127.0.0.1:9000/ocpp --count 20 \\
        --version mixed --prefix SIM- --password s3cret-password-16 --duration 300
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import random
import signal
import ssl
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201.enums import Action as Action201
from websockets.headers import build_authorization_basic

from .logs import utc_now_iso

_logger = logging.getLogger("ocpp_bridge.simulator")


@dataclass
class SimOptions:
    url: str = "ws://127.0.0.1:9000/ocpp"
    count: int = 1
    version: str = "2.0.1"  # 2.0.1 | 1.6 | mixed
    prefix: str = "SIM-"
    password: str | None = None
    duration: float | None = None  # seconds; None = until interrupted
    meter_interval: float = 5.0
    heartbeat: float | None = None  # override the interval the CSMS gives
    idle: tuple = (5.0, 20.0)  # seconds between sessions
    session: tuple = (30.0, 120.0)  # session length
    power_kw: float = 11.0
    fault_rate: float = 0.05  # probability of a fault instead of a session
    fault_duration: float = 5.0
    tokens: list = field(default_factory=lambda: ["SIMTAG-0001", "SIMTAG-0002"])
    seed: int | None = None
    insecure: bool = False  # wss without certificate verification
    transfer_step: float = 1.0  # seconds between firmware/log status notifications


@dataclass
class SimStats:
    boots: int = 0
    sessions_started: int = 0
    sessions_ended: int = 0
    meter_values: int = 0
    faults: int = 0
    heartbeats: int = 0
    auth_refused: int = 0
    commands: collections.Counter = field(default_factory=collections.Counter)
    local_authorizations: int = 0
    errors: list = field(default_factory=list)
    connected: int = 0


class _Sim:
    """Behaviour shared by both versions; subclasses provide the messages."""

    def _setup(self, opts: SimOptions, stats: SimStats, rng: random.Random):
        self.opts = opts
        self.stats = stats
        self.rng = rng
        self.register_wh = rng.randint(100_000, 5_000_000)
        self.tx = None  # current transaction id
        self.costs: dict = {}  # transaction id -> last totalCost received (2.0.1 CostUpdated)
        self.tx_stop = asyncio.Event()
        self.remote_starts: asyncio.Queue = asyncio.Queue()
        self.operative = True
        self.interval = 300.0
        self.variables = {"HeartbeatInterval": "300", "MeterValueSampleInterval": str(int(opts.meter_interval))}
        self.reboot = asyncio.Event()
        self.firmware = "1.0"
        self.reservations: dict = {}  # reservation id -> {"token", "evse", "expiry" (aware UTC)}
        self.local_list_version = 0
        self.local_list: dict = {}  # id token -> status
        self.profiles: dict = {}  # profile id -> {"evse", "purpose" (2.0.1 name), "stack", "unit", "periods"}
        self.status_log: list = []  # (kind, status) of the firmware/log notifications sent

    def power_w(self):
        return round(self.opts.power_kw * 1000 * self.rng.uniform(0.85, 1.0))

    async def run(self, deadline):
        while not await self.boot():
            await asyncio.sleep(min(self.interval, 5.0))
            if time.monotonic() > deadline:
                return
        heartbeat = asyncio.create_task(self.heartbeat_loop())
        try:
            await self.status("Available")
            while time.monotonic() < deadline:
                if self.reboot.is_set():
                    self.reboot.clear()
                    await self.boot("RemoteReset")
                    await self.status("Available")
                wait = self.rng.uniform(*self.opts.idle)
                remote = None
                try:
                    remote = await asyncio.wait_for(
                        self.remote_starts.get(), min(wait, max(0.0, deadline - time.monotonic()))
                    )
                except TimeoutError:
                    pass
                if time.monotonic() >= deadline:
                    break
                if not self.operative:
                    continue
                if remote is None and self.rng.random() < self.opts.fault_rate:
                    self.stats.faults += 1
                    await self.fault()
                    await asyncio.sleep(self.opts.fault_duration)
                    await self.status("Available")
                    continue
                # the driver who reserved arrives first
                token = remote["token"] if remote else self.reserved_token() or self.rng.choice(self.opts.tokens)
                await self.session(token, remote, deadline)
        finally:
            heartbeat.cancel()

    async def heartbeat_loop(self):
        while True:
            await asyncio.sleep(self.opts.heartbeat or self.interval)
            await self.heartbeat()
            self.stats.heartbeats += 1

    async def session(self, token, remote, deadline):
        if remote is None and not await self.authorize_token(token):
            self.stats.auth_refused += 1
            return
        self.tx_stop.clear()
        await self.start_tx(token, remote)
        self.stats.sessions_started += 1
        end = min(deadline, time.monotonic() + self.rng.uniform(*self.opts.session))
        last = time.monotonic()
        while time.monotonic() < end and not self.tx_stop.is_set():
            try:
                await asyncio.wait_for(
                    self.tx_stop.wait(), min(self.opts.meter_interval, max(0.0, end - time.monotonic()))
                )
            except TimeoutError:
                pass
            now = time.monotonic()
            power = self.power_w()
            self.register_wh += int(power * (now - last) / 3600)
            last = now
            if not self.tx_stop.is_set() and now < end:
                await self.meter(power)
                self.stats.meter_values += 1
        await self.stop_tx(token, "Remote" if self.tx_stop.is_set() else "Local")
        self.stats.sessions_ended += 1
        self.tx = None

    # -- remote operations shared by both versions
    async def authorize_token(self, token):
        """A token on the local list is decided here, without asking the central system."""
        if token in self.local_list:
            self.stats.local_authorizations += 1
            return self.local_list[token] == "Accepted"
        return await self.authorize(token)

    def reserved_token(self):
        for reservation in self.reservations.values():
            return reservation["token"]
        return None

    def take_reservation(self, token):
        """The id of the reservation ``token`` holds (consumed by the session it starts), or None."""
        for reservation_id, reservation in list(self.reservations.items()):
            if reservation["token"] == token:
                del self.reservations[reservation_id]
                return reservation_id
        return None

    def reserve(self, reservation_id, token, evse, expiry):
        if evse not in (0, 1):
            return "Rejected"
        if not self.operative:
            return "Unavailable"
        if self.tx or any(r != reservation_id for r in self.reservations):
            return "Occupied"
        self.reservations[reservation_id] = {"token": token, "evse": evse, "expiry": _parse_ts(expiry)}
        return "Accepted"

    async def reserved(self, reservation_id):
        """After an accepted ReserveNow: the connector is Reserved until the reservation is used,
        cancelled or expires."""
        reservation = self.reservations.get(reservation_id)
        if reservation is None:
            return
        await self.status("Reserved")
        wait = (reservation["expiry"] - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, wait))
        if self.reservations.get(reservation_id) is reservation:
            del self.reservations[reservation_id]
            await self.reservation_expired(reservation_id)
            if not self.tx:
                await self.status("Available")

    async def reservation_expired(self, reservation_id):
        """2.0.1 tells the central system; 1.6 has no message for it."""

    def apply_local_list(self, version, update_type, items):
        """``items``: [(token, status or None = delete)]."""
        if update_type == "Differential" and version <= self.local_list_version:
            return "VersionMismatch"
        if update_type == "Full":
            self.local_list = {}
        for token, status in items:
            if status is None:
                self.local_list.pop(token, None)
            else:
                self.local_list[token] = status
        self.local_list_version = version
        return "Accepted"

    def set_profile(self, evse, profile_id, purpose, stack, schedule):
        purpose = "ChargingStationMaxProfile" if purpose == "ChargePointMaxProfile" else purpose
        if (purpose == "ChargingStationMaxProfile" and evse != 0) or evse not in (0, 1):
            return "Rejected"
        if purpose == "TxProfile" and not self.tx:
            return "Rejected"
        periods = [(p["start_period"], float(p["limit"])) for p in schedule["charging_schedule_period"]]
        self.profiles[profile_id] = {
            "evse": evse,
            "purpose": purpose,
            "stack": stack,
            "unit": schedule["charging_rate_unit"],
            "periods": sorted(periods),
        }
        return "Accepted"

    def clear_profiles(self, profile_id=None, evse=None, purpose=None, stack=None):
        purpose = "ChargingStationMaxProfile" if purpose == "ChargePointMaxProfile" else purpose
        gone = [
            pid
            for pid, p in self.profiles.items()
            if (profile_id is None or pid == profile_id)
            and (evse is None or p["evse"] == evse)
            and (purpose is None or p["purpose"] == purpose)
            and (stack is None or p["stack"] == stack)
        ]
        for pid in gone:
            del self.profiles[pid]
        return "Accepted" if gone else "Unknown"

    def composite(self, evse, duration, unit):
        """(unit, [{"start_period", "limit"}]): at each moment the lowest of the station maximum and
        the transaction (default) profile that applies, the station's own cap without them."""
        unit = unit or next((p["unit"] for p in self.profiles.values()), "A")
        relevant = [p for p in self.profiles.values() if p["unit"] == unit and p["evse"] in (0, evse)]
        best = {}
        for purpose in ("ChargingStationMaxProfile", "TxDefaultProfile", "TxProfile"):
            candidates = [p for p in relevant if p["purpose"] == purpose]
            if candidates:  # an EVSE's own profile beats the station-wide one, then the highest stack
                best[purpose] = max(candidates, key=lambda p: (p["evse"] == evse, p["stack"]))
        layers = [
            p
            for p in (best.get("ChargingStationMaxProfile"), best.get("TxProfile") or best.get("TxDefaultProfile"))
            if p
        ]
        cap = 32.0 if unit == "A" else 22000.0
        periods = []
        for start in sorted({0} | {s for p in layers for s, _limit in p["periods"] if s < duration}):
            limit = cap
            for p in layers:
                current = [lim for s, lim in p["periods"] if s <= start]
                if current:
                    limit = min(limit, current[-1])
            if not periods or periods[-1]["limit"] != limit:
                periods.append({"start_period": start, "limit": limit})
        return unit, periods

    async def firmware_update(self, location, request_id=None):
        steps = (
            ["Downloading", "DownloadFailed"]
            if "fail" in location
            else ["Downloading", "Downloaded", "Installing", "Installed"]
        )
        for status in steps:
            await asyncio.sleep(self.opts.transfer_step)
            self.status_log.append(("firmware", status))
            await self.firmware_status(status, request_id)
        if steps[-1] == "Installed":
            self.firmware = location.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0][:50] or self.firmware
            await self.boot("FirmwareUpdate")

    async def log_upload(self, location, request_id=None):
        failure = "UploadFailure" if self.version_name == "2.0.1" else "UploadFailed"
        for status in ["Uploading", failure if "fail" in location else "Uploaded"]:
            await asyncio.sleep(self.opts.transfer_step)
            self.status_log.append(("log", status))
            await self.log_status(status, request_id)


def _parse_ts(value):
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    ts = datetime.fromisoformat(text)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class SimCharger201(_Sim, ChargePoint201):
    version_name = "2.0.1"

    async def boot(self, reason="PowerUp"):
        r = await self.call(
            call201.BootNotification(
                charging_station={
                    "model": "SimCharger",
                    "vendor_name": "EVSuite",
                    "serial_number": self.id[:25],
                    "firmware_version": self.firmware,
                },
                reason=reason,
            )
        )
        self.stats.boots += 1
        self.interval = float(r.interval or 300)
        return r.status == "Accepted"

    async def heartbeat(self):
        await self.call(call201.Heartbeat())

    async def status(self, status):
        await self.call(
            call201.StatusNotification(timestamp=utc_now_iso(), connector_status=status, evse_id=1, connector_id=1)
        )

    async def fault(self):
        await self.status("Faulted")

    async def authorize(self, token):
        r = await self.call(call201.Authorize(id_token={"id_token": token, "type": "ISO14443"}))
        return r.id_token_info["status"] == "Accepted"

    def _meter(self, power=None):
        sampled = [
            {"value": self.register_wh, "measurand": "Energy.Active.Import.Register", "unit_of_measure": {"unit": "Wh"}}
        ]
        if power is not None:
            sampled.append({"value": power, "measurand": "Power.Active.Import", "unit_of_measure": {"unit": "W"}})
        return [{"timestamp": utc_now_iso(), "sampled_value": sampled}]

    async def _tx_event(self, event_type, trigger, token=None, power=None, reservation_id=None, **info):
        self.seq += 1
        await self.call(
            call201.TransactionEvent(
                event_type=event_type,
                reservation_id=reservation_id,
                timestamp=utc_now_iso(),
                trigger_reason=trigger,
                seq_no=self.seq,
                transaction_info={"transaction_id": self.tx, **info},
                id_token={
                    "id_token": token,
                    "type": "Central" if info.get("remote_start_id") is not None else "ISO14443",
                }
                if token
                else None,
                evse={"id": 1, "connector_id": 1},
                meter_value=self._meter(power),
            )
        )

    async def start_tx(self, token, remote):
        self.tx = (remote or {}).get("tx") or str(uuid.uuid4())
        self.seq = -1
        await self.status("Occupied")
        extra = {"remote_start_id": remote["remote_start_id"]} if remote else {}
        await self._tx_event(
            "Started",
            "RemoteStart" if remote else "Authorized",
            token,
            reservation_id=self.take_reservation(token),
            charging_state="Charging",
            **extra,
        )

    async def meter(self, power):
        await self._tx_event("Updated", "MeterValuePeriodic", power=power, charging_state="Charging")

    async def stop_tx(self, token, reason):
        await self._tx_event(
            "Ended",
            "RemoteStop" if reason == "Remote" else "StopAuthorized",
            stopped_reason=reason,
            charging_state="Idle",
        )
        await self.status("Available")

    # -- remote commands
    @on(Action201.request_start_transaction)
    def on_request_start(self, id_token, remote_start_id, **kw):
        self.stats.commands["RequestStartTransaction"] += 1
        if self.tx or not self.operative:
            return _r201("RequestStartTransaction", "Rejected")
        tx = str(uuid.uuid4())
        self.remote_starts.put_nowait({"token": id_token["id_token"], "remote_start_id": remote_start_id, "tx": tx})
        return _r201("RequestStartTransaction", "Accepted", transaction_id=tx)

    @on(Action201.request_stop_transaction)
    def on_request_stop(self, transaction_id, **kw):
        self.stats.commands["RequestStopTransaction"] += 1
        if self.tx != transaction_id:
            return _r201("RequestStopTransaction", "Rejected")
        self.tx_stop.set()
        return _r201("RequestStopTransaction", "Accepted")

    @on(Action201.reset)
    def on_reset(self, type, **kw):
        self.stats.commands["Reset"] += 1
        if self.tx and type == "OnIdle":
            return _r201("Reset", "Scheduled")
        return _r201("Reset", "Accepted")

    @after(Action201.reset)
    def after_reset(self, type, **kw):
        self.reboot.set()

    @on(Action201.unlock_connector)
    def on_unlock(self, evse_id, connector_id, **kw):
        self.stats.commands["UnlockConnector"] += 1
        return _r201("UnlockConnector", "Unlocked")

    @on(Action201.change_availability)
    def on_change_availability(self, operational_status, **kw):
        self.stats.commands["ChangeAvailability"] += 1
        self.operative = operational_status == "Operative"
        return _r201("ChangeAvailability", "Scheduled" if self.tx else "Accepted")

    @on(Action201.trigger_message)
    def on_trigger(self, requested_message, **kw):
        self.stats.commands["TriggerMessage"] += 1
        ok = requested_message in ("Heartbeat", "StatusNotification", "BootNotification")
        return _r201("TriggerMessage", "Accepted" if ok else "NotImplemented")

    @after(Action201.trigger_message)
    async def after_trigger(self, requested_message, **kw):
        if requested_message == "Heartbeat":
            await self.heartbeat()
        elif requested_message == "StatusNotification":
            await self.status("Occupied" if self.tx else "Available")
        elif requested_message == "BootNotification":
            await self.boot("Triggered")

    @on(Action201.cost_updated)
    def on_cost_updated(self, total_cost, transaction_id, **kw):
        """The CSMS tells the running (or final) cost: a display would show it; we keep and log it."""
        self.stats.commands["CostUpdated"] += 1
        self.costs[transaction_id] = total_cost
        _logger.info("%s: cost of %s is now %s", self.id, transaction_id, total_cost)
        from ocpp.v201 import call_result

        return call_result.CostUpdated()

    @on(Action201.get_variables)
    def on_get_variables(self, get_variable_data, **kw):
        self.stats.commands["GetVariables"] += 1
        results = []
        for item in get_variable_data:
            name = item["variable"]["name"]
            found = name in self.variables
            results.append(
                {
                    "attribute_status": "Accepted" if found else "UnknownVariable",
                    "component": item["component"],
                    "variable": item["variable"],
                    **({"attribute_value": self.variables[name]} if found else {}),
                }
            )
        from ocpp.v201 import call_result

        return call_result.GetVariables(get_variable_result=results)

    @on(Action201.set_variables)
    def on_set_variables(self, set_variable_data, **kw):
        self.stats.commands["SetVariables"] += 1
        results = []
        for item in set_variable_data:
            self.variables[item["variable"]["name"]] = item["attribute_value"]
            results.append(
                {"attribute_status": "Accepted", "component": item["component"], "variable": item["variable"]}
            )
        from ocpp.v201 import call_result

        return call_result.SetVariables(set_variable_result=results)

    # -- remote operations (shared logic in _Sim)
    async def reservation_expired(self, reservation_id):
        await self.call(
            call201.ReservationStatusUpdate(reservation_id=reservation_id, reservation_update_status="Expired")
        )

    async def firmware_status(self, status, request_id):
        await self.call(call201.FirmwareStatusNotification(status=status, request_id=request_id))

    async def log_status(self, status, request_id):
        await self.call(call201.LogStatusNotification(status=status, request_id=request_id))

    @on(Action201.reserve_now)
    def on_reserve_now(self, id, expiry_date_time, id_token, evse_id=None, **kw):
        self.stats.commands["ReserveNow"] += 1
        return _r201("ReserveNow", self.reserve(id, id_token["id_token"], evse_id or 0, expiry_date_time))

    @after(Action201.reserve_now)
    async def after_reserve_now(self, id, **kw):
        await self.reserved(id)

    @on(Action201.cancel_reservation)
    def on_cancel_reservation(self, reservation_id, **kw):
        self.stats.commands["CancelReservation"] += 1
        return _r201("CancelReservation", "Accepted" if self.reservations.pop(reservation_id, None) else "Rejected")

    @after(Action201.cancel_reservation)
    async def after_cancel_reservation(self, reservation_id, **kw):
        if not self.tx and not self.reservations:
            await self.status("Available")

    @on(Action201.send_local_list)
    def on_send_local_list(self, version_number, update_type, local_authorization_list=None, **kw):
        self.stats.commands["SendLocalList"] += 1
        items = [
            (item["id_token"]["id_token"], (item.get("id_token_info") or {}).get("status"))
            for item in local_authorization_list or []
        ]
        return _r201("SendLocalList", self.apply_local_list(version_number, update_type, items))

    @on(Action201.get_local_list_version)
    def on_get_local_list_version(self, **kw):
        self.stats.commands["GetLocalListVersion"] += 1
        from ocpp.v201 import call_result

        return call_result.GetLocalListVersion(version_number=self.local_list_version)

    @on(Action201.set_charging_profile)
    def on_set_charging_profile(self, evse_id, charging_profile, **kw):
        self.stats.commands["SetChargingProfile"] += 1
        p = charging_profile
        status = self.set_profile(
            evse_id, p["id"], p["charging_profile_purpose"], p["stack_level"], p["charging_schedule"][0]
        )
        return _r201("SetChargingProfile", status)

    @on(Action201.clear_charging_profile)
    def on_clear_charging_profile(self, charging_profile_id=None, charging_profile_criteria=None, **kw):
        self.stats.commands["ClearChargingProfile"] += 1
        c = charging_profile_criteria or {}
        status = self.clear_profiles(
            charging_profile_id, c.get("evse_id"), c.get("charging_profile_purpose"), c.get("stack_level")
        )
        return _r201("ClearChargingProfile", status)

    @on(Action201.get_composite_schedule)
    def on_get_composite_schedule(self, duration, evse_id, charging_rate_unit=None, **kw):
        self.stats.commands["GetCompositeSchedule"] += 1
        if evse_id not in (0, 1):
            return _r201("GetCompositeSchedule", "Rejected")
        unit, periods = self.composite(evse_id, duration, charging_rate_unit)
        schedule = {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": utc_now_iso(),
            "charging_rate_unit": unit,
            "charging_schedule_period": periods,
        }
        return _r201("GetCompositeSchedule", "Accepted", schedule=schedule)

    @on(Action201.update_firmware)
    def on_update_firmware(self, request_id, firmware, **kw):
        self.stats.commands["UpdateFirmware"] += 1
        return _r201("UpdateFirmware", "Accepted")

    @after(Action201.update_firmware)
    async def after_update_firmware(self, request_id, firmware, **kw):
        await self.firmware_update(firmware["location"], request_id)

    @on(Action201.get_log)
    def on_get_log(self, log_type, request_id, log, **kw):
        self.stats.commands["GetLog"] += 1
        return _r201("GetLog", "Accepted", filename=f"{self.id}-{request_id}.log")

    @after(Action201.get_log)
    async def after_get_log(self, log_type, request_id, log, **kw):
        await self.log_upload(log["remote_location"], request_id)


def _r201(action, status, **kw):
    from ocpp.v201 import call_result

    return getattr(call_result, action)(status=status, **kw)


def _r16(action, **kw):
    from ocpp.v16 import call_result

    return getattr(call_result, action)(**kw)


class SimCharger16(_Sim, ChargePoint16):
    version_name = "1.6"

    async def boot(self, reason="PowerUp"):
        r = await self.call(
            call16.BootNotification(
                charge_point_model="SimCharger",
                charge_point_vendor="EVSuite",
                charge_point_serial_number=self.id[:25],
                firmware_version=self.firmware,
            )
        )
        self.stats.boots += 1
        self.interval = float(r.interval or 300)
        return r.status == "Accepted"

    async def heartbeat(self):
        await self.call(call16.Heartbeat())

    async def status(self, status, error_code="NoError", **kw):
        await self.call(
            call16.StatusNotification(
                connector_id=1, error_code=error_code, status=status, timestamp=utc_now_iso(), **kw
            )
        )

    async def fault(self):
        await self.status("Faulted", "GroundFailure", vendor_id="https://chargex.inl.gov", vendor_error_code="CX002")

    async def authorize(self, token):
        r = await self.call(call16.Authorize(id_tag=token[:20]))
        return r.id_tag_info["status"] == "Accepted"

    def _meter(self, power=None, context=None):
        sampled = [
            {
                "value": str(self.register_wh),
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                **({"context": context} if context else {}),
            }
        ]
        if power is not None:
            sampled.append({"value": str(power), "measurand": "Power.Active.Import", "unit": "W"})
        return [{"timestamp": utc_now_iso(), "sampled_value": sampled}]

    async def start_tx(self, token, remote):
        await self.status("Preparing")
        r = await self.call(
            call16.StartTransaction(
                connector_id=1,
                id_tag=token[:20],
                meter_start=self.register_wh,
                timestamp=utc_now_iso(),
                reservation_id=self.take_reservation(token),
            )
        )
        self.tx = r.transaction_id
        await self.status("Charging")

    async def meter(self, power):
        await self.call(call16.MeterValues(connector_id=1, transaction_id=self.tx, meter_value=self._meter(power)))

    async def stop_tx(self, token, reason):
        await self.call(
            call16.StopTransaction(
                meter_stop=self.register_wh,
                timestamp=utc_now_iso(),
                transaction_id=self.tx,
                id_tag=token[:20],
                reason=reason,
                transaction_data=self._meter(context="Transaction.End"),
            )
        )
        await self.status("Finishing")
        await self.status("Available")

    # -- remote commands
    @on(Action16.remote_start_transaction)
    def on_remote_start(self, id_tag, **kw):
        self.stats.commands["RemoteStartTransaction"] += 1
        if self.tx or not self.operative:
            return _r16("RemoteStartTransaction", status="Rejected")
        self.remote_starts.put_nowait({"token": id_tag})
        return _r16("RemoteStartTransaction", status="Accepted")

    @on(Action16.remote_stop_transaction)
    def on_remote_stop(self, transaction_id, **kw):
        self.stats.commands["RemoteStopTransaction"] += 1
        if self.tx != transaction_id:
            return _r16("RemoteStopTransaction", status="Rejected")
        self.tx_stop.set()
        return _r16("RemoteStopTransaction", status="Accepted")

    @on(Action16.reset)
    def on_reset(self, type, **kw):
        self.stats.commands["Reset"] += 1
        return _r16("Reset", status="Accepted")

    @after(Action16.reset)
    def after_reset(self, type, **kw):
        self.reboot.set()

    @on(Action16.unlock_connector)
    def on_unlock(self, connector_id, **kw):
        self.stats.commands["UnlockConnector"] += 1
        return _r16("UnlockConnector", status="Unlocked")

    @on(Action16.change_availability)
    def on_change_availability(self, connector_id, type, **kw):
        self.stats.commands["ChangeAvailability"] += 1
        self.operative = type == "Operative"
        return _r16("ChangeAvailability", status="Scheduled" if self.tx else "Accepted")

    @on(Action16.trigger_message)
    def on_trigger(self, requested_message, **kw):
        self.stats.commands["TriggerMessage"] += 1
        ok = requested_message in ("Heartbeat", "StatusNotification", "BootNotification")
        return _r16("TriggerMessage", status="Accepted" if ok else "NotImplemented")

    @after(Action16.trigger_message)
    async def after_trigger(self, requested_message, **kw):
        if requested_message == "Heartbeat":
            await self.heartbeat()
        elif requested_message == "StatusNotification":
            await self.status("Charging" if self.tx else "Available")
        elif requested_message == "BootNotification":
            await self.boot()

    @on(Action16.get_configuration)
    def on_get_configuration(self, key=None, **kw):
        self.stats.commands["GetConfiguration"] += 1
        wanted = key or list(self.variables)
        known = [{"key": k, "readonly": False, "value": self.variables[k]} for k in wanted if k in self.variables]
        unknown = [k for k in wanted if k not in self.variables]
        return _r16("GetConfiguration", configuration_key=known, unknown_key=unknown or None)

    @on(Action16.change_configuration)
    def on_change_configuration(self, key, value, **kw):
        self.stats.commands["ChangeConfiguration"] += 1
        self.variables[key] = value
        return _r16("ChangeConfiguration", status="Accepted")

    # -- remote operations (shared logic in _Sim)
    async def firmware_status(self, status, request_id):
        await self.call(call16.FirmwareStatusNotification(status=status))

    async def log_status(self, status, request_id):
        await self.call(call16.DiagnosticsStatusNotification(status=status))

    @on(Action16.reserve_now)
    def on_reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, **kw):
        self.stats.commands["ReserveNow"] += 1
        return _r16("ReserveNow", status=self.reserve(reservation_id, id_tag, connector_id, expiry_date))

    @after(Action16.reserve_now)
    async def after_reserve_now(self, reservation_id, **kw):
        await self.reserved(reservation_id)

    @on(Action16.cancel_reservation)
    def on_cancel_reservation(self, reservation_id, **kw):
        self.stats.commands["CancelReservation"] += 1
        status = "Accepted" if self.reservations.pop(reservation_id, None) else "Rejected"
        return _r16("CancelReservation", status=status)

    @after(Action16.cancel_reservation)
    async def after_cancel_reservation(self, reservation_id, **kw):
        if not self.tx and not self.reservations:
            await self.status("Available")

    @on(Action16.send_local_list)
    def on_send_local_list(self, list_version, update_type, local_authorization_list=None, **kw):
        self.stats.commands["SendLocalList"] += 1
        items = [
            (item["id_tag"], (item.get("id_tag_info") or {}).get("status")) for item in local_authorization_list or []
        ]
        return _r16("SendLocalList", status=self.apply_local_list(list_version, update_type, items))

    @on(Action16.get_local_list_version)
    def on_get_local_list_version(self, **kw):
        self.stats.commands["GetLocalListVersion"] += 1
        return _r16("GetLocalListVersion", list_version=self.local_list_version)

    @on(Action16.set_charging_profile)
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **kw):
        self.stats.commands["SetChargingProfile"] += 1
        p = cs_charging_profiles
        status = self.set_profile(
            connector_id,
            p["charging_profile_id"],
            p["charging_profile_purpose"],
            p["stack_level"],
            p["charging_schedule"],
        )
        return _r16("SetChargingProfile", status=status)

    @on(Action16.clear_charging_profile)
    def on_clear_charging_profile(
        self, id=None, connector_id=None, charging_profile_purpose=None, stack_level=None, **kw
    ):
        self.stats.commands["ClearChargingProfile"] += 1
        return _r16(
            "ClearChargingProfile", status=self.clear_profiles(id, connector_id, charging_profile_purpose, stack_level)
        )

    @on(Action16.get_composite_schedule)
    def on_get_composite_schedule(self, connector_id, duration, charging_rate_unit=None, **kw):
        self.stats.commands["GetCompositeSchedule"] += 1
        if connector_id not in (0, 1):
            return _r16("GetCompositeSchedule", status="Rejected")
        unit, periods = self.composite(connector_id, duration, charging_rate_unit)
        return _r16(
            "GetCompositeSchedule",
            status="Accepted",
            connector_id=connector_id,
            schedule_start=utc_now_iso(),
            charging_schedule={"duration": duration, "charging_rate_unit": unit, "charging_schedule_period": periods},
        )

    @on(Action16.update_firmware)
    def on_update_firmware(self, location, retrieve_date, **kw):
        self.stats.commands["UpdateFirmware"] += 1
        return _r16("UpdateFirmware")

    @after(Action16.update_firmware)
    async def after_update_firmware(self, location, retrieve_date, **kw):
        await self.firmware_update(location)

    @on(Action16.get_diagnostics)
    def on_get_diagnostics(self, location, **kw):
        self.stats.commands["GetDiagnostics"] += 1
        return _r16("GetDiagnostics", file_name=f"{self.id}-diagnostics.log")

    @after(Action16.get_diagnostics)
    async def after_get_diagnostics(self, location, **kw):
        await self.log_upload(location)


def _version_for(i: int, version: str) -> str:
    if version == "mixed":
        return "2.0.1" if i % 2 == 0 else "1.6"
    return version


async def run_charger(i: int, opts: SimOptions, stats: SimStats, deadline: float, rng: random.Random):
    identity = f"{opts.prefix}{i + 1:04d}"
    version = _version_for(i, opts.version)
    url = f"{opts.url.rstrip('/')}/{identity}"
    headers = {}
    if opts.password:
        headers["Authorization"] = build_authorization_basic(identity, opts.password)
    ssl_ctx = None
    if url.startswith("wss") and opts.insecure:
        ssl_ctx = ssl.create_default_context()
        ssl_ctx.check_hostname = False
        ssl_ctx.verify_mode = ssl.CERT_NONE
    cls = SimCharger201 if version == "2.0.1" else SimCharger16
    backoff = 1.0
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(
                url,
                subprotocols=["ocpp2.0.1" if version == "2.0.1" else "ocpp1.6"],
                additional_headers=headers,
                ssl=ssl_ctx,
                open_timeout=10,
            ) as ws:
                stats.connected += 1
                cp = cls(identity, ws)
                cp._setup(opts, stats, rng)
                reader = asyncio.create_task(cp.start())
                runner = asyncio.create_task(cp.run(deadline))
                done, _pending = await asyncio.wait({reader, runner}, return_when=asyncio.FIRST_COMPLETED)
                for task in (reader, runner):
                    task.cancel()
                if runner in done and not runner.cancelled() and runner.exception() is None:
                    return
                exc = runner.exception() if runner in done else reader.exception() if not reader.cancelled() else None
                if exc:
                    raise exc
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stats.errors.append(f"{identity}: {exc.__class__.__name__}: {exc}")
            _logger.warning("%s: %s; reconnecting in %.0fs", identity, exc, backoff, extra={"charger": identity})
            await asyncio.sleep(min(backoff, max(0.0, deadline - time.monotonic())))
            backoff = min(backoff * 2, 60)


async def run_simulation(opts: SimOptions, stop: asyncio.Event | None = None) -> SimStats:
    stats = SimStats()
    rng = random.Random(opts.seed)
    deadline = time.monotonic() + (opts.duration if opts.duration else 10**9)
    tasks = [
        asyncio.create_task(run_charger(i, opts, stats, deadline, random.Random(rng.random())))
        for i in range(opts.count)
    ]
    waiter = asyncio.gather(*tasks, return_exceptions=True)
    if stop is None:
        await waiter
    else:
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def _range(text):
    lo, _, hi = text.partition(":")
    return (float(lo), float(hi or lo))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m ocpp_bridge.simulator", description="Simulated OCPP chargers")
    p.add_argument("--url", default=SimOptions.url, help="base URL; /<identity> is appended")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--version", choices=["2.0.1", "1.6", "mixed"], default="2.0.1")
    p.add_argument("--prefix", default="SIM-")
    p.add_argument("--password", help="HTTP Basic password (security profile 1/2)")
    p.add_argument("--duration", type=float, help="seconds to run (default: until Ctrl-C)")
    p.add_argument("--meter-interval", type=float, default=5.0)
    p.add_argument("--heartbeat", type=float, help="override the heartbeat interval")
    p.add_argument("--idle", type=_range, default=(5.0, 20.0), help="MIN:MAX seconds")
    p.add_argument("--session", type=_range, default=(30.0, 120.0), help="MIN:MAX seconds")
    p.add_argument("--power-kw", type=float, default=11.0)
    p.add_argument("--fault-rate", type=float, default=0.05)
    p.add_argument("--tokens", default="SIMTAG-0001,SIMTAG-0002", help="comma-separated")
    p.add_argument("--seed", type=int)
    p.add_argument("--insecure", action="store_true", help="wss: skip certificate checks")
    p.add_argument("--transfer-step", type=float, default=1.0, help="seconds between firmware/log statuses")
    a = p.parse_args(argv)
    opts = SimOptions(
        url=a.url,
        count=a.count,
        version=a.version,
        prefix=a.prefix,
        password=a.password,
        duration=a.duration,
        meter_interval=a.meter_interval,
        heartbeat=a.heartbeat,
        idle=a.idle,
        session=a.session,
        power_kw=a.power_kw,
        fault_rate=a.fault_rate,
        tokens=[t for t in a.tokens.split(",") if t],
        seed=a.seed,
        insecure=a.insecure,
        transfer_step=a.transfer_step,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("ocpp").setLevel(logging.WARNING)

    async def _main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        stats = await run_simulation(opts, stop)
        print(
            f"boots={stats.boots} sessions={stats.sessions_started}/{stats.sessions_ended} "
            f"meter_values={stats.meter_values} faults={stats.faults} "
            f"auth_refused={stats.auth_refused} local_auth={stats.local_authorizations} "
            f"commands={dict(stats.commands)} "
            f"errors={len(stats.errors)}"
        )

    asyncio.run(_main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
