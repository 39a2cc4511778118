"""The network dashboard (issue 14 item 1) against the demo network, counted by hand from
models/ev_demo.py (_generate and _generate_operations), as an EV User of the demo company: ten demo
stations and five simulated ones (SIM-*, never connected); NYC-L2-01 offline for two hours; NYC-DC-02
connector 2 Faulted (HighTemperature) for 90 minutes; SF-L2-02 connector 2 Unavailable; CHI-DC-02
connector 1 charging; one reset failed today (NYC-L2-01 offline). The other demo companies' stations
(ev_tax_equity's SPVs) are not the user's."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase

from ..demo import ev_demo_streams as ev_demo


@tagged("post_install", "-at_install")
class TestDashboard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("ev_charging.site_sf").company_id
        cls.user = new_test_user(
            cls.env,
            "ev-dashboard-user",
            groups="ev_charging.group_ev_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            tz="America/New_York",
        )
        cls.Dashboard = cls.env["ev.dashboard"].with_user(cls.user)

    def figures(self):
        return self.Dashboard.get_data()["figures"]

    def test_figures_counted_by_hand(self):
        # the demo's reset failed when the database was built, which may be before the user's midnight
        # (New York): it failed now; the demo's only failed command is the figure's one
        Command = self.env["ev.charger.command"]
        failed = Command.search([("state", "in", ["rejected", "failed", "timeout"])])
        self.assertEqual(failed.mapped("charger_id.identity"), ["NYC-L2-01"])
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ev_charger_command SET create_date = now() at time zone 'UTC' WHERE id = %s", [failed.id]
        )
        Command.invalidate_model(["create_date"])
        f = self.figures()
        values = {key: f[key]["value"] for key in f if isinstance(f[key], dict)}
        self.assertEqual(values["chargers_connected"], 9)
        self.assertEqual(values["chargers_disconnected"], 1)
        self.assertEqual(values["chargers_never"], 5)
        self.assertEqual(values["chargers_faulted"], 1)
        self.assertEqual(values["chargers_unavailable"], 1)
        self.assertEqual(values["sessions_now"], 1)
        self.assertEqual(values["faults_open"], 1)
        self.assertEqual(values["commands_failed_today"], 1)
        connectors = {c["status"]: c["value"] for c in f["connectors"]}
        self.assertEqual(connectors, {"Available": 14, "Occupied": 1, "Reserved": 0, "Unavailable": 1, "Faulted": 1})
        fault = f["faults_open"]["items"][0]
        self.assertEqual((fault["name"], fault["error_code"]), ("NYC-DC-02 / 2-1 CHAdeMO", "HighTemperature"))
        self.assertGreaterEqual(fault["age_hours"], 1.5)
        self.assertGreaterEqual(f["faults_open"]["oldest_hours"], 1.5)
        # a month of history: NYC-L2-01 offline for the last two hours, connectors unavailable or faulted:
        # the network is below 100 %, and above 90 % once the month is a few days old (in its first hours
        # the outages of the last two hours are most of it)
        self.assertLess(values["availability_month"], 100)
        self.assertGreater(values["availability_month"], 90 if datetime.now(UTC).day >= 3 else 0)
        # one minute before the user's midnight it failed yesterday
        midnight = datetime.now(ZoneInfo("America/New_York")).replace(hour=0, minute=0, second=0, microsecond=0)
        before = (midnight - timedelta(minutes=1)).astimezone(UTC).replace(tzinfo=None)
        self.env.cr.execute("UPDATE ev_charger_command SET create_date = %s WHERE id = %s", [before, failed.id])
        Command.invalidate_model(["create_date"])
        self.assertEqual(self.figures()["commands_failed_today"]["value"], 0)

    def test_each_figure_opens_its_list(self):
        f = self.figures()
        for key, count_model in (
            ("chargers_connected", "ev.charger"),
            ("chargers_disconnected", "ev.charger"),
            ("chargers_faulted", "ev.charger"),
            ("sessions_now", "ev.session"),
            ("sessions_today", "ev.session"),
            ("faults_open", "ev.connector"),
            ("commands_failed_today", "ev.charger.command"),
        ):
            figure = f[key]
            self.assertEqual(figure["model"], count_model)
            # what the list shows (under the user's rules) is what the figure says
            self.assertEqual(
                self.env[figure["model"]].with_user(self.user).search_count(figure["domain"]), figure["value"], key
            )
        disconnected = self.env["ev.charger"].with_user(self.user).search(f["chargers_disconnected"]["domain"])
        self.assertEqual(disconnected.mapped("identity"), ["NYC-L2-01"])

    def test_a_new_session_today_counts_in_today_and_the_month(self):
        before = self.figures()
        now = datetime.now(UTC).replace(microsecond=0)
        start = now - timedelta(minutes=31)
        # a station whose site's day had begun when the session started (its "today" is in the site's
        # time: at 00:10 in San Francisco a session started 31 minutes ago was yesterday's; the sites'
        # midnights are hours apart, so one of the two is always past it)
        zones = {c.identity: ZoneInfo(c.site_id.tz) for c in self.env["ev.charger"].search([])}
        identity = next(
            i for i in ("SF-L2-01", "NYC-DC-01") if start.astimezone(zones[i]).date() == now.astimezone(zones[i]).date()
        )
        stream = ev_demo.EventStream(node="dashboard-test")
        ev_demo.session_events(stream, identity, "2.0.1", 2, "DASH-TODAY-1", "04A1B2C3D4E5F6", start, 30, 10.0, 9e6)
        results = self.env["ev.ocpp.event"].ingest(stream.events)
        self.assertEqual({r["status"] for r in results}, {"applied"})
        session = self.env["ev.session"].search([("transaction_id", "=", "DASH-TODAY-1")])
        self.assertAlmostEqual(session.energy_kwh, 5.0, places=3)  # 30 minutes at 10 kW
        after = self.figures()
        self.assertEqual(after["sessions_today"]["value"], before["sessions_today"]["value"] + 1)
        self.assertAlmostEqual(after["energy_today"]["value"], before["energy_today"]["value"] + 5.0, places=1)
        self.assertAlmostEqual(after["energy_month"]["value"], before["energy_month"]["value"] + 5.0, places=1)
        if after["revenue_today"]["value"] is not False:  # ev_billing prices the session at its end
            self.assertTrue(session.priced_at)
            self.assertAlmostEqual(
                after["revenue_today"]["value"], before["revenue_today"]["value"] + session.cost_subtotal, places=2
            )

    def test_portfolio_by_site_and_drill_down(self):
        data = self.Dashboard.get_data()
        portfolio = data["portfolio"]
        self.assertEqual(len(portfolio["months"]), 6)
        names = [row["name"] for row in portfolio["rows"]]
        self.assertEqual(sorted(names), ["Mission Bay Hub", "Red Hook Depot", "West Loop Garage"])
        Session = self.env["ev.session"].with_user(self.user)
        for row in portfolio["rows"]:
            total = sum(cell["sessions"] for cell in row["cells"])
            first = datetime.strptime(portfolio["months"][0], "%Y-%m").date()
            self.assertEqual(
                total, Session.search_count([("site_id", "=", row["id"]), ("start_date_local", ">=", first)])
            )
            self.assertIsNot(row["cells"][-1]["uptime"], False, "the current month's availability, live")
        chicago = self.env.ref("ev_charging.site_chi")
        drilled = self.Dashboard.get_data(site_id=chicago.id)["portfolio"]
        self.assertEqual(drilled["site"]["name"], "West Loop Garage")
        self.assertEqual(sorted(r["name"] for r in drilled["rows"]), ["CHI-DC-01", "CHI-DC-02", "CHI-L2-01"])
        site_row = next(r for r in portfolio["rows"] if r["id"] == chicago.id)
        for month in range(6):
            self.assertEqual(
                sum(r["cells"][month]["sessions"] for r in drilled["rows"]), site_row["cells"][month]["sessions"]
            )
            self.assertAlmostEqual(
                sum(r["cells"][month]["energy"] for r in drilled["rows"]), site_row["cells"][month]["energy"], places=0
            )

    def test_sites_map_colours(self):
        sites = {s["name"]: s for s in self.Dashboard.get_sites_map()}
        self.assertEqual(sites["Red Hook Depot"]["status"], "faulted")
        self.assertEqual(sites["Mission Bay Hub"]["status"], "degraded")  # SF-L2-02 connector 2 unavailable
        self.assertEqual(sites["West Loop Garage"]["status"], "ok")
        self.assertTrue(all(s["has_position"] for s in sites.values()))
        self.assertNotIn("Oakland Fleet Depot", sites, "another company's site")

    def test_only_ev_staff(self):
        clerk = new_test_user(self.env, "ev-dashboard-clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["ev.dashboard"].with_user(clerk).get_data()
        with self.assertRaises(AccessError):
            self.env["ev.dashboard"].with_user(clerk).get_sites_map()
