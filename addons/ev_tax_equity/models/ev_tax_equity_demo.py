"""Demo data of ev_tax_equity (see demo/ev_tax_equity_demo.xml).

Two SPVs, each a company with the US chart Odoo installs (generic_coa) and its own books, owning a new
charging site (the three sites of ev_charging's demo stay with the operator company):

* Bay Area EV Fund I (Oakland): yield flip at a 9.5 % target, chargers bought under the old bonus rules,
  §30C at the base rate. Before its flip.
* Lakeshore Charging Partners (Skokie): yield flip at a 7 % target, 100 % bonus and 30 % §30C credits;
  the tax benefits and credits of its first tax year make the investor reach the target at that year's
  end. After its flip.

Everything is dated relative to today: the SPVs were formed early last year; their sessions (fleet
customers billed monthly through ev_billing, so the revenue lands in each SPV's ledger), vendor bills,
customer payments, quarterly book depreciation (OCA assets) and quarterly distributions run from the
chargers' placed-in-service date to yesterday. Deterministic (fixed random seed), about 1,300 sessions.
"""

import logging
import random
import time as _time
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytz

from odoo import Command, api, fields, models

from ..lib import ev_tax_30c, ev_tax_bonus

_logger = logging.getLogger(__name__)

SPONSOR = "Voltline Sponsor Holdings LLC"
CUSTOMERS = [("Bay Transit Authority", "BTA"), ("Metro Delivery Co", "MDC")]


def _partner(name, role, entity, tin, commitment, pre, post, contributions):
    """pre / post: (income, credit, cash) percentages; contributions: [((y, m, d), amount)]"""
    return {
        "name": name,
        "role": role,
        "entity": entity,
        "tin": tin,
        "commitment": commitment,
        "pre": pre,
        "post": post,
        "contributions": contributions,
    }


def _spvs(prior):
    """Demo SPVs, dated in the tax year ``prior`` (last year)."""
    return [
        {
            "key": "bay",
            "name": "Bay Area EV Fund I",
            "legal": "Bay Area EV Fund I LLC",
            "state": "CA",
            "city": "Oakland",
            "street": "1 Embarcadero West",
            "zip": "94607",
            "ein": "94-3123457",
            "formed": date(prior, 2, 3),
            "target": 9.5,
            "site": ("Oakland Fleet Depot", "OAK", "America/Los_Angeles", 37.7955, -122.2797, "06001403300"),
            "chargers": [
                # identity, evses, max kW, connector type, cost, recovery years
                ("OAK-DC-01", 2, 150.0, "ccs1", 230000, "5"),
                ("OAK-DC-02", 2, 150.0, "ccs1", 230000, "5"),
                ("OAK-L2-01", 2, 19.2, "type1", 24000, "5"),
            ],
            "site_work": 180000,
            "acquired": date(prior, 1, 10),
            "site_work_acquired": date(prior, 3, 1),
            "placed": date(prior, 11, 17),
            "pwa": False,
            "partners": [
                _partner(
                    "Golden Gate Tax Equity LLC",
                    "investor",
                    "corporation",
                    "82-1234567",
                    480000,
                    (98, 98, 88),
                    (5, 5, 8),
                    [((prior, 3, 3), 240000), ((prior, 11, 10), 240000)],
                ),
                _partner(
                    SPONSOR,
                    "sponsor",
                    "llc",
                    "88-1234567",
                    180000,
                    (1, 1, 10),
                    (94, 94, 90),
                    [((prior, 2, 10), 180000)],
                ),
                _partner(
                    "Bay Area EV Fund I Manager LLC",
                    "managing_member",
                    "llc",
                    "83-2345678",
                    20000,
                    (1, 1, 2),
                    (1, 1, 2),
                    [((prior, 2, 10), 20000)],
                ),
            ],
            "energy_rate": 0.52,
            "forecast_kwh": 350000,
            "utility_rate": 0.22,
            "sessions_per_day": 0.4,
        },
        {
            "key": "lake",
            "name": "Lakeshore Charging Partners",
            "legal": "Lakeshore Charging Partners LLC",
            "state": "IL",
            "city": "Skokie",
            "street": "5000 Dempster St",
            "zip": "60077",
            "ein": "36-4123456",
            "formed": date(prior, 1, 6),
            "target": 7.0,
            "site": ("Skokie Transit Hub", "SKO", "America/Chicago", 42.0411, -87.7545, "17031808100"),
            "chargers": [
                ("SKO-DC-01", 2, 180.0, "ccs1", 260000, "5"),
                ("SKO-DC-02", 2, 180.0, "ccs1", 260000, "5"),
            ],
            "site_work": 120000,
            "acquired": date(prior, 1, 25),
            "site_work_acquired": date(prior, 1, 25),
            "placed": date(prior, 5, 5),
            "pwa": True,
            "partners": [
                _partner(
                    "Prairie Tax Equity Fund LP",
                    "investor",
                    "partnership",
                    "46-1234567",
                    85000,
                    (99, 99, 75),
                    (5, 5, 5),
                    [((prior, 1, 20), 85000)],
                ),
                _partner(
                    SPONSOR,
                    "sponsor",
                    "llc",
                    "88-1234567",
                    575000,
                    (1, 1, 25),
                    (95, 95, 95),
                    [((prior, 1, 15), 575000)],
                ),
            ],
            "energy_rate": 0.55,
            "forecast_kwh": 300000,
            # the investor funds about its first year's tax benefits and credits / 1.1 (see _ev_investor_size)
            "size_investor": True,
            "utility_rate": 0.13,
            "sessions_per_day": 0.25,
        },
    ]


