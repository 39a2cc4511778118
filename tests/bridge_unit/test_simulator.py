"""The simulator drives real sessions with meter values through the bridge."""

import asyncio

import aiohttp
from bridge_helpers import FakeOdoo, run, running_bridge, station

from ocpp_bridge.simulator import SimOptions, run_simulation

PASSWORD = "sim-password-0123456789"


def test_five_simulated_chargers_produce_sessions_with_meter_values(tmp_path):
    odoo = FakeOdoo()
    for i in range(5):
        identity = f"SIM-{i + 1:04d}"
        odoo.chargers[identity] = station(
            identity, profile=1, password=PASSWORD, version="2.0.1" if i % 2 == 0 else "1.6"
        )
    odoo.tokens["SIMTAG-0001"] = {"status": "Accepted", "expiry": False, "cache_seconds": 60}

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            opts = SimOptions(
                url=f"ws://127.0.0.1:{bridge.ws_port}/ocpp",
                count=5,
                version="mixed",
                password=PASSWORD,
                duration=2.5,
                meter_interval=0.2,
                idle=(0.05, 0.2),
                session=(0.7, 1.0),
                fault_rate=0.0,
                tokens=["SIMTAG-0001"],
                seed=7,
            )
            sim = asyncio.create_task(run_simulation(opts))
            # a remote start pushed while the simulation runs reaches a simulated charger
            await odoo.wait_for(lambda: "SIM-0002" in bridge.server.sessions)
            async with aiohttp.ClientSession() as http:
                async with http.post(
                    f"http://127.0.0.1:{bridge.control_port}/commands",
                    headers={"Authorization": "Bearer secret-token"},
                    json={
                        "id": 1,
                        "charger": "SIM-0002",
                        "action": "GetVariables",
                        "params": {
                            "getVariableData": [
                                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
                            ]
                        },
                    },
                ) as r:
                    answer = await r.json()
                # issue 9.7: the project's simulator implements CostUpdated (2.0.1)
                async with http.post(
                    f"http://127.0.0.1:{bridge.control_port}/commands",
                    headers={"Authorization": "Bearer secret-token"},
                    json={
                        "id": 2,
                        "charger": "SIM-0001",
                        "action": "CostUpdated",
                        "params": {"totalCost": 2.35, "transactionId": "TX-SIM"},
                    },
                ) as r:
                    cost_answer = await r.json()
            stats = await sim
            await odoo.wait_for(lambda: bridge.outbox.depth == 0)
        assert answer["state"] == "accepted"
        assert answer["result"]["configurationKey"][0]["key"] == "HeartbeatInterval"
        assert cost_answer == {"state": "accepted", "result": {}}
        assert stats.commands["CostUpdated"] == 1
        assert stats.errors == []
        assert stats.boots == 5 and stats.sessions_started >= 5
        assert stats.sessions_ended == stats.sessions_started
        # 2.0.1: TransactionEvent Started/Updated/Ended with cumulative energy and power
        updates = [e for e in odoo.of("TransactionEvent") if e["payload"]["eventType"] == "Updated"]
        assert updates
        measurands = {s["measurand"] for e in updates for mv in e["payload"]["meterValue"] for s in mv["sampledValue"]}
        assert measurands == {"Energy.Active.Import.Register", "Power.Active.Import"}
        # 1.6: StartTransaction / MeterValues / StopTransaction with the bridge's ids
        starts = odoo.of("StartTransaction")
        ids = {e["response"]["transactionId"] for e in starts}
        assert ids and {e["payload"]["transactionId"] for e in odoo.of("StopTransaction")} <= ids
        meter_tx = {e["payload"]["transactionId"] for e in odoo.of("MeterValues")}
        assert meter_tx and meter_tx <= ids
        for tx in meter_tx:  # the register only goes up within a session
            values = [
                float(s["value"])
                for e in sorted(odoo.of("MeterValues"), key=lambda e: e["ts"])
                if e["payload"]["transactionId"] == tx
                for mv in e["payload"]["meterValue"]
                for s in mv["sampledValue"]
                if s["measurand"] == "Energy.Active.Import.Register"
            ]
            assert values == sorted(values)
        assert len({e["charger"] for e in odoo.of("Connection")}) == 5

    run(scenario())
