"""Reservations (issue 9, item 11): ReserveNow / CancelReservation driven over RPC as an EV User, the
station's answers, the connector shown Reserved, a transaction using the reservation (1.6
StartTransaction and 2.0.1 TransactionEvent with reservationId), 2.0.1 ReservationStatusUpdate,
1.6 expiry by cron, and bad input refused with a reason."""

import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .remote_common import RPC_LOGGERS, RemoteCase


@tagged("post_install", "-at_install")
class TestReservations(RemoteCase):
    def reserve(self, who="ev_user", charger=None, connector=None, token=None, minutes=30):
        charger = charger or self.cp201
        vals = {
            "charger_id": charger.id,
            "id_token_id": (token or self.token).id,
            "expiry": fields.Datetime.to_string(fields.Datetime.now() + timedelta(minutes=minutes)),
        }
        if connector:
            vals["connector_id"] = connector.id
        res_id = self.rpc(who, "ev.reservation", "create", vals)
        action = self.rpc(who, "ev.reservation", "action_send", [res_id])
        return self.env["ev.reservation"].browse(res_id), action

    def test_201_reserve_show_reserved_and_use(self):
        reservation, action = self.reserve(connector=self.conn201)
        self.assertEqual((action["res_model"], reservation.state), ("ev.charger.command", "requested"))
        command = self.Command.browse(action["res_id"])
        self.assertEqual((command.action, command.requested_by), ("ReserveNow", self.users["ev_user"]))
        pulled = self.deliver(command.id, {"status": "Accepted"})
        self.assertEqual(
            pulled["params"],
            {
                "id": reservation.id,
                "expiryDateTime": reservation.expiry.isoformat(timespec="seconds") + "Z",
                "idToken": {"idToken": "TOKEN-0001", "type": "ISO14443"},
                "evseId": 1,
            },
        )
        self.assertEqual((reservation.state, reservation.status_answer), ("reserved", "Accepted"))
        # the station reports the connector Reserved; Odoo shows who holds it
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "StatusNotification",
                    {"timestamp": "2026-07-01T14:01:00Z", "connectorStatus": "Reserved", "evseId": 1, "connectorId": 1},
                )
            ]
        )
        self.assertEqual(self.conn201.status, "Reserved")
        self.assertEqual(self.conn201.reservation_id, reservation)
        self.assertEqual(self.cp201.status, "Reserved")
        # the driver arrives: the transaction names the reservation
        started = {
            "eventType": "Started",
            "timestamp": "2026-07-01T14:05:00Z",
            "triggerReason": "Authorized",
            "seqNo": 0,
            "reservationId": reservation.id,
            "transactionInfo": {"transactionId": "TX-RES-1"},
            "idToken": {"idToken": "TOKEN-0001", "type": "ISO14443"},
            "evse": {"id": 1, "connectorId": 1},
        }
        self.assertEqual(self.ingest([self.ev("T-201", "TransactionEvent", started)])[0]["status"], "applied")
        session = self.session(self.cp201, "TX-RES-1")
        self.assertEqual((reservation.state, reservation.session_id), ("used", session))
        self.assertFalse(self.conn201.reservation_id)

    def test_16_reservation_of_any_connector_used_by_start_transaction(self):
        reservation, action = self.reserve(charger=self.cp16)
        pulled = self.deliver(action["res_id"], {"status": "Accepted"})
        self.assertNotIn("evseId", pulled["params"], "no connector: the bridge sends 1.6 connectorId 0")
        self.assertEqual(pulled["version"], "1.6")
        self.assertEqual(reservation.state, "reserved")
        start = {
            "connectorId": 1,
            "idTag": "TOKEN-0001",
            "meterStart": 1000,
            "timestamp": "2026-07-01T14:05:00Z",
            "reservationId": reservation.id,
        }
        self.ingest([self.ev("T-16", "StartTransaction", start, response={"transactionId": 77})])
        self.assertEqual((reservation.state, reservation.session_id), ("used", self.session(self.cp16, 77)))

    def test_cancel_and_the_station_s_own_updates(self):
        reservation, action = self.reserve(connector=self.conn201)
        self.deliver(action["res_id"], {"status": "Accepted"})
        action = self.rpc("ev_user", "ev.reservation", "action_cancel", [reservation.id])
        pulled = self.deliver(action["res_id"], {"status": "Accepted"})
        self.assertEqual((pulled["action"], pulled["params"]), ("CancelReservation", {"reservationId": reservation.id}))
        self.assertEqual(reservation.state, "cancelled")
        self.assertTrue(reservation.ended_at)
        # a station that holds no such reservation says Rejected: the reservation keeps its state, with a note
        other, action = self.reserve(connector=self.conn201)
        self.deliver(action["res_id"], {"status": "Accepted"})
        action = self.rpc("ev_user", "ev.reservation", "action_cancel", [other.id])
        self.deliver(action["res_id"], {"status": "Rejected"}, state="rejected")
        self.assertEqual(other.state, "reserved")
        self.assertIn("holds no reservation", other.note)
        # 2.0.1 ReservationStatusUpdate: Expired, Removed
        update = {"reservationId": other.id, "reservationUpdateStatus": "Expired"}
        self.ingest([self.ev("T-201", "ReservationStatusUpdate", update)])
        self.assertEqual(other.state, "expired")
        third, action = self.reserve(connector=self.conn201)
        self.deliver(action["res_id"], {"status": "Accepted"})
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "ReservationStatusUpdate",
                    {"reservationId": third.id, "reservationUpdateStatus": "Removed"},
                )
            ]
        )
        self.assertEqual(third.state, "removed")
        # a reservation Odoo never made is kept as the event only; a bad status is rejected alone
        results = self.ingest(
            [
                self.ev(
                    "T-201", "ReservationStatusUpdate", {"reservationId": 999999, "reservationUpdateStatus": "Expired"}
                ),
                self.ev(
                    "T-201", "ReservationStatusUpdate", {"reservationId": third.id, "reservationUpdateStatus": "Gone"}
                ),
            ]
        )
        self.assertEqual([r["status"] for r in results], ["applied", "rejected"])
        self.assertIn("not Expired or Removed", results[1]["error"])
        # a draft is cancelled at once, nothing is sent
        draft = self.rpc(
            "ev_user",
            "ev.reservation",
            "create",
            {"charger_id": self.cp201.id, "id_token_id": self.token.id},
        )
        before = self.Command.search_count([])
        self.assertTrue(self.rpc("ev_user", "ev.reservation", "action_cancel", [draft]))
        self.assertEqual(self.env["ev.reservation"].browse(draft).state, "cancelled")
        self.assertEqual(self.Command.search_count([]), before)

    def test_refused_not_delivered_and_16_expiry(self):
        reservation, action = self.reserve(connector=self.conn201)
        self.deliver(action["res_id"], {"status": "Occupied"}, state="rejected")
        self.assertEqual((reservation.state, reservation.status_answer), ("rejected", "Occupied"))
        # the station is offline: failed at once, the operator is told why
        self.ingest([self.ev("T-16", "Connection", {"state": "disconnected", "node": self.NODE})])
        offline, action = self.reserve(charger=self.cp16)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("not connected", action["params"]["message"])
        self.assertEqual(offline.state, "failed")
        # 1.6 says nothing when a reservation expires: the cron closes it
        self.connect(self.cp16, self.NODE)
        held, action = self.reserve(charger=self.cp16)
        self.deliver(action["res_id"], {"status": "Accepted"})
        held.sudo().expiry = fields.Datetime.now() - timedelta(seconds=1)
        self.env["ev.reservation"]._cron_expire()
        self.assertEqual((held.state, held.note), ("expired", "The expiry time passed."))

    @mute_logger(*RPC_LOGGERS)
    def test_bad_input_is_refused_with_a_reason(self):
        blocked = self.env["ev.id.token"].create({"value": "BLOCKED-1", "status": "blocked"})
        other_company = self.env["res.company"].create({"name": "Other SPV"})
        foreign = self.env["ev.id.token"].create({"value": "FOREIGN-1", "company_id": other_company.id})
        long_tag = self.env["ev.id.token"].create({"value": "A-TOKEN-LONGER-THAN-20"})
        before = self.Command.search_count([])
        for kwargs, reason in (
            ({"minutes": -5}, "at least 10 seconds from now"),
            ({"minutes": 25 * 60}, "at most 24 hours"),
            ({"token": blocked}, r"not accepted at this station \(Blocked\)"),
            ({"token": long_tag, "charger": self.cp16}, "longer than the 20 characters"),
        ):
            with self.subTest(reason=reason), self.assertRaisesRegex(xmlrpc.client.Fault, reason):
                self.reserve(**kwargs)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "not a connector of T-16"):
            self.reserve(charger=self.cp16, connector=self.conn201)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "belong to different companies|Incompatible companies"):
            self.reserve(token=foreign)
        held, action = self.reserve(connector=self.conn201)
        self.deliver(action["res_id"], {"status": "Accepted"})
        with self.assertRaisesRegex(xmlrpc.client.Fault, "already holds"):
            self.reserve(charger=self.cp16)
        second = self.env["ev.id.token"].create({"value": "TOKEN-0002"})
        with self.assertRaisesRegex(xmlrpc.client.Fault, "is already reserved"):
            self.reserve(connector=self.conn201, token=second)
        self.assertEqual(self.Command.search_count([]), before + 1, "only the valid reservation was sent")
        # the state is the station's to set, and a sent reservation is not edited
        with self.assertRaisesRegex(xmlrpc.client.Fault, "set by the station"):
            self.rpc("ev_user", "ev.reservation", "write", [held.id], {"state": "cancelled"})
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Only a draft"):
            self.rpc("ev_user", "ev.reservation", "write", [held.id], {"expiry": "2030-01-01 00:00:00"})
        forged = self.rpc(
            "ev_user",
            "ev.reservation",
            "create",
            {"charger_id": self.cp201.id, "id_token_id": self.token.id, "state": "reserved"},
        )
        self.assertEqual(self.env["ev.reservation"].browse(forged).state, "draft")
        # who may reserve: EV staff of the charger's company only
        for who in ("internal", "portal"):
            with self.assertRaises(xmlrpc.client.Fault):
                self.reserve(who=who)
        self.users["other_company"] = new_test_user(
            self.env,
            login="cmd_other_company",
            groups="ev_charging.group_ev_manager",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("other_company", "ev.reservation", "action_cancel", [held.id])
        self.assertEqual(held.state, "reserved")