class _Clock:
    def __init__(self, label):
        self.label, self.last = label, _time.monotonic()

    def tick(self, step):
        now = _time.monotonic()
        _logger.info("ev_tax_equity demo %s: %s %.1f s", self.label, step, now - self.last)
        self.last = now


class EvTaxEquityDemo(models.AbstractModel):
    _name = "ev.tax.equity.demo"
    _description = "EV Tax Equity demo data generator"

    def _xmlid(self, name, record):
        self.env["ir.model.data"].create(
            {"module": "ev_tax_equity", "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
        )

    @api.model
    def _generate(self, today=None):
        env = self.env(context=dict(self.env.context, tracking_disable=True, mail_notrack=True))
        self = self.with_env(env)
        today = today or fields.Date.context_today(self)
        prior = today.year - 1
        customers = self._ev_customers()
        spvs = []
        for spec in _spvs(prior):
            spv = self._ev_spv(spec, customers, today)
            spvs.append(spv)
        investor = self._ev_portal_investor()
        for spv in spvs:
            spv._ev_compute_flip(as_of=today)
            for year in range(spv._ev_tax_year_of(spv.formation_date), today.year + 1):
                spv._ev_tax_year(year)._ev_compute()
            # last year: return locked, K-1s generated and released; this year: return in draft
            last = spv._ev_tax_year(prior)
            last._ev_lock()
            last._ev_generate_k1s()
            last.k1_ids.action_release()
            spv._ev_tax_year(today.year)._ev_compute_return()
            self._ev_lifecycle(spv)
            spv._ev_generate_calendar(today)
        _logger.info("ev_tax_equity demo: electronic K-1s for %s", investor.partner_id.commercial_partner_id.name)
        _logger.info("ev_tax_equity demo: %s", ", ".join(f"{s.name} ({s.flip_state})" for s in spvs))
        return spvs

    # ------------------------------------------------------------------------------------------
    def _ev_portal_investor(self):
        """A contact of Golden Gate Tax Equity with a portal login, who consented to electronic K-1s
        (its partner's K-1s are emailed and on the portal; the other partners get paper)."""
        env = self.env
        company = env["res.partner"].search([("name", "=", "Golden Gate Tax Equity LLC")], limit=1)
        contact = env["res.partner"].create(
            {
                "name": "Grace Hopper (Golden Gate Tax Equity)",
                "parent_id": company.id,
                "email": "grace@goldengate.example.com",
            }
        )
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": contact.name,
                    "login": "goldengate-investor",
                    "password": "goldengate-investor",
                    "partner_id": contact.id,
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                }
            )
        )
        self._xmlid("demo_user_portal_investor", user)
        env["ev.spv.consent"].with_user(user).give_consent()
        return user

    def _ev_lifecycle(self, spv):
        """The SPV is operating: the steps of the phases before are done, and those its data shows."""
        spv._ev_ensure_steps()
        before = ("sourcing", "structuring", "construction")
        spv.task_ids.filtered(lambda t: t.ev_spv_phase in before).write({"state": "1_done"})
        spv._ev_close_checked_steps("operations")

    def _ev_customers(self):
        env = self.env
        result = []
        for name, prefix in CUSTOMERS:
            partner = env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "email": f"fleet@{prefix.lower()}.example.com",
                    "ev_billing_mode": "monthly",
                }
            )
            tokens = env["ev.id.token"].create(
                [
                    # a fleet's cards work at every site of the operator, whichever SPV owns it
                    {
                        "value": f"{prefix}-{n:04d}",
                        "token_type": "Central",
                        "partner_id": partner.id,
                        "company_id": False,
                    }
                    for n in range(1, 4)
                ]
            )
            result.append((partner, tokens))
        return result

    def _ev_company(self, spec):
        env = self.env
        usa = env.ref("base.us")
        state = env["res.country.state"].search([("country_id", "=", usa.id), ("code", "=", spec["state"])], limit=1)
        company = env["res.company"].create(
            {
                "name": spec["legal"],
                "currency_id": env.ref("base.USD").id,
                "country_id": usa.id,
                "state_id": state.id,
                "city": spec["city"],
                "street": spec["street"],
                "zip": spec["zip"],
            }
        )
        env.ref("base.user_admin").write({"company_ids": [Command.link(company.id)]})
        return company, state

    def _ev_spv(self, spec, customers, today):
        env = self.env
        clock = _Clock(spec["key"])
        company, state = self._ev_company(spec)
        spv = env["ev.spv"].create(
            {
                "name": spec["name"],
                "legal_name": spec["legal"],
                "company_id": company.id,
                "ein": spec["ein"],
                "formation_state_id": state.id,
                "formation_date": spec["formed"],
                "phase": "operations",
                "flip_type": "yield",
                "target_irr": spec["target"],
                "forecast_price_kwh": spec["energy_rate"],
                "forecast_om_kw_year": 12.0,
                "forecast_energy_cost_kwh": spec["utility_rate"],
            }
        )
        self._xmlid(f"demo_spv_{spec['key']}", spv)
        spv._ev_setup_books()
        self._ev_direct_bank(spv)
        clock.tick("_ev_direct_bank")
        members = self._ev_partners(spv, spec)
        spv._ev_check_allocations()
        spv.allocations_confirmed = True
        site, chargers = self._ev_site(spv, spec)
        tariffs = self._ev_tariffs(spv, spec)
        clock.tick("_ev_tariffs")
        company.ev_default_tariff_id = tariffs["dc"]
        for charger in chargers:
            if "-L2-" in charger.identity:
                charger.tariff_id = tariffs["ac"]
        self._ev_contributions(spv, spec, members)
        assets = self._ev_assets(spv, spec, site, chargers)
        clock.tick("_ev_assets")
        self._ev_credits(spv, spec, chargers, assets)
        sessions = self._ev_sessions(spv, spec, chargers, customers, today)
        clock.tick("_ev_sessions")
        self._ev_bills(spv, spec, sessions, today)
        clock.tick("_ev_bills")
        self._ev_collect(spv, spec, today)
        clock.tick("_ev_collect")
        for asset in assets:
            asset.validate()
        assets._compute_entries(today)
        clock.tick("_compute_entries")
        self._ev_distributions(spv, spec, today)
        clock.tick("_ev_distributions")
        # the depot's utilization grows: the forecast is the mature fleet's annual energy
        spv.forecast_energy_kwh = spec["forecast_kwh"]
        return spv

    def _ev_direct_bank(self, spv):
        """Payments go straight to the bank account (no outstanding receipts/payments account): the
        demo has no bank statements to reconcile."""
        bank = spv.bank_journal_id
        (bank.inbound_payment_method_line_ids | bank.outbound_payment_method_line_ids).write(
            {"payment_account_id": bank.default_account_id.id}
        )

    def _ev_partners(self, spv, spec):
        env = self.env
        members = []
        for spec_partner in spec["partners"]:
            name, pre, post = spec_partner["name"], spec_partner["pre"], spec_partner["post"]
            contact = env["res.partner"].search([("name", "=", name), ("is_company", "=", True)], limit=1)
            if not contact:
                contact = env["res.partner"].create(
                    {
                        "name": name,
                        "is_company": True,
                        "email": f"tax@{name.split()[0].lower()}.example.com",
                        "country_id": env.ref("base.us").id,
                    }
                )
            members.append(
                env["ev.spv.partner"].create(
                    {
                        "spv_id": spv.id,
                        "partner_id": contact.id,
                        "role": spec_partner["role"],
                        "entity_type": spec_partner["entity"],
                        "tin": spec_partner["tin"],
                        "commitment": spec_partner["commitment"],
                        "pre_income_pct": pre[0],
                        "pre_credit_pct": pre[1],
                        "pre_cash_pct": pre[2],
                        "post_income_pct": post[0],
                        "post_credit_pct": post[1],
                        "post_cash_pct": post[2],
                        "tax_rate": 21.0,
                    }
                )
            )
        return members

    def _ev_site(self, spv, spec):
        env = self.env
        name, code, tz, lat, lon, _tract = spec["site"]
        address = env["res.partner"].create(
            {"name": name, "is_company": True, "city": spec["city"], "country_id": env.ref("base.us").id}
        )
        site = env["ev.site"].create(
            {
                "name": name,
                "code": code,
                "company_id": spv.company_id.id,
                "partner_id": address.id,
                "tz": tz,
                "latitude": lat,
                "longitude": lon,
                "state": "operating",
                "commissioning_date": spec["placed"],
            }
        )
        self._xmlid(f"demo_site_{spec['key']}", site)
        chargers = env["ev.charger"]
        for identity, evses, max_kw, ctype, _cost, _years in spec["chargers"]:
            charger = env["ev.charger"].create(
                {"identity": identity, "site_id": site.id, "ocpp_version": "2.0.1", "security_profile": "2"}
            )
            for n in range(1, evses + 1):
                charger._get_connector(n, 1).write({"connector_type": ctype, "max_kw": max_kw})
            chargers |= charger
        return site, chargers

    def _ev_tariffs(self, spv, spec):
        Tariff = self.env["ev.tariff"]
        usd = self.env.ref("base.USD")
        return {
            "dc": Tariff.create(
                {
                    "name": f"Fleet DC ({spv.name})",
                    "company_id": spv.company_id.id,
                    "currency_id": usd.id,
                    "energy_rate": spec["energy_rate"],
                }
            ),
            "ac": Tariff.create(
                {
                    "name": f"Fleet AC ({spv.name})",
                    "company_id": spv.company_id.id,
                    "currency_id": usd.id,
                    "energy_rate": 0.32,
                }
            ),
        }

    def _ev_investor_size(self, spec):
        """Investor contribution of the post-flip demo SPV: its first year's benefits (99 % of the §30C credits
        and 21 % of 99 % of the bonus depreciation) / 1.1, so that it reaches its target at the end of
        that year whatever year the demo is built in (§30C ends for property placed in service after
        30 June 2026; the bonus rate depends on the dates)."""
        ports = [(cost / evses, evses) for _i, evses, _kw, _t, cost, _y in spec["chargers"]]
        credits = sum(
            ev_tax_30c.port_credit(Decimal(str(cost)), spec["placed"], spec["pwa"], True).credit * evses
            for cost, evses in ports
        )
        bonus = ev_tax_bonus.bonus_rate(spec["acquired"], spec["placed"]).rate / 100
        basis = sum(Decimal(c[4]) for c in spec["chargers"]) - credits + Decimal(spec["site_work"])
        benefits = Decimal("0.99") * credits + Decimal("0.21") * Decimal("0.99") * basis * bonus
        return int(round(benefits / Decimal("1.1"), -3))

    def _ev_contributions(self, spv, spec, members):
        Contribution = self.env["ev.spv.contribution"]
        if spec.get("size_investor"):
            investor, sponsor = spec["partners"][0], spec["partners"][1]
            total = investor["contributions"][0][1] + sponsor["contributions"][0][1]
            size = self._ev_investor_size(spec)
            investor["contributions"] = [(investor["contributions"][0][0], size)]
            sponsor["contributions"] = [(sponsor["contributions"][0][0], total - size)]
            members[0].commitment, members[1].commitment = size, total - size
        for member, spec_partner in zip(members, spec["partners"], strict=True):
            for (y, m, d), amount in spec_partner["contributions"]:
                Contribution.create(
                    {
                        "spv_id": spv.id,
                        "member_id": member.id,
                        "date": date(y, m, d),
                        "amount": amount,
                        "journal_id": spv.bank_journal_id.id,
                    }
                ).action_post()

    def _ev_vendor(self, name):
        Partner = self.env["res.partner"]
        return Partner.search([("name", "=", name)], limit=1) or Partner.create({"name": name, "is_company": True})

    def _ev_pay(self, moves, day, journal):
        if moves:
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=moves.ids).create(
                {"payment_date": day, "journal_id": journal.id, "group_payment": True}
            )._create_payments()

    def _ev_assets(self, spv, spec, site, chargers):
        """The chargers and the site work, bought with one vendor bill dated the placed-in-service day:
        OCA account_asset_management creates the assets from the bill's lines."""
        env = self.env
        company = spv.company_id
        charger_profile, work_profile = spv._ev_asset_profile("charger"), spv._ev_asset_profile("site_work")
        lines = [
            Command.create(
                {
                    "name": f"Charger {identity}",
                    "account_id": charger_profile.account_asset_id.id,
                    "asset_profile_id": charger_profile.id,
                    "quantity": 1,
                    "price_unit": cost,
                    "tax_ids": [Command.clear()],
                }
            )
            for identity, _evses, _kw, _type, cost, _years in spec["chargers"]
        ]
        lines.append(
            Command.create(
                {
                    "name": f"Site work {site.name}",
                    "account_id": work_profile.account_asset_id.id,
                    "asset_profile_id": work_profile.id,
                    "quantity": 1,
                    "price_unit": spec["site_work"],
                    "tax_ids": [Command.clear()],
                }
            )
        )
        bill = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self._ev_vendor("Voltline Construction Inc.").id,
                    "invoice_date": spec["placed"],
                    "date": spec["placed"],
                    "ref": f"EPC {site.code}",
                    "invoice_line_ids": lines,
                }
            )
        )
        bill.action_post()
        self._ev_pay(bill, spec["placed"] + timedelta(days=5), spv.bank_journal_id)
        assets = bill.line_ids.asset_id
        by_name = {a.name: a for a in assets}
        for charger, (identity, *_rest) in zip(chargers, spec["chargers"], strict=True):
            years = next(c[5] for c in spec["chargers"] if c[0] == identity)
            by_name[f"Charger {identity}"].write(
                {
                    "ev_kind": "charger",
                    "ev_charger_id": charger.id,
                    "ev_site_id": site.id,
                    "ev_acquired_date": spec["acquired"],
                    "ev_placed_in_service": spec["placed"],
                    "ev_recovery_years": years,
                }
            )
        by_name[f"Site work {site.name}"].write(
            {
                "ev_kind": "site_work",
                "ev_site_id": site.id,
                "ev_acquired_date": spec["site_work_acquired"],
                "ev_placed_in_service": spec["placed"],
                "ev_recovery_years": "15",
            }
        )
        return assets

    def _ev_credits(self, spv, spec, chargers, assets):
        tract = spec["site"][5]
        for charger in chargers:
            asset = assets.filtered(lambda a, c=charger: a.ev_charger_id == c)
            evses = charger.evse_ids
            port_cost = round(asset.purchase_value / len(evses), 2)
            for evse in evses:
                self.env["ev.port.credit"].create(
                    {
                        "spv_id": spv.id,
                        "evse_id": evse.id,
                        "asset_id": asset.id,
                        "cost": port_cost,
                        "pwa_met": spec["pwa"],
                        "census_tract": tract,
                        "eligible_tract": True,
                    }
                )

    def _ev_sessions(self, spv, spec, chargers, customers, today):
        """Sessions from the placed-in-service day to yesterday, priced and billed by ev_billing: the fleet
        customers are billed monthly, so each month's sessions become one invoice in the SPV's books."""
        env = self.env
        rng = random.Random(f"ev-tax-{spec['key']}")
        tz = pytz.timezone(spec["site"][2])
        tokens = customers[0 if spec["key"] == "bay" else 1][1]
        vals, day = [], spec["placed"]
        registers = {c.id: rng.randint(1_000_000, 5_000_000) for c in chargers}
        counter = 0
        while day < today:
            # about one session every three days at the site, on one of its chargers
            if rng.random() < spec["sessions_per_day"]:
                charger = rng.choice(chargers)
                dc = "-DC-" in charger.identity
                connector = rng.choice(charger.connector_ids)
                hour = rng.choice([6, 9, 12, 14, 19, 22])
                start_local = tz.localize(datetime.combine(day, time(hour, rng.randint(0, 59))))
                minutes = rng.randint(90, 180) if dc else rng.randint(180, 480)
                power = rng.uniform(0.6, 0.95) * (connector.max_kw or 50)
                wh = round(power * 1000 * minutes / 60)
                start = start_local.astimezone(pytz.utc).replace(tzinfo=None)
                token = rng.choice(tokens)
                counter += 1
                vals.append(
                    {
                        "transaction_id": f"{charger.identity}-{counter:06d}",
                        "charger_id": charger.id,
                        "connector_id": connector.id,
                        "id_token_id": token.id,
                        "id_token_value": token.value,
                        "start_time": start,
                        "stop_time": start + timedelta(minutes=minutes),
                        "meter_start_wh": registers[charger.id],
                        "meter_stop_wh": registers[charger.id] + wh,
                        "has_meter_start": True,
                        "has_meter_stop": True,
                        "energy_kwh": wh / 1000.0,
                        "max_power_kw": round(power, 1),
                        "state": "completed",
                    }
                )
                registers[charger.id] += wh
            day += timedelta(days=1)
        clock = _Clock(f"{spec['key']} sessions ({len(vals)})")
        sessions = env["ev.session"].create(vals)
        clock.tick("create")
        sessions._ev_price()
        clock.tick("price")
        sessions._ev_bill()
        clock.tick("bill")
        env["ev.session"]._cron_ev_invoicing(today)
        clock.tick("invoice")
        return sessions

    def _ev_quarter_ends(self, start, today):
        ends, year, month = [], start.year, ((start.month - 1) // 3 + 1) * 3
        while True:
            nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            end = nxt - timedelta(days=1)
            if end >= today:
                return ends
            ends.append(end)
            year, month = (year + 1, 3) if month == 12 else (year, month + 3)

    def _ev_bills(self, spv, spec, sessions, today):
        """A quarterly bill of the utility (energy delivered x rate) and of the O&M contractor, paid."""
        env = self.env
        utility, om = self._ev_vendor(f"Utility ({spec['city']})"), self._ev_vendor("ChargeCare O&M Services")
        expense = (
            env["account.journal"]
            .search([("company_id", "=", spv.company_id.id), ("type", "=", "purchase")], limit=1)
            .default_account_id
        )
        start = spec["placed"]
        for end in self._ev_quarter_ends(start, today):
            kwh = sum(s.energy_kwh for s in sessions if start <= s.start_time.date() <= end)
            days = (end - start).days + 1
            bill = (
                env["account.move"]
                .with_company(spv.company_id)
                .create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": om.id,
                        "invoice_date": end,
                        "date": end,
                        "ref": f"O&M and energy {end:%Y-%m}",
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": label,
                                    "account_id": expense.id,
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                            for label, amount in (
                                (f"Electricity ({utility.name}), {kwh:,.0f} kWh", round(kwh * spec["utility_rate"], 2)),
                                ("O&M", round(12.0 * spv.capacity_kw * days / 365, 2)),
                            )
                        ],
                    }
                )
            )
            bill.action_post()
            self._ev_pay(bill, min(end + timedelta(days=20), today - timedelta(days=1)), spv.bank_journal_id)
            start = end + timedelta(days=1)

    def _ev_collect(self, spv, spec, today):
        """Customers pay their monthly invoices 20 days after each quarter end."""
        Move = self.env["account.move"]
        for end in self._ev_quarter_ends(spec["placed"], today) + [today - timedelta(days=1)]:
            day = min(end + timedelta(days=20), today - timedelta(days=1))
            invoices = Move.search(
                [
                    ("company_id", "=", spv.company_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "=", "not_paid"),
                    ("invoice_date", "<=", end),
                ]
            )
            for partner in invoices.partner_id:
                self._ev_pay(invoices.filtered(lambda m, p=partner: m.partner_id == p), day, spv.bank_journal_id)

    def _ev_distributions(self, spv, spec, today):
        """Quarterly: distribute the cash above a 10,000 reserve, by the cash shares in force."""
        Distribution = self.env["ev.spv.distribution"]
        account = spv.bank_journal_id.default_account_id
        for end in self._ev_quarter_ends(spec["placed"], today):
            day = min(end + timedelta(days=25), today - timedelta(days=1))
            cash = spv._ev_ledger_balance([("account_id", "=", account.id), ("date", "<=", day)])
            amount = float(cash) - 10000.0
            if amount > 1000:
                spv._ev_compute_flip(as_of=day)
                Distribution._ev_distribute(spv, day, round(amount, -2), spv.bank_journal_id)
