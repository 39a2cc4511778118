"""OCPP 2.0.1 CostUpdated commands: running estimate (rate-limited, only on change) and final total."""

from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestCostUpdated(EvBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # No control URL: a pushed command stays queued until the node pulls it (nothing is mocked).
        cls.node = cls.env["ev.bridge.node"].create({"name": "cost-test-node"})
        (cls.cp201 | cls.cp16).sudo().write({"connection_state": "connected", "node_id": cls.node.id})

    def cost_commands(self, session):
        return self.env["ev.charger.command"].search(
            [("session_id", "=", session.id), ("action", "=", "CostUpdated")], order="id"
        )

    def backdate_last_update(self, session, seconds=61):
        session.sudo().cost_update_sent_at = session.cost_update_sent_at - timedelta(seconds=seconds)

    def test_estimate_rate_limited_then_final_total(self):
        # 10 kW for 60 min, a sample every 15 min: 2.5, 5, 7.5 kWh, then 10 kWh at the stop.
        events, tx_id = self.session_events(self.cp201)
        started, updates, ended = events[:2], events[2:5], events[5:]
        self.assertEqual([e["payload"].get("eventType") for e in updates], ["Updated"] * 3)
        self.ingest(started)
        session = self.find_session(self.cp201, tx_id)
        commands = self.cost_commands(session)
        self.assertEqual(len(commands), 1, "the first estimate is sent at once")
        first_total = commands.params["totalCost"]
        self.assertEqual(commands.params, {"totalCost": first_total, "transactionId": tx_id})
        self.assertEqual(commands.charger_id, self.cp201)
        self.assertEqual(commands.connector_id, session.connector_id)
        self.assertEqual(commands.state, "queued")
        # queued for the node's next ingest batch (ingest_and_pull): nothing is pushed from ingestion
        self.assertEqual(commands.node_id, self.node)
        self.assertFalse(commands.error)

        self.ingest(updates[:2])  # 2.5 then 5 kWh: the estimate changed, but within 60 s of the last one
        self.assertAlmostEqual(session.cost_estimate, 3.5)  # 5 kWh * 0.50 + 1.00
        self.assertEqual(len(self.cost_commands(session)), 1, "rate-limited")

        self.backdate_last_update(session)
        self.ingest(updates[2:])  # 7.5 kWh, more than 60 s after the last update
        commands = self.cost_commands(session)
        self.assertEqual(len(commands), 2)
        self.assertEqual(commands[-1].params, {"totalCost": 4.75, "transactionId": tx_id})
        self.assertAlmostEqual(session.cost_update_amount, 4.75)

        self.ingest(ended)  # final total, whatever the rate limit
        commands = self.cost_commands(session)
        self.assertEqual(len(commands), 3)
        self.assertAlmostEqual(session.cost_total, 6.0)
        self.assertEqual(commands[-1].params, {"totalCost": 6.0, "transactionId": tx_id})
        self.assertTrue(session.cost_update_final_sent)

        session._ev_send_cost_update(final=True)  # the final total is sent once
        self.assertEqual(len(self.cost_commands(session)), 3)

    def test_sessions_of_one_batch_get_their_estimates_together(self):
        """The first estimates of the sessions a batch started are queued together, each with its own
        total; a station that said it does not implement CostUpdated gets none, the others still do."""
        self.cp2.sudo().write({"connection_state": "connected", "node_id": self.node.id, "ocpp_version": "2.0.1"})
        third = self.env["ev.charger"].create(
            {"identity": "BILL-201-C", "site_id": self.site.id, "ocpp_version": "2.0.1"}
        )
        third.sudo().write({"connection_state": "connected", "node_id": self.node.id})
        self.env["ev.charger.command"].sudo().create(
            {"charger_id": third.id, "action": "CostUpdated", "state": "failed", "unsupported": True}
        )
        batch, ids = [], {}
        for charger, power in ((self.cp201, 10.0), (self.cp2, 20.0), (third, 10.0)):
            events, ids[charger] = self.session_events(charger, power_kw=power)
            batch += events[:3]
        self.ingest(batch)
        totals = {}
        for charger in (self.cp201, self.cp2):
            session = self.find_session(charger, ids[charger])
            command = self.cost_commands(session)
            self.assertEqual(len(command), 1, charger.identity)
            self.assertEqual((command.charger_id, command.node_id, command.state), (charger, self.node, "queued"))
            self.assertEqual(command.params, {"totalCost": session.cost_estimate, "transactionId": ids[charger]})
            self.assertAlmostEqual(session.cost_update_amount, session.cost_estimate)
            self.assertTrue(session.cost_update_sent_at)
            totals[charger] = session.cost_estimate
        self.assertNotEqual(totals[self.cp201], totals[self.cp2], "each session its own total")
        refused = self.find_session(third, ids[third])
        self.assertTrue(refused.cost_estimate)
        self.assertFalse(self.cost_commands(refused))
        self.assertFalse(refused.cost_update_sent_at)

    def test_unchanged_estimate_not_resent(self):
        events, tx_id = self.session_events(self.cp201, power_kw=0.0)  # plugged in, no energy
        self.ingest(events[:3])
        session = self.find_session(self.cp201, tx_id)
        self.assertEqual(len(self.cost_commands(session)), 1)
        self.backdate_last_update(session, seconds=3600)
        self.ingest(events[3:5])
        self.assertEqual(len(self.cost_commands(session)), 1, "same amount: nothing to tell the station")

    def test_interval_zero_sends_every_change(self):
        self.env["ir.config_parameter"].sudo().set_param("ev_billing.cost_update_interval", "0")
        events, tx_id = self.session_events(self.cp201)
        self.ingest(events[:2])
        for event in events[2:5]:
            self.ingest([event])
        session = self.find_session(self.cp201, tx_id)
        totals = [c.params["totalCost"] for c in self.cost_commands(session)]
        self.assertEqual(totals[-3:], [2.25, 3.5, 4.75])

    def test_bad_interval_rejected_in_settings_and_ignored_in_parameter(self):
        with self.assertRaisesMessage(Exception, "seconds >= 0"):
            self.env["res.config.settings"].create({"ev_cost_update_interval": -1})
        self.env["res.config.settings"].create({"ev_cost_update_interval": 120}).execute()
        self.assertEqual(self.env["ev.session"]._ev_cost_update_interval(), 120)
        # A wrong value typed in System Parameters must not stop pricing: the default applies.
        self.env["ir.config_parameter"].sudo().set_param("ev_billing.cost_update_interval", "-5")
        with mute_logger("odoo.addons.ev_billing.models.ev_session_cost_update"):  # the expected warning
            self.assertEqual(self.env["ev.session"]._ev_cost_update_interval(), 60)

    def test_disconnected_charger_gets_nothing_and_pricing_goes_on(self):
        self.cp201.sudo().write({"connection_state": "disconnected"})
        session = self.run_session(self.cp201)
        self.assertAlmostEqual(session.cost_total, 6.0)
        self.assertEqual(session.billing_state, "invoiced")
        self.assertFalse(self.cost_commands(session))
        self.assertFalse(session.cost_update_final_sent)

    def test_no_cost_updated_for_ocpp16(self):
        session = self.run_session(self.cp16)
        self.assertAlmostEqual(session.cost_total, 6.0)
        self.assertFalse(self.cost_commands(session))

    def test_unpriceable_session_sends_no_total(self):
        self.company.ev_default_tariff_id = False
        session = self.run_session(self.cp201)
        self.assertEqual(session.billing_state, "review")
        self.assertFalse(self.cost_commands(session))
