"""Status notifications: a fault, a recovery, a station offline longer than the threshold, back
online, a failed remote command. Each is an ``ev.notification.event`` and a message on the
charger's chatter with the event's subtype, so that the charger's followers subscribed to that
subtype get it by email or in Odoo's inbox (their preference); ``ev.notification.subscription``
makes users followers (immediate delivery) or sends them a digest instead. A flapping charger
(more than ``ev_charging.notify_flap_limit`` events in an hour) posts the next ones as notes: nobody
is mailed for them, they go into the next digest of every subscriber."""

from datetime import timedelta

import pytz

from odoo import _, api, fields, models

KINDS = [
    ("fault", "Fault"),
    ("recovery", "Recovery"),
    ("offline", "Offline"),
    ("online", "Back online"),
    ("command_failed", "Command failed"),
]
SUBTYPES = {kind: f"ev_charging.mt_charger_{kind}" for kind, _label in KINDS}
#: kinds that count towards flapping
FLAPPING_KINDS = ("fault", "recovery", "offline", "online")


class EvNotificationEvent(models.Model):
    _name = "ev.notification.event"
    _description = "Charging station status notification"
    _order = "date desc, id desc"

    charger_id = fields.Many2one("ev.charger", required=True, index=True, ondelete="cascade", readonly=True)
    site_id = fields.Many2one(related="charger_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="charger_id.company_id", store=True, index=True)
    connector_id = fields.Many2one("ev.connector", readonly=True, ondelete="set null")
    command_id = fields.Many2one("ev.charger.command", readonly=True, ondelete="set null")
    kind = fields.Selection(KINDS, required=True, index=True, readonly=True)
    date = fields.Datetime(required=True, index=True, readonly=True, help="When it happened (UTC).")
    date_local = fields.Char("When (site time)", compute="_compute_date_local")
    detail = fields.Char(readonly=True)
    suppressed = fields.Boolean(
        readonly=True, index=True, help="The charger was flapping: posted as a note, told only in the digests."
    )
    message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")
    summary = fields.Char(compute="_compute_summary")

    def _compute_date_local(self):
        for event in self:
            if event.date:
                tz = pytz.timezone(event.site_id.tz or "UTC")
                event.date_local = pytz.utc.localize(event.date).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
            else:
                event.date_local = ""

    def _compute_summary(self):
        labels = dict(KINDS)
        for event in self:
            what = event.connector_id.display_name if event.connector_id else event.charger_id.display_name
            event.summary = f"{labels[event.kind]}: {what}" + (f" ({event.detail})" if event.detail else "")

    @api.model
    def _flap_limit(self):
        try:
            return int(self.env["ir.config_parameter"].sudo().get_param("ev_charging.notify_flap_limit", 4))
        except (TypeError, ValueError):
            return 4

    @api.model
    def _notify(self, charger, kind, when, connector=None, detail="", command=None):
        """Record the event and post it on the charger (followers of its subtype are notified)."""
        Event = self.sudo()
        suppressed = False
        if kind in FLAPPING_KINDS:
            recent = Event.search_count(
                [
                    ("charger_id", "=", charger.id),
                    ("kind", "in", FLAPPING_KINDS),
                    ("create_date", ">=", fields.Datetime.now() - timedelta(hours=1)),
                ]
            )
            suppressed = recent >= self._flap_limit()
        event = Event.create(
            {
                "charger_id": charger.id,
                "kind": kind,
                "date": when or fields.Datetime.now(),
                "connector_id": connector.id if connector else False,
                "command_id": command.id if command else False,
                "detail": (detail or "")[:200] or False,
                "suppressed": suppressed,
            }
        )
        template = self.env.ref("ev_charging.mail_template_ev_status_event", raise_if_not_found=False)
        body = template._render_field("body_html", event.ids)[event.id] if template else event.summary
        subject = template._render_field("subject", event.ids)[event.id] if template else event.summary
        message = (
            charger.sudo()
            .with_context(mail_notrack=True)
            .message_post(
                body=body,
                subject=subject,
                author_id=self.env.ref("base.partner_root").id,  # the system tells, whoever's action caused it
                message_type="notification",
                subtype_xmlid="mail.mt_note" if suppressed else SUBTYPES[kind],
            )
        )
        event.message_id = message.id
        return event

    @api.model
    def _cron_offline_alerts(self):
        """Stations disconnected for longer than ev_charging.offline_alert_minutes (default 10): one
        offline notification per disconnection (back online is told when they reconnect)."""
        try:
            minutes = int(self.env["ir.config_parameter"].sudo().get_param("ev_charging.offline_alert_minutes", 10))
        except (TypeError, ValueError):
            minutes = 10
        limit = fields.Datetime.now() - timedelta(minutes=max(0, minutes))
        chargers = (
            self.env["ev.charger"]
            .sudo()
            .search(
                [
                    ("connection_state", "=", "disconnected"),
                    ("offline_alerted", "=", False),
                    ("disconnected_at", "!=", False),
                    ("disconnected_at", "<=", limit),
                ]
            )
        )
        for charger in chargers:
            self._notify(
                charger, "offline", charger.disconnected_at, detail=_("offline for more than %s minutes", minutes)
            )
        chargers.write({"offline_alerted": True})
        return True
