"""Charger -> CSMS handling: boot states, OCPP-J errors, validation modes, authorization."""

import asyncio

import pytest
from bridge_helpers import BOOT_16, charger, raw, raw_call, run, running_bridge, station
from ocpp.exceptions import SecurityError
from ocpp.v16 import call as call16
from ocpp.v201 import call

BOOT = call.BootNotification(charging_station={"model": "M1", "vendor_name": "V"}, reason="PowerUp")


@pytest.mark.parametrize(
    "registration,expected", [("accepted", "Accepted"), ("pending", "Pending"), ("rejected", "Rejected")]
)
def test_boot_status_from_odoo_both_versions(tmp_path, odoo, registration, expected):
    odoo.chargers["A"] = station("A", registration=registration, heartbeat=120)
    odoo.chargers["B"] = station("B", registration=registration, heartbeat=90, version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "A") as cp:
                result = await cp.call(BOOT)
                assert (result.status, result.interval) == (expected, 120)
            async with charger(bridge, "B", "1.6") as cp:
                result = await cp.call(call16.BootNotification(charge_point_model="M1", charge_point_vendor="V"))
                assert (result.status, result.interval) == (expected, 90)
            boots = await odoo.wait_for(lambda: len(odoo.of("BootNotification")) == 2 and odoo.of("BootNotification"))
            assert {e["response"]["status"] for e in boots} == {expected}
            assert {e["version"] for e in boots} == {"2.0.1", "1.6"}

    run(scenario())


def test_security_error_while_pending_201(tmp_path, odoo):
    odoo.chargers["P"] = station("P", registration="pending")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with charger(bridge, "P") as cp:
                assert (await cp.call(BOOT)).status == "Pending"
                with pytest.raises(SecurityError):
                    await cp.call(call.Heartbeat(), suppress=False)
                # the operator accepts the station in Odoo; the next boot is accepted
                odoo.chargers["P"]["registration_status"] = "accepted"
                assert (await cp.call(BOOT)).status == "Accepted"
                assert (await cp.call(call.Heartbeat(), suppress=False)).current_time
            await odoo.wait_for(lambda: odoo.of("Heartbeat"))
            assert len(odoo.of("Heartbeat")) == 1  # the refused one is only a MessageLog
            errors = [e for e in odoo.of("MessageLog") if e["payload"]["type"] == "CALLERROR"]
            assert [e["payload"]["payload"]["errorCode"] for e in errors] == ["SecurityError"]

    run(scenario())


