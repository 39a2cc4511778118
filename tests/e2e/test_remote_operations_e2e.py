"""Remote operations end to end (issue 9, item 11): pressed in Odoo over XML-RPC as the role
concerned -> the bridge process -> the project's simulator over real websockets -> the station's
answers and notifications back in Odoo. Both OCPP versions: reservations (reserve, use, cancel,
expiry), the local authorisation list (full, differential, VersionMismatch then full resend, version),
charging profiles on a site and composite schedules, firmware update and log upload history."""

import asyncio
import random
import time
import xmlrpc.client
from datetime import UTC, datetime, timedelta

import pytest
from e2e_helpers import charger_ws, wait_until

from ocpp_bridge.simulator import SimCharger16, SimCharger201, SimOptions, SimStats

PASSWORD = "e2e-password-0123456789"
pytestmark = pytest.mark.e2e


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def odoo_time(seconds):
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def roles(odoo):
    """XML-RPC callers per role: ``roles["ev_user"](model, method, *args)``."""
    callers = {}
    for role, group in (
        ("ev_user", "group_ev_user"),
        ("technician", "group_ev_technician"),
        ("manager", "group_ev_manager"),
    ):
        login = f"e2e-remote-{role}"
        if not odoo.call("res.users", "search", [("login", "=", login)]):
            group_id = odoo.call("ir.model.data", "check_object_reference", "ev_charging", group)[1]
            odoo.call(
                "res.users",
                "create",
                {
                    "name": f"E2E remote {role}",
                    "login": login,
                    "password": f"{login}-pw",
                    "groups_id": [(6, 0, [group_id])],
                },
            )
        callers[role] = lambda model, method, *args, _l=login, **kw: odoo.call_as(
            _l, f"{_l}-pw", model, method, *args, **kw
        )
    return callers


@pytest.fixture(scope="module")
def tokens(odoo):
    ids = {}
    for value in ("E2E-R-CARD-1", "E2E-R-CARD-2", "E2E-R-CARD-3"):
        found = odoo.call("ev.id.token", "search", [("value", "=", value)])
        ids[value] = found[0] if found else odoo.call("ev.id.token", "create", {"value": value})
    return ids


async def simulated(bridge, identity, version):
    """A simulated charger (the project's simulator classes) connected, booted, Available."""
    ws = await charger_ws(bridge, identity, PASSWORD, version)
    cp = (SimCharger201 if version == "2.0.1" else SimCharger16)(identity, ws)
    cp._setup(SimOptions(transfer_step=0.2, meter_interval=0.2, session=(0.6, 0.6)), SimStats(), random.Random(1))
    task = asyncio.create_task(cp.start())
    assert await cp.boot()
    await cp.status("Available")
    return ws, cp, task


async def off_loop(fn, *args):
    """A blocking XML-RPC call without stalling the simulated charger's receive loop."""
    return await asyncio.to_thread(fn, *args)


def read(odoo, model, record_id, fields):
    return odoo.call(model, "read", [record_id], fields)[0]


def connector_of(odoo, identity):
    return wait_until(
        lambda: odoo.call("ev.connector", "search", [("charger_id.identity", "=", identity)]),
        message=f"the connector of {identity}",
    )[0]


