"""CostUpdated (OCPP 2.0.1) pushed by Odoo through the control endpoint: delivered to a 2.0.1
charger, refused at once for a 1.6 charger."""

import time

import aiohttp
import pytest
from bridge_helpers import charger, run, running_bridge, station
from ocpp.routing import on
from ocpp.v16 import ChargePoint as LibCP16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as LibCP201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from ocpp_bridge.commands import CommandError, translate

AUTH = {"Authorization": "Bearer secret-token"}


class CostCharger201(LibCP201):
    received = []

    @on(Action201.cost_updated)
    def on_cost_updated(self, total_cost, transaction_id, **kw):
        self.received.append((total_cost, transaction_id))
        return result201.CostUpdated()


class AnyCharger16(LibCP16):
    received = []

    @on(Action16.data_transfer)
    def on_data_transfer(self, vendor_id, **kw):
        self.received.append(("DataTransfer", vendor_id))
        return result16.DataTransfer(status="Accepted")


async def post(bridge, body):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{bridge.control_port}/commands", json=body, headers=AUTH) as response:
            return response.status, await response.json()


def test_translate_cost_updated():
    params = {"totalCost": 6.1, "transactionId": "TX-1"}
    assert translate("CostUpdated", params, "2.0.1") == [("CostUpdated", params)]
    with pytest.raises(CommandError, match="not supported in OCPP 1.6"):
        translate("CostUpdated", params, "1.6")


def test_cost_updated_reaches_201_charger(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    CostCharger201.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1", cls=CostCharger201):
                await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
                status, answer = await post(
                    bridge,
                    {
                        "id": 11,
                        "charger": "CP1",
                        "action": "CostUpdated",
                        "params": {"totalCost": 4.75, "transactionId": "CP1-700001"},
                    },
                )
                assert status == 200
                assert answer == {"state": "accepted", "result": {}}
                assert CostCharger201.received == [(4.75, "CP1-700001")]
                # a totalCost that is not a number violates the schema: refused before sending
                status, answer = await post(
                    bridge,
                    {
                        "id": 12,
                        "charger": "CP1",
                        "action": "CostUpdated",
                        "params": {"totalCost": "4.75", "transactionId": "CP1-700001"},
                    },
                )
                assert answer["state"] == "failed"
                assert "invalid parameters for CostUpdated" in answer["result"]["error"]
                assert len(CostCharger201.received) == 1

    run(scenario())


def test_cost_updated_to_16_charger_fails_fast(tmp_path, odoo):
    odoo.chargers["CP6"] = station("CP6", version="1.6")
    AnyCharger16.received = []

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP6", "1.6", cls=AnyCharger16):
                await odoo.wait_for(lambda: "CP6" in bridge.server.sessions)
                started = time.monotonic()
                status, answer = await post(
                    bridge,
                    {
                        "id": 13,
                        "charger": "CP6",
                        "action": "CostUpdated",
                        "params": {"totalCost": 4.75, "transactionId": "42"},
                    },
                )
                assert time.monotonic() - started < 0.5
                assert status == 200
                assert answer == {
                    "state": "failed",
                    "result": {
                        "error": "CostUpdated is not supported in OCPP 1.6 (the running cost is a 2.0.1 message)"
                    },
                }
                assert AnyCharger16.received == []

    run(scenario())


class NoCostCharger201(LibCP201):
    """A third-party station without CostUpdated: the ocpp library answers NotImplemented."""


def test_not_implemented_answer_carries_the_error_code(tmp_path, odoo):
    """Issue 9.7: Odoo remembers per station what it answered NotImplemented/NotSupported to;
    the bridge hands it the charger's errorCode and the action."""
    odoo.chargers["CP1"] = station("CP1")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "CP1", cls=NoCostCharger201):
                await odoo.wait_for(lambda: "CP1" in bridge.server.sessions)
                status, answer = await post(
                    bridge,
                    {
                        "id": 14,
                        "charger": "CP1",
                        "action": "CostUpdated",
                        "params": {"totalCost": 1.0, "transactionId": "T"},
                    },
                )
        assert status == 200 and answer["state"] == "failed"
        assert answer["result"]["errorCode"] in ("NotImplemented", "NotSupported")
        assert answer["result"]["action"] == "CostUpdated"

    run(scenario())
