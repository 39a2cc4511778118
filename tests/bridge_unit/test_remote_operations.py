"""Remote operations through the real bridge to the project's simulator (both versions):
reservations, the local authorisation list, charging profiles and composite schedules, firmware
update and log upload. Odoo's generic (2.0.1) parameters are translated for 1.6 stations and
pass the 1.6 schemas; the stations' notifications reach the outbox."""

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from bridge_helpers import FakeOdoo, charger, run, running_bridge, station

from ocpp_bridge import commands
from ocpp_bridge.commands import translate
from ocpp_bridge.protocol import CALL, check_schema
from ocpp_bridge.simulator import SimCharger16, SimCharger201, SimOptions, SimStats


def iso(delta_s):
    return (datetime.now(UTC) + timedelta(seconds=delta_s)).isoformat(timespec="seconds").replace("+00:00", "Z")


RESERVE = {"id": 41, "expiryDateTime": "2026-07-01T12:30:00Z", "idToken": {"idToken": "CARD-1", "type": "ISO14443"}}
LOCAL_LIST = {
    "versionNumber": 3,
    "updateType": "Differential",
    "localAuthorizationList": [
        {
            "idToken": {"idToken": "CARD-1", "type": "ISO14443"},
            "idTokenInfo": {
                "status": "Accepted",
                "cacheExpiryDateTime": "2027-01-01T00:00:00Z",
                "groupIdToken": {"idToken": "FLEET", "type": "Central"},
            },
        },
        {"idToken": {"idToken": "CARD-2", "type": "ISO14443"}, "idTokenInfo": {"status": "NoCredit"}},
        {"idToken": {"idToken": "CARD-3", "type": "ISO14443"}},
    ],
}
PROFILE = {
    "evseId": 0,
    "chargingProfile": {
        "id": 9,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 1800, "limit": 10.0}],
            }
        ],
    },
}


