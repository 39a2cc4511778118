"""The other blocks: the bridge's Connection, provisioning (BootNotification), authorization, firmware
and diagnostics, security, data transfer; and the handler table itself."""

from odoo.tests import tagged

from ..models.ev_ocpp_handlers import (
    HANDLERS,
    authorization,
    connection,
    data_transfer,
    firmware_diagnostics,
    provisioning,
    security,
)
from .common import EvCase, iso


@tagged("post_install", "-at_install")
class TestStationHandlers(EvCase):
    def test_the_table_covers_every_documented_action(self):
        documented = {
            "Connection",
            "BootNotification",
            "Heartbeat",
            "StatusNotification",
            "NotifyEvent",
            "Authorize",
            "TransactionEvent",
            "StartTransaction",
            "StopTransaction",
            "MeterValues",
            "FirmwareStatusNotification",
            "LogStatusNotification",
            "DiagnosticsStatusNotification",
            "SecurityEventNotification",
            "DataTransfer",
            "ReservationStatusUpdate",
            "NotifyChargingLimit",
            "ClearedChargingLimit",
        }
        self.assertEqual(set(HANDLERS), documented)
        self.assertEqual(self.Event._ocpp_handlers(), HANDLERS)

    def test_connection_moves_between_nodes(self):
        self.handle(connection.connection, self.cp201, "Connection", {"state": "connected", "node": "n-1"})
        self.assertEqual((self.cp201.connection_state, self.cp201.node_id.name), ("connected", "n-1"))
        later = self.minutes(self.t0, 5)
        self.handle(connection.connection, self.cp201, "Connection", {"state": "connected", "node": "n-2"}, later)
        # the old node's late disconnect is stale
        self.handle(connection.connection, self.cp201, "Connection", {"state": "disconnected", "node": "n-1"}, later)
        self.assertEqual((self.cp201.connection_state, self.cp201.node_id.name), ("connected", "n-2"))
        result = self.ingest([self.ev("T-201", "Connection", {"state": "sleeping", "node": "n-2"})])[0]
        self.assertIn("must be 'connected' or 'disconnected'", result["error"])

    def test_boot_notification_both_versions(self):
        self.handle(
            provisioning.boot_notification,
            self.cp16,
            "BootNotification",
            {"chargePointVendor": "Wallbox", "chargePointModel": "Supernova", "chargeBoxSerialNumber": "WB-1"},
        )
        self.handle(
            provisioning.boot_notification,
            self.cp201,
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"vendorName": "ABB", "model": "Terra", "firmwareVersion": "2"}},
        )
        self.assertEqual((self.cp16.vendor_reported, self.cp16.serial_number), ("Wallbox", "WB-1"))
        self.assertEqual((self.cp201.model_reported, self.cp201.firmware_version), ("Terra", "2"))
        self.assertEqual(self.cp201.last_boot, self.naive(self.t0))
        result = self.ingest([self.ev("T-16", "BootNotification", {"chargePointVendor": "X"})])[0]
        self.assertIn("malformed BootNotification payload (KeyError", result["error"])

    def test_status_of_firmware_logs_security_and_vendor_messages(self):
        self.handle(
            firmware_diagnostics.firmware_status, self.cp201, "FirmwareStatusNotification", {"status": "Installed"}
        )
        self.handle(firmware_diagnostics.log_status, self.cp201, "LogStatusNotification", {"status": "Uploaded"})
        self.handle(firmware_diagnostics.log_status, self.cp16, "DiagnosticsStatusNotification", {"status": "Idle"})
        self.assertEqual((self.cp201.firmware_status, self.cp201.diagnostics_status), ("Installed", "Uploaded"))
        self.assertEqual(self.cp16.diagnostics_status, "Idle")
        self.handle(
            security.security_event,
            self.cp201,
            "SecurityEventNotification",
            {"type": "TamperDetectionActivated", "timestamp": iso(self.t0)},
        )
        self.assertIn("TamperDetectionActivated", self.cp201.message_ids[0].body)
        self.assertIsNone(self.handle(authorization.authorize, self.cp16, "Authorize", {"idTag": "X"})[1])
        self.assertIsNone(self.handle(data_transfer.data_transfer, self.cp16, "DataTransfer", {"vendorId": "V"})[1])
        result = self.ingest([self.ev("T-16", "DataTransfer", {"messageId": "m"})])[0]
        self.assertEqual(result["error"], "DataTransfer without vendorId")
