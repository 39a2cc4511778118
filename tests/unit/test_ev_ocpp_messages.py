"""ev_charging/lib/ev_ocpp_messages.py: both OCPP versions read into one shape."""

from datetime import UTC, datetime
from decimal import Decimal

import ev_ocpp_messages as msg
import pytest

D = Decimal
TS = "2026-07-01T14:00:00Z"


class TestStatus:
    @pytest.mark.parametrize(
        "payload,version",
        [
            ({"connectorId": 0, "status": "Unavailable", "errorCode": "NoError"}, "1.6"),
            ({"evseId": 0, "connectorId": 0, "connectorStatus": "Unavailable", "timestamp": TS}, "2.0.1"),
        ],
    )
    def test_station_level_alike_in_both_versions(self, payload, version):
        report = msg.status_notification(payload, version)
        assert (report.station, report.status, report.reported, report.connector_id) == (
            True,
            "Unavailable",
            "Unavailable",
            0,
        )

    def test_16_connector_is_evse_with_connector_1_and_keeps_its_sub_state(self):
        report = msg.status_notification(
            {"connectorId": 2, "status": "SuspendedEV", "errorCode": "NoError", "info": "car full"}, "1.6"
        )
        assert (report.station, report.evse_id, report.connector_id) == (False, 2, 1)
        assert (report.status, report.reported, report.error_code, report.info) == (
            "Occupied",
            "SuspendedEV",
            "",
            "car full",
        )

    def test_connector_0_of_an_evse_refused_with_what_was_sent(self):
        with pytest.raises(ValueError, match="got EVSE 2, connector 0"):
            msg.status_notification({"evseId": 2, "connectorId": 0, "connectorStatus": "Available"}, "2.0.1")
        with pytest.raises(ValueError, match="got EVSE -1"):
            msg.status_notification({"connectorId": -1, "status": "Available", "errorCode": "NoError"}, "1.6")

    def test_bounded_and_typed(self):
        with pytest.raises(ValueError, match="errorCode is 65 characters"):
            msg.status_notification({"connectorId": 1, "status": "Faulted", "errorCode": "E" * 65}, "1.6")
        with pytest.raises(ValueError, match="evseId must be an integer"):
            msg.status_notification({"evseId": True, "connectorId": 1, "connectorStatus": "Available"}, "2.0.1")
        with pytest.raises(KeyError):
            msg.status_notification({"evseId": 1}, "2.0.1")

    def test_notify_event_availability_only(self):
        payload = {
            "eventData": [
                {
                    "actualValue": "Faulted",
                    "techCode": "GF",
                    "timestamp": TS,
                    "component": {"name": "Connector", "evse": {"id": 2, "connectorId": 1}},
                    "variable": {"name": "AvailabilityState"},
                },
                {"actualValue": "42", "component": {"name": "Temp"}, "variable": {"name": "Temperature"}},
                {
                    "actualValue": "Faulted",
                    "component": {"name": "Connector"},
                    "variable": {"name": "AvailabilityState"},
                },
            ]
        }
        (report,) = msg.availability_events(payload)
        assert (report.evse_id, report.connector_id, report.status, report.error_code) == (2, 1, "Faulted", "GF")


class TestTransactions:
    def tx_event(self, event_type, meter=None, **info):
        return {
            "eventType": event_type,
            "timestamp": TS,
            "seqNo": 3,
            "transactionInfo": {"transactionId": "TX-1", **info},
            "evse": {"id": 2},
            "meterValue": meter or [],
        }

    def test_201_begin_and_end_readings_are_the_meter_start_and_stop(self):
        meter = [
            {
                "timestamp": TS,
                "sampledValue": [
                    {"value": 0, "context": "Transaction.Begin"},
                    {"value": 5, "context": "Transaction.Begin", "phase": "L1"},
                    {"value": 230, "measurand": "Voltage", "context": "Transaction.Begin"},
                ],
            }
        ]
        update = msg.transaction_event(self.tx_event("Started", meter, chargingState="Charging"))
        assert (update.kind, update.transaction_id, update.evse_id, update.connector_id, update.seq_no) == (
            msg.STARTED,
            "TX-1",
            2,
            1,
            3,
        )
        assert (update.meter_start, update.meter_stop, update.charging_state) == (D(0), None, "Charging")
        assert len(update.samples) == 3
        ended = msg.transaction_event(
            self.tx_event(
                "Ended",
                [
                    {
                        "timestamp": TS,
                        "sampledValue": [
                            {"value": 7.5, "context": "Transaction.End", "unitOfMeasure": {"unit": "kWh"}}
                        ],
                    }
                ],
            )
        )
        assert (ended.kind, ended.meter_stop, ended.stop_reason) == (msg.ENDED, D("7500.0"), "Local")

    def test_16_start_and_stop_give_the_same_fields(self):
        start = msg.start_transaction(
            {"connectorId": 1, "idTag": "TAG", "meterStart": 0, "timestamp": TS}, {"transactionId": 42}
        )
        assert (start.kind, start.transaction_id, start.evse_id, start.meter_start, start.id_token) == (
            msg.STARTED,
            "42",
            1,
            D(0),
            "TAG",
        )
        stop = msg.stop_transaction(
            {"transactionId": 42, "meterStop": 5500, "timestamp": TS, "reason": "EVDisconnected"}
        )
        assert (stop.kind, stop.meter_stop, stop.stop_reason, stop.meter_start) == (
            msg.ENDED,
            D(5500),
            "EVDisconnected",
            None,
        )

    def test_rejections(self):
        with pytest.raises(ValueError, match="issued"):
            msg.start_transaction({"connectorId": 1, "meterStart": 0, "timestamp": TS}, {})
        with pytest.raises(ValueError, match="1 to 36 characters"):
            msg.stop_transaction({"transactionId": "x" * 37, "meterStop": 1, "timestamp": TS})
        with pytest.raises(ValueError, match="not Started, Updated or Ended"):
            msg.transaction_event(self.tx_event("Paused"))
        with pytest.raises(ValueError, match="idToken is 65 characters"):
            msg.transaction_event(dict(self.tx_event("Updated"), idToken={"idToken": "T" * 65, "type": "Central"}))
        with pytest.raises(ValueError, match="not a number"):
            msg.start_transaction({"connectorId": 1, "meterStart": "lots", "timestamp": TS}, {"transactionId": 1})


def test_meter_values_both_versions():
    one = msg.meter_values(
        {"connectorId": 0, "transactionId": 7, "meterValue": [{"timestamp": TS, "sampledValue": [{"value": "1"}]}]},
        "1.6",
    )
    assert (one.evse_id, one.transaction_id, one.samples[0].value) == (0, "7", D(1))
    two = msg.meter_values({"evseId": 3, "meterValue": [{"timestamp": TS, "sampledValue": [{"value": 2}]}]}, "2.0.1")
    assert (two.evse_id, two.transaction_id) == (3, None)
    assert two.samples[0].timestamp == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)


def test_boot_both_versions():
    assert msg.boot_notification({"chargePointVendor": "V", "chargePointModel": "M"}, "1.6") == msg.BootInfo("V", "M")
    boot = msg.boot_notification({"chargingStation": {"vendorName": "V", "model": "M", "serialNumber": "S"}}, "2.0.1")
    assert boot == msg.BootInfo("V", "M", "S", "")
