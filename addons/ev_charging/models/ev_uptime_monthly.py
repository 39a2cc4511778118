"""Monthly uptime and availability per charger and per site (the pure rules: lib/ev_uptime.py)."""

from collections import defaultdict
from datetime import date, timedelta

from odoo import api, fields, models

from ..lib import ev_uptime

#: chargers whose history is read and computed together
BATCH = 500
#: the previous month is computed again during the first days of a month (late events, then final)
SETTLE_DAYS = 3

SCOPES = [("charger", "Charger"), ("site", "Site")]


class EvUptimeMonthly(models.Model):
    """Online / degraded / offline seconds of a charger (or the sum over a site's chargers) for one
    calendar month of the site's timezone, with availability with and without fault periods and
    the first-time charge success rate. Stored by the batched job ``_cron_compute``; the current
    month is shown live (``_live_for_chargers``, the dashboard) and stored up to the job's last run."""

    _name = "ev.uptime.monthly"
    _description = "Monthly uptime and availability"
    _order = "month desc, site_id, scope desc, charger_id"
    _rec_name = "key"

    key = fields.Char(required=True, index=True, readonly=True)
    scope = fields.Selection(SCOPES, required=True, readonly=True, index=True)
    site_id = fields.Many2one("ev.site", required=True, index=True, readonly=True, ondelete="cascade")
    charger_id = fields.Many2one("ev.charger", index=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="site_id.company_id", store=True, index=True)
    month = fields.Date(required=True, index=True, readonly=True, help="First day of the month (site time).")
    final = fields.Boolean(readonly=True, help="The month was over when it was computed.")
    computed_at = fields.Datetime(readonly=True)
    period_seconds = fields.Float("Observed (s)", digits=(16, 0), readonly=True)
    online_seconds = fields.Float("Online (s)", digits=(16, 0), readonly=True)
    degraded_seconds = fields.Float("Degraded (s)", digits=(16, 0), readonly=True)
    offline_seconds = fields.Float("Offline (s)", digits=(16, 0), readonly=True)
    fault_seconds = fields.Float("Faulted (s)", digits=(16, 0), readonly=True)
    online_hours = fields.Float(compute="_compute_hours", digits=(12, 2))
    degraded_hours = fields.Float(compute="_compute_hours", digits=(12, 2))
    offline_hours = fields.Float(compute="_compute_hours", digits=(12, 2))
    availability_percent = fields.Float("Availability (%)", digits=(6, 2), readonly=True, aggregator="avg")
    availability_excl_faults_percent = fields.Float(
        "Availability without faults (%)", digits=(6, 2), readonly=True, aggregator="avg"
    )
    sessions = fields.Integer(readonly=True)
    charge_attempts = fields.Integer(
        readonly=True, help="Sessions, authorisations no session followed, failed remote starts."
    )
    failed_starts = fields.Integer(readonly=True)
    first_time_success_percent = fields.Float(
        "First-time charge success (%)",
        digits=(6, 2),
        readonly=True,
        aggregator="avg",
        help="Share of a driver's tries (retries within 10 minutes are one try) whose first attempt charged.",
    )

    _sql_constraints = [("key_uniq", "unique(key)", "This charger or site already has an uptime for this month.")]

    def _compute_hours(self):
        for row in self:
            row.online_hours = row.online_seconds / 3600.0
            row.degraded_hours = row.degraded_seconds / 3600.0
            row.offline_hours = row.offline_seconds / 3600.0

    # ------------------------------------------------------------------------------------------
    # Computing
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_compute(self):
        """Store the current month of every site with chargers (and, in the first days of a month,
        the month just ended), BATCH chargers at a time, reporting progress."""
        now = fields.Datetime.now()
        sites = self.env["ev.site"].sudo().search([("charger_ids", "!=", False)])
        work = []
        for site in sites:
            current = ev_uptime.month_of(now, site.tz)
            months = [current]
            if (now - ev_uptime.local_midnight_utc(current, site.tz)) < timedelta(days=SETTLE_DAYS):
                months.insert(0, ev_uptime.add_months(current, -1))
            work.extend((site, month) for month in months)
        total = sum(len(site.charger_ids) for site, _m in work) or 1
        done = 0
        for site, month in work:
            self._compute_site_month(site, month, now)
            done += len(site.charger_ids)
            self.env["ir.cron"]._notify_progress(done=done, remaining=max(0, total - done))
        return True

    @api.model
    def _compute_site_month(self, site, month, now=None, store=True):
        """{charger id: Availability, 'site': Availability, …} of ``site`` for ``month`` (a date in the
        month), stored unless ``store`` is False. The window ends now for the current month."""
        now = now or fields.Datetime.now()
        month = date(month.year, month.month, 1)
        start, end = ev_uptime.month_bounds(month.year, month.month, site.tz)
        stop = min(end, now)
        chargers = self.env["ev.charger"].sudo().search([("site_id", "=", site.id)])
        results, success = {}, {}
        if start < stop:
            for pos in range(0, len(chargers), BATCH):
                batch = chargers[pos : pos + BATCH]
                results.update(self._availability(batch, start, stop))
                success.update(self._charge_success(batch, start, stop))
        site_result = ev_uptime.combine(results.values())
        site_success = ev_uptime.first_time_success([])
        if success:
            site_success = ev_uptime.ChargeSuccess(
                *(sum(getattr(s, f) for s in success.values()) for f in ev_uptime.ChargeSuccess.__dataclass_fields__)
            )
        if store:
            final = end <= now
            rows = [
                self._vals(
                    site,
                    charger,
                    month,
                    results.get(charger.id, ev_uptime.Availability()),
                    success.get(charger.id, ev_uptime.ChargeSuccess()),
                    final,
                    now,
                )
                for charger in chargers
            ]
            rows.append(self._vals(site, None, month, site_result, site_success, final, now))
            self._store(rows)
        results["site"] = site_result
        success["site"] = site_success
        return results, success

    @api.model
    def _vals(self, site, charger, month, availability, success, final, now):
        def pct(value):
            return float(value) if value is not None else 0.0

        return {
            "key": f"{site.id}:{charger.id if charger else 0}:{month.isoformat()}",
            "scope": "charger" if charger else "site",
            "site_id": site.id,
            "charger_id": charger.id if charger else False,
            "month": month,
            "final": final,
            "computed_at": now,
            "period_seconds": availability.period_seconds,
            "online_seconds": availability.online_seconds,
            "degraded_seconds": availability.degraded_seconds,
            "offline_seconds": availability.offline_seconds,
            "fault_seconds": availability.fault_seconds,
            "availability_percent": pct(availability.availability_percent),
            "availability_excl_faults_percent": pct(availability.availability_excl_faults_percent),
            "sessions": success.sessions,
            "charge_attempts": success.attempts,
            "failed_starts": success.failed_starts,
            "first_time_success_percent": pct(success.rate_percent),
        }

    @api.model
    def _store(self, rows):
        existing = {r.key: r for r in self.sudo().search([("key", "in", [v["key"] for v in rows])])}
        new = []
        for vals in rows:
            record = existing.get(vals["key"])
            if record:
                record.write(vals)
            else:
                new.append(vals)
        if new:
            self.sudo().create(new)

    @api.model
    def _availability(self, chargers, start, end):
        """{charger id: ev_uptime.Availability} over [start, end) from the connection and status history."""
        connectors = self.env["ev.connector"].sudo().search([("charger_id", "in", chargers.ids)])
        rows = (
            self.env["ev.status.history"]
            .sudo()
            .search_read(
                [
                    ("connector_id", "in", connectors.ids),
                    ("date_start", "<", end),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">", start),
                ],
                ["connector_id", "date_start", "date_end", "status"],
                order="date_start",
            )
        )
        periods = defaultdict(list)
        for row in rows:
            periods[row["connector_id"][0]].append((row["date_start"], row["date_end"] or None, row["status"]))
        by_charger = defaultdict(list)
        for connector in connectors:
            by_charger[connector.charger_id.id].append(periods.get(connector.id, []))
        connected = self.env["ev.connection.history"]._periods(chargers, start, end)
        first_seen = self._first_seen(chargers)
        return {
            charger.id: ev_uptime.charger_availability(
                connected.get(charger.id, []), by_charger.get(charger.id, []), start, end, first_seen.get(charger.id)
            )
            for charger in chargers
        }

    @api.model
    def _first_seen(self, chargers):
        """{charger id: naive UTC} since when a charger is in service: its creation, or its first
        connection or status period if earlier (history imported or replayed)."""
        first = {c.id: c.create_date for c in chargers}
        for model, field in (("ev.connection.history", "charger_id"), ("ev.status.history", "charger_id")):
            for charger, earliest in (
                self.env[model].sudo()._read_group([(field, "in", chargers.ids)], [field], ["date_start:min"])
            ):
                if earliest and earliest < first.get(charger.id, earliest):
                    first[charger.id] = earliest
        return first

    @api.model
    def _charge_success(self, chargers, start, end):
        """{charger id: ev_uptime.ChargeSuccess} of the attempts started in [start, end)."""
        sessions = defaultdict(list)
        for row in (
            self.env["ev.session"]
            .sudo()
            .search_read(
                [("charger_id", "in", chargers.ids), ("start_time", ">=", start), ("start_time", "<", end)],
                ["charger_id", "id_token_value", "start_time", "energy_kwh", "state"],
            )
        ):
            delivered = row["state"] != "failed" and (row["energy_kwh"] or 0) > 0
            sessions[row["charger_id"][0]].append(
                (row["charger_id"][0], row["id_token_value"] or "", row["start_time"], delivered)
            )
        auths = defaultdict(list)
        for row in (
            self.env["ev.ocpp.event"]
            .sudo()
            .search_read(
                [
                    ("charger_id", "in", chargers.ids),
                    ("action", "=", "Authorize"),
                    ("state", "=", "applied"),
                    ("received_at", ">=", start),
                    ("received_at", "<", end),
                ],
                ["charger_id", "payload", "response", "received_at"],
            )
        ):
            token, accepted = _authorization(row["payload"] or {}, row["response"] or {})
            if accepted:
                auths[row["charger_id"][0]].append((row["charger_id"][0], token, row["received_at"]))
        failed = defaultdict(list)
        for row in (
            self.env["ev.charger.command"]
            .sudo()
            .search_read(
                [
                    ("charger_id", "in", chargers.ids),
                    ("action", "=", "RequestStartTransaction"),
                    ("state", "in", ["rejected", "failed", "timeout"]),
                    ("create_date", ">=", start),
                    ("create_date", "<", end),
                ],
                ["charger_id", "params", "create_date"],
            )
        ):
            params = row["params"] if isinstance(row["params"], dict) else {}
            token = (params.get("idToken") or {}).get("idToken", "") if isinstance(params.get("idToken"), dict) else ""
            failed[row["charger_id"][0]].append((row["charger_id"][0], token, row["create_date"]))
        return {
            charger.id: ev_uptime.first_time_success(
                sessions.get(charger.id, []), auths.get(charger.id, []), failed.get(charger.id, [])
            )
            for charger in chargers
        }

    @api.model
    def _sites_availability(self, sites, months):
        """{month (first day): availability % or None} of the chargers of ``sites`` together (the sum
        of their seconds): the stored months, the current month live. Only chargers the bridge ever
        reported count; a month without observed time has None (not 100 %). For reports such as
        the investor portal's analytics."""
        chargers = self.env["ev.charger"].sudo().search([("site_id", "in", sites.ids)])
        groups = (
            self.env["ev.connection.history"].sudo()._read_group([("charger_id", "in", chargers.ids)], ["charger_id"])
        )
        known = self.env["ev.charger"].sudo().browse([charger.id for (charger,) in groups])
        totals = {month: ev_uptime.Availability() for month in months}
        if not known:
            return {month: None for month in months}
        now = fields.Datetime.now()
        current = {c.id: ev_uptime.month_of(now, c.site_id.tz) for c in known}
        for row in self.sudo().search(
            [("scope", "=", "charger"), ("charger_id", "in", known.ids), ("month", "in", list(months))]
        ):
            if row.month != current[row.charger_id.id]:
                totals[row.month] = totals[row.month] + ev_uptime.Availability(
                    int(row.period_seconds),
                    int(row.online_seconds),
                    int(row.degraded_seconds),
                    int(row.offline_seconds),
                    int(row.fault_seconds),
                )
        for charger_id, result in self._live_for_chargers(known).items():
            month = current[charger_id]
            if month in totals:
                totals[month] = totals[month] + result
        return {
            month: (float(t.availability_percent) if t.availability_percent is not None else None)
            for month, t in totals.items()
        }

    # ------------------------------------------------------------------------------------------
    # Live (current month)
    # ------------------------------------------------------------------------------------------
    @api.model
    def _live_for_chargers(self, chargers):
        """{charger id: Availability} of the current month (each in its site's timezone), up to now."""
        now = fields.Datetime.now()
        result = {}
        by_tz = defaultdict(lambda: self.env["ev.charger"])
        for charger in chargers.sudo():
            if charger.id:
                by_tz[charger.site_id.tz or "UTC"] |= charger
        for tz, group in by_tz.items():
            month = ev_uptime.month_of(now, tz)
            start, _end = ev_uptime.month_bounds(month.year, month.month, tz)
            for pos in range(0, len(group), BATCH):
                result.update(self._availability(group[pos : pos + BATCH], start, now))
        return result


def _authorization(payload, response):
    """(token, accepted?) of an Authorize event, 2.0.1 or 1.6."""
    if isinstance(payload.get("idToken"), dict):
        token = payload["idToken"].get("idToken") or ""
        info = response.get("idTokenInfo") or {}
    else:
        token = payload.get("idTag") or ""
        info = response.get("idTagInfo") or {}
    return str(token), isinstance(info, dict) and info.get("status") == "Accepted"
