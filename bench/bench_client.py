"""Load client for bench_bridge.py: many plain-websockets OCPP 2.0.1 chargers in ONE process.

Driven over stdin/stdout, one JSON object per line (so the orchestrator can measure the bridge
between steps while the connections stay open):

  {"cmd": "connect", "url": "ws://127.0.0.1:P/ocpp", "prefix": "BENCH-", "start": 0, "count": N,
   "concurrency": 200, "timeout": 600}
  {"cmd": "status"}                                      each charger reports its connector (evse 1) Available
  {"cmd": "load", "chargers": M, "seconds": D}           Heartbeat/StatusNotification loop
  {"cmd": "meter", "chargers": K, "per_charger": P, "run": "r1"}   TransactionEvent Started + P Updated
  {"cmd": "quit"}

Every connection has a reader task that answers the bridge's CALLs (remote commands) with
{"status": "Accepted"}. Latencies are client-side round trips (send -> CALLRESULT received).
"""

import asyncio
import itertools
import json
import sys
import time
from datetime import UTC, datetime

from websockets.asyncio.client import connect

BOOT = {"chargingStation": {"model": "Bench", "vendorName": "BenchCo", "firmwareVersion": "1.0"}, "reason": "PowerUp"}


def now_iso():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


class Conn:
    _ids = itertools.count()

    def __init__(self, identity, ws):
        self.identity, self.ws = identity, ws
        self.pending = {}
        self.commands_answered = 0
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if msg[0] == 2:  # CALL from the bridge (a remote command): accept it
                    self.commands_answered += 1
                    await self.ws.send(json.dumps([3, msg[1], {"status": "Accepted"}]))
                else:
                    fut = self.pending.pop(msg[1], None)
                    if fut and not fut.done():
                        fut.set_result(msg)
        except Exception:
            pass
        finally:
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("closed"))
            self.pending.clear()

    async def call(self, action, payload, timeout=30):
        uid = str(next(self._ids))
        fut = asyncio.get_running_loop().create_future()
        self.pending[uid] = fut
        await self.ws.send(json.dumps([2, uid, action, payload]))
        msg = await asyncio.wait_for(fut, timeout)
        if msg[0] != 3:
            raise RuntimeError(f"{action}: CALLERROR {msg[2:4]}")
        return msg[2]


