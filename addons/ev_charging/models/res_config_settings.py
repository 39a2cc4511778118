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
    ev_offline_alert_minutes = fields.Integer(
        "Offline alert after (min)",
        config_parameter="ev_charging.offline_alert_minutes",
        default=10,
        help="A station disconnected for longer than this is notified (offline), then back online when it returns.",
    )
    ev_notify_flap_limit = fields.Integer(
        "Flapping: notifications per hour",
        config_parameter="ev_charging.notify_flap_limit",
        default=4,
        help="Beyond this many status notifications of one charger in an hour, the next ones only go into digests.",
    )
    ev_live_throttle_seconds = fields.Integer(
        "Live session updates every (s)",
        config_parameter="ev_charging.live_throttle_seconds",
        default=5,
        help="A charging session's energy, power and cost are pushed to open screens at most this often.",
    )
    ev_map_tile_url = fields.Char(
        "Map tiles URL",
        config_parameter="ev_charging.map_tile_url",
        help="Tile server of the sites map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (the default); "
        "'none': markers without tiles.",
    )