def test_translation_of_the_remote_operations_to_16():
    assert translate(
        "ReserveNow", dict(RESERVE, evseId=1, groupIdToken={"idToken": "G", "type": "Central"}), "1.6"
    ) == [
        (
            "ReserveNow",
            {
                "connectorId": 1,
                "expiryDate": "2026-07-01T12:30:00Z",
                "idTag": "CARD-1",
                "parentIdTag": "G",
                "reservationId": 41,
            },
        )
    ]
    # no EVSE: 1.6 connector 0, any connector of the station
    assert translate("ReserveNow", RESERVE, "1.6")[0][1]["connectorId"] == 0
    assert translate("CancelReservation", {"reservationId": 41}, "1.6") == [
        ("CancelReservation", {"reservationId": 41})
    ]
    assert translate("SendLocalList", LOCAL_LIST, "1.6") == [
        (
            "SendLocalList",
            {
                "listVersion": 3,
                "updateType": "Differential",
                "localAuthorizationList": [
                    {
                        "idTag": "CARD-1",
                        "idTagInfo": {
                            "status": "Accepted",
                            "expiryDate": "2027-01-01T00:00:00Z",
                            "parentIdTag": "FLEET",
                        },
                    },
                    {"idTag": "CARD-2", "idTagInfo": {"status": "Invalid"}},  # 1.6 has no NoCredit
                    {"idTag": "CARD-3"},  # no info: deleted from the list
                ],
            },
        )
    ]
    assert translate("GetLocalListVersion", {}, "1.6") == [("GetLocalListVersion", {})]
    assert translate("GetCompositeSchedule", {"evseId": 1, "duration": 3600, "chargingRateUnit": "A"}, "1.6") == [
        ("GetCompositeSchedule", {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"})
    ]
    # every translation is a valid 1.6 call
    for action, params in (
        ("ReserveNow", RESERVE),
        ("CancelReservation", {"reservationId": 41}),
        ("SendLocalList", LOCAL_LIST),
        ("GetLocalListVersion", {}),
        ("GetCompositeSchedule", {"evseId": 0, "duration": 60}),
        ("SetChargingProfile", PROFILE),
        ("ClearChargingProfile", {"chargingProfileId": 9}),
    ):
        for call_action, payload in translate(action, params, "1.6"):
            check_schema(CALL, call_action, payload, "1.6")
        check_schema(CALL, action, params if action != "SetChargingProfile" else PROFILE, "2.0.1")
    # 1.6-shaped parameters pass through
    native = {"connectorId": 1, "expiryDate": "2026-07-01T12:30:00Z", "idTag": "X", "reservationId": 1}
    assert translate("ReserveNow", native, "1.6") == [("ReserveNow", native)]


async def connect_sim(bridge, identity, version):
    cls = SimCharger201 if version == "2.0.1" else SimCharger16
    ctx = charger(bridge, identity, version, cls=cls)
    cp = await ctx.__aenter__()
    cp._setup(SimOptions(transfer_step=0.01), SimStats(), random.Random(1))
    assert await cp.boot()
    await cp.status("Available")
    return ctx, cp


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
def test_remote_operations_reach_the_simulator_and_its_notifications_come_back(tmp_path, version):
    odoo = FakeOdoo()
    identity = f"REMOTE-{version}"
    odoo.chargers[identity] = station(identity, version=version)

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            ctx, cp = await connect_sim(bridge, identity, version)

            async def send(action, params):
                return await commands.execute(
                    bridge, {"id": 1, "charger": identity, "action": action, "params": params}
                )

            def statuses(action, key):
                return [e["payload"][key] for e in odoo.of(action, identity)]

            status_key = "connectorStatus" if version == "2.0.1" else "status"
            try:
                # reservations: accepted, the connector Reserved, expiry, cancel, use
                reserve = dict(RESERVE, id=1, evseId=1, expiryDateTime=iso(1))
                assert await send("ReserveNow", reserve) == {"state": "accepted", "result": {"status": "Accepted"}}
                assert (await send("ReserveNow", dict(reserve, id=2)))["result"] == {"status": "Occupied"}
                await odoo.wait_for(lambda: "Reserved" in statuses("StatusNotification", status_key))
                await odoo.wait_for(lambda: statuses("StatusNotification", status_key)[-1] == "Available", 5)
                if version == "2.0.1":
                    (update,) = odoo.of("ReservationStatusUpdate", identity)
                    assert update["payload"] == {"reservationId": 1, "reservationUpdateStatus": "Expired"}
                assert await send("ReserveNow", dict(reserve, id=3, expiryDateTime=iso(600))) == {
                    "state": "accepted",
                    "result": {"status": "Accepted"},
                }
                assert (await send("CancelReservation", {"reservationId": 3}))["state"] == "accepted"
                assert (await send("CancelReservation", {"reservationId": 3}))["result"] == {"status": "Rejected"}
                assert (await send("ReserveNow", dict(reserve, id=4, expiryDateTime=iso(600))))["state"] == "accepted"
                await cp.start_tx("CARD-1", None)
                start_action = "TransactionEvent" if version == "2.0.1" else "StartTransaction"
                started = (await odoo.wait_for(lambda: odoo.of(start_action, identity)))[-1]["payload"]
                assert started["reservationId"] == 4 and cp.reservations == {}

                # local list: full, a differential not above the version, differential, version
                full = {
                    "versionNumber": 1,
                    "updateType": "Full",
                    "localAuthorizationList": LOCAL_LIST["localAuthorizationList"][:2],
                }
                assert (await send("SendLocalList", full))["result"] == {"status": "Accepted"}
                # 1.6 has no NoCredit: the bridge sent Invalid
                assert cp.local_list == {
                    "CARD-1": "Accepted",
                    "CARD-2": "NoCredit" if version == "2.0.1" else "Invalid",
                }
                stale = dict(LOCAL_LIST, versionNumber=1)
                assert await send("SendLocalList", stale) == {
                    "state": "rejected",
                    "result": {"status": "VersionMismatch"},
                }
                assert (await send("SendLocalList", dict(LOCAL_LIST, versionNumber=2)))["state"] == "accepted"
                answer = await send("GetLocalListVersion", {})
                key = "versionNumber" if version == "2.0.1" else "listVersion"
                assert answer == {"state": "accepted", "result": {key: 2}}
                assert await cp.authorize_token("CARD-1") and cp.stats.local_authorizations == 1

                # charging profile, composite schedule, clear
                assert (await send("SetChargingProfile", PROFILE))["state"] == "accepted"
                maximum = {
                    "evseId": 0,
                    "chargingProfile": dict(
                        PROFILE["chargingProfile"],
                        id=10,
                        chargingProfilePurpose="ChargingStationMaxProfile",
                        chargingProfileKind="Absolute",
                        chargingSchedule=[
                            {
                                "id": 1,
                                "chargingRateUnit": "A",
                                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 12.0}],
                            }
                        ],
                    ),
                }
                assert (await send("SetChargingProfile", maximum))["state"] == "accepted"
                answer = await send("GetCompositeSchedule", {"evseId": 1, "duration": 3600, "chargingRateUnit": "A"})
                assert answer["state"] == "accepted"
                schedule = answer["result"]["schedule" if version == "2.0.1" else "chargingSchedule"]
                assert schedule["chargingSchedulePeriod"] == [
                    {"startPeriod": 0, "limit": 12.0},
                    {"startPeriod": 1800, "limit": 10.0},
                ]
                assert (await send("ClearChargingProfile", {"chargingProfileId": 10}))["result"] == {
                    "status": "Accepted"
                }
                assert (await send("ClearChargingProfile", {"chargingProfileId": 10}))["result"] == {
                    "status": "Unknown"
                }

                # firmware update and log upload, with their status notifications
                firmware = {
                    "requestId": 7,
                    "firmware": {"location": "https://fw.example/v2.1.bin", "retrieveDateTime": iso(0)},
                }
                assert (await send("UpdateFirmware", firmware))["state"] == "accepted"
                await odoo.wait_for(lambda: statuses("FirmwareStatusNotification", "status")[-1:] == ["Installed"])
                assert statuses("FirmwareStatusNotification", "status") == [
                    "Downloading",
                    "Downloaded",
                    "Installing",
                    "Installed",
                ]
                await odoo.wait_for(lambda: len(odoo.of("BootNotification", identity)) == 2)
                log = {"logType": "DiagnosticsLog", "requestId": 8, "log": {"remoteLocation": "ftp://logs.example/"}}
                answer = await send("GetLog", log)
                assert answer["state"] == "accepted"
                log_action = "LogStatusNotification" if version == "2.0.1" else "DiagnosticsStatusNotification"
                await odoo.wait_for(lambda: statuses(log_action, "status")[-1:] == ["Uploaded"])
                if version == "2.0.1":
                    assert odoo.of("FirmwareStatusNotification", identity)[0]["payload"]["requestId"] == 7
                    assert odoo.of(log_action, identity)[0]["payload"] == {"status": "Uploading", "requestId": 8}
                    assert answer["result"]["filename"] == f"{identity}-8.log"
                else:
                    assert answer["result"] == {"fileName": f"{identity}-diagnostics.log"}
            finally:
                await ctx.__aexit__(None, None, None)
            await asyncio.sleep(0)

    run(scenario(), timeout=30)