def test_unknown_action_not_implemented_known_unhandled_not_supported(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as ws:
                answer = await raw_call(ws, [2, "u1", "MakeCoffee", {}])
                assert answer[:3] == [4, "u1", "NotImplemented"]
                assert answer[3] == "Requested Action is not known by receiver"
                answer = await raw_call(ws, [2, "u2", "NotifyReport", {}])
                assert answer[:3] == [4, "u2", "NotSupported"]
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                answer = await raw_call(ws, [2, "u3", "MakeCoffee", {}])
                assert answer[:3] == [4, "u3", "NotImplemented"]

    run(scenario())


def test_malformed_frames_answered_and_connection_stays_up(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as ws:
                cases = [
                    ("this is not json", ["-1", "RpcFrameworkError"]),
                    ('{"a": 1}', ["-1", "RpcFrameworkError"]),
                    ("[]", ["-1", "RpcFrameworkError"]),
                    ('[9, "m9", "Heartbeat", {}]', ["m9", "MessageTypeNotSupported"]),
                    ('[2, "m2", "Heartbeat"]', ["m2", "RpcFrameworkError"]),
                    ('[2, "m3", "Heartbeat", [1, 2]]', ["m3", "FormatViolation"]),
                ]
                for frame, (uid, code) in cases:
                    answer = await raw_call(ws, frame)
                    assert answer[0] == 4 and answer[1:3] == [uid, code], (frame, answer)
                    assert isinstance(answer[4], dict)
                ok = await raw_call(ws, [2, "hb", "Heartbeat", {}])
                assert ok[:2] == [3, "hb"] and "currentTime" in ok[2]
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                assert (await raw_call(ws, "{{{"))[2] == "FormationViolation"
                assert (await raw_call(ws, '[7, "x"]'))[1:3] == ["x", "ProtocolError"]
                assert (await raw_call(ws, [2, "hb", "Heartbeat", {}]))[0] == 3
            logged = await odoo.wait_for(
                lambda: [
                    e
                    for e in odoo.of("MessageLog", "CP1")
                    if e["payload"]["type"] == "CALLERROR" and e["payload"]["payload"].get("raw") == "this is not json"
                ]
            )
            assert logged[0]["payload"]["direction"] == "out"

    run(scenario())


def test_strict_validation_rejects_schema_violations(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "CP1") as ws:
                bad = {
                    "chargingStation": {"model": "M1", "vendorName": "V", "serialNumber": "S" * 30},
                    "reason": "PowerUp",
                }
                answer = await raw_call(ws, [2, "b1", "BootNotification", bad])
                assert answer[:3] == [4, "b1", "TypeConstraintViolation"]
                answer = await raw_call(ws, [2, "b2", "BootNotification", {"reason": "PowerUp"}])
                assert answer[:3] == [4, "b2", "OccurrenceConstraintViolation"]
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                answer = await raw_call(ws, [2, "b3", "BootNotification", {**BOOT_16, "x": 1}])
                assert answer[:3] == [4, "b3", "FormationViolation"]
            await asyncio.sleep(0.1)
            assert odoo.of("BootNotification") == []

    run(scenario())


def test_relaxed_validation_lets_through_and_records(tmp_path, odoo):
    odoo.chargers["LAX"] = station("LAX", relaxed=True)

    async def scenario():
        async with running_bridge(tmp_path, odoo) as bridge:
            async with raw(bridge, "LAX") as ws:
                bad = {
                    "chargingStation": {"model": "M1", "vendorName": "V", "serialNumber": "S" * 30},
                    "reason": "PowerUp",
                    "vendorExtra": True,
                }
                answer = await raw_call(ws, [2, "r1", "BootNotification", bad])
                assert answer[0] == 3 and answer[2]["status"] == "Accepted"
                meter = {
                    "evseId": 1,
                    "meterValue": [
                        {
                            "timestamp": "2026-01-01T00:00:00Z",
                            "sampledValue": [{"value": 5, "measurand": "Bogus.Measurand"}],
                        }
                    ],
                }
                assert (await raw_call(ws, [2, "r2", "MeterValues", meter]))[0] == 3
            (boot,) = await odoo.wait_for(lambda: odoo.of("BootNotification"))
            skipped = boot["meta"]["validation_skipped"]
            assert len(skipped) == 2
            assert any("serialNumber" in s for s in skipped)
            assert any("vendorExtra" in s for s in skipped)
            assert boot["payload"] == bad  # exactly as the charger sent it
            (mv,) = await odoo.wait_for(lambda: odoo.of("MeterValues"))
            assert "Bogus.Measurand" in mv["meta"]["validation_skipped"][0]
            assert b'ocpp_bridge_validation_skipped_total{action="BootNotification"} 1.0' in bridge.metrics.render()

    run(scenario())


def test_authorize_cache_and_offline_policy(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP6"] = station("CP6", version="1.6")
    odoo.tokens["GOOD"] = {"status": "Accepted", "expiry": "2030-01-01T00:00:00Z", "cache_seconds": 300}
    odoo.tokens["SHORT"] = {"status": "Accepted", "expiry": False, "cache_seconds": 0}

    def auth(token):
        return call.Authorize(id_token={"id_token": token, "type": "ISO14443"})

    async def scenario():
        async with running_bridge(tmp_path, odoo, auth_offline_policy="reject") as bridge:
            async with charger(bridge, "CP1") as cp:
                first = await cp.call(auth("GOOD"))
                assert first.id_token_info == {"status": "Accepted", "cache_expiry_date_time": "2030-01-01T00:00:00Z"}
                await cp.call(auth("GOOD"))
                assert [c[1] for c in odoo.authorize_calls] == ["GOOD"]  # second from cache
                await cp.call(auth("SHORT"))  # cached, but expires at once
                odoo.auth_down = True
                assert (await cp.call(auth("SHORT"))).id_token_info["status"] == "Accepted"
                assert (await cp.call(auth("NEW"))).id_token_info["status"] == "Invalid"
            async with charger(bridge, "CP6", "1.6") as cp:
                odoo.auth_down = False
                r = await cp.call(call16.Authorize(id_tag="NOBODY"))
                assert r.id_tag_info == {"status": "Invalid"}  # 2.0.1 Unknown -> 1.6
                assert odoo.authorize_calls[-1] == ("CP6", "NOBODY", "ISO14443")
            sources = await odoo.wait_for(
                lambda: (
                    len(odoo.of("Authorize")) == 6
                    and [
                        (
                            e["payload"].get("idToken", {}).get("idToken") or e["payload"].get("idTag"),
                            e["meta"]["auth"]["source"],
                        )
                        for e in sorted(odoo.of("Authorize"), key=lambda e: int(e["key"].rsplit(":", 1)[1]))
                    ]
                )
            )
            assert sources == [
                ("GOOD", "odoo"),
                ("GOOD", "cache"),
                ("SHORT", "odoo"),
                ("SHORT", "cache_stale"),
                ("NEW", "offline_policy"),
                ("NOBODY", "odoo"),
            ]
        odoo.auth_down = True
        async with running_bridge(tmp_path, odoo, auth_offline_policy="accept") as bridge:
            async with charger(bridge, "CP1") as cp:
                assert (await cp.call(auth("NEW"))).id_token_info["status"] == "Accepted"

    run(scenario())


def test_transaction_event_never_rejected_and_id_token_info(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.tokens["GOOD"] = {"status": "Accepted", "expiry": False, "cache_seconds": 60}

    def tx(event_type, seq, token=None):
        return call.TransactionEvent(
            event_type=event_type,
            timestamp="2026-11-21T04:00:00Z",
            trigger_reason="Authorized",
            seq_no=seq,
            transaction_info={"transaction_id": "TX-1"},
            id_token={"id_token": token, "type": "ISO14443"} if token else None,
        )

    async def scenario():
        async with running_bridge(tmp_path, odoo, auth_offline_policy="reject") as bridge:
            async with charger(bridge, "CP1") as cp:
                started = await cp.call(tx("Started", 0, "GOOD"))
                assert started.id_token_info == {"status": "Accepted"}
                updated = await cp.call(tx("Updated", 1))
                assert updated.id_token_info is None
                odoo.auth_down = True  # Odoo down, unknown token: still answered, not rejected
                ended = await cp.call(tx("Ended", 2, "STRANGER"))
                assert ended.id_token_info == {"status": "Invalid"}
            events = await odoo.wait_for(lambda: len(odoo.of("TransactionEvent")) == 3 and odoo.of("TransactionEvent"))
            assert sorted(e["payload"]["seqNo"] for e in events) == [0, 1, 2]

    run(scenario())


def test_data_transfer_and_other_notifications(tmp_path, odoo):
    odoo.chargers["CP1"] = station("CP1")
    odoo.chargers["CP6"] = station("CP6", version="1.6")

    async def scenario():
        async with running_bridge(tmp_path, odoo, data_transfer_vendors=["com.known"]) as bridge:
            async with raw(bridge, "CP1") as ws:
                known = await raw_call(ws, [2, "d1", "DataTransfer", {"vendorId": "com.known"}])
                other = await raw_call(ws, [2, "d2", "DataTransfer", {"vendorId": "com.x"}])
                assert (known[2], other[2]) == ({"status": "Accepted"}, {"status": "UnknownVendorId"})
                for action, payload in [
                    (
                        "NotifyEvent",
                        {
                            "generatedAt": "2026-11-21T04:00:00Z",
                            "seqNo": 0,
                            "eventData": [
                                {
                                    "eventId": 1,
                                    "timestamp": "2026-11-21T04:00:00Z",
                                    "trigger": "Delta",
                                    "actualValue": "x",
                                    "eventNotificationType": "HardWiredNotification",
                                    "component": {"name": "C"},
                                    "variable": {"name": "V"},
                                }
                            ],
                        },
                    ),
                    ("FirmwareStatusNotification", {"status": "Downloaded"}),
                    ("LogStatusNotification", {"status": "Uploaded"}),
                    ("SecurityEventNotification", {"type": "X", "timestamp": "2026-11-21T04:00:00Z"}),
                ]:
                    assert (await raw_call(ws, [2, action, action, payload]))[0] == 3, action
            async with raw(bridge, "CP6", "ocpp1.6") as ws:
                answer = await raw_call(
                    ws,
                    [
                        2,
                        "s",
                        "StopTransaction",
                        {"meterStop": 10, "timestamp": "2026-11-21T04:00:00Z", "transactionId": 999},
                    ],
                )
                assert answer[:3] == [3, "s", {}]  # unknown transaction: acknowledged
                answer = await raw_call(ws, [2, "d", "DiagnosticsStatusNotification", {"status": "Uploaded"}])
                assert answer[0] == 3
            await odoo.wait_for(lambda: odoo.of("StopTransaction") and odoo.of("DiagnosticsStatusNotification"))
            assert {e["action"] for e in odoo.events.values()} >= {
                "DataTransfer",
                "NotifyEvent",
                "FirmwareStatusNotification",
                "LogStatusNotification",
                "SecurityEventNotification",
            }

    run(scenario())


# --- the compiled validators (fast path) agree with the library's -------------------------------
def _instances(schema, root, rng, depth=0):
    """Random JSON values shaped by ``schema``: mostly close to valid, often just off (a wrong type, a
    float for an integer, a string one character too long, an unknown property, a missing field)."""
    import string

    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    if rng.random() < 0.08 or depth > 6:
        return rng.choice([None, "x", 1, 1.0, 2.5, True, False, [], {}, -1, 2**40])
    kind = schema.get("type")
    kind = rng.choice(kind) if isinstance(kind, list) else kind
    if "enum" in schema:
        value = rng.choice(schema["enum"])
        return value.lower() if rng.random() < 0.1 and isinstance(value, str) else value
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        out = {}
        for name, sub in props.items():
            if (name in required and rng.random() > 0.05) or rng.random() < 0.4:
                out[name] = _instances(sub, root, rng, depth + 1)
        if rng.random() < 0.05:
            out["unknownProperty"] = 1
        return out
    if kind == "array":
        low, high = schema.get("minItems", 0), schema.get("maxItems", 3)
        n = rng.randint(max(0, low - 1), min(high + 1, low + 3))
        return [_instances(schema.get("items", {}), root, rng, depth + 1) for _ in range(n)]
    if kind == "string":
        limit = schema.get("maxLength", 20)
        n = rng.choice([0, 1, limit, limit + 1, rng.randint(0, limit)]) if limit < 1000 else rng.randint(0, 30)
        return "".join(rng.choice(string.ascii_letters + "é-:") for _ in range(n))
    if kind == "integer":
        return rng.choice([rng.randint(-5, 10**6), 3.0, 0, -1, True, "7"])
    if kind == "number":
        return rng.choice([rng.random() * 1000, 5, -0.5, True, "1.5", 10**20])
    if kind == "boolean":
        return rng.choice([True, False, 0, 1, "true"])
    return rng.choice([None, 1, "x", {}])


def test_compiled_validators_never_accept_what_the_library_refuses():
    import decimal
    import json
    import random

    from ocpp.v16.enums import Action as Action16
    from ocpp.v201.enums import Action as Action201

    from ocpp_bridge import protocol

    rng = random.Random(8)
    checked = accepted = refused = 0
    for version, actions in (("2.0.1", Action201), ("1.6", Action16)):
        for action in actions:
            for type_id in (protocol.CALL, protocol.CALLRESULT):
                validator, use_decimal = protocol._validator(type_id, action.value, version)
                if validator is None:
                    continue
                for _i in range(60):
                    payload = _instances(validator.schema, validator.schema, rng)
                    fast = protocol.fast_valid(type_id, action.value, payload, version)
                    # as check_schema: the schemas read with Decimals validate payloads read with Decimals
                    parsed = json.loads(json.dumps(payload), parse_float=decimal.Decimal) if use_decimal else payload
                    library = next(iter(validator.iter_errors(parsed)), None) is None
                    assert fast == library or not fast, (version, action.value, type_id, payload)
                    checked += 1
                    accepted += fast
                    refused += not library
    assert checked > 10000 and accepted > 2000 and refused > 2000, (checked, accepted, refused)


def test_compiled_validator_leaves_the_payload_as_sent():
    """TransactionEventRequest has schema defaults: the compiled validator must not fill them in."""
    from ocpp_bridge import protocol

    payload = {
        "eventType": "Updated",
        "timestamp": "2026-11-30T20:00:00Z",
        "seqNo": 1,
        "triggerReason": "MeterValuePeriodic",
        "transactionInfo": {"transactionId": "T"},
    }
    before = repr(payload)
    assert protocol.fast_valid(protocol.CALL, "TransactionEvent", payload, "2.0.1")
    assert repr(payload) == before
    assert not protocol.fast_valid(protocol.CALL, "TransactionEvent", dict(payload, seqNo=1.0), "2.0.1")
    assert protocol.check_schema(protocol.CALL, "TransactionEvent", payload, "2.0.1") == []


def test_library_validation_still_works_after_the_bridge_asked_for_a_schema():
    """The library caches one validator per schema, whatever its float parser: the bridge asks for the
    1.6 GetCompositeSchedule answer with Decimals as the library does, so the library's own validation
    of that answer (the simulator's, in the same process) still works afterwards."""
    from ocpp.messages import CallResult, validate_payload

    from ocpp_bridge import protocol

    answer = {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": "2026-11-30T21:00:00Z",
        "chargingSchedule": {
            "duration": 3600,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 12.5}],
        },
    }
    assert protocol.check_schema(protocol.CALLRESULT, "GetCompositeSchedule", dict(answer), "1.6") == []

    async def library():
        await validate_payload(CallResult(unique_id="1", payload=dict(answer), action="GetCompositeSchedule"), "1.6")

    run(library())
