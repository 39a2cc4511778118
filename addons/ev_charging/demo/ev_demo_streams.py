"""Deterministic OCPP event streams for demo data and benchmarks (pure: no Odoo import).

The events have the bridge's envelope format (INGESTION.md), so demo data and benchmarks go
through the same ingestion path as real chargers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class EventStream:
    node: str = "demo"
    seq: int = 0
    events: list = field(default_factory=list)

    def add(self, charger, version, action, payload, ts, response=None):
        self.seq += 1
        event = {
            "key": f"{self.node}:{self.seq}",
            "charger": charger,
            "version": version,
            "action": action,
            "payload": payload,
            "ts": iso(ts),
        }
        if response is not None:
            event["response"] = response
        self.events.append(event)
        return event


def _meter_201(ts, wh, power_w, context="Sample.Periodic"):
    return {
        "timestamp": iso(ts),
        "sampledValue": [
            {
                "value": round(wh, 1),
                "measurand": "Energy.Active.Import.Register",
                "context": context,
                "unitOfMeasure": {"unit": "Wh"},
            },
            {
                "value": round(power_w, 1),
                "measurand": "Power.Active.Import",
                "context": context,
                "unitOfMeasure": {"unit": "W"},
            },
        ],
    }


def _meter_16(ts, wh, power_w, context="Sample.Periodic"):
    return {
        "timestamp": iso(ts),
        "sampledValue": [
            {"value": f"{wh:.1f}", "measurand": "Energy.Active.Import.Register", "unit": "Wh", "context": context},
            {"value": f"{power_w:.1f}", "measurand": "Power.Active.Import", "unit": "W", "context": context},
        ],
    }


def session_events(
    stream: EventStream,
    charger: str,
    version: str,
    connector: int,
    tx_id: str,
    token: str,
    start: datetime,
    minutes: int,
    power_kw: float,
    register_wh: float,
    sample_every: int = 15,
):
    """Append the events of one complete session; returns the register at its end (Wh)."""
    end = start + timedelta(minutes=minutes)
    wh = register_wh
    step_wh = power_kw * 1000 * sample_every / 60.0
    if version == "2.0.1":
        evse = {"id": connector, "connectorId": 1}
        stream.add(
            charger,
            version,
            "StatusNotification",
            {"timestamp": iso(start), "connectorStatus": "Occupied", "evseId": connector, "connectorId": 1},
            start,
        )
        stream.add(
            charger,
            version,
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": iso(start),
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": tx_id, "chargingState": "Charging"},
                "idToken": {"idToken": token, "type": "ISO14443"},
                "evse": evse,
                "meterValue": [_meter_201(start, wh, 0, "Transaction.Begin")],
            },
            start,
        )
        seq = 1
        t = start + timedelta(minutes=sample_every)
        while t < end:
            wh += step_wh
            stream.add(
                charger,
                version,
                "TransactionEvent",
                {
                    "eventType": "Updated",
                    "timestamp": iso(t),
                    "triggerReason": "MeterValuePeriodic",
                    "seqNo": seq,
                    "transactionInfo": {"transactionId": tx_id, "chargingState": "Charging"},
                    "evse": evse,
                    "meterValue": [_meter_201(t, wh, power_kw * 1000)],
                },
                t,
            )
            seq += 1
            t += timedelta(minutes=sample_every)
        wh += power_kw * 1000 * ((end - (t - timedelta(minutes=sample_every))).total_seconds() / 3600.0)
        stream.add(
            charger,
            version,
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": iso(end),
                "triggerReason": "EVCommunicationLost",
                "seqNo": seq,
                "transactionInfo": {"transactionId": tx_id, "chargingState": "Idle", "stoppedReason": "EVDisconnected"},
                "evse": evse,
                "meterValue": [_meter_201(end, wh, 0, "Transaction.End")],
            },
            end,
        )
        stream.add(
            charger,
            version,
            "StatusNotification",
            {"timestamp": iso(end), "connectorStatus": "Available", "evseId": connector, "connectorId": 1},
            end,
        )
    else:
        stream.add(
            charger,
            version,
            "StatusNotification",
            {"connectorId": connector, "status": "Preparing", "errorCode": "NoError", "timestamp": iso(start)},
            start,
        )
        stream.add(
            charger,
            version,
            "StartTransaction",
            {"connectorId": connector, "idTag": token, "meterStart": int(wh), "timestamp": iso(start)},
            start,
            response={"transactionId": int(tx_id), "idTagInfo": {"status": "Accepted"}},
        )
        stream.add(
            charger,
            version,
            "StatusNotification",
            {"connectorId": connector, "status": "Charging", "errorCode": "NoError", "timestamp": iso(start)},
            start,
        )
        t = start + timedelta(minutes=sample_every)
        while t < end:
            wh += step_wh
            stream.add(
                charger,
                version,
                "MeterValues",
                {
                    "connectorId": connector,
                    "transactionId": int(tx_id),
                    "meterValue": [_meter_16(t, wh, power_kw * 1000)],
                },
                t,
            )
            t += timedelta(minutes=sample_every)
        wh += power_kw * 1000 * ((end - (t - timedelta(minutes=sample_every))).total_seconds() / 3600.0)
        stream.add(
            charger,
            version,
            "StopTransaction",
            {
                "transactionId": int(tx_id),
                "meterStop": int(wh),
                "timestamp": iso(end),
                "reason": "EVDisconnected",
                "idTag": token,
            },
            end,
        )
        stream.add(
            charger,
            version,
            "StatusNotification",
            {"connectorId": connector, "status": "Available", "errorCode": "NoError", "timestamp": iso(end)},
            end,
        )
    return int(wh) if version == "1.6" else wh


def fleet_history(chargers, tokens, days: int, until: datetime, seed: int = 7, node: str = "demo"):
    """Events for ``days`` of sessions on ``chargers`` = [(identity, version, connectors, max_kw, tz_offset_h)].

    Sessions happen mostly in local daytime. Returns the list of envelopes in time order.
    """
    rng = random.Random(seed)
    tx_counter = 1000
    start_day = (until - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    per_charger = []
    for identity, version, connectors, max_kw, tz_offset in chargers:
        register = rng.randint(1_000_000, 9_000_000)
        local = EventStream(node=node)
        boot_ts = start_day - timedelta(hours=1)
        vendor = (
            {"chargingStation": {"model": "Demo", "vendorName": "Demo"}, "reason": "PowerUp"}
            if version == "2.0.1"
            else {"chargePointVendor": "Demo", "chargePointModel": "Demo"}
        )
        local.add(identity, version, "BootNotification", vendor, boot_ts)
        for conn in range(1, connectors + 1):
            payload = (
                {"timestamp": iso(boot_ts), "connectorStatus": "Available", "evseId": conn, "connectorId": 1}
                if version == "2.0.1"
                else {"connectorId": conn, "status": "Available", "errorCode": "NoError", "timestamp": iso(boot_ts)}
            )
            local.add(identity, version, "StatusNotification", payload, boot_ts)
        busy_until = {}
        for day in range(days):
            base = start_day + timedelta(days=day)
            for _n in range(rng.randint(1, 4)):
                # draw everything first so the stream does not depend on ``until``'s time of day
                local_hour = rng.choice([7, 8, 9, 11, 12, 13, 15, 16, 17, 18, 19, 21])
                start = base + timedelta(hours=local_hour - tz_offset, minutes=rng.randint(0, 59))
                minutes = rng.randint(20, 150) if max_kw < 50 else rng.randint(12, 45)
                power = min(max_kw, rng.uniform(0.6, 1.0) * max_kw)
                connector = rng.randint(1, connectors)
                token = rng.choice(tokens)
                if start + timedelta(hours=3) > until or start < busy_until.get(connector, start):
                    continue  # too recent, or the connector is still in use: one car at a time
                busy_until[connector] = start + timedelta(minutes=minutes + 5)
                tx_counter += 1
                tx_id = str(tx_counter) if version == "1.6" else f"{identity}-{tx_counter:06d}"
                register = session_events(
                    local, identity, version, connector, tx_id, token, start, minutes, power, register
                )
        per_charger.extend(local.events)
    per_charger.sort(key=lambda e: e["ts"])
    for seq, event in enumerate(per_charger, 1):
        event["key"] = f"{node}:{seq}"
    return per_charger


def fault_episode(
    stream_node: str,
    identity: str,
    version: str,
    connector: int,
    start: datetime,
    minutes: int,
    error_code: str = "GroundFailure",
    vendor_error: str = "CX002",
):
    """Events of one fault: Faulted at ``start``, Available again ``minutes`` later."""
    stream = EventStream(node=stream_node)
    end = start + timedelta(minutes=minutes)
    if version == "1.6":
        stream.add(
            identity,
            version,
            "StatusNotification",
            {
                "connectorId": connector,
                "status": "Faulted",
                "errorCode": error_code,
                "vendorErrorCode": vendor_error,
                "vendorId": "https://chargex.inl.gov",
                "info": "Ground fault detected",
                "timestamp": iso(start),
            },
            start,
        )
        stream.add(
            identity,
            version,
            "StatusNotification",
            {"connectorId": connector, "status": "Available", "errorCode": "NoError", "timestamp": iso(end)},
            end,
        )
    else:
        stream.add(
            identity,
            version,
            "StatusNotification",
            {"timestamp": iso(start), "connectorStatus": "Faulted", "evseId": connector, "connectorId": 1},
            start,
        )
        stream.add(
            identity,
            version,
            "StatusNotification",
            {"timestamp": iso(end), "connectorStatus": "Available", "evseId": connector, "connectorId": 1},
            end,
        )
    return stream.events