class Client:
    def __init__(self):
        self.conns = []

    async def connect(self, url, prefix, start, count, concurrency=200, timeout=600):
        sem = asyncio.Semaphore(concurrency)
        errors = {}
        deadline = time.monotonic() + timeout
        t0 = time.monotonic()
        lat = []

        async def one(i):
            identity = f"{prefix}{i:05d}"
            async with sem:
                if time.monotonic() > deadline:
                    errors["deadline"] = errors.get("deadline", 0) + 1
                    return
                t = time.monotonic()
                try:
                    ws = await connect(
                        f"{url}/{identity}",
                        subprotocols=["ocpp2.0.1"],
                        ping_interval=None,
                        compression=None,
                        open_timeout=120,
                        close_timeout=2,
                        max_queue=4,
                    )
                    conn = Conn(identity, ws)
                    boot = await conn.call("BootNotification", BOOT, timeout=120)
                    if boot.get("status") != "Accepted":
                        raise RuntimeError(f"boot {boot.get('status')}")
                    self.conns.append(conn)
                    lat.append(time.monotonic() - t)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    key = type(exc).__name__ + ": " + str(exc)[:80]
                    errors[key] = errors.get(key, 0) + 1

        await asyncio.gather(*(one(i) for i in range(start, start + count)))
        return {
            "connected": len(self.conns),
            "failed": sum(errors.values()),
            "errors": errors,
            "seconds": round(time.monotonic() - t0, 2),
            "handshake_boot_p50_ms": round(1000 * (pct(lat, 50) or 0), 1),
            "handshake_boot_p99_ms": round(1000 * (pct(lat, 99) or 0), 1),
        }

    async def status(self, concurrency=200):
        """Every connected charger reports its connector, as a 2.0.1 station does after its boot (Odoo
        learns the EVSE and connector then, not at the first transaction)."""
        sem = asyncio.Semaphore(concurrency)
        errors = [0]

        async def one(conn):
            async with sem:
                try:
                    await conn.call(
                        "StatusNotification",
                        {"timestamp": now_iso(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
                    )
                except Exception:  # noqa: BLE001 - counted and reported
                    errors[0] += 1

        t0 = time.monotonic()
        await asyncio.gather(*(one(c) for c in self.conns))
        return {
            "reported": len(self.conns) - errors[0],
            "errors": errors[0],
            "seconds": round(time.monotonic() - t0, 2),
        }

    async def load(self, chargers, seconds):
        conns = self.conns[:chargers]
        lat, errors = [], [0]
        t_end = time.monotonic() + seconds

        async def loop(conn):
            n = 0
            while time.monotonic() < t_end:
                n += 1
                t = time.monotonic()
                try:
                    if n % 2:
                        await conn.call("Heartbeat", {})
                    else:
                        await conn.call(
                            "StatusNotification",
                            {"timestamp": now_iso(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
                        )
                    lat.append(time.monotonic() - t)
                except Exception:  # noqa: BLE001
                    errors[0] += 1
                    await asyncio.sleep(0.05)

        t0 = time.monotonic()
        await asyncio.gather(*(loop(c) for c in conns))
        elapsed = time.monotonic() - t0
        return {
            "calls": len(lat),
            "errors": errors[0],
            "seconds": round(elapsed, 2),
            "chargers": len(conns),
            "calls_per_s": round(len(lat) / elapsed, 1),
            "p50_ms": round(1000 * (pct(lat, 50) or 0), 2),
            "p99_ms": round(1000 * (pct(lat, 99) or 0), 2),
            "max_ms": round(1000 * max(lat or [0]), 2),
        }

    async def meter(self, chargers, per_charger, run):
        conns = self.conns[-chargers:]  # not the ones used by the load step
        lat, errors = [], [0]
        sent = [0]

        def mv(wh, context):
            return [
                {
                    "timestamp": now_iso(),
                    "sampledValue": [
                        {
                            "value": wh,
                            "measurand": "Energy.Active.Import.Register",
                            "context": context,
                            "unitOfMeasure": {"unit": "Wh"},
                        }
                    ],
                }
            ]

        async def one(conn):
            tx = f"{run}-{conn.identity}"
            wh = 1_000_000
            try:
                await conn.call(
                    "TransactionEvent",
                    {
                        "eventType": "Started",
                        "timestamp": now_iso(),
                        "triggerReason": "CablePluggedIn",
                        "seqNo": 0,
                        "transactionInfo": {"transactionId": tx, "chargingState": "Charging"},
                        "evse": {"id": 1, "connectorId": 1},
                        "meterValue": mv(wh, "Transaction.Begin"),
                    },
                )
                sent[0] += 1
            except Exception:  # noqa: BLE001
                errors[0] += 1
                return
            for seq in range(1, per_charger + 1):
                wh += 250
                t = time.monotonic()
                try:
                    await conn.call(
                        "TransactionEvent",
                        {
                            "eventType": "Updated",
                            "timestamp": now_iso(),
                            "triggerReason": "MeterValuePeriodic",
                            "seqNo": seq,
                            "transactionInfo": {"transactionId": tx, "chargingState": "Charging"},
                            "meterValue": mv(wh, "Sample.Periodic"),
                        },
                    )
                    sent[0] += 1
                    lat.append(time.monotonic() - t)
                except Exception:  # noqa: BLE001
                    errors[0] += 1

        t0 = time.monotonic()
        await asyncio.gather(*(one(c) for c in conns))
        elapsed = time.monotonic() - t0
        return {
            "events_sent": sent[0],
            "errors": errors[0],
            "seconds": round(elapsed, 2),
            "chargers": len(conns),
            "bridge_accept_per_s": round(sent[0] / elapsed, 1),
            "p50_ms": round(1000 * (pct(lat, 50) or 0), 2),
            "p99_ms": round(1000 * (pct(lat, 99) or 0), 2),
        }

    def stats(self):
        return {
            "open": sum(1 for c in self.conns if not c.reader.done()),
            "commands_answered": sum(c.commands_answered for c in self.conns),
        }


async def main():
    client = Client()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        req = json.loads(line)
        cmd = req.pop("cmd")
        if cmd == "quit":
            break
        try:
            if cmd == "connect":
                out = await client.connect(**req)
            elif cmd == "status":
                out = await client.status(**req)
            elif cmd == "load":
                out = await client.load(**req)
            elif cmd == "meter":
                out = await client.meter(**req)
            elif cmd == "stats":
                out = client.stats()
            else:
                out = {"error": f"unknown command {cmd}"}
        except Exception as exc:  # noqa: BLE001
            out = {"error": repr(exc)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    for c in client.conns:
        c.reader.cancel()
    await asyncio.gather(*(asyncio.wait_for(c.ws.close(), 2) for c in client.conns), return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
