"""The session pipelines (ev.session COMPLETION_STAGES / PROGRESS_STAGES): declared in one place, run once
per batch, a failing step stops only its session."""

from unittest.mock import patch

from odoo.tests import tagged

from ..models.ev_session import COMPLETION_STAGES, PROGRESS_STAGES
from .common import EvCase, iso


@tagged("post_install", "-at_install")
class TestSessionPipeline(EvCase):
    def session_events(self, tx, evse, ended=True):
        t0, m = self.t0, self.minutes

        def event(event_type, seq, minutes, wh, context="Sample.Periodic"):
            ts = m(t0, minutes)
            payload = {
                "eventType": event_type,
                "timestamp": iso(ts),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": seq,
                "transactionInfo": {"transactionId": tx},
                "evse": {"id": evse, "connectorId": 1},
                "meterValue": [
                    {
                        "timestamp": iso(ts),
                        "sampledValue": [{"value": wh, "context": context, "unitOfMeasure": {"unit": "Wh"}}],
                    }
                ],
            }
            return self.ev("T-201", "TransactionEvent", payload, ts)

        events = [event("Started", 0, 0, 10_000, "Transaction.Begin"), event("Updated", 1, 10, 12_000)]
        if ended:
            events.append(event("Ended", 2, 20, 15_000, "Transaction.End"))
        return events

    def test_stages_in_their_order(self):
        self.assertEqual(COMPLETION_STAGES, ("energy", "price", "bill", "settle_payment", "final_cost", "live"))
        self.assertEqual(PROGRESS_STAGES, ("energy", "estimate", "running_cost", "live"))
        steps = self.env["ev.session"]._completion_steps()
        self.assertEqual(steps["energy"], ["_recompute_energy"])
        self.assertLessEqual(set(steps), set(COMPLETION_STAGES))
        self.assertLessEqual(set(self.env["ev.session"]._progress_steps()), set(PROGRESS_STAGES))

    def test_each_step_runs_once_per_batch_and_a_failure_stops_only_its_session(self):
        calls = []

        def step(sessions, batch=None):
            calls.append((sessions.mapped("transaction_id"), batch is not None))
            if "BAD" in sessions.mapped("transaction_id"):
                raise RuntimeError("billing system down")

        def after(sessions, batch=None):
            calls.append(("after", sessions.mapped("transaction_id")))

        with self.extra_steps("_completion_steps", first={"price": step}, last={"final_cost": after}):
            results = self.ingest(self.session_events("GOOD", 1) + self.session_events("BAD", 2))
        self.assertEqual({r["status"] for r in results}, {"applied"}, "a failing step undoes no event")
        self.assertEqual(sorted(calls[0][0]), ["BAD", "GOOD"], "one call for the batch's sessions")
        self.assertTrue(calls[0][1], "the batch is passed to the step")
        self.assertIn((["GOOD"], True), calls[1:], "retried session by session")
        self.assertEqual(calls[-1], ("after", ["GOOD"]), "the failing session leaves its pipeline")
        for tx in ("GOOD", "BAD"):
            session = self.session(self.cp201, tx)
            self.assertEqual(session.state, "completed")
            self.assertAlmostEqual(session.energy_kwh, 5.0, places=3, msg="energy is the first stage")

    def test_readings_are_read_once_per_batch(self):
        events = []
        for evse in range(1, 6):
            events += self.session_events(f"TX-{evse}", evse, ended=evse % 2 == 0)
        reads = []
        search_read = type(self.env["ev.meter.value"]).search_read
        execute = type(self.env.cr).execute

        def counting(model, domain=None, fields=None, **kwargs):
            if domain and domain[0][0] == "session_id":  # readings of sessions (not the duplicate check)
                reads.append(domain)
            return search_read(model, domain, fields, **kwargs)

        def counting_sql(cr, query, params=None, log_exceptions=True):
            text = str(query)
            if "FROM ev_meter_value" in text and "session_id = ANY" in text:  # SessionBatch.meter_rows
                reads.append(text)
            return execute(cr, query, params, log_exceptions)

        with (
            patch.object(type(self.env["ev.meter.value"]), "search_read", counting),
            patch.object(type(self.env.cr), "execute", counting_sql),
        ):
            self.ingest(events)
        self.assertEqual(len(reads), 1, "energy (and, with ev_billing, estimates and prices) from one read")
        self.assertEqual(
            [self.session(self.cp201, f"TX-{n}").state for n in range(1, 6)],
            ["active", "completed", "active", "completed", "active"],
        )
