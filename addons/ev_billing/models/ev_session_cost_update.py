"""OCPP 2.0.1 CostUpdated: the running estimate and the final total sent to the station through the
command path (rules in lib/ev_cost_update.py)."""

import logging
from datetime import timedelta

from odoo import _, fields, models

from ..lib import ev_cost_update

_logger = logging.getLogger(__name__)

INTERVAL_PARAM = "ev_billing.cost_update_interval"


class EvSession(models.Model):
    _inherit = "ev.session"

    cost_update_amount = fields.Monetary(
        "Cost last sent to the station",
        currency_field="cost_currency_id",
        readonly=True,
        copy=False,
        help="totalCost of the last CostUpdated command (OCPP 2.0.1).",
    )
    cost_update_sent_at = fields.Datetime("Cost last sent at", readonly=True, copy=False)
    cost_update_final_sent = fields.Boolean("Final cost sent", readonly=True, copy=False)
    cost_update_command_ids = fields.One2many(
        "ev.charger.command",
        "session_id",
        string="Cost updates",
        domain=[("action", "=", "CostUpdated")],
        readonly=True,
    )

    def _ev_send_running_cost(self, batch=None):
        """Progress step "running_cost": the running estimate to the station (see _ev_send_cost_update)."""
        self._ev_send_cost_update(final=False)

    def _ev_send_final_cost(self, batch=None):
        """Completion step "final_cost": the final total to the station (see _ev_send_cost_update)."""
        self._ev_send_cost_update(final=True)

    def _ev_cost_update_interval(self):
        value = self.env["ir.config_parameter"].sudo().get_param(INTERVAL_PARAM)
        try:
            return ev_cost_update.parse_interval(value)
        except ValueError as exc:
            _logger.warning(
                "ev_billing: %s Using %s s (System parameter %s).",
                exc,
                ev_cost_update.DEFAULT_INTERVAL_SECONDS,
                INTERVAL_PARAM,
            )
            return ev_cost_update.DEFAULT_INTERVAL_SECONDS

    def _ev_send_cost_update(self, final, now=None):
        """Send CostUpdated to connected 2.0.1 stations: the final total once (``final``), else the running
        estimate when it changed, at most once per the configured interval. Never raises: pricing and
        ingestion must not fail because a station cannot be told its cost."""
        now = now or fields.Datetime.now()
        interval = None
        due = []
        for session in self.sudo():
            if not final and session.cost_update_sent_at:
                # sent less than an interval ago: not due whatever the estimate (estimate_update_due),
                # the common case of an active session at each batch, told before anything is read
                if interval is None:
                    interval = self._ev_cost_update_interval()
                if now - session.cost_update_sent_at < timedelta(seconds=interval):
                    continue
            charger = session.charger_id
            if (
                charger.ocpp_version != "2.0.1"
                or not session.transaction_id
                or not session.cost_currency_id
                or charger.connection_state != "connected"
                or not charger.node_id
            ):
                continue
            if final:
                if session.state != "completed" or not session.priced_at or session.cost_update_final_sent:
                    continue
                amount = session.cost_total
            else:
                if session.state != "active" or not session.cost_estimate_at or session.pricing_error:
                    continue
                amount = session.cost_estimate
            total = ev_cost_update.total_cost(amount, session.cost_currency_id.decimal_places)
            if not final:
                if interval is None:
                    interval = self._ev_cost_update_interval()
                last = session.cost_update_amount if session.cost_update_sent_at else None
                last = (
                    ev_cost_update.total_cost(last, session.cost_currency_id.decimal_places)
                    if last is not None
                    else None
                )
                if not ev_cost_update.estimate_update_due(
                    total, now, last, session.cost_update_sent_at or None, interval
                ):
                    continue
            due.append((session, total))
        if len(due) > 1:
            try:
                with self.env.cr.savepoint():
                    self._ev_push_cost_updates(due, final, now)
                return
            except Exception:  # noqa: BLE001 - again one by one below, where each failure is told
                self.env.invalidate_all()
        for session, total in due:
            session._ev_push_cost_update(total, final, now)

    def _ev_push_cost_updates(self, due, final, now):
        """Queue the CostUpdated of every (session, total) of ``due`` at once (see _ev_push_cost_update,
        which does it for one session and tells a failure)."""
        items = []
        for session, total in due:
            params = ev_cost_update.cost_updated_params(total, session.transaction_id)
            items.append((session.charger_id, "CostUpdated", params, session.connector_id, session))
        commands = self.env["ev.charger.command"].sudo()._queue_for_stations(items)
        by_total = {}
        for (session, total), command in zip(due, commands, strict=True):
            if command:
                by_total[total] = by_total.get(total, self.sudo().browse()) | session
        for total, sessions in by_total.items():
            vals = {"cost_update_amount": total, "cost_update_sent_at": now}
            if final:
                vals["cost_update_final_sent"] = True
            sessions.write(vals)

    def _ev_push_cost_update(self, total, final, now):
        self.ensure_one()
        params = ev_cost_update.cost_updated_params(total, self.transaction_id)
        try:
            with self.env.cr.savepoint():
                # queued only: no network I/O inside the ingestion (or cron) transaction; the node
                # holding the station takes it with its next ingest batch (ingest_and_pull). Nothing
                # is queued for a station that answered NotImplemented to CostUpdated before.
                command = (
                    self.env["ev.charger.command"]
                    .sudo()
                    ._queue_for_station(self.charger_id, "CostUpdated", params, self.connector_id, self)
                )
        except Exception as exc:  # noqa: BLE001 - a station that cannot be told its cost must not block billing
            _logger.warning("ev_billing: CostUpdated for session %s not queued: %s", self.id, exc)
            self.message_post(
                body=_("The cost %(total)s could not be sent to the station: %(error)s", total=total, error=exc)
            )
            return False
        if not command:
            return False
        vals = {"cost_update_amount": total, "cost_update_sent_at": now}
        if final:
            vals["cost_update_final_sent"] = True
        self.write(vals)
        return command
