import xmlrpc.client
from datetime import UTC, datetime, timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EvBillingCase


@tagged("post_install", "-at_install")
class TestSessionPricing(EvBillingCase):
    def setUp(self):
        super().setUp()
        # these tests look at pricing only: the driver's sessions wait for a monthly invoice
        self.driver.ev_billing_mode = "monthly"

    def test_201_session_priced_through_the_hook(self):
        # 10 kW for 60 min from a register at 1000 Wh: 10.000 kWh x 0.50 + 1.00 fee = 6.00
        session = self.run_session(self.cp201)
        self.assertEqual(session.state, "completed")
        self.assertEqual(session.energy_kwh, 10.0)
        self.assertFalse(session.pricing_error)
        self.assertTrue(session.priced_at)
        self.assertEqual(session.tariff_id, self.tariff)
        self.assertEqual(session.cost_currency_id, self.usd)
        self.assertEqual(session.billed_energy_kwh, 10.0)
        self.assertAlmostEqual(session.cost_subtotal, 6.00)
        self.assertAlmostEqual(session.cost_total, 6.00)
        self.assertFalse(session.is_free)
        self.assertEqual(session.cost_line_ids.mapped("kind"), ["energy", "session_fee"])
        energy = self.lines_by_kind(session, "energy")
        self.assertEqual((energy.quantity, energy.unit, energy.unit_price, energy.amount), (10.0, "kWh", 0.5, 5.0))
        self.assertIn("EDT", energy.label, "labels are in the site's local time")
        self.assertIn("10:00-11:00", energy.label)
        self.assertEqual(session.cost_breakdown["total"], "6.00")
        self.assertEqual(session.cost_breakdown["site_tz"], "America/New_York")
        # readable over XML-RPC, which has no null (Odoo answers with allow_none=False)
        xmlrpc.client.dumps((session.read(["cost_breakdown"]),), methodresponse=True, allow_none=False)
        self.assertEqual(session.billing_state, "to_invoice")

    def test_16_session_uses_meter_start_and_stop(self):
        # 1.6: meterStart / meterStop come in Start/StopTransaction, not as meter values
        session = self.run_session(self.cp16, minutes=45, power_kw=8.0, register_wh=250000.0)
        self.assertEqual(session.energy_kwh, 6.0)
        self.assertEqual(session.billed_energy_kwh, 6.0)
        self.assertAlmostEqual(session.cost_total, 6.0 * 0.5 + 1.0)

    def _16_session_with_last_sample_above_stop(self, above_wh):
        """A 1.6 session as the third-party charger sends it (issue 9 item 1): decimal sampled values,
        whole-Wh meterStart/meterStop, the last sample ``above_wh`` above the meterStop."""
        events, tx_id = self.session_events(self.cp16, minutes=60, power_kw=4.0, register_wh=1200.0)
        stop = next(e for e in events if e["action"] == "StopTransaction")["payload"]["meterStop"]
        last = [e for e in events if e["action"] == "MeterValues"][-1]
        register = last["payload"]["meterValue"][0]["sampledValue"][0]
        self.assertEqual(register["measurand"], "Energy.Active.Import.Register")
        register["value"] = f"{stop + above_wh:.2f}"
        self.ingest(events)
        return self.find_session(self.cp16, tx_id), stop

    def test_16_whole_wh_stop_below_last_decimal_sample_is_rounding(self):
        # meterStart 1200, last sample 5200.42 Wh, meterStop 5200: priced on the finer reading,
        # 4000.42 Wh -> 4.000 kWh x 0.50 + 1.00 = 3.00
        session, stop = self._16_session_with_last_sample_above_stop(0.42)
        self.assertEqual(stop, 5200)
        self.assertFalse(session.pricing_error)
        self.assertEqual(session.billing_state, "to_invoice")
        self.assertEqual(session.billed_energy_kwh, 4.0)
        self.assertEqual(session.energy_kwh, 4.0)
        self.assertAlmostEqual(session.cost_total, 3.0)

    def test_16_register_genuinely_backwards_is_still_refused(self):
        session, _stop = self._16_session_with_last_sample_above_stop(1.5)
        self.assertEqual(session.billing_state, "review")
        self.assertRegex(session.pricing_error, r"went backwards: 5201.5 Wh .* then 5200(\.0)? Wh")

    def test_peak_offpeak_boundary_and_taxes(self):
        tax = self.make_tax(10.0)
        self.tariff.write(
            {
                "tax_ids": [Command.set(tax.ids)],
                "window_ids": [
                    Command.create(
                        {
                            "name": "Peak",
                            "sat": False,
                            "sun": False,
                            "start_hour": 10.5,
                            "end_hour": 12,
                            "energy_rate": 0.80,
                            "priority": 10,
                        }
                    )
                ],
            }
        )
        # 10:00-11:00 EDT, 10 kW: 5 kWh before 10:30 at 0.50, 5 kWh after at 0.80
        session = self.run_session(self.cp201)
        energy = self.lines_by_kind(session, "energy").sorted("sequence")
        self.assertEqual(energy.mapped("quantity"), [5.0, 5.0])
        self.assertEqual(energy.mapped("unit_price"), [0.5, 0.8])
        self.assertEqual(energy.mapped("window"), [False, "Peak"])
        self.assertAlmostEqual(session.cost_subtotal, 2.50 + 4.00 + 1.00)
        self.assertAlmostEqual(session.cost_tax, 0.75)
        self.assertAlmostEqual(session.cost_total, 8.25)
        tax_line = self.lines_by_kind(session, "tax")
        self.assertEqual((tax_line.quantity, tax_line.unit_price, tax_line.amount), (7.5, 0.1, 0.75))
        self.assertAlmostEqual(sum(session.cost_line_ids.mapped("amount")), session.cost_total)

    def test_multiplier_applies_to_energy_not_fee(self):
        self.cp201.price_multiplier = 1.1
        session = self.run_session(self.cp201)
        multiplier = self.lines_by_kind(session, "multiplier")
        self.assertAlmostEqual(multiplier.amount, 0.50)
        self.assertAlmostEqual(session.price_multiplier, 1.1)
        self.assertAlmostEqual(session.cost_total, 5.00 + 0.50 + 1.00)

    def test_free_below_2_kwh(self):
        # 6 kW for 15 min = 1.5 kWh: free, no session fee, no minimum
        self.tariff.min_price = 3.0
        session = self.run_session(self.cp201, minutes=15, power_kw=6.0)
        self.assertEqual(session.billed_energy_kwh, 1.5)
        self.assertTrue(session.is_free)
        self.assertEqual(session.cost_total, 0.0)
        self.assertEqual(session.cost_line_ids.mapped("kind"), ["free"])
        self.assertIn("below the 2 kWh minimum", session.cost_line_ids.label)
        self.assertEqual(session.billing_state, "free")
        self.assertFalse(session.invoice_id)
        # exactly 2 kWh is billed (with the minimum price)
        session = self.run_session(self.cp201, start=self.t0 + timedelta(hours=3), minutes=15, power_kw=8.0)
        self.assertEqual(session.billed_energy_kwh, 2.0)
        self.assertFalse(session.is_free)
        self.assertAlmostEqual(session.cost_subtotal, 3.0)
        self.assertTrue(self.lines_by_kind(session, "min_adjust"))

    def test_running_estimate_while_active(self):
        events, tx_id = self.session_events(self.cp201, minutes=60, power_kw=10.0)
        # StatusNotification, Started, Updated +15, Updated +30
        self.ingest(events[:4])
        session = self.find_session(self.cp201, tx_id)
        self.assertEqual(session.state, "active")
        # as of +30 min: 5 kWh x 0.50 + 1.00
        self.assertAlmostEqual(session.cost_estimate, 3.50)
        self.assertEqual(session.cost_estimate_at, (self.t0 + timedelta(minutes=30)).replace(tzinfo=None))
        self.assertFalse(session.priced_at)
        self.ingest(events[4:])
        self.assertEqual(session.state, "completed")
        self.assertAlmostEqual(session.cost_total, 6.00)
        self.assertAlmostEqual(session.cost_estimate, 6.00, msg="the last estimate equals the final bill")

    def test_tariff_is_taken_at_session_start(self):
        events, tx_id = self.session_events(self.cp201)
        self.ingest(events[:3])
        other = self.env["ev.tariff"].create({"name": "Later", "currency_id": self.usd.id, "energy_rate": 0.9})
        self.cp201.tariff_id = other
        self.ingest(events[3:])
        session = self.find_session(self.cp201, tx_id)
        self.assertEqual(session.tariff_id, self.tariff)
        self.assertAlmostEqual(session.cost_total, 6.00)

    def test_idle_fee_after_grace(self):
        self.tariff.write({"idle_fee_per_minute": 0.25, "idle_grace_minutes": 10})
        events, tx_id = self.session_events(self.cp201, minutes=60)
        # the car stays plugged in, not charging, 30 more minutes: the Ended event moves 30 min later
        ended = events[-2]
        later = self.t0 + timedelta(minutes=90)
        stamp = later.isoformat().replace("+00:00", "Z")
        ended["payload"]["timestamp"] = stamp
        ended["payload"]["meterValue"][0]["timestamp"] = stamp
        ended["ts"] = stamp
        ended["payload"]["seqNo"] = 5
        ended["payload"]["meterValue"][0]["sampledValue"][0]["value"] = 11000.0
        # last sample with power: at +45 the register was 8500, +60 is 11000 (from a sample we add)
        self.ingest(events[:-2])
        self.ingest(
            [
                {
                    "key": "bill-idle-mv",
                    "charger": self.cp201.identity,
                    "version": "2.0.1",
                    "action": "TransactionEvent",
                    "ts": (self.t0 + timedelta(minutes=60)).isoformat(),
                    "payload": {
                        "eventType": "Updated",
                        "timestamp": (self.t0 + timedelta(minutes=60)).isoformat(),
                        "triggerReason": "ChargingStateChanged",
                        "seqNo": 4,
                        "transactionInfo": {"transactionId": tx_id, "chargingState": "EVConnected"},
                        "evse": {"id": 1, "connectorId": 1},
                        "meterValue": [
                            {
                                "timestamp": (self.t0 + timedelta(minutes=60)).isoformat(),
                                "sampledValue": [
                                    {"value": 11000.0, "measurand": "Energy.Active.Import.Register"},
                                    {"value": 0.0, "measurand": "Power.Active.Import"},
                                ],
                            }
                        ],
                    },
                }
            ]
        )
        self.ingest(events[-2:])
        session = self.find_session(self.cp201, tx_id)
        idle = self.lines_by_kind(session, "idle")
        # charging ended at +60, grace 10 min, unplugged at +90: 20 whole minutes x 0.25
        self.assertEqual(idle.quantity, 20)
        self.assertAlmostEqual(idle.amount, 5.00)
        self.assertAlmostEqual(session.cost_total, 5.00 + 1.00 + 5.00)

    def test_no_tariff_flags_for_review(self):
        self.company.ev_default_tariff_id = False
        session = self.run_session(self.cp201)
        self.assertEqual(session.state, "completed", "the stop event is never lost because of pricing")
        self.assertFalse(session.priced_at)
        self.assertIn("No tariff applies", session.pricing_error)
        self.assertEqual(session.billing_state, "review")
        # fix and reprice
        self.site.tariff_id = self.tariff
        session.action_ev_reprice()
        self.assertFalse(session.pricing_error)
        self.assertAlmostEqual(session.cost_total, 6.00)
        self.assertEqual(session.billing_state, "to_invoice")

    def test_register_going_backwards_is_not_priced(self):
        events, tx_id = self.session_events(self.cp201, minutes=60)
        # a periodic reading lower than the start register (meter swap): refuse to guess
        events[3]["payload"]["meterValue"][0]["sampledValue"][0]["value"] = 500.0
        self.ingest(events)
        session = self.find_session(self.cp201, tx_id)
        self.assertEqual(session.billing_state, "review")
        self.assertIn("went backwards", session.pricing_error or session.billing_error)

    def test_windows_in_the_sites_time_zone_across_midnight(self):
        self.tariff.write(
            {"window_ids": [Command.create({"name": "Night", "start_hour": 22, "end_hour": 6, "energy_rate": 0.30})]}
        )
        # Chicago (CDT, UTC-5): 21:30 -> 22:30 local on Friday 2026-07-03 = 02:30 -> 03:30 UTC Saturday
        start = datetime(2026, 7, 4, 2, 30, tzinfo=UTC)
        session = self.run_session(self.cp2, start=start)
        energy = self.lines_by_kind(session, "energy").sorted("sequence")
        self.assertEqual(energy.mapped("quantity"), [5.0, 5.0])
        self.assertEqual(energy.mapped("window"), [False, "Night"])
        self.assertIn("Fri 2026-07-03 21:30-22:00 CDT", energy[0].label)
        self.assertAlmostEqual(session.cost_total, 2.50 + 1.50 + 1.00)
        self.assertEqual(session.start_date_local.isoformat(), "2026-07-03")

    def test_dst_fall_back_night(self):
        # America/New_York falls back on Sunday 2026-11-01 at 02:00 EDT -> 01:00 EST. A 00:00-02:00
        # window lasts 3 real hours that night (00:00 EDT = 04:00 UTC to 02:00 EST = 07:00 UTC).
        self.tariff.write(
            {"window_ids": [Command.create({"name": "Early", "start_hour": 0, "end_hour": 2, "energy_rate": 0.20})]}
        )
        start = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
        session = self.run_session(self.cp201, start=start, minutes=240, power_kw=3.0)  # 12 kWh, 4 h
        energy = self.lines_by_kind(session, "energy").sorted("sequence")
        # 3 real hours in the window (9 kWh), then 1 hour at the base rate (3 kWh)
        self.assertEqual(energy.mapped("quantity"), [9.0, 3.0])
        self.assertEqual(energy.mapped("window"), ["Early", False])
        self.assertAlmostEqual(session.cost_total, 9 * 0.20 + 3 * 0.50 + 1.00)

    def test_reprice_is_refused_once_billed_and_for_staff(self):
        self.driver.ev_billing_mode = "session"
        session = self.run_session(self.cp201)
        self.assertEqual(session.billing_state, "invoiced")
        with self.assertRaisesMessage(UserError, "already billed"):
            session.action_ev_reprice()
        staff = self.env["res.users"].create(
            {
                "name": "EV staff 2",
                "login": "ev-staff-reprice",
                "groups_id": [Command.set([self.env.ref("ev_charging.group_ev_user").id])],
            }
        )
        with self.assertRaisesMessage(UserError, "Only EV managers"):
            session.with_user(staff).action_ev_reprice()