def connector_status(odoo, connector):
    return read(odoo, "ev.connector", connector, ["status"])["status"]


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
def test_reservations_driven_from_odoo(odoo, bridge, make_charger, roles, tokens, version):
    identity = f"E2E-RES-{version.replace('.', '')}"
    charger = make_charger(identity, version)
    ev_user = roles["ev_user"]
    cron = odoo.call("ir.model.data", "check_object_reference", "ev_charging", "ir_cron_ev_reservation_expire")[1]

    def reserve(token, seconds, connector=None):
        vals = {"charger_id": charger, "id_token_id": tokens[token], "expiry": odoo_time(seconds)}
        if connector:
            vals["connector_id"] = connector
        res = ev_user("ev.reservation", "create", vals)
        action = ev_user("ev.reservation", "action_send", [res])
        command = ev_user("ev.charger.command", "read", [action["res_id"]], ["state", "result_status"])[0]
        return res, command

    async def scenario():
        ws, cp, task = await simulated(bridge, identity, version)
        try:
            connector = await off_loop(connector_of, odoo, identity)
            # reserve (EV User): the station accepts and reports the connector Reserved
            res, command = await off_loop(reserve, "E2E-R-CARD-1", 600, connector)
            assert (command["state"], command["result_status"]) == ("accepted", "Accepted")
            assert read(odoo, "ev.reservation", res, ["state"])["state"] == "reserved"
            await off_loop(
                wait_until, lambda: connector_status(odoo, connector) == "Reserved", 30, 0.2, "the connector Reserved"
            )
            # the driver arrives: the session carries the reservation id
            await cp.session("E2E-R-CARD-1", None, time.monotonic() + 30)
            used = await off_loop(
                wait_until,
                lambda: (r := read(odoo, "ev.reservation", res, ["state", "session_id"]))["state"] == "used" and r,
                30,
                0.2,
                "the reservation used",
            )
            assert used["session_id"], "linked to the session"
            # cancel (EV User)
            res2, _cmd = await off_loop(reserve, "E2E-R-CARD-2", 600)
            action = await off_loop(ev_user, "ev.reservation", "action_cancel", [res2])
            cancel = read(odoo, "ev.charger.command", action["res_id"], ["state", "action"])
            assert cancel == {"id": action["res_id"], "state": "accepted", "action": "CancelReservation"}
            assert read(odoo, "ev.reservation", res2, ["state"])["state"] == "cancelled"
            assert cp.reservations == {}
            # expiry: 2.0.1 tells (ReservationStatusUpdate), 1.6 does not (the cron closes it)
            res3, _cmd = await off_loop(reserve, "E2E-R-CARD-3", 12)
            await asyncio.sleep(13)
            await off_loop(
                wait_until,
                lambda: connector_status(odoo, connector) == "Available",
                30,
                0.2,
                "the connector free again",
            )
            if version == "1.6":
                await off_loop(odoo.call, "ir.cron", "method_direct_trigger", [cron])
            expired = await off_loop(
                wait_until,
                lambda: (
                    (r := read(odoo, "ev.reservation", res3, ["state", "status_answer"]))["state"] == "expired" and r
                ),
                30,
                0.2,
                "the reservation expired",
            )
            assert expired["status_answer"] == ("Expired" if version == "2.0.1" else "Accepted")
        finally:
            await ws.close()
            task.cancel()

    run(scenario())
    # bad input over RPC: a clear fault, nothing sent
    res = ev_user(
        "ev.reservation",
        "create",
        {"charger_id": charger, "id_token_id": tokens["E2E-R-CARD-1"], "expiry": odoo_time(-60)},
    )
    with pytest.raises(xmlrpc.client.Fault, match="at least 10 seconds from now"):
        ev_user("ev.reservation", "action_send", [res])


