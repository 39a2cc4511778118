"""An active session's progress pipeline defers its writes: each step's changes wait in the batch (shown in
the record cache to the later steps) and the sessions get them together at the end of the pipeline
(SessionBatch.defer, ev_bulk.write_each). A failing step takes back only what it deferred for its session."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import ev_batch
from ..models.ev_bulk import write_each
from .common import EvCase


@tagged("post_install", "-at_install")
class TestPipelineWrites(EvCase):
    def started(self, tx, evse, wh):
        return self.started201(tx, evse, self.t0, wh)

    def updated(self, tx, wh, kw):
        """An Updated of ``tx`` 10 minutes in: a register reading and the power at that instant."""
        event = self.updated201(tx, 1, self.minutes(self.t0, 10), wh)
        event["payload"]["meterValue"][0]["sampledValue"].append(
            {"value": kw * 1000, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}}
        )
        return event

    def stored(self, session, *fnames):
        """The values of ``session`` in the database (not the cache)."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT {} FROM ev_session WHERE id = %s".format(", ".join(fnames)),  # noqa: S608 - field names of the test
            [session.id],
        )
        return self.env.cr.fetchone()

    def test_the_pipeline_values_of_a_batch_reach_each_session_in_one_write(self):
        self.ingest([self.started("TX-A", 1, 10_000), self.started("TX-B", 2, 50_000)])
        Session = type(self.env["ev.session"])
        writes, write = [], Session.write

        def recording(records, vals):
            writes.extend((record.transaction_id, set(vals)) for record in records)
            return write(records, vals)

        def recording_each(records_vals):
            writes.extend((r.transaction_id, set(vals)) for r, vals in records_vals if r._name == "ev.session")
            return write_each(records_vals)

        with patch.object(Session, "write", recording), patch.object(ev_batch, "write_each", recording_each):
            results = self.ingest([self.updated("TX-A", 12_500, 7.2), self.updated("TX-B", 54_000, 11.0)])
        self.assertEqual({r["status"] for r in results}, {"applied"})
        for tx, kwh, kw in (("TX-A", 2.5, 7.2), ("TX-B", 4.0, 11.0)):
            session = self.session(self.cp201, tx)
            self.assertEqual(self.stored(session, "energy_kwh", "power_kw", "max_power_kw"), (kwh, kw, kw))
            energy = [names for name, names in writes if name == tx and "energy_kwh" in names]
            self.assertEqual(len(energy), 1, "one write for the pipeline (with ev_billing: its estimate too)")
            self.assertLessEqual({"energy_kwh", "meter_stop_wh", "max_power_kw", "power_kw"}, energy[0])

    def test_a_later_step_reads_what_an_earlier_one_deferred(self):
        self.ingest([self.started("TX-A", 1, 10_000)])
        seen = []

        def peek(sessions, batch=None):
            for session in sessions:
                seen.append((session.energy_kwh, self.stored(session, "energy_kwh")[0]))

        with self.extra_steps("_progress_steps", first={"live": peek}):
            self.ingest([self.updated("TX-A", 13_000, 7.0)])
        self.assertEqual(seen, [(3.0, None)], "the energy step's value is in cache, not written yet")
        self.assertEqual(self.stored(self.session(self.cp201, "TX-A"), "energy_kwh"), (3.0,))

    def test_a_failing_step_takes_back_only_what_it_deferred_for_its_session(self):
        self.ingest([self.started("GOOD", 1, 10_000), self.started("BAD", 2, 50_000)])
        after = []

        def note(sessions, batch=None):
            for session in sessions:
                session._ev_write_changed({"stop_reason": f"noted {session.transaction_id}"}, batch)
            if "BAD" in sessions.mapped("transaction_id"):
                raise RuntimeError("estimate service down")

        def later(sessions, batch=None):
            after.extend((s.transaction_id, s.stop_reason) for s in sessions)

        with self.extra_steps("_progress_steps", first={"live": later}, last={"estimate": note}):
            results = self.ingest([self.updated("GOOD", 12_000, 7.0), self.updated("BAD", 51_000, 3.5)])
        self.assertEqual({r["status"] for r in results}, {"applied"}, "a failing step undoes no event")
        self.assertEqual(after, [("GOOD", "noted GOOD")], "the failing session leaves its pipeline")
        good, bad = self.session(self.cp201, "GOOD"), self.session(self.cp201, "BAD")
        self.assertEqual(self.stored(good, "stop_reason", "energy_kwh", "power_kw"), ("noted GOOD", 2.0, 7.0))
        self.assertEqual(
            self.stored(bad, "stop_reason", "energy_kwh", "power_kw"),
            (None, 1.0, None),
            "the failed step's value is taken back; the energy step before it is kept",
        )

    def test_write_each_writes_each_record_its_values_as_write_would(self):
        self.ingest([self.started("TX-A", 1, 10_000), self.started("TX-B", 2, 50_000)])
        a, b = self.session(self.cp201, "TX-A"), self.session(self.cp201, "TX-B")
        self.env.cr.execute("UPDATE ev_session SET write_date = '2020-01-01' WHERE id IN %s", [(a.id, b.id)])
        self.env.invalidate_all()
        validated = []
        Session = type(self.env["ev.session"])
        validate = Session._validate_fields

        def recording(records, fnames, excluded=()):
            validated.append((set(records.ids), set(fnames)))
            return validate(records, fnames, excluded)

        with patch.object(Session, "_validate_fields", recording):
            write_each([(a, {"energy_kwh": 1.5, "charging_state": "Charging"}), (b, {"energy_kwh": 2.5})])
        self.assertEqual(
            [names for ids, names in validated if ids == {a.id, b.id}],
            [{"energy_kwh", "charging_state", "write_uid", "write_date"}],
            "constraints checked once for both",
        )
        self.assertEqual(self.stored(a, "energy_kwh", "charging_state"), (1.5, "Charging"))
        self.assertEqual(self.stored(b, "energy_kwh", "charging_state"), (2.5, None))
        self.assertGreater(self.stored(a, "write_date")[0].year, 2020, "write_date set as write() sets it")

    def test_write_each_writes_a_many2one_with_its_company_check_and_hands_the_rest_to_write(self):
        self.ingest([self.started("TX-A", 1, 10_000), self.started("TX-B", 2, 50_000)])
        a, b = self.session(self.cp201, "TX-A"), self.session(self.cp201, "TX-B")
        Session = type(self.env["ev.session"])
        writes, write = [], Session.write

        def recording(records, vals):
            writes.append((records.ids, set(vals)))
            return write(records, vals)

        self.assertNotIn(a, self.token.session_ids)  # the token's sessions in cache
        with patch.object(Session, "write", recording):
            write_each([(a, {"id_token_id": self.token.id, "energy_kwh": 3.0}), (b, {"energy_kwh": 4.0})])
            self.assertIn(a, self.token.session_ids, "the inverse one2many in cache follows")
            self.assertEqual([names for _ids, names in writes if names], [], "no write() per record")
            write_each([(a, {"state": "completed"})])  # a tracked field: through write()
        self.assertIn(([a.id], {"state"}), writes)
        self.assertEqual(self.stored(a, "id_token_id", "energy_kwh", "state"), (self.token.id, 3.0, "completed"))
        self.assertEqual(self.stored(b, "energy_kwh"), (4.0,))
        other = self.env["res.company"].create({"name": "Another Operator"})
        foreign = self.env["ev.id.token"].create({"value": "FOREIGN-1", "company_id": other.id})
        with self.assertRaises(UserError, msg="the company of the many2one written is checked"):
            write_each([(b, {"id_token_id": foreign.id})])
