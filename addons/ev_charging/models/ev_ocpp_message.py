import logging
from datetime import timedelta

from odoo import api, fields, models

from ..lib import ev_ocpp
from .ev_bulk import drop_indexes

_logger = logging.getLogger(__name__)

MESSAGE_TYPES = [("CALL", "CALL"), ("CALLRESULT", "CALLRESULT"), ("CALLERROR", "CALLERROR")]


class EvOcppMessage(models.Model):
    _name = "ev.ocpp.message"
    _description = "OCPP message log"
    _order = "timestamp desc, id desc"
    _rec_name = "action"

    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    # no index on direction and type (two or three values: no plan uses one) nor on event_key (its unique
    # constraint is one): fewer index entries per line of an append-only table written at volume
    direction = fields.Selection([("in", "Station → CSMS"), ("out", "CSMS → Station")], required=True)
    message_type = fields.Selection(MESSAGE_TYPES, string="Type", required=True)
    action = fields.Char(index=True)
    unique_id = fields.Char("Message id", index=True)
    payload = fields.Json()
    payload_text = fields.Text("Payload (JSON)", compute="_compute_payload_text")
    timestamp = fields.Datetime(required=True, index=True, help="UTC; the milliseconds are in Timestamp (ms).")
    timestamp_ms = fields.Char("Timestamp (ms)", help="Exact time with milliseconds as recorded by the bridge (UTC).")
    request_id = fields.Many2one(
        "ev.ocpp.message",
        index=True,
        ondelete="set null",
        help="For a CALLRESULT/CALLERROR: the CALL it answers.",
    )
    response_ids = fields.One2many("ev.ocpp.message", "request_id", string="Responses")
    event_key = fields.Char(copy=False, help="Idempotency key of the bridge event that carried it.")

    _sql_constraints = [("event_key_uniq", "unique(event_key)", "This message log entry was already received.")]

    def init(self):
        drop_indexes(
            self.env.cr,
            [
                "ev_ocpp_message__direction_index",
                "ev_ocpp_message__message_type_index",
                "ev_ocpp_message__event_key_index",
            ],
        )

    def _compute_payload_text(self):
        for msg in self:
            msg.payload_text = ev_ocpp.json_text(msg.payload)

    def _link_responses(self):
        """Link CALLRESULT/CALLERROR lines of ``self`` to their CALL (same charger and message id)."""
        answers = self.filtered(lambda m: m.message_type != "CALL" and not m.request_id and m.unique_id)
        if not answers:
            return
        calls = self.search(
            [
                ("message_type", "=", "CALL"),
                ("unique_id", "in", answers.mapped("unique_id")),
                ("charger_id", "in", answers.charger_id.ids),
            ]
        )
        by_key = {(c.charger_id.id, c.unique_id): c for c in calls}
        for answer in answers:
            call = by_key.get((answer.charger_id.id, answer.unique_id))
            if call:
                answer.request_id = call
                if not answer.action:
                    answer.action = call.action

    @api.model
    def _gc_messages(self):
        """Cron: delete log lines older than the retention setting (days; 0 keeps everything)."""
        days = int(self.env["ir.config_parameter"].sudo().get_param("ev_charging.message_retention_days", 90) or 0)
        if days <= 0:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        while True:
            old = self.sudo().search([("timestamp", "<", limit)], limit=10000)
            if not old:
                break
            old.unlink()
            _logger.info("ev.ocpp.message: deleted %s lines older than %s days", len(old), days)
