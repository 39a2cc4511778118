"""Connection history from the bridge's Connection events, and the monthly uptime the batched job
stores per charger and site (issue 14 item 3) - the golden case of lib/ev_uptime.py (a fault across
the January/February boundary in New York) driven through ingestion and the real models."""

from datetime import UTC, date, datetime

from .common import EvCase, iso


def utc(*args):
    return datetime(*args, tzinfo=UTC)


class TestConnectionHistory(EvCase):
    def connection(self, state, ts, node="n1"):
        return self.ev("T-201", "Connection", {"state": state, "node": node}, ts)

    def periods(self):
        history = self.env["ev.connection.history"].search([("charger_id", "=", self.cp201.id)], order="date_start")
        return [(p.date_start, p.date_end) for p in history]

    def test_connected_periods_from_connection_events(self):
        self.ingest([self.connection("connected", utc(2025, 3, 1, 8))])
        self.ingest([self.connection("disconnected", utc(2025, 3, 1, 9))])
        # a reconnect whose disconnect was lost closes the open period where the new one starts
        self.ingest([self.connection("connected", utc(2025, 3, 1, 10))])
        self.ingest([self.connection("connected", utc(2025, 3, 1, 11), node="n2")])
        # a disconnect from the node that no longer holds the station is stale: ignored
        self.ingest([self.connection("disconnected", utc(2025, 3, 1, 12), node="n1")])
        naive = self.naive
        self.assertEqual(
            self.periods(),
            [
                (naive(utc(2025, 3, 1, 8)), naive(utc(2025, 3, 1, 9))),
                (naive(utc(2025, 3, 1, 10)), naive(utc(2025, 3, 1, 11))),
                (naive(utc(2025, 3, 1, 11)), False),
            ],
        )
        self.assertEqual(self.cp201.connection_state, "connected")
        self.ingest([self.connection("disconnected", utc(2025, 3, 1, 13), node="n2")])
        self.assertEqual(self.periods()[-1], (naive(utc(2025, 3, 1, 11)), naive(utc(2025, 3, 1, 13))))
        self.assertEqual(self.cp201.disconnected_at, naive(utc(2025, 3, 1, 13)))


class TestMonthlyUptime(EvCase):
    def status(self, evse, status, ts):
        return self.ev(
            "T-201",
            "StatusNotification",
            {"timestamp": iso(ts), "connectorStatus": status, "evseId": evse, "connectorId": 1},
            ts,
        )

    def test_fault_across_a_month_boundary_stored_per_charger_and_site(self):
        since = utc(2024, 12, 15)
        self.ingest(
            [
                self.ev("T-201", "Connection", {"state": "connected", "node": "n1"}, since),
                self.status(1, "Available", since),
                self.status(2, "Available", since),
                # 22:00 on 31 January to 06:00 on 1 February in New York
                self.status(1, "Faulted", utc(2025, 2, 1, 3)),
                self.status(1, "Available", utc(2025, 2, 1, 11)),
            ]
        )
        Uptime = self.env["ev.uptime.monthly"]
        Uptime._compute_site_month(self.site, date(2025, 1, 1))
        Uptime._compute_site_month(self.site, date(2025, 2, 1))
        rows = Uptime.search([("site_id", "=", self.site.id)])
        charger_jan = rows.filtered(lambda r: r.charger_id == self.cp201 and r.month == date(2025, 1, 1))
        self.assertEqual(
            (
                charger_jan.period_seconds,
                charger_jan.online_seconds,
                charger_jan.degraded_seconds,
                charger_jan.offline_seconds,
                charger_jan.fault_seconds,
            ),
            (2_678_400, 2_671_200, 7200, 0, 7200),
        )
        self.assertAlmostEqual(charger_jan.availability_percent, 99.73)
        self.assertAlmostEqual(charger_jan.availability_excl_faults_percent, 100.0)
        self.assertTrue(charger_jan.final)
        charger_feb = rows.filtered(lambda r: r.charger_id == self.cp201 and r.month == date(2025, 2, 1))
        self.assertEqual((charger_feb.degraded_seconds, charger_feb.fault_seconds), (21_600, 21_600))
        self.assertAlmostEqual(charger_feb.availability_percent, 99.11)
        # the 1.6 station was created today: not in service in 2025, nothing counted against the site
        site_jan = rows.filtered(lambda r: r.scope == "site" and r.month == date(2025, 1, 1))
        self.assertEqual((site_jan.period_seconds, site_jan.online_seconds), (2_678_400, 2_671_200))
        self.assertAlmostEqual(site_jan.availability_percent, 99.73)
        # computing again updates the same rows
        Uptime._compute_site_month(self.site, date(2025, 1, 1))
        self.assertEqual(Uptime.search_count([("site_id", "=", self.site.id), ("month", "=", date(2025, 1, 1))]), 3)

    def test_first_time_charge_success_from_authorisations_and_sessions(self):
        t = utc(2025, 5, 10, 14)
        self.ingest(
            [
                self.ev("T-201", "Connection", {"state": "connected", "node": "n1"}, utc(2025, 5, 1)),
                # accepted, but no session followed: a failed first attempt
                self.ev(
                    "T-201",
                    "Authorize",
                    {"idToken": {"idToken": "TOKEN-0001", "type": "ISO14443"}},
                    t,
                    response={"idTokenInfo": {"status": "Accepted"}},
                ),
            ]
        )
        result = self.env["ev.uptime.monthly"]._charge_success(
            self.cp201, utc(2025, 5, 1).replace(tzinfo=None), utc(2025, 6, 1).replace(tzinfo=None)
        )
        success = result[self.cp201.id]
        self.assertEqual((success.attempts, success.episodes, success.first_time_successes), (1, 1, 0))
        self.assertEqual(float(success.rate_percent), 0.0)

    def test_job_stores_the_current_month_and_the_charger_shows_it_live(self):
        self.ingest([self.ev("T-201", "Connection", {"state": "connected", "node": "n1"}, utc(2020, 1, 1))])
        self.env["ev.uptime.monthly"]._cron_compute()
        rows = self.env["ev.uptime.monthly"].search([("site_id", "=", self.site.id)])
        self.assertEqual(set(rows.mapped("scope")), {"charger", "site"})
        mine = rows.filtered(lambda r: r.charger_id == self.cp201)
        self.assertTrue(mine and not mine[0].final)
        self.assertEqual(mine[0].offline_seconds, 0)
        self.assertEqual(self.cp201.availability_month, 100.0)
        self.assertEqual(self.cp16.availability_month, 0.0)  # never connected
