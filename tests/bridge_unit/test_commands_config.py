"""Pure parts: the 2.0.1 -> 1.6 command table, answer states, configuration loading."""

import pytest

from ocpp_bridge.commands import CommandError, state_of, translate
from ocpp_bridge.config import ConfigError, load_config
from ocpp_bridge.protocol import CALL, BadFrame, check_schema, parse_frame


def test_translation_to_16():
    assert translate("RequestStopTransaction", {"transactionId": "42"}, "1.6") == [
        ("RemoteStopTransaction", {"transactionId": 42})
    ]
    assert translate("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}, "1.6") == [
        ("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
    ]
    assert translate("ChangeAvailability", {"operationalStatus": "Operative"}, "1.6") == [
        ("ChangeAvailability", {"connectorId": 0, "type": "Operative"})
    ]
    assert translate("UnlockConnector", {"evseId": 1, "connectorId": 1}, "1.6") == [
        ("UnlockConnector", {"connectorId": 1})
    ]
    assert translate(
        "GetVariables",
        {"getVariableData": [{"component": {"name": "C"}, "variable": {"name": "HeartbeatInterval"}}]},
        "1.6",
    ) == [("GetConfiguration", {"key": ["HeartbeatInterval"]})]
    assert translate("TriggerMessage", {"requestedMessage": "LogStatusNotification", "evse": {"id": 1}}, "1.6") == [
        ("TriggerMessage", {"requestedMessage": "DiagnosticsStatusNotification", "connectorId": 1})
    ]
    assert translate(
        "UpdateFirmware",
        {
            "requestId": 1,
            "retries": 2,
            "firmware": {"location": "https://fw/x.bin", "retrieveDateTime": "2026-01-01T00:00:00Z"},
        },
        "1.6",
    ) == [("UpdateFirmware", {"location": "https://fw/x.bin", "retrieveDate": "2026-01-01T00:00:00Z", "retries": 2})]
    assert translate(
        "GetLog", {"logType": "DiagnosticsLog", "requestId": 3, "log": {"remoteLocation": "ftp://logs/"}}, "1.6"
    ) == [("GetDiagnostics", {"location": "ftp://logs/"})]
    assert translate("ClearCache", {}, "1.6") == [("ClearCache", {})]
    assert translate(
        "ClearChargingProfile",
        {"chargingProfileCriteria": {"evseId": 1, "chargingProfilePurpose": "ChargingStationMaxProfile"}},
        "1.6",
    ) == [("ClearChargingProfile", {"connectorId": 1, "chargingProfilePurpose": "ChargePointMaxProfile"})]
    ((action, payload),) = translate(
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 5,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}
                ],
            },
        },
        "1.6",
    )
    assert action == "SetChargingProfile"
    assert payload == {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 5,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            },
        },
    }
    check_schema(CALL, action, payload, "1.6")  # a valid 1.6 call
    # native 1.6 actions pass through; 2.0.1-only ones do not exist for 1.6
    assert translate("GetConfiguration", {}, "1.6") == [("GetConfiguration", {})]
    with pytest.raises(CommandError):
        translate("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}, "1.6")
    with pytest.raises(CommandError):
        translate("RemoteStartTransaction", {"idTag": "X"}, "2.0.1")
    assert translate("GetBaseReport", {"requestId": 1}, "2.0.1") == [("GetBaseReport", {"requestId": 1})]


def test_answer_states():
    assert state_of({"status": "Accepted"}) == "accepted"
    assert state_of({"status": "Scheduled"}) == "accepted"
    assert state_of({"status": "Unlocked"}) == "accepted"
    assert state_of({"status": "Rejected"}) == "rejected"
    assert state_of({"status": "UnlockFailed"}) == "rejected"
    assert state_of({"configurationKey": []}) == "accepted"
    assert (
        state_of({"setVariableResult": [{"attributeStatus": "Accepted"}, {"attributeStatus": "UnknownVariable"}]})
        == "rejected"
    )


def test_frame_errors_per_version():
    with pytest.raises(BadFrame) as exc:
        parse_frame("nope", "2.0.1")
    assert (exc.value.code, exc.value.unique_id) == ("RpcFrameworkError", "-1")
    with pytest.raises(BadFrame) as exc:
        parse_frame('[5, "id", {}]', "2.0.1")
    assert (exc.value.code, exc.value.unique_id) == ("MessageTypeNotSupported", "id")
    with pytest.raises(BadFrame) as exc:
        parse_frame('[2, "id", "Heartbeat", 3]', "1.6")
    assert exc.value.code == "FormationViolation"
    with pytest.raises(ValueError):
        parse_frame('[3, "id"]', "2.0.1")  # a malformed answer is never answered


def test_config_file_env_and_validation(tmp_path):
    toml = tmp_path / "bridge.toml"
    toml.write_text(
        'node = "edge-1"\nnode_number = 3\n[listen]\nport = 9100\n'
        '[odoo]\nurl = "http://odoo:8069"\n[auth]\noffline_policy = "accept"\n'
    )
    cfg = load_config(
        toml,
        env={
            "EV_BRIDGE_LISTEN_PORT": "9200",
            "EV_BRIDGE_MESSAGE_LOG": "0",
            "EV_BRIDGE_DATA_TRANSFER_VENDORS": "a.b, c.d",
        },
    )
    assert (cfg.node, cfg.node_number, cfg.listen_port) == ("edge-1", 3, 9200)
    assert cfg.odoo_url == "http://odoo:8069" and cfg.auth_offline_policy == "accept"
    assert cfg.message_log is False and cfg.data_transfer_vendors == ["a.b", "c.d"]
    assert cfg.outbox_path.endswith("var/outbox-edge-1.sqlite3")
    yaml_file = tmp_path / "bridge.yaml"
    yaml_file.write_text("node: y1\ncontrol:\n  token: abc\n")
    assert load_config(yaml_file, env={}).control_token == "abc"
    with pytest.raises(ConfigError):
        load_config(env={"EV_BRIDGE_NODE_NUMBER": "16"})
    with pytest.raises(ConfigError):
        load_config(env={"EV_BRIDGE_AUTH_OFFLINE_POLICY": "maybe"})
    with pytest.raises(ConfigError, match=r"odoo_workers \(4\) must be more than outbox_parallel \(4\)"):
        load_config(env={"EV_BRIDGE_ODOO_WORKERS": "4", "EV_BRIDGE_OUTBOX_PARALLEL": "4"})
    assert load_config(env={}).outbox_json is True
    assert load_config(env={"EV_BRIDGE_OUTBOX_JSON": "false"}).outbox_json is False
    bad = tmp_path / "bad.toml"
    bad.write_text("[odoo]\npassword = 'x'\n")
    with pytest.raises(ConfigError, match="odoo_password"):
        load_config(bad, env={})


def test_example_config_loads():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "config" / "bridge.example.toml"
    cfg = load_config(example, env={"EV_BRIDGE_ODOO_API_KEY": "k"})
    assert (cfg.node, cfg.listen_port, cfg.control_port) == ("node-1", 9000, 9001)
    assert cfg.odoo_api_key == "k" and cfg.redacted()["odoo_api_key"] == "***"
