from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_message_retention_days = fields.Integer(
        "OCPP message retention (days)",
        config_parameter="ev_charging.message_retention_days",
        default=90,
        help="OCPP message log lines older than this are deleted every night. 0 keeps everything.",
    )
    ev_event_retention_days = fields.Integer(
        "Applied event retention (days)",
        config_parameter="ev_charging.event_retention_days",
        default=30,
        help="Applied bridge events (the idempotency record) older than this are deleted. Rejected events are "
        "kept until reviewed.",
    )
    ev_fault_creates_task = fields.Boolean(
        "Open a field task on a fault", config_parameter="ev_charging.fault_creates_task", default=True
    )
    ev_command_timeout = fields.Integer(
        "Remote command timeout (s)", config_parameter="ev_charging.command_timeout", default=35
    )
    ev_stale_session_hours = fields.Integer(
        "Close silent sessions after (h)",
        config_parameter="ev_charging.stale_session_hours",
        default=24,
        help="An active session with no data for this long is closed by Odoo (0: never).",
    )
