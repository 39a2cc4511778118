"""ev_billing's steps in ev_charging's session pipelines: declared once (models/ev_session_pipeline.py),
run in the stage order energy -> price -> bill -> settle payment -> final cost, then ev_charging's
live update of the open screens."""

from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestBillingPipeline(EvBillingCase):
    def test_declared_steps(self):
        Session = self.env["ev.session"]
        self.assertEqual(
            Session._completion_steps(),
            {
                "energy": ["_recompute_energy"],
                "price": ["_ev_qr_link", "_ev_price"],
                "bill": ["_ev_bill"],
                "settle_payment": ["_ev_settle_payment"],
                "final_cost": ["_ev_send_final_cost"],
                "live": ["_ev_live_completed"],
            },
        )
        self.assertEqual(
            Session._progress_steps(),
            {
                "energy": ["_recompute_energy"],
                "estimate": ["_ev_qr_link", "_ev_estimate_running"],
                "running_cost": ["_ev_send_running_cost"],
                "live": ["_ev_live_progress"],
            },
        )

    def test_steps_run_in_stage_order_once_for_the_batch(self):
        Session = type(self.env["ev.session"])
        order = []

        def spy(name):
            original = getattr(Session, name)

            def wrapper(sessions, *args, **kwargs):
                order.append((name, len(sessions)))
                return original(sessions, *args, **kwargs)

            return patch.object(Session, name, wrapper)

        names = ["_recompute_energy", "_ev_price", "_ev_bill", "_ev_settle_payment", "_ev_send_final_cost"]
        events = []
        for minutes in (0, 120):
            events += self.session_events(self.cp201, start=self.t0 + timedelta(minutes=minutes))[0]
        with spy(names[0]), spy(names[1]), spy(names[2]), spy(names[3]), spy(names[4]):
            self.ingest(events)
        self.assertEqual(order, [(name, 2) for name in names], "each step once, for both sessions, in order")
