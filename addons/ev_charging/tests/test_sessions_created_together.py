"""The sessions a chunk of events starts are created in one ORM create (transactions.create_sessions),
with the same outcome as one by one: each transaction's first event takes its session as created, a
reading sent before its transaction's start stays off it, a rolled-back chunk leaves no session
behind, and a session no handler took is not kept."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import EvCase, iso
from .test_ingestion import mv16


@tagged("post_install", "-at_install")
class TestSessionsCreatedTogether(EvCase):
    def started(self, tx, evse, minute, wh=0):
        return self.started201(
            tx,
            evse,
            self.minutes(self.t0, minute),
            wh,
            triggerReason="Authorized",
            idToken={"idToken": "TOKEN-0001", "type": "ISO14443"},
        )

    def updated(self, tx, seq, minute, wh):
        return self.updated201(tx, seq, self.minutes(self.t0, minute), wh)

    def counting_creates(self):
        """Patch ev.session's create to record the number of sessions of each call."""
        Session = type(self.env["ev.session"])
        calls, create = [], Session.create

        def counted(model, vals_list):
            calls.append(len(vals_list) if isinstance(vals_list, list) else 1)
            return create(model, vals_list)

        return calls, patch.object(Session, "create", counted)

    def sessions(self, charger):
        return self.env["ev.session"].search([("charger_id", "=", charger.id)], order="id")

    def test_three_transactions_of_a_chunk_become_three_sessions_in_one_create(self):
        # the station's register at 10, 20 and 30 kWh when each starts; 1, 2 and 3 kWh delivered
        events = [self.started(f"TX-{n}", n, n, 10_000 * n) for n in (1, 2, 3)]
        events += [self.updated(f"TX-{n}", 1, 10 + n, 11_000 * n) for n in (1, 2, 3)]
        calls, counting = self.counting_creates()
        with counting:
            results = self.ingest(events)
        self.assertEqual([r["status"] for r in results], ["applied"] * 6)
        self.assertEqual(calls, [3], "one create for the chunk's three new sessions")
        sessions = self.sessions(self.cp201)
        self.assertEqual(sessions.mapped("transaction_id"), ["TX-1", "TX-2", "TX-3"], "in the order of the events")
        for n, session in enumerate(sessions, start=1):
            self.assertEqual(session.state, "active")
            self.assertEqual(session.start_time, self.naive(self.minutes(self.t0, n)))
            self.assertEqual(session.connector_id.evse_id.evse_number, n, "the connector its Started named")
            self.assertEqual(session.id_token_id, self.token)
            self.assertAlmostEqual(session.energy_kwh, float(n), places=3)
            self.assertEqual(len(session.meter_value_ids), 2)
        self.assertEqual(self.Event.search_count([("session_id", "in", sessions.ids)]), 6)

    def test_a_later_batch_finds_the_sessions_and_creates_none(self):
        self.ingest([self.started("KNOWN", 1, 0)])
        calls, counting = self.counting_creates()
        with counting:
            self.ingest([self.updated("KNOWN", 1, 5, 2500)])
        self.assertEqual(calls, [])
        self.assertAlmostEqual(self.session(self.cp201, "KNOWN").energy_kwh, 2.5, places=3)

    def test_readings_before_their_start_in_the_same_chunk_stay_off_the_session(self):
        """Applied one by one, a MeterValues sent before its StartTransaction found no session (none
        existed yet): the session created for the chunk must not change that, whether the reading
        names the transaction or only the connector."""
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": iso(self.t0)}
        self.ingest([self.ev("T-16", "StatusNotification", status, self.t0)])  # the connector is known
        late = self.minutes(self.t0, 30)
        by_connector = {"connectorId": 1, "meterValue": [mv16(self.t0, 100)]}
        by_transaction = {"connectorId": 1, "transactionId": 9, "meterValue": [mv16(self.minutes(self.t0, 1), 200)]}
        start = {"connectorId": 1, "idTag": "TOKEN-0001", "meterStart": 300, "timestamp": iso(self.minutes(self.t0, 2))}
        events = [
            self.ev("T-16", "MeterValues", by_connector, self.t0),
            self.ev("T-16", "MeterValues", by_transaction, self.minutes(self.t0, 1)),
            self.ev("T-16", "StartTransaction", start, self.minutes(self.t0, 2), response={"transactionId": 9}),
            self.ev(
                "T-16",
                "MeterValues",
                {"connectorId": 1, "transactionId": 9, "meterValue": [mv16(late, 1300)]},
                late,
            ),
        ]
        self.assertEqual([r["status"] for r in self.ingest(events)], ["applied"] * 4)
        session = self.session(self.cp16, 9)
        self.assertEqual(session.meter_value_ids.mapped("value"), [1300.0], "only the reading after the start")
        before = self.env["ev.meter.value"].search([("charger_id", "=", self.cp16.id), ("value", "in", [100, 200])])
        self.assertEqual(len(before), 2)
        self.assertFalse(before.session_id)
        self.assertAlmostEqual(session.energy_kwh, 1.0, places=3)

    def test_a_rolled_back_chunk_keeps_one_session_per_transaction_and_none_for_the_bad_event(self):
        """The third Started names EVSE -1 (read, but refused when applied, after its session was made for
        the chunk): the chunk is rolled back and replayed event by event."""
        events = [self.started("GOOD-1", 1, 0), self.started("GOOD-2", 2, 1), self.started("BAD", -1, 2)]
        before = self.env["ev.session"].search([], order="id desc", limit=1).id or 0
        results = self.ingest(events)
        self.assertEqual([r["status"] for r in results], ["applied", "applied", "rejected"])
        self.assertIn("EVSE and connector ids start at 1", results[2]["error"])
        sessions = self.sessions(self.cp201)
        self.assertEqual(sessions.mapped("transaction_id"), ["GOOD-1", "GOOD-2"])
        self.assertGreater(min(sessions.ids), before + 3, "the three made for the chunk went with its savepoint")
        self.assertTrue(all(sessions.mapped("start_time")))

    def test_a_session_no_handler_took_is_deleted(self):
        """An addon's handler that does not look its session up leaves no empty session behind."""
        EventModel = type(self.Event)
        handlers = EventModel._ocpp_handlers

        def without_sessions(model):
            table = handlers(model)
            table["TransactionEvent"] = lambda batch, event: None
            return table

        with patch.object(EventModel, "_ocpp_handlers", without_sessions):
            results = self.ingest([self.started("NOBODY", 1, 0)])
        self.assertEqual(results[0]["status"], "applied")
        self.assertFalse(self.session(self.cp201, "NOBODY"))

    def test_a_connector_is_looked_up_once_per_batch_and_forgotten_with_a_rolled_back_chunk(self):
        """The events of a batch naming the same EVSE get its connector from one look-up. A connector
        created in a chunk that is rolled back is looked up again (created again) in the replay."""
        Charger = type(self.cp201)
        calls, get_connector = [], Charger._get_connector

        def counting(charger, evse_id, connector_id, create=True):
            calls.append(evse_id)
            return get_connector(charger, evse_id, connector_id, create)

        events = [self.started("TX-1", 1, 0), self.updated("TX-1", 1, 5, 1_000), self.updated("TX-1", 2, 10, 2_000)]
        for event in events[1:]:
            event["payload"]["evse"] = {"id": 1, "connectorId": 1}
        with patch.object(Charger, "_get_connector", counting):
            self.assertEqual({r["status"] for r in self.ingest(events)}, {"applied"})
        self.assertEqual(calls, [1], "one look-up for the three events")
        # the next batch finds EVSE 1 among the connectors read for its chargers: no look-up at all
        calls.clear()
        later = self.updated("TX-1", 3, 15, 3_000)
        later["payload"]["evse"] = {"id": 1, "connectorId": 1}
        with patch.object(Charger, "_get_connector", counting):
            self.assertEqual(self.ingest([later])[0]["status"], "applied")
        self.assertEqual(calls, [], "read with the batch's chargers")
        # EVSE 7 is new: made by the chunk, which the bad event rolls back; the replay makes it again
        calls.clear()
        with patch.object(Charger, "_get_connector", counting):
            results = self.ingest([self.started("NEW-EVSE", 7, 20), self.started("BAD", -1, 21)])
        self.assertEqual([r["status"] for r in results], ["applied", "rejected"])
        self.assertEqual(calls.count(7), 2, "looked up in the chunk, then again in its replay")
        session = self.session(self.cp201, "NEW-EVSE")
        self.assertTrue(session.connector_id.exists())
        self.assertEqual(session.connector_id.evse_id.evse_number, 7)

    def test_a_started_session_is_created_with_its_start(self):
        """The start time, meter start and the like are given at creation (the stored fields computed from
        the start are computed once); the Started event then writes only its connector."""
        Session = type(self.env["ev.session"])
        created, written = [], []
        create, write = Session.create, Session.write

        def recording_create(model, vals_list):
            created.extend(vals_list if isinstance(vals_list, list) else [vals_list])
            return create(model, vals_list)

        def recording_write(records, vals):
            written.append(set(vals))
            return write(records, vals)

        with patch.object(Session, "create", recording_create), patch.object(Session, "write", recording_write):
            self.assertEqual(self.ingest([self.started("TX-S", 1, 5, 7_000)])[0]["status"], "applied")
        start = self.naive(self.minutes(self.t0, 5))
        self.assertEqual(created[0]["start_time"], start)
        self.assertEqual((created[0]["has_meter_start"], created[0]["meter_start_reported"]), (True, 7_000.0))
        self.assertNotIn("connector_id", created[0], "no connector before its event applies")
        self.assertFalse([names for names in written if "start_time" in names], "the start is not written again")
        session = self.session(self.cp201, "TX-S")
        self.assertEqual((session.start_time, session.meter_start_wh, session.state), (start, 7_000.0, "active"))
        self.assertEqual(session.connector_id.evse_id.evse_number, 1)

    def test_a_started_batch_makes_as_many_queries_for_six_sessions_as_for_two(self):
        """Stations that reported their connectors start their transactions: nothing is read or written
        one session at a time (before: each session given its connector read that connector's company
        for the company check, and its id token and its pay-by-QR authorization were searched, one query
        each)."""
        for evse in range(1, 16):
            self.cp201._get_connector(evse, 1)
        self.env.flush_all()

        def queries(evses):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            results = self.ingest([self.started(f"Q-{evse}", evse, evse) for evse in evses])
            self.assertEqual({r["status"] for r in results}, {"applied"})
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        queries([1])  # what is read once and cached (parameters, the tariff) is read here
        two, six = queries([2, 3]), queries(range(4, 10))
        self.assertEqual(six, two, "no query per session")
        sessions = self.sessions(self.cp201).filtered(lambda s: s.transaction_id.startswith("Q-"))
        self.assertEqual(len(sessions), 9)
        self.assertEqual(
            sessions.mapped(lambda s: s.connector_id.evse_id.evse_number), list(range(1, 10)), "each its connector"
        )
