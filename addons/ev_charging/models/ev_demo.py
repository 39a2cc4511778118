"""Demo data: sites, chargers and a few weeks of sessions, fed through the real ingestion API."""

import secrets
from datetime import UTC, datetime, timedelta

from odoo import api, models

from ..demo import ev_demo_streams as ev_demo

DEMO_SITES = [
    # xml id, name, city, state code, lat, lon, tz, utc offset (for choosing local daytime)
    ("site_sf", "Mission Bay Hub", "San Francisco", "CA", 37.7706, -122.3892, "America/Los_Angeles", -8),
    ("site_chi", "West Loop Garage", "Chicago", "IL", 41.8827, -87.6479, "America/Chicago", -6),
    ("site_nyc", "Red Hook Depot", "Brooklyn", "NY", 40.6744, -74.0110, "America/New_York", -5),
]
DEMO_CHARGERS = [
    # identity, site, model xml id, version, connectors, max kW, connector type
    ("SF-L2-01", "site_sf", "model_loop_ev_infinity_duo", "2.0.1", 2, 19.2, "type1"),
    ("SF-L2-02", "site_sf", "model_chargepoint_cpf50", "1.6", 2, 11.5, "type1"),
    ("SF-DC-01", "site_sf", "model_abb_terra_184", "2.0.1", 2, 180, "ccs1"),
    ("SF-TES-01", "site_sf", "model_tesla_universal_wall_connector", "1.6", 1, 11.5, "nacs"),
    ("CHI-DC-01", "site_chi", "model_evrange_sprint_60", "1.6", 2, 60, "ccs1"),
    ("CHI-DC-02", "site_chi", "model_alpitronic_hypercharger_hyc400", "2.0.1", 2, 400, "ccs1"),
    ("CHI-L2-01", "site_chi", "model_enel_x_juicebox_48", "1.6", 1, 11.5, "type1"),
    ("NYC-DC-01", "site_nyc", "model_helios_helios_dc_150", "2.0.1", 2, 150, "ccs1"),
    ("NYC-DC-02", "site_nyc", "model_wallbox_supernova_180", "1.6", 2, 180, "chademo"),
    ("NYC-L2-01", "site_nyc", "model_abb_terra_ac_w22", "2.0.1", 1, 22, "type1"),
]
DEMO_TOKENS = ["04A1B2C3D4E5F6", "04B7C8D9E0F1A2", "04C3D4E5F6A7B8", "APP-7F3K2", "FLEET-0042"]
#: the simulated chargers of `./ev run` (python -m ocpp_bridge.simulator --count 5 --version mixed
#: --prefix SIM-): identity SIM-0001.., even index 2.0.1, odd index 1.6
SIM_CHARGERS = [(f"SIM-{i + 1:04d}", "2.0.1" if i % 2 == 0 else "1.6") for i in range(5)]
SIM_TOKENS = ["SIMTAG-0001", "SIMTAG-0002"]


