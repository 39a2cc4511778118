from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_module_installed_with_reference_data(self):
        module = self.env["ir.module.module"].search([("name", "=", "ev_charging")])
        self.assertEqual(module.state, "installed")
        names = set(self.env["ev.manufacturer"].search([]).mapped("name"))
        for vendor in ("Loop", "ChargePoint", "Electrify America", "EVgo", "Tesla", "EVRange", "ABB"):
            self.assertIn(vendor, names)
        self.assertTrue(self.env.ref("ev_charging.ir_cron_ev_message_gc").active)

    def test_demo_data_when_loaded(self):
        self.assertTrue(
            self.env.ref("ev_charging.site_sf", raise_if_not_found=False),
            "./ev test builds its database with demo data",
        )
        sites = self.env["ev.site"].search(
            [("id", "in", [self.env.ref(f"ev_charging.{x}").id for x in ("site_sf", "site_chi", "site_nyc")])]
        )
        self.assertEqual(len(set(sites.mapped("tz"))), 3, "three sites in three timezones")
        chargers = self.env["ev.charger"].search([("site_id", "in", sites.ids), ("identity", "not like", "SIM-")])
        self.assertEqual(len(chargers), 10)
        self.assertGreaterEqual(len(set(chargers.mapped("manufacturer_id"))), 5)
        sessions = self.env["ev.session"].search([("site_id", "in", sites.ids)])
        self.assertGreater(len(sessions), 100)
        # one session is charging now (the operations demo: CHI-DC-02, models/ev_demo.py)
        active = sessions.filtered(lambda s: s.state == "active")
        self.assertEqual(active.mapped("transaction_id"), ["CHI-DC-02-LIVE-1"])
        self.assertTrue(all(s.state == "completed" and s.energy_kwh > 0 for s in sessions - active))
        self.assertTrue(self.env["ev.meter.value"].search_count([("session_id", "in", sessions.ids)]))
        faults = self.env["ev.status.history"].search([("is_fault", "=", True), ("site_id", "in", sites.ids)])
        # the fault episode of three days ago, and the fault still open (NYC-DC-02, models/ev_demo.py)
        self.assertEqual(len(faults), 2)
        closed, current = faults.filtered("date_end"), faults.filtered(lambda f: not f.date_end)
        self.assertEqual(closed.duration_seconds, 195 * 60)
        self.assertEqual((current.charger_id.identity, current.error_code), ("NYC-DC-02", "HighTemperature"))
        self.assertFalse(self.env["ev.ocpp.event"].search_count([("state", "=", "rejected")]))

    def test_ingestion_tables_storage(self):
        """Sessions and chargers, updated by every ingestion batch, leave room for HOT updates; the
        append-only event, message and reading tables carry no second index on their keys (the unique
        constraints are theirs) nor on few-valued columns (the rare rejected or annotated events: a partial
        index of their own). An update brings an older database there too."""
        cr = self.env.cr
        for table in ("ev_session", "ev_charger"):
            cr.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
            self.assertIn("fillfactor=80", cr.fetchone()[0] or [], table)
        dropped = [
            "ev_ocpp_event__key_index",
            "ev_ocpp_event__charger_identity_index",
            "ev_ocpp_event__state_index",
            "ev_ocpp_event__has_meta_index",
            "ev_ocpp_message__event_key_index",
            "ev_ocpp_message__direction_index",
            "ev_ocpp_message__message_type_index",
            "ev_meter_value__measurand_index",
        ]
        for column in ("key", "charger_identity", "state", "has_meta"):  # as an older version made them
            cr.execute(f"CREATE INDEX IF NOT EXISTS ev_ocpp_event__{column}_index ON ev_ocpp_event ({column})")
        cr.execute("CREATE INDEX IF NOT EXISTS ev_meter_value__measurand_index ON ev_meter_value (measurand)")
        self.env["ev.ocpp.event"].init()
        self.env["ev.meter.value"].init()
        cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [dropped])
        self.assertFalse(cr.fetchall())
        cr.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)",
            [["ev_ocpp_event_key_uniq", "ev_ocpp_message_event_key_uniq"]],
        )
        self.assertEqual(len(cr.fetchall()), 2, "the keys stay unique (and indexed)")
        cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s) ORDER BY indexname",
            [["ev_ocpp_event_has_meta_index", "ev_ocpp_event_not_applied_index"]],
        )
        partial = cr.fetchall()
        self.assertEqual(
            [name for name, _definition in partial], ["ev_ocpp_event_has_meta_index", "ev_ocpp_event_not_applied_index"]
        )
        self.assertIn("WHERE has_meta", partial[0][1], "only the annotated events have an entry")
        self.assertIn("WHERE ((state)::text <> 'applied'::text)", partial[1][1], "only the rejected and reviewed")