def test_local_list_driven_from_odoo(odoo, bridge, make_charger, roles, tokens):
    manager, ev_user = roles["manager"], roles["ev_user"]
    chargers = {"2.0.1": make_charger("E2E-LL-201", "2.0.1"), "1.6": make_charger("E2E-LL-16", "1.6")}
    listed = [tokens["E2E-R-CARD-1"], tokens["E2E-R-CARD-2"]]
    manager("ev.id.token", "write", listed, {"local_list": True})

    def send(charger, method="action_send_local_list"):
        action = manager("ev.charger", method, [charger])
        (update,) = odoo.search_read("ev.local.list.send", [("command_id", "=", action["res_id"])], ["id"])
        return update["id"]

    def update_state(update_id):
        return wait_until(
            lambda: (
                (r := read(odoo, "ev.local.list.send", update_id, ["state", "version_number", "update_type"]))["state"]
                != "queued"
                and r
            ),
            message="the station's answer to SendLocalList",
        )

    async def one(version):
        identity = "E2E-LL-201" if version == "2.0.1" else "E2E-LL-16"
        charger = chargers[version]
        ws, cp, task = await simulated(bridge, identity, version)
        try:
            await off_loop(connector_of, odoo, identity)
            first = await off_loop(send, charger)
            assert await off_loop(update_state, first) == {
                "id": first,
                "state": "accepted",
                "version_number": 1,
                "update_type": "Full",
            }
            assert cp.local_list == {"E2E-R-CARD-1": "Accepted", "E2E-R-CARD-2": "Accepted"}
            # a token blocked in Odoo: a differential update; the station then refuses it on its own
            await off_loop(manager, "ev.id.token", "action_block", [tokens["E2E-R-CARD-2"]])
            second = await off_loop(send, charger)
            assert (await off_loop(update_state, second))["update_type"] == "Differential"
            assert cp.local_list["E2E-R-CARD-2"] == "Blocked" and cp.local_list_version == 2
            assert not await cp.authorize_token("E2E-R-CARD-2")
            assert cp.stats.local_authorizations == 1
            # the station's list moved on without Odoo: VersionMismatch, then Odoo sends the full list
            cp.local_list_version = 50
            await off_loop(manager, "ev.id.token", "write", [tokens["E2E-R-CARD-3"]], {"local_list": True})
            third = await off_loop(send, charger)
            assert (await off_loop(update_state, third))["state"] == "version_mismatch"
            full = await off_loop(
                wait_until,
                lambda: odoo.search_read(
                    "ev.local.list.send", [("resend_of_id", "=", third), ("state", "=", "accepted")], ["version_number"]
                ),
                30,
                0.2,
                "the full resend accepted",
            )
            assert cp.local_list_version == full[0]["version_number"] == 4
            assert sorted(cp.local_list) == ["E2E-R-CARD-1", "E2E-R-CARD-2", "E2E-R-CARD-3"]
            # the version as the station reports it (EV User)
            action = await off_loop(ev_user, "ev.charger", "action_get_local_list_version", [charger])
            assert read(odoo, "ev.charger.command", action["res_id"], ["state"])["state"] == "accepted"
            facts = read(
                odoo, "ev.charger", charger, ["local_list_reported", "local_list_version", "local_list_unknown"]
            )
            assert (facts["local_list_reported"], facts["local_list_version"], facts["local_list_unknown"]) == (
                4,
                4,
                False,
            )
        finally:
            await ws.close()
            task.cancel()

    try:
        for version in ("2.0.1", "1.6"):
            manager("ev.id.token", "write", [tokens["E2E-R-CARD-3"]], {"local_list": False})
            manager("ev.id.token", "action_accept", [tokens["E2E-R-CARD-2"]])
            run(one(version))
    finally:
        manager("ev.id.token", "write", list(tokens.values()), {"local_list": False, "status": "accepted"})
    with pytest.raises(xmlrpc.client.Fault, match="may not send 'Send the local authorization list'"):
        ev_user("ev.charger", "action_send_local_list", [chargers["2.0.1"]])