class EvDemo(models.AbstractModel):
    _name = "ev.demo"
    _description = "EV Charging demo data generator"

    @api.model
    def _generate(self, days=21):
        env = self.env
        usa = env.ref("base.us")
        company = env.company
        sites = {}
        for xid, name, city, state_code, lat, lon, tz, _offset in DEMO_SITES:
            state = env["res.country.state"].search([("country_id", "=", usa.id), ("code", "=", state_code)], limit=1)
            partner = env["res.partner"].create(
                {"name": name, "is_company": True, "city": city, "country_id": usa.id, "state_id": state.id}
            )
            site = env["ev.site"].create(
                {
                    "name": name,
                    "code": xid.split("_")[1].upper(),
                    "partner_id": partner.id,
                    "latitude": lat,
                    "longitude": lon,
                    "tz": tz,
                    "company_id": company.id,
                    "state": "operating",
                    "commissioning_date": (datetime.now() - timedelta(days=days + 30)).date(),
                }
            )
            env["ir.model.data"].create(
                {"module": "ev_charging", "name": xid, "model": "ev.site", "res_id": site.id, "noupdate": True}
            )
            sites[xid] = site
        offsets = {xid: off for xid, *_rest, off in DEMO_SITES}
        chargers = []
        for identity, site_xid, model_xid, version, n_conn, max_kw, ctype in DEMO_CHARGERS:
            charger = env["ev.charger"].create(
                {
                    "identity": identity,
                    "site_id": sites[site_xid].id,
                    "model_id": env.ref(f"ev_charging.{model_xid}").id,
                    "ocpp_version": version,
                    "serial_number": f"SN-{identity}",
                    "security_profile": "1",
                }
            )
            for n in range(1, n_conn + 1):
                connector = charger._get_connector(n, 1)
                connector.write({"connector_type": ctype, "max_kw": max_kw})
            chargers.append((identity, version, n_conn, max_kw, offsets[site_xid]))
        for identity, version in SIM_CHARGERS:
            charger = env["ev.charger"].create(
                {
                    "identity": identity,
                    "name": "Simulated station",
                    "site_id": sites["site_sf"].id,
                    "ocpp_version": version,
                    "security_profile": "1",
                    "heartbeat_interval": 60,
                }
            )
            # a secret of this database only: ./ev run sets its own (scripts/provision_bridge.py) and
            # hands it to the simulator; no demo password is committed
            charger.set_basic_auth_password(secrets.token_urlsafe(24))
        drivers = [
            env["res.partner"].create({"name": n, "email": f"{n.split()[0].lower()}@example.com"})
            for n in ("Ada Driver", "Ben Fleet", "Chen Commuter", "Dana Rideshare", "Eli Courier")
        ]
        for value, driver in zip(DEMO_TOKENS, drivers, strict=False):
            env["ev.id.token"].create(
                {
                    "value": value,
                    "token_type": "ISO14443" if value.startswith("04") else "Central",
                    "partner_id": driver.id,
                    "company_id": company.id,
                }
            )
        for value, driver in zip(SIM_TOKENS, drivers, strict=False):
            env["ev.id.token"].create({"value": value, "token_type": "ISO14443", "partner_id": driver.id})
        env["ev.id.token"].create({"value": "04DEADBEEF0000", "status": "blocked", "token_type": "ISO14443"})

        until = datetime.now(UTC) - timedelta(hours=1)
        events = ev_demo.fleet_history(chargers, DEMO_TOKENS, days, until, node="demo")
        # 00:30-03:45 in Chicago, when no demo session runs on that connector
        fault_start = (until - timedelta(days=3)).replace(hour=6, minute=30, second=0, microsecond=0)
        events += ev_demo.fault_episode("demo-fault", "CHI-DC-01", "1.6", 2, fault_start, 195)
        for i in range(0, len(events), 2000):
            env["ev.ocpp.event"].ingest(events[i : i + 2000])
        self._generate_operations(until, days)
        return True

    @api.model
    def _generate_operations(self, until, days):
        """The network as an operator finds it (tests count on these figures, see
        tests/test_dashboard.py): every demo station connected since before its history, except
        NYC-L2-01 which dropped off two hours ago (CHI-L2-01 also dropped off for half an hour five
        days ago); NYC-DC-02 connector 2 Faulted since 90 minutes ago, SF-L2-02 connector 2
        Unavailable (maintenance) for the last hour, a session charging on CHI-DC-02 connector 1
        since 20 minutes ago, and a reset that failed today (NYC-L2-01 is offline). The simulated
        SIM-* stations stay never connected until ./ev run starts them."""
        now = until + timedelta(hours=1)
        stream = ev_demo.EventStream(node="demo-ops")
        since = until - timedelta(days=days + 1)
        for identity, _site, _model, version, *_rest in DEMO_CHARGERS:
            stream.add(identity, version, "Connection", {"state": "connected", "node": "demo"}, since)
        drop = now - timedelta(days=5)
        stream.add("CHI-L2-01", "1.6", "Connection", {"state": "disconnected", "node": "demo"}, drop)
        stream.add(
            "CHI-L2-01", "1.6", "Connection", {"state": "connected", "node": "demo"}, drop + timedelta(minutes=30)
        )
        stream.add(
            "NYC-L2-01", "2.0.1", "Connection", {"state": "disconnected", "node": "demo"}, now - timedelta(hours=2)
        )
        fault = now - timedelta(minutes=90)
        stream.add(
            "NYC-DC-02",
            "1.6",
            "StatusNotification",
            {
                "connectorId": 2,
                "status": "Faulted",
                "errorCode": "HighTemperature",
                "vendorErrorCode": "CX003",
                "vendorId": "https://chargex.inl.gov",
                "info": "Cabinet over temperature",
                "timestamp": ev_demo.iso(fault),
            },
            fault,
        )
        maintenance = now - timedelta(hours=1)
        stream.add(
            "SF-L2-02",
            "1.6",
            "StatusNotification",
            {"connectorId": 2, "status": "Unavailable", "errorCode": "NoError", "timestamp": ev_demo.iso(maintenance)},
            maintenance,
        )
        start = now - timedelta(minutes=20)
        ev_demo.session_events(
            stream, "CHI-DC-02", "2.0.1", 1, "CHI-DC-02-LIVE-1", DEMO_TOKENS[1], start, 40, 120.0, 5_000_000
        )
        live = [e for e in stream.events if e["ts"] <= ev_demo.iso(now)]
        self.env["ev.ocpp.event"].ingest(live)
        offline = self.env["ev.charger"].search([("identity", "=", "NYC-L2-01")])
        offline.action_reset_soft()
        self.env["ev.uptime.monthly"]._cron_compute()
