"""The network dashboard's figures (the EV Charging app's first screen, static/src/dashboard).

``get_data()`` is public (the dashboard calls it over RPC; XML-RPC clients too, so a figure that is not
known is ``False``, never ``None``, which XML-RPC cannot carry): EV staff only, and every figure is read
under the caller's access rights and record rules, so a user sees the figures of their companies.
Each figure comes with the list it stands for (model, domain), which the dashboard opens on a click.
"today" and "this month" are the site's local day and month (sessions' ``start_date_local``).
"""

from collections import defaultdict
from datetime import date, datetime, time

import pytz

from odoo import _, api, fields, models
from odoo.osv import expression

from ..lib import ev_uptime
from .ev_access import USER, require_group

CONNECTOR_STATUSES = ["Available", "Occupied", "Reserved", "Unavailable", "Faulted"]
FAILED_COMMANDS = ["rejected", "failed", "timeout"]
PORTFOLIO_MONTHS = 6


def _rpc_safe(value):
    """``value`` with every ``None`` replaced by ``False`` (unknown), recursively: XML-RPC has no null."""
    if value is None:
        return False
    if isinstance(value, dict):
        return {key: _rpc_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rpc_safe(item) for item in value]
    return value


class EvDashboard(models.AbstractModel):
    _name = "ev.dashboard"
    _description = "EV Charging network dashboard"

    @api.model
    def get_data(self, site_id=False, months=PORTFOLIO_MONTHS):
        """Every figure of the dashboard; ``site_id``: the portfolio drilled down to that site's chargers."""
        require_group(self.env, USER, _("read the network dashboard"))
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 24:
            months = PORTFOLIO_MONTHS
        now = fields.Datetime.now()
        sites = self.env["ev.site"].search(self._network_domain())
        data = {
            "now": fields.Datetime.to_string(now),
            "figures": self._figures(sites, now),
            "portfolio": self._portfolio(sites, now, months, site_id),
            "sites_map": self._sites_map(sites),
        }
        return _rpc_safe(data)

    @api.model
    def get_sites_map(self):
        """The sites of the caller's companies with their status colour (the sites map)."""
        require_group(self.env, USER, _("read the sites map"))
        return self._sites_map(self.env["ev.site"].search(self._network_domain()))

    @api.model
    def _network_domain(self):
        """The network the dashboard shows: the companies selected in the company switcher (the record
        rules limit it further to what the caller may read)."""
        return [("company_id", "in", self.env.companies.ids)]

    # ------------------------------------------------------------------------------------------
    @api.model
    def _figure(self, label, value, model, domain, unit="", extra=None):
        item = {"label": label, "value": value, "model": model, "domain": domain, "unit": unit}
        item.update(extra or {})
        return item

    @api.model
    def _local_days(self, sites, now):
        """[(sites of one timezone, today there, first day of its month)]."""
        by_tz = defaultdict(lambda: self.env["ev.site"])
        for site in sites:
            by_tz[site.tz or "UTC"] |= site
        result = []
        for tz, group in by_tz.items():
            today = pytz.utc.localize(now).astimezone(pytz.timezone(tz)).date()
            result.append((group, today, today.replace(day=1)))
        return result

    @api.model
    def _session_domain(self, sites, now, period):
        """Sessions started today ('today') or this month ('month') in their site's time."""
        parts = []
        for group, today, first in self._local_days(sites, now):
            if period == "today":
                parts.append([("site_id", "in", group.ids), ("start_date_local", "=", today)])
            else:
                parts.append([("site_id", "in", group.ids), ("start_date_local", ">=", first)])
        return expression.OR(parts) if parts else [("id", "=", 0)]

    @api.model
    def _revenue(self, domain):
        """Revenue of the sessions of ``domain`` (ev_billing fills it in), None when not known."""
        return None

    @api.model
    def _revenue_by(self, domain, groupby):
        """{group value: revenue} (ev_billing fills it in)."""
        return {}

    @api.model
    def _figures(self, sites, now):
        Charger, Connector, Session = self.env["ev.charger"], self.env["ev.connector"], self.env["ev.session"]
        Command = self.env["ev.charger.command"]
        figures = {}
        for state, label in (
            ("connected", _("Connected")),
            ("disconnected", _("Disconnected")),
            ("never", _("Never connected")),
        ):
            domain = [("connection_state", "=", state)]
            figures[f"chargers_{state}"] = self._figure(label, Charger.search_count(domain), "ev.charger", domain)
        for status, label in (("Faulted", _("Faulted")), ("Unavailable", _("Unavailable"))):
            domain = [("status", "=", status)]
            figures[f"chargers_{status.lower()}"] = self._figure(
                label, Charger.search_count(domain), "ev.charger", domain
            )
        counts = dict(Connector._read_group([], ["status"], ["__count"]))
        figures["connectors"] = [
            self._figure(
                _(status), counts.get(status, 0), "ev.connector", [("status", "=", status)], extra={"status": status}
            )
            for status in CONNECTOR_STATUSES
        ]
        unknown = counts.get(False, 0)
        if unknown:
            figures["connectors"].append(
                self._figure(
                    _("No status yet"), unknown, "ev.connector", [("status", "=", False)], extra={"status": "none"}
                )
            )
        active = [("state", "=", "active")]
        figures["sessions_now"] = self._figure(_("Charging now"), Session.search_count(active), "ev.session", active)
        today = self._session_domain(sites, now, "today")
        month = self._session_domain(sites, now, "month")
        today_rows = Session._read_group(today, [], ["__count", "energy_kwh:sum"])[0]
        month_rows = Session._read_group(month, [], ["__count", "energy_kwh:sum"])[0]
        figures["sessions_today"] = self._figure(_("Sessions today"), today_rows[0], "ev.session", today)
        figures["energy_today"] = self._figure(
            _("Energy today"), round(today_rows[1] or 0.0, 1), "ev.session", today, "kWh"
        )
        figures["energy_month"] = self._figure(
            _("Energy this month"), round(month_rows[1] or 0.0, 1), "ev.session", month, "kWh"
        )
        currency = self.env.company.currency_id
        for key, label, domain in (
            ("revenue_today", _("Revenue today"), today),
            ("revenue_month", _("Revenue this month"), month),
        ):
            value = self._revenue(domain)
            figures[key] = self._figure(
                label,
                round(value, 2) if value is not None else None,
                "ev.session",
                domain,
                currency.symbol or currency.name,
            )
        faulted = Connector.search([("status", "=", "Faulted")], order="status_since")
        faults = [
            {
                "id": c.id,
                "name": c.display_name,
                "site": c.site_id.name,
                "since": fields.Datetime.to_string(c.status_since) if c.status_since else False,
                "age_hours": round((now - c.status_since).total_seconds() / 3600.0, 1) if c.status_since else None,
                "error_code": c.error_code or "",
            }
            for c in faulted
        ]
        figures["faults_open"] = self._figure(
            _("Faults open"),
            len(faulted),
            "ev.connector",
            [("status", "=", "Faulted")],
            extra={"oldest_hours": faults[0]["age_hours"] if faults else None, "items": faults[:10]},
        )
        user_tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local_today = pytz.utc.localize(now).astimezone(user_tz).date()
        midnight = user_tz.localize(datetime.combine(local_today, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        failed = [("state", "in", FAILED_COMMANDS), ("create_date", ">=", fields.Datetime.to_string(midnight))]
        figures["commands_failed_today"] = self._figure(
            _("Commands failed today"), Command.search_count(failed), "ev.charger.command", failed
        )
        chargers = Charger.search(self._network_domain())
        live = ev_uptime.combine(self.env["ev.uptime.monthly"]._live_for_chargers(chargers).values())
        figures["availability_month"] = self._figure(
            _("Availability this month"),
            float(live.availability_percent) if live.availability_percent is not None else None,
            "ev.uptime.monthly",
            [("scope", "=", "site")],
            "%",
            extra={
                "excl_faults": float(live.availability_excl_faults_percent)
                if live.availability_excl_faults_percent is not None
                else None
            },
        )
        return figures

    # ------------------------------------------------------------------------------------------
    @api.model
    def _month_keys(self, now, months):
        this_month = date(now.year, now.month, 1)
        return [ev_uptime.add_months(this_month, -n) for n in range(months - 1, -1, -1)]

    @api.model
    def _portfolio(self, sites, now, months, site_id=False):
        """Per site (or, drilled down, per charger of ``site_id``) and month: sessions, energy, revenue,
        availability (stored months; the current month live)."""
        keys = self._month_keys(now, months)
        Session = self.env["ev.session"]
        first = keys[0]
        if site_id:
            site = sites.filtered(lambda s: s.id == site_id)
            if not site:
                return {"months": [k.strftime("%Y-%m") for k in keys], "rows": [], "site": False}
            rows_of = self.env["ev.charger"].search([("site_id", "=", site.id)])
            group_field, uptime_domain = "charger_id", [("scope", "=", "charger"), ("site_id", "=", site.id)]
            base_domain = [("site_id", "=", site.id)]
        else:
            site = False
            rows_of, group_field = sites, "site_id"
            uptime_domain, base_domain = [("scope", "=", "site")], [("site_id", "in", sites.ids)]
        domain = base_domain + [("start_date_local", ">=", first)]
        figures = defaultdict(lambda: {"sessions": 0, "energy": 0.0, "revenue": None, "uptime": None})
        for record, month, count, energy in Session._read_group(
            domain, [group_field, "start_date_local:month"], ["__count", "energy_kwh:sum"]
        ):
            cell = figures[(record.id, month)]
            cell["sessions"], cell["energy"] = count, round(energy or 0.0, 1)
        for (record_id, month), revenue in self._revenue_by(domain, [group_field, "start_date_local:month"]).items():
            figures[(record_id, month)]["revenue"] = round(revenue, 2)
        uptime_field = "charger_id" if site_id else "site_id"
        for row in self.env["ev.uptime.monthly"].search(uptime_domain + [("month", ">=", first)]):
            figures[(row[uptime_field].id, row.month)]["uptime"] = row.availability_percent
        # the current month, live
        chargers = self.env["ev.charger"].search([("site_id", "in", (site or sites).ids)])
        live = self.env["ev.uptime.monthly"]._live_for_chargers(chargers)
        current = keys[-1]
        per_row = defaultdict(list)
        for charger in chargers:
            if charger.id in live:
                per_row[charger.id if site_id else charger.site_id.id].append(live[charger.id])
        for record_id, results in per_row.items():
            pct = ev_uptime.combine(results).availability_percent
            figures[(record_id, current)]["uptime"] = float(pct) if pct is not None else None
        rows = []
        for record in rows_of:
            rows.append(
                {
                    "id": record.id,
                    "name": record.display_name,
                    "model": record._name,
                    "cells": [dict(figures[(record.id, key)]) for key in keys],
                }
            )
        return {
            "months": [k.strftime("%Y-%m") for k in keys],
            "rows": rows,
            "site": {"id": site.id, "name": site.name} if site else False,
            "currency": self.env.company.currency_id.symbol or "",
        }

    # ------------------------------------------------------------------------------------------
    @api.model
    def _sites_map(self, sites):
        """Sites with coordinates and a status colour: red (a connector faulted), orange (a charger
        offline or a connector unavailable), green (all connected and available or charging), grey
        (no charger ever connected)."""
        result = []
        for site in sites:
            chargers = site.charger_ids
            statuses = chargers.connector_ids.mapped("status")
            links = chargers.mapped("connection_state")
            if "Faulted" in statuses:
                status = "faulted"
            elif not links or all(link == "never" for link in links):
                status = "unknown"
            elif "disconnected" in links or "Unavailable" in statuses:
                status = "degraded"
            else:
                status = "ok"
            result.append(
                {
                    "id": site.id,
                    "name": site.name,
                    "lat": site.latitude,
                    "lon": site.longitude,
                    "has_position": bool(site.latitude or site.longitude),
                    "status": status,
                    "chargers": len(chargers),
                    "connected": links.count("connected"),
                    "faulted": statuses.count("Faulted"),
                    "address": site.address_display or "",
                }
            )
        return result
