"""Simulated chargers for load and demo: ``python -m ocpp_bridge.simulator``.

Built on the ``ocpp`` library's own client classes. Each simulated charger boots, reports its
status, authorizes a token, runs sessions with meter values (cumulative
Energy.Active.Import.Register in Wh plus Power.Active.Import in W) every few seconds, stops,
faults now and then, heartbeats, and answers remote commands (RequestStart/Stop or
RemoteStart/Stop, Reset, UnlockConnector, ChangeAvailability, TriggerMessage,
Get/SetVariables or Get/ChangeConfiguration, and 2.0.1 CostUpdated: the running cost is kept and
logged).

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
                token = remote["token"] if remote else self.rng.choice(self.opts.tokens)
                await self.session(token, remote, deadline)
        finally:
            heartbeat.cancel()

    async def heartbeat_loop(self):
        while True:
            await asyncio.sleep(self.opts.heartbeat or self.interval)
            await self.heartbeat()
            self.stats.heartbeats += 1

    async def session(self, token, remote, deadline):
        if remote is None and not await self.authorize(token):
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


class SimCharger201(_Sim, ChargePoint201):
    async def boot(self, reason="PowerUp"):
        r = await self.call(
            call201.BootNotification(
                charging_station={
                    "model": "SimCharger",
                    "vendor_name": "EVSuite",
                    "serial_number": self.id[:25],
                    "firmware_version": "1.0",
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

    async def _tx_event(self, event_type, trigger, token=None, power=None, **info):
        self.seq += 1
        await self.call(
            call201.TransactionEvent(
                event_type=event_type,
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
            "Started", "RemoteStart" if remote else "Authorized", token, charging_state="Charging", **extra
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


def _r201(action, status, **kw):
    from ocpp.v201 import call_result

    return getattr(call_result, action)(status=status, **kw)


def _r16(action, **kw):
    from ocpp.v16 import call_result

    return getattr(call_result, action)(**kw)


class SimCharger16(_Sim, ChargePoint16):
    async def boot(self, reason="PowerUp"):
        r = await self.call(
            call16.BootNotification(
                charge_point_model="SimCharger",
                charge_point_vendor="EVSuite",
                charge_point_serial_number=self.id[:25],
                firmware_version="1.0",
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
                connector_id=1, id_tag=token[:20], meter_start=self.register_wh, timestamp=utc_now_iso()
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
            f"auth_refused={stats.auth_refused} commands={dict(stats.commands)} "
            f"errors={len(stats.errors)}"
        )

    asyncio.run(_main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