def test_charging_profile_on_a_site_and_composite_schedules(odoo, bridge, make_charger, roles):
    manager, ev_user = roles["manager"], roles["ev_user"]
    site = odoo.call("ev.site", "create", {"name": "E2E smart charging", "tz": "Europe/Paris"})
    chargers = {
        "2.0.1": make_charger("E2E-SC-201", "2.0.1", site=site),
        "1.6": make_charger("E2E-SC-16", "1.6", site=site),
    }
    with pytest.raises(xmlrpc.client.Fault, match="first period must start at 0"):
        manager(
            "ev.charging.profile",
            "create",
            {"name": "bad", "kind": "Relative", "period_ids": [(0, 0, {"start_period": 60, "limit": 16})]},
        )
    profile = manager(
        "ev.charging.profile",
        "create",
        {
            "name": "E2E evening limit",
            "purpose": "TxDefaultProfile",
            "kind": "Relative",
            "period_ids": [(0, 0, {"start_period": 0, "limit": 16}), (0, 0, {"start_period": 1800, "limit": 10})],
        },
    )

    async def scenario():
        sims = [await simulated(bridge, "E2E-SC-201", "2.0.1"), await simulated(bridge, "E2E-SC-16", "1.6")]
        try:
            for identity in ("E2E-SC-201", "E2E-SC-16"):
                await off_loop(connector_of, odoo, identity)
            wizard = await off_loop(
                manager,
                "ev.charging.profile.apply.wizard",
                "create",
                {"profile_id": profile, "target": "site", "site_id": site},
            )
            action = await off_loop(manager, "ev.charging.profile.apply.wizard", "action_apply", [wizard])
            applied = odoo.search_read("ev.charger.profile", action["domain"], ["state", "charger_id"])
            assert sorted((a["charger_id"][1], a["state"]) for a in applied) == [
                ("E2E-SC-16", "active"),
                ("E2E-SC-201", "active"),
            ]
            schedules = {}
            for version, charger in chargers.items():
                record = await off_loop(
                    ev_user,
                    "ev.composite.schedule",
                    "create",
                    {"charger_id": charger, "evse_number": 1, "duration": 3600},
                )
                await off_loop(ev_user, "ev.composite.schedule", "action_request", [record])
                schedules[version] = read(
                    odoo, "ev.composite.schedule", record, ["state", "periods", "answered_unit", "period_table"]
                )
            # clear (EV Manager): the stations no longer hold it
            for assignment in applied:
                await off_loop(manager, "ev.charger.profile", "action_clear", [assignment["id"]])
            cleared = odoo.search_read("ev.charger.profile", action["domain"], ["state"])
            return schedules, cleared, [cp.profiles for _ws, cp, _t in sims]
        finally:
            for ws, _cp, task in sims:
                await ws.close()
                task.cancel()

    schedules, cleared, held = run(scenario())
    for version, schedule in schedules.items():
        assert (schedule["state"], schedule["answered_unit"]) == ("received", "A"), version
        assert [(p["start"], p["limit"]) for p in schedule["periods"]] == [(0, 16.0), (1800, 10.0)], version
        assert "<table" in schedule["period_table"]
    assert [c["state"] for c in cleared] == ["cleared", "cleared"]
    assert held == [{}, {}]


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
def test_firmware_update_and_log_upload_history(odoo, bridge, make_charger, roles, version):
    identity = f"E2E-FW-{version.replace('.', '')}"
    charger = make_charger(identity, version)
    manager, technician, ev_user = roles["manager"], roles["technician"], roles["ev_user"]

    def history(kind):
        return [
            (r["source"], r["status"])
            for r in odoo.search_read(
                "ev.maintenance.status",
                [("charger_id", "=", charger), ("kind", "=", kind)],
                ["source", "status"],
                order="timestamp, id",
            )
        ]

    async def scenario():
        ws, cp, task = await simulated(bridge, identity, version)
        try:
            await off_loop(connector_of, odoo, identity)
            wizard = await off_loop(
                manager,
                "ev.firmware.update.wizard",
                "create",
                {"charger_id": charger, "location": "https://fw.example.com/station-2.1.bin"},
            )
            action = await off_loop(manager, "ev.firmware.update.wizard", "action_send", [wizard])
            assert read(odoo, "ev.charger.command", action["res_id"], ["state"])["state"] == "accepted"
            await off_loop(
                wait_until, lambda: ("station", "Installed") in history("firmware"), 30, 0.2, "the firmware installed"
            )
            await off_loop(
                wait_until,
                lambda: read(odoo, "ev.charger", charger, ["firmware_version"])["firmware_version"] == "station-2.1",
                30,
                0.2,
                "the station booted with its new firmware",
            )
            wizard = await off_loop(
                technician,
                "ev.log.request.wizard",
                "create",
                {"charger_id": charger, "remote_location": "ftp://logs.example.com/in/"},
            )
            action = await off_loop(technician, "ev.log.request.wizard", "action_send", [wizard])
            assert read(odoo, "ev.charger.command", action["res_id"], ["state"])["state"] == "accepted"
            await off_loop(wait_until, lambda: ("station", "Uploaded") in history("log"), 30, 0.2, "the log uploaded")
        finally:
            await ws.close()
            task.cancel()

    run(scenario())
    firmware, log = history("firmware"), history("log")
    assert [s for source, s in firmware if source == "request"] == ["Accepted"]  # the station's answer
    assert [s for source, s in firmware if source == "station"] == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
    ]
    assert [s for source, s in log if source == "request"] == ["Accepted"]
    assert [s for source, s in log if source == "station"] == ["Uploading", "Uploaded"]
    facts = read(odoo, "ev.charger", charger, ["firmware_status", "diagnostics_status"])
    assert (facts["firmware_status"], facts["diagnostics_status"]) == ("Installed", "Uploaded")
    with pytest.raises(xmlrpc.client.Fault, match="may not send 'Update firmware'"):
        ev_user("ev.charger", "action_update_firmware", [charger])
