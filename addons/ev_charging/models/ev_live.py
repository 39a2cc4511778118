"""Live updates of the charging network through Odoo's bus.

Where a record changes (a connector's status applied, a station connected or disconnected, a
session's progress or completion step), it is *queued* with ``env["ev.live"]._queue(records)``.
Nothing is sent then: once the transaction (e.g. one ingestion batch) is committed, one bus message
per company (``company._bus_send("ev_charging/live", …, subchannel="ev_charging")``, in a short
transaction of its own) carries the current values of every record queued, each once - however many
events and savepoints of the batch touched it (a precommit hook would run at every savepoint). A
session's progress is throttled: it is sent at most once every ``ev_charging.live_throttle_seconds``
(default 5) per session and process; status changes, connections and completions are always sent.
The web client (static/src/live) refreshes the open forms, lists and the dashboard from it.
"""

import logging
import time
from functools import partial

from odoo import SUPERUSER_ID, api, fields, models

_logger = logging.getLogger(__name__)

LIVE_SUBCHANNEL = "ev_charging"
LIVE_TYPE = "ev_charging/live"
#: (database, model, id) -> time.monotonic() of the last push (per process: a throttle, not a record)
_LAST_PUSH = {}
_LAST_PUSH_MAX = 50_000
#: the payload key of each model
KEYS = {"ev.charger": "chargers", "ev.connector": "connectors", "ev.session": "sessions"}


def _clock():
    """Seconds of a monotonic clock (tests replace it)."""
    return time.monotonic()


class EvLive(models.AbstractModel):
    _name = "ev.live"
    _description = "Live updates of the charging network (bus)"

    @api.model
    def _throttle_seconds(self):
        value = self.env["ir.config_parameter"].sudo().get_param("ev_charging.live_throttle_seconds", 5)
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            return 5.0

    @api.model
    def _queue(self, records, throttle=False):
        """Send the current values of ``records`` (chargers, connectors, sessions) to the open screens
        of their company at the end of the transaction; ``throttle``: skip those pushed less than the
        throttle delay ago (a session's progress)."""
        records = records.exists() if records else records
        if not records or records._name not in KEYS:
            return
        cr = self.env.cr
        pending = cr.postcommit.data.get("ev_live.pending")
        if pending is None:
            pending = cr.postcommit.data["ev_live.pending"] = {}
            cr.postcommit.add(partial(EvLive._send_after_commit, self.env.registry, pending))
        now, delay, db = _clock(), self._throttle_seconds() if throttle else 0, cr.dbname
        for record in records:
            key = (record._name, record.id)
            if throttle and key not in pending:
                last = _LAST_PUSH.get((db, *key))
                if last is not None and now - last < delay:
                    continue
            pending[key] = True

    @staticmethod
    def _send_after_commit(registry, pending):
        """After the commit: the queued records' values in a short transaction (never raises)."""
        if not pending:
            return
        try:
            with registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["ev.live"]._flush(pending)
        except Exception:  # noqa: BLE001 - a live update that cannot be sent must not fail the request
            _logger.exception("ev.live: could not send the live update of %s records", len(pending))

    @api.model
    def _flush_pending(self):
        """Send what this transaction queued now, inside it (tests; the commit does it otherwise)."""
        pending = self.env.cr.postcommit.data.get("ev_live.pending")
        return self.sudo()._flush(pending) if pending else True

    @api.model
    def _flush(self, pending):
        """One bus message per company with every queued record's current values."""
        by_model = {}
        for model, record_id in pending:
            by_model.setdefault(model, []).append(record_id)
        pending.clear()
        messages = {}
        db, now = self.env.cr.dbname, _clock()
        if len(_LAST_PUSH) > _LAST_PUSH_MAX:
            _LAST_PUSH.clear()
        for model, ids in by_model.items():
            records = self.env[model].sudo().browse(ids).exists()
            for record, values in zip(records, records._ev_live_values(), strict=True):
                company = record.company_id
                if not company:
                    continue
                messages.setdefault(company, {}).setdefault(KEYS[model], []).append(values)
                _LAST_PUSH[(db, model, record.id)] = now
        for company, payload in messages.items():
            payload["at"] = fields.Datetime.to_string(fields.Datetime.now())
            company._bus_send(LIVE_TYPE, payload, subchannel=LIVE_SUBCHANNEL)
        return True


def live_values(records, names):
    """[{field: JSON value}] of ``records`` for ``names`` (many2one as [id, name], dates as strings)."""
    result = []
    for record in records:
        values = {"id": record.id}
        for name in names:
            field, value = record._fields[name], record[name]
            if field.type == "many2one":
                value = [value.id, value.display_name] if value else False
            elif field.type == "datetime":
                value = fields.Datetime.to_string(value) if value else False
            elif field.type == "date":
                value = fields.Date.to_string(value) if value else False
            elif field.type == "monetary" or field.type == "float":
                value = float(value or 0.0)
            values[name] = value
        result.append(values)
    return result
