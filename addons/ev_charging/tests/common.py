from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger

from ..demo import ev_demo_streams as ev_demo
from ..lib import ev_ocpp
from ..models.ev_batch import Event, IngestBatch
from ..models.ev_ocpp_handlers import flush_chunk


def iso(ts):
    return ev_demo.iso(ts)


def register_reading(ts, wh, context="Sample.Periodic"):
    """A 2.0.1 meterValue holding one energy register sample (Wh)."""
    return {
        "timestamp": iso(ts),
        "sampledValue": [
            {
                "value": wh,
                "measurand": "Energy.Active.Import.Register",
                "context": context,
                "unitOfMeasure": {"unit": "Wh"},
            }
        ],
    }


class EvCase(TransactionCase):
    """A site in New York with one 2.0.1 and one 1.6 station, and an id token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.site = cls.env["ev.site"].create({"name": "Test Depot", "tz": "America/New_York"})
        cls.cp201 = cls.env["ev.charger"].create({"identity": "T-201", "site_id": cls.site.id, "ocpp_version": "2.0.1"})
        cls.cp16 = cls.env["ev.charger"].create({"identity": "T-16", "site_id": cls.site.id, "ocpp_version": "1.6"})
        cls.driver = cls.env["res.partner"].create({"name": "Test Driver"})
        cls.token = cls.env["ev.id.token"].create({"value": "TOKEN-0001", "partner_id": cls.driver.id})
        cls.Event = cls.env["ev.ocpp.event"]
        cls.t0 = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)  # 10:00 in New York
        cls._seq = 0

    def key(self):
        type(self)._seq += 1
        return f"test-node:{self._seq}"

    def ev(self, charger, action, payload, ts=None, response=None, version=None):
        event = {
            "key": self.key(),
            "charger": charger,
            "action": action,
            "payload": payload,
            "version": version or ("1.6" if charger == "T-16" else "2.0.1"),
            "ts": iso(ts or self.t0),
        }
        if response is not None:
            event["response"] = response
        return event

    def started201(self, tx, evse, ts, wh, **payload):
        """A TransactionEvent Started of T-201 (2.0.1) on ``evse`` with its begin reading, received at
        ``ts``; ``payload``: more of the message (an idToken...)."""
        payload = {
            "eventType": "Started",
            "timestamp": iso(ts),
            "triggerReason": "CablePluggedIn",
            "seqNo": 0,
            "transactionInfo": {"transactionId": tx},
            "evse": {"id": evse, "connectorId": 1},
            "meterValue": [register_reading(ts, wh, "Transaction.Begin")],
            **payload,
        }
        return self.ev("T-201", "TransactionEvent", payload, ts)

    def updated201(self, tx, seq, ts, wh):
        """A TransactionEvent Updated of T-201 (2.0.1) with one register reading, received at ``ts``."""
        payload = {
            "eventType": "Updated",
            "timestamp": iso(ts),
            "triggerReason": "MeterValuePeriodic",
            "seqNo": seq,
            "transactionInfo": {"transactionId": tx},
            "meterValue": [register_reading(ts, wh)],
        }
        return self.ev("T-201", "TransactionEvent", payload, ts)

    def ingest(self, events):
        results = self.Event.ingest(events)
        self.env.invalidate_all()
        return results

    def handle(self, handler, charger, action, payload, ts=None, response=None, version=None, settle=True):
        """Call one handler directly with a batch of its own (what ingest() does for each event, without
        the event bookkeeping); returns (batch, what the handler returned)."""
        env = self.env(su=True, context=dict(self.env.context, tracking_disable=True))
        batch = IngestBatch(env, env["ev.ocpp.event"]._ocpp_handlers())
        received = ts or self.t0
        event = Event(
            key=self.key(),
            charger=charger.with_env(env),
            version=version or charger.ocpp_version,
            action=action,
            payload=payload,
            response=response or {},
            meta=None,
            received=received,
        )
        result = handler(batch, event)
        flush_chunk(batch)
        if settle:
            batch.settle()
        self.env.invalidate_all()
        return batch, result

    @contextmanager
    def extra_steps(self, pipeline, first=None, last=None):
        """Within the block, ev.session's ``pipeline`` (``"_completion_steps"`` or ``"_progress_steps"``)
        runs more steps: ``first`` {stage: function} before that stage's own steps, ``last`` after them.
        A function takes ``(sessions, batch=None)`` like a step; the log of a failing step is muted."""
        Session = type(self.env["ev.session"])
        original = getattr(Session, pipeline)
        added = {
            where: {stage: f"_test_{where}_{stage}" for stage in given or {}}
            for where, given in (("first", first), ("last", last))
        }

        def steps(model):
            result = original(model)
            for stage, name in added["first"].items():
                result[stage] = [name, *result.get(stage, [])]
            for stage, name in added["last"].items():
                result[stage] = [*result.get(stage, []), name]
            return result

        with ExitStack() as stack:
            for where, given in (("first", first), ("last", last)):
                for stage, function in (given or {}).items():
                    stack.enter_context(patch.object(Session, added[where][stage], function, create=True))
            stack.enter_context(patch.object(Session, pipeline, steps))
            stack.enter_context(mute_logger("odoo.addons.ev_charging.models.ev_session"))
            yield

    @staticmethod
    def naive(ts):
        return ev_ocpp.to_naive_utc(ts)

    def session(self, charger, transaction_id):
        return self.env["ev.session"].search(
            [("charger_id", "=", charger.id), ("transaction_id", "=", str(transaction_id))]
        )

    @staticmethod
    def minutes(ts, n):
        return ts + timedelta(minutes=n)
