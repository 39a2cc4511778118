"""Firmware update and log upload from the charger form (issue 9, item 11): UpdateFirmware (EV
Manager) and GetLog / 1.6 GetDiagnostics (Field Technician) over RPC, each status notification a
dated row of the charger's history with the current status kept on the charger; 2.0.1 external
charging limits."""

import xmlrpc.client

from odoo.tests import tagged
from odoo.tools import mute_logger

from .remote_common import RPC_LOGGERS, RemoteCase


@tagged("post_install", "-at_install")
class TestFirmwareAndLogs(RemoteCase):
    def wizard(self, model, who, **vals):
        wizard = self.rpc(who, model, "create", vals)
        return self.rpc(who, model, "action_send", [wizard])

    def firmware(self, charger, who="manager", **vals):
        values = {"charger_id": charger.id, "location": "https://fw.example.com/station-2.1.bin"}
        values.update(vals)
        return self.wizard("ev.firmware.update.wizard", who, **values)

    def get_log(self, charger, who="technician", **vals):
        values = {"charger_id": charger.id, "remote_location": "ftp://logs.example.com/in/"}
        values.update(vals)
        return self.wizard("ev.log.request.wizard", who, **values)

    def test_201_firmware_update_history(self):
        action = self.firmware(self.cp201, retries=2)
        pulled = self.deliver(action["res_id"], {"status": "Accepted"})
        request_id = pulled["params"]["requestId"]
        self.assertEqual(pulled["action"], "UpdateFirmware")
        self.assertEqual(pulled["params"]["firmware"]["location"], "https://fw.example.com/station-2.1.bin")
        self.assertEqual(pulled["params"]["retries"], 2)
        self.assertTrue(pulled["params"]["firmware"]["retrieveDateTime"].endswith("Z"))
        command = self.Command.browse(action["res_id"])
        self.assertEqual(command.ocpp_request_id, request_id)
        statuses = ["Downloading", "Downloaded", "Installing", "Installed"]
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "FirmwareStatusNotification",
                    {"status": s, "requestId": request_id},
                    ts=self.minutes(self.t0, n),
                )
                for n, s in enumerate(statuses)
            ]
        )
        history = self.cp201.firmware_history_ids.sorted(lambda h: (h.timestamp, h.id))
        station = history.filtered(lambda h: h.source == "station")
        self.assertEqual(station.mapped("status"), statuses)
        self.assertEqual(station.mapped("timestamp"), [self.naive(self.minutes(self.t0, n)) for n in range(4)])
        self.assertEqual(history.filtered(lambda h: h.source == "request").mapped("status"), ["Accepted"])
        self.assertEqual(set(history.mapped("command_id")), {command})
        self.assertEqual(set(history.mapped("request_id")), {request_id})
        self.assertEqual(self.cp201.firmware_status, "Installed")
        self.assertFalse(self.cp201.log_history_ids)

    def test_16_diagnostics_and_201_log_history(self):
        action = self.get_log(self.cp16)
        pulled = self.deliver(action["res_id"], {"fileName": "diag-T-16.zip"})
        self.assertEqual((pulled["action"], pulled["params"]["logType"]), ("GetLog", "DiagnosticsLog"))
        self.ingest(
            [
                self.ev("T-16", "DiagnosticsStatusNotification", {"status": "Uploading"}),
                self.ev("T-16", "DiagnosticsStatusNotification", {"status": "Uploaded"}, ts=self.minutes(self.t0, 1)),
            ]
        )
        history = self.cp16.log_history_ids.sorted(lambda h: (h.timestamp, h.id))
        station = history.filtered(lambda h: h.source == "station")
        request = history - station
        self.assertEqual(station.mapped("status"), ["Uploading", "Uploaded"])
        self.assertEqual((request.status, request.info), ("Accepted", "diag-T-16.zip"))
        self.assertEqual(station.command_id, self.Command.browse(action["res_id"]), "1.6: the latest GetLog")
        self.assertEqual(self.cp16.diagnostics_status, "Uploaded")
        action = self.get_log(self.cp201, log_type="SecurityLog")
        pulled = self.deliver(action["res_id"], {"status": "Rejected"}, state="rejected")
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "LogStatusNotification",
                    {"status": "UploadFailure", "requestId": pulled["params"]["requestId"]},
                )
            ]
        )
        self.assertEqual(sorted(self.cp201.log_history_ids.mapped("status")), ["Rejected", "UploadFailure"])
        self.assertEqual(self.cp201.diagnostics_status, "UploadFailure")

    @mute_logger(*RPC_LOGGERS)
    def test_bad_input_and_roles(self):
        before = self.Command.search_count([])
        for vals, reason in (
            ({"location": "not a url"}, "must be a URL the station can reach"),
            ({"location": "file:///etc/passwd"}, "must be a URL the station can reach"),
            ({"location": "https://x/" + "a" * 600}, "longer than 512 characters"),
            ({"retries": -1}, "cannot be negative"),
            ({"signature": "c2ln"}, "needs both the signing certificate and the signature"),
        ):
            with self.subTest(reason=reason), self.assertRaisesRegex(xmlrpc.client.Fault, reason):
                self.firmware(self.cp201, **vals)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "OCPP 1.6 has no install time"):
            self.firmware(self.cp16, install_date="2026-07-02 00:00:00")
        with self.assertRaisesRegex(xmlrpc.client.Fault, "only uploads its diagnostics log"):
            self.get_log(self.cp16, log_type="SecurityLog")
        with self.assertRaisesRegex(xmlrpc.client.Fault, "end of the period cannot be before"):
            self.get_log(self.cp201, oldest="2026-07-02 00:00:00", latest="2026-07-01 00:00:00")
        # roles: a technician gets logs but does not update firmware; an EV User does neither
        with self.assertRaises(xmlrpc.client.Fault):
            self.firmware(self.cp201, who="technician")
        with self.assertRaises(xmlrpc.client.Fault):
            self.get_log(self.cp201, who="ev_user")
        for method in ("action_update_firmware", "action_get_log"):
            with self.assertRaisesRegex(xmlrpc.client.Fault, "may not send"):
                self.rpc("ev_user", "ev.charger", method, [self.cp201.id])
        self.assertEqual(self.Command.search_count([]), before)
        self.assertEqual(
            self.rpc("technician", "ev.charger", "action_get_log", [self.cp201.id])["res_model"],
            "ev.log.request.wizard",
        )

    def test_external_charging_limit(self):
        limit = {"chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True}, "evseId": 1}
        result = self.ingest([self.ev("T-201", "NotifyChargingLimit", limit)])[0]
        self.assertEqual(result["status"], "applied", result)
        self.assertEqual(self.cp201.charging_limit_source, "EMS")
        self.assertIn("External charging limit from EMS, grid critical", self.cp201.message_ids[0].body)
        self.ingest([self.ev("T-201", "ClearedChargingLimit", {"chargingLimitSource": "EMS"})])
        self.assertFalse(self.cp201.charging_limit_source)
