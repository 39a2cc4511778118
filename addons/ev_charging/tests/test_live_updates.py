"""Live updates through Odoo's bus (issue 14 item 2): the bus.bus rows a session update produces,
one message per company and transaction with each record once, a meter-value flood that does not
produce one message per value, the session's progress throttled, statuses and completions always
sent, and who listens to the channel."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import new_test_user

from ..models import ev_live
from .common import EvCase, iso


class TestLiveUpdates(EvCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("ev_charging.live_throttle_seconds", "5")
        ev_live._LAST_PUSH.clear()
        self.bus_before = self.env["bus.bus"].sudo()._bus_last_id()
        self.clock = [1000.0]
        patcher = patch.object(ev_live, "_clock", lambda: self.clock[0])
        patcher.start()
        self.addCleanup(patcher.stop)

    def live_messages(self):
        """What the commit does (the queued records sent, the bus rows created), then the live rows
        written since the test started: [(channel, payload)]."""
        self.env["ev.live"]._flush_pending()
        self.env.cr.precommit.run()
        rows = self.env["bus.bus"].sudo().search([("id", ">", self.bus_before)], order="id")
        self.bus_before = max([self.bus_before, *rows.ids])
        result = []
        for row in rows:
            message = json.loads(row.message)
            if message["type"] == ev_live.LIVE_TYPE:
                result.append((json.loads(row.channel), message["payload"]))
        return result

    def tx_events(self, tx, start, count, first_seq=0, started=True):
        events = []
        if started:
            events.append(
                self.ev(
                    "T-201",
                    "TransactionEvent",
                    {
                        "eventType": "Started",
                        "timestamp": iso(start),
                        "triggerReason": "Authorized",
                        "seqNo": 0,
                        "transactionInfo": {"transactionId": tx, "chargingState": "Charging"},
                        "idToken": {"idToken": "TOKEN-0001", "type": "ISO14443"},
                        "evse": {"id": 1, "connectorId": 1},
                        "meterValue": [
                            {
                                "timestamp": iso(start),
                                "sampledValue": [{"value": 1000.0, "context": "Transaction.Begin"}],
                            }
                        ],
                    },
                    start,
                )
            )
        for n in range(count):
            ts = start + timedelta(seconds=10 * (first_seq + n + 1))
            events.append(
                self.ev(
                    "T-201",
                    "TransactionEvent",
                    {
                        "eventType": "Updated",
                        "timestamp": iso(ts),
                        "triggerReason": "MeterValuePeriodic",
                        "seqNo": first_seq + n + 1,
                        "transactionInfo": {"transactionId": tx, "chargingState": "Charging"},
                        "evse": {"id": 1, "connectorId": 1},
                        "meterValue": [
                            {
                                "timestamp": iso(ts),
                                "sampledValue": [
                                    {"value": 1000.0 + 20 * (first_seq + n + 1)},
                                    {"value": 7200.0 + first_seq + n, "measurand": "Power.Active.Import"},
                                ],
                            }
                        ],
                    },
                    ts,
                )
            )
        return events

    def test_a_session_update_is_one_message_whatever_the_number_of_meter_values(self):
        results = self.ingest(self.tx_events("LIVE-1", self.t0, 40))
        self.assertEqual({r["status"] for r in results}, {"applied"})
        messages = self.live_messages()
        self.assertEqual(len(messages), 1, "one bus message for the whole batch, not one per meter value")
        channel, payload = messages[0]
        self.assertEqual(channel[1:], ["res.company", self.site.company_id.id, ev_live.LIVE_SUBCHANNEL])
        session = self.session(self.cp201, "LIVE-1")
        self.assertEqual([s["id"] for s in payload["sessions"]], [session.id])
        live = payload["sessions"][0]
        self.assertEqual(live["state"], "active")
        self.assertAlmostEqual(live["energy_kwh"], 0.8)  # 40 readings of 20 Wh
        self.assertAlmostEqual(live["power_kw"], 7.24)  # the last power reading, 7,239 W
        self.assertEqual(live["start_time"], "2026-07-01 14:00:00")
        self.assertEqual(live["charger_id"][0], self.cp201.id)
        if "cost_estimate" in live:  # ev_billing adds the running cost
            self.assertIn("cost_currency_id", live)

    def test_a_meter_value_flood_is_throttled_per_session(self):
        self.ingest(self.tx_events("LIVE-2", self.t0, 1))
        self.assertEqual(len(self.live_messages()), 1)
        # twenty more batches of meter values within the throttle delay (5 s): no message at all
        for n in range(20):
            self.clock[0] += 0.2
            self.ingest(self.tx_events("LIVE-2", self.t0, 3, first_seq=1 + 3 * n, started=False))
        self.assertEqual(self.live_messages(), [])
        session = self.session(self.cp201, "LIVE-2")
        self.assertEqual(session.last_seq_no, 61, "every reading was applied, only the pushes were held back")
        # once the delay is over, the next batch is pushed, with the latest figures
        self.clock[0] += 5
        self.ingest(self.tx_events("LIVE-2", self.t0, 1, first_seq=61, started=False))
        messages = self.live_messages()
        self.assertEqual(len(messages), 1)
        self.assertAlmostEqual(messages[0][1]["sessions"][0]["energy_kwh"], 1.24)  # 62 readings of 20 Wh

    def test_status_connection_and_completion_are_never_throttled(self):
        self.ingest(self.tx_events("LIVE-3", self.t0, 1))
        self.live_messages()
        ended = self.t0 + timedelta(minutes=5)
        self.ingest(
            [
                self.ev(
                    "T-201",
                    "TransactionEvent",
                    {
                        "eventType": "Ended",
                        "timestamp": iso(ended),
                        "triggerReason": "EVCommunicationLost",
                        "seqNo": 2,
                        "transactionInfo": {"transactionId": "LIVE-3", "stoppedReason": "EVDisconnected"},
                        "evse": {"id": 1, "connectorId": 1},
                        "meterValue": [
                            {"timestamp": iso(ended), "sampledValue": [{"value": 1500.0, "context": "Transaction.End"}]}
                        ],
                    },
                    ended,
                ),
                self.ev(
                    "T-201",
                    "StatusNotification",
                    {"timestamp": iso(ended), "connectorStatus": "Faulted", "evseId": 1, "connectorId": 1},
                    ended,
                ),
                self.ev("T-201", "Connection", {"state": "disconnected", "node": "n1"}, ended),
            ]
        )
        messages = self.live_messages()
        self.assertEqual(len(messages), 1)
        payload = messages[0][1]
        self.assertEqual(payload["sessions"][0]["state"], "completed")
        self.assertEqual(payload["sessions"][0]["power_kw"], 0.0)
        self.assertEqual([c["status"] for c in payload["connectors"]], ["Faulted"])
        self.assertEqual(len(payload["chargers"]), 1, "the charger once, although its status and link both changed")
        self.assertEqual(payload["chargers"][0]["connection_state"], "disconnected")
        self.assertEqual(payload["chargers"][0]["status"], "Faulted")

    def test_ev_staff_listen_to_their_companies_only(self):
        other = self.env["res.company"].create({"name": "Other SPV"})
        staff = new_test_user(self.env, "ev-live-staff", groups="ev_charging.group_ev_user")
        clerk = new_test_user(self.env, "ev-live-clerk", groups="base.group_user")
        staff_channels = self.env["ir.websocket"].with_user(staff)._ev_live_channels()
        self.assertEqual(staff_channels, [(staff.company_id, ev_live.LIVE_SUBCHANNEL)])
        self.assertNotIn((other, ev_live.LIVE_SUBCHANNEL), staff_channels)
        self.assertEqual(self.env["ir.websocket"].with_user(clerk)._ev_live_channels(), [])
